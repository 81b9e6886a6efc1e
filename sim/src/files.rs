//! The one way ikelab reads a user's file and writes an artefact, so that no input can hang it
//! or exhaust its memory and no output lands outside the folder it was meant for.
//!
//! Reading ([`open`], [`read`], [`read_text`]): only a regular file is read. A FIFO would block
//! the open itself, a device such as `/dev/zero` never ends and a folder is no file, so the type
//! is checked with `stat` before opening; the file is then opened without blocking and checked
//! again (it may have been swapped), and never more than its [`Limit`] is read, whatever the file
//! grows to meanwhile.
//!
//! Writing ([`create`], [`create_dir`]): an artefact is never written through a symbolic link
//! (or into a FIFO or device) planted where it goes, nor into a file another name shares (a
//! hard link), and a secret (Wireshark's key files) is
//! readable by its owner only (0600, in a 0700 folder) whatever the umask.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The most ikelab reads of one kind of file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Bytes.
    pub bytes: u64,
    /// The kind of file, for messages (`vendor configs`).
    pub what: &'static str,
}

impl Limit {
    /// A vendor config (a real one is a few KiB).
    pub const CONFIG: Limit = Limit {
        bytes: 1 << 20,
        what: "vendor configs",
    };
    /// A `scenario.toml`.
    pub const SCENARIO: Limit = Limit {
        bytes: 1 << 20,
        what: "scenario files",
    };
    /// A `.feature` file.
    pub const FEATURE: Limit = Limit {
        bytes: 1 << 20,
        what: "feature files",
    };
    /// A Wireshark key file (`ikev1_decryption_table`, `esp_sa`): a line per SA, so a day of
    /// rekeys of a thousand tunnels still fits.
    pub const KEY_FILE: Limit = Limit {
        bytes: 64 << 20,
        what: "key files",
    };
    /// A run or vendor log (a day of pings logs some megabytes; read a line at a time).
    pub const LOG: Limit = Limit {
        bytes: 256 << 20,
        what: "run logs",
    };
    /// A capture, unless the user says otherwise (`ikelab decode --max-size`). A capture is read
    /// one record at a time, so this bounds the time a decode takes, not its memory.
    pub const CAPTURE: Limit = Limit {
        bytes: 16 << 30,
        what: "captures",
    };

    /// A capture limit of `bytes`.
    pub const fn capture(bytes: u64) -> Limit {
        Limit {
            bytes,
            what: "captures",
        }
    }
}

/// What a path is, when it is not a regular file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A folder.
    Folder,
    /// A FIFO (named pipe): opening it to read blocks until a writer comes.
    Fifo,
    /// A character device (`/dev/zero`, a terminal).
    CharDevice,
    /// A block device (a disk).
    BlockDevice,
    /// A Unix socket.
    Socket,
    /// A symbolic link (where ikelab was to write).
    Symlink,
    /// Anything else.
    Other,
}

impl FileKind {
    /// What a file of type `t` is.
    pub fn of(t: fs::FileType) -> FileKind {
        if t.is_dir() {
            FileKind::Folder
        } else if t.is_fifo() {
            FileKind::Fifo
        } else if t.is_char_device() {
            FileKind::CharDevice
        } else if t.is_block_device() {
            FileKind::BlockDevice
        } else if t.is_socket() {
            FileKind::Socket
        } else if t.is_symlink() {
            FileKind::Symlink
        } else {
            FileKind::Other
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::Folder => "a folder",
            FileKind::Fifo => "a FIFO (named pipe)",
            FileKind::CharDevice => "a character device",
            FileKind::BlockDevice => "a block device",
            FileKind::Socket => "a socket",
            FileKind::Symlink => "a symbolic link",
            FileKind::Other => "not a regular file",
        })
    }
}

/// Why a file could not be read or written. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The system refused: no such file, no permission, a full disk...
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// A path to read that is not a regular file (reading it could block or never end).
    #[error("{}: is {kind}, not a regular file", path.display())]
    NotRegular {
        /// The path.
        path: PathBuf,
        /// What it is.
        kind: FileKind,
    },
    /// A file larger than ikelab reads of its kind.
    #[error("{}: larger than {} bytes, the most read of {}", path.display(), limit.bytes, limit.what)]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit it exceeds.
        limit: Limit,
    },
    /// A text file that is not UTF-8.
    #[error("{}:{line}:{column}: invalid UTF-8 (byte {byte:#04x}); expected text", path.display())]
    NotText {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first invalid byte.
        line: usize,
        /// 1-based column (in characters) of the first invalid byte.
        column: usize,
        /// The byte.
        byte: u8,
    },
    /// Where an artefact is to be written there is something else than a regular file: a
    /// symbolic link (which could point anywhere), a FIFO (which would block), a device.
    #[error("{}: is {kind}; ikelab does not write through it (remove it, or choose another folder)", path.display())]
    NotWritable {
        /// The path.
        path: PathBuf,
        /// What is there.
        kind: FileKind,
    },
}

impl FileError {
    fn io(path: &Path, source: io::Error) -> FileError {
        FileError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// A regular file open for reading that yields at most its limit: reading past it is an error
/// of kind [`io::ErrorKind::FileTooLarge`] (whose message says the limit).
#[derive(Debug)]
pub struct Bounded {
    file: File,
    path: PathBuf,
    limit: Limit,
    read: u64,
    /// The file's size when it was opened.
    len: u64,
}

impl Bounded {
    /// The file's size when it was opened.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file was empty when it was opened.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The path it was opened by.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn too_large(&self) -> FileError {
        FileError::TooLarge {
            path: self.path.clone(),
            limit: self.limit,
        }
    }
}

impl Read for Bounded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let room = self.limit.bytes - self.read;
        if room == 0 {
            // At the limit: one more byte means the file is larger than allowed.
            let mut probe = [0u8; 1];
            return match self.file.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::new(
                    io::ErrorKind::FileTooLarge,
                    self.too_large().to_string(),
                )),
            };
        }
        let n = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let got = self.file.read(&mut buf[..n])?;
        self.read += got as u64;
        Ok(got)
    }
}

/// Opens `path` for reading if it is a regular file no larger than `limit`.
pub fn open(path: &Path, limit: Limit) -> Result<Bounded, FileError> {
    let not_regular = |kind| FileError::NotRegular {
        path: path.to_path_buf(),
        kind,
    };
    // `stat` first: opening a FIFO to read blocks until a writer comes.
    let meta = fs::metadata(path).map_err(|e| FileError::io(path, e))?;
    if !meta.is_file() {
        return Err(not_regular(FileKind::of(meta.file_type())));
    }
    let file = OpenOptions::new()
        .read(true)
        // Should the path have become a FIFO since, the open does not wait for a writer.
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| FileError::io(path, e))?;
    let meta = file.metadata().map_err(|e| FileError::io(path, e))?;
    if !meta.is_file() {
        return Err(not_regular(FileKind::of(meta.file_type())));
    }
    let f = Bounded {
        file,
        path: path.to_path_buf(),
        limit,
        read: 0,
        len: meta.len(),
    };
    if meta.len() > limit.bytes {
        return Err(f.too_large());
    }
    Ok(f)
}

/// Reads all of `path`, a regular file no larger than `limit`.
pub fn read(path: &Path, limit: Limit) -> Result<Vec<u8>, FileError> {
    let mut f = open(path, limit)?;
    let mut bytes = Vec::with_capacity(usize::try_from(f.len()).unwrap_or(0));
    match f.read_to_end(&mut bytes) {
        Ok(_) => Ok(bytes),
        Err(e) if e.kind() == io::ErrorKind::FileTooLarge => Err(f.too_large()),
        Err(e) => Err(FileError::io(path, e)),
    }
}

/// Reads all of `path`, a regular UTF-8 text file no larger than `limit`.
pub fn read_text(path: &Path, limit: Limit) -> Result<String, FileError> {
    String::from_utf8(read(path, limit)?).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        // The text before the bad byte is valid, so lines and columns can be counted in it.
        let before = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        FileError::NotText {
            path: path.to_path_buf(),
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
            byte: bytes[at],
        }
    })
}

/// Who may read a file or folder ikelab writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// As the umask allows (captures, logs, summaries).
    Shared,
    /// The owner only, whatever the umask: 0600 files, 0700 folders (key files).
    Private,
}

/// Refuses to write at `path` if something other than a regular file is there.
fn check_target(path: &Path, want_dir: bool) -> Result<bool, FileError> {
    match fs::symlink_metadata(path) {
        Ok(m) if want_dir && m.is_dir() => Ok(true),
        Ok(m) if !want_dir && m.is_file() => Ok(true),
        Ok(m) => Err(FileError::NotWritable {
            path: path.to_path_buf(),
            kind: FileKind::of(m.file_type()),
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(FileError::io(path, e)),
    }
}

/// Creates (or truncates) the file `path` to write, never through a symbolic link or into a
/// FIFO or device; a [`Access::Private`] file is 0600 even if it existed with other modes.
pub fn create(path: &Path, access: Access) -> Result<File, FileError> {
    if check_target(path, false)? {
        // A file with other names (a hard link planted where the artefact goes) is let go, not
        // truncated: its other names keep what they hold, and this name gets a file of its own.
        let meta = fs::symlink_metadata(path).map_err(|e| FileError::io(path, e))?;
        if meta.nlink() > 1 {
            fs::remove_file(path).map_err(|e| FileError::io(path, e))?;
        }
    }
    let mode = match access {
        Access::Shared => 0o666,
        Access::Private => 0o600,
    };
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        // Should a link or a FIFO have been put there since the check: refused, not followed,
        // and no wait for a reader.
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => FileError::NotWritable {
                path: path.to_path_buf(),
                kind: FileKind::Symlink,
            },
            _ => FileError::io(path, e),
        })?;
    let meta = file.metadata().map_err(|e| FileError::io(path, e))?;
    if !meta.is_file() {
        return Err(FileError::NotWritable {
            path: path.to_path_buf(),
            kind: FileKind::of(meta.file_type()),
        });
    }
    if access == Access::Private {
        // The mode given to open is reduced by the umask, and an existing file keeps its own.
        file.set_permissions(fs::Permissions::from_mode(0o600))
            .map_err(|e| FileError::io(path, e))?;
    }
    Ok(file)
}

/// Writes `bytes` to the file `path` as [`create`] does.
pub fn write(path: &Path, bytes: impl AsRef<[u8]>, access: Access) -> Result<(), FileError> {
    use io::Write as _;
    create(path, access)?
        .write_all(bytes.as_ref())
        .map_err(|e| FileError::io(path, e))
}

/// Makes the folder the user named for artefacts (`--out`), with its parents; it may be reached
/// through symbolic links, as any path the user gives.
pub fn create_root(path: &Path) -> Result<(), FileError> {
    fs::create_dir_all(path).map_err(|e| FileError::io(path, e))
}

/// Makes the folder `path` inside an artefact folder (its parents as needed); a folder that
/// exists is used unless it is a symbolic link. A [`Access::Private`] folder is 0700 even if it
/// existed.
pub fn create_dir(path: &Path, access: Access) -> Result<(), FileError> {
    if !check_target(path, true)? {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|e| FileError::io(parent, e))?;
        }
        let mode = match access {
            Access::Shared => 0o777,
            Access::Private => 0o700,
        };
        match fs::DirBuilder::new().mode(mode).create(path) {
            Ok(()) => {}
            // Made meanwhile: checked again below.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                check_target(path, true)?;
            }
            Err(e) => return Err(FileError::io(path, e)),
        }
    }
    if access == Access::Private {
        fs::set_permissions(path, fs::Permissions::from_mode(0o700))
            .map_err(|e| FileError::io(path, e))?;
    }
    Ok(())
}
