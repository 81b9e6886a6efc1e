//! What `ikelab matrix --out DIR` (and `ikelab matrix merge --out DIR`) leaves in DIR:
//! `matrix.md`, `matrix.csv`, `matrix.html`, `matrix.json` (what the run covered,
//! [`super::manifest`]) and a folder `cells/<id>/` per cell that ran, as `ikelab run --report`
//! leaves; writing the tables, and copying a shard's cell folder into a merge (regular files
//! and folders only, bounded, never through a link).

use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use ikelab_sim::Limit;
use ikelab_sim::files::{self, Access, FileError, FileKind};

use super::id::CellId;
use super::manifest::{self, Manifest};
use super::row::Row;
use super::{page, table};

/// The folder of the cells' folders.
pub const CELLS: &str = "cells";
/// The markdown table.
pub const MD: &str = "matrix.md";
/// The CSV table.
pub const CSV: &str = "matrix.csv";
/// The page.
pub const HTML: &str = "matrix.html";

/// The most files and folders one cell's folder may hold to be copied (a cell writes some 15).
const MAX_ENTRIES: usize = 1_000;
/// The deepest folder in a cell's folder copied (`wireshark-profile/` is one down).
const MAX_DEPTH: usize = 3;
/// The largest file of a cell's folder copied (a cell's capture is some KiB).
const FILE_LIMIT: Limit = Limit {
    bytes: 1 << 30,
    what: "a matrix cell's files",
};

/// The folder of the cell `id` in the output folder `dir`.
pub fn cell_dir(dir: &Path, id: &CellId) -> PathBuf {
    dir.join(CELLS).join(id.as_str())
}

/// Why the output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file or folder could not be read or written.
    #[error(transparent)]
    File(#[from] FileError),
    /// The CSV writer failed.
    #[error("{}: {source}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: csv::Error,
    },
    /// Something in a cell's folder that the matrix does not write.
    #[error("{}: is {kind}; a cell's folder holds only files and folders (not copied)", path.display())]
    NotCopied {
        /// Its path.
        path: PathBuf,
        /// What it is.
        kind: FileKind,
    },
    /// A cell's folder with more in it than a cell writes.
    #[error("{}: more than {MAX_ENTRIES} files and folders, more than a cell writes (not copied)", path.display())]
    TooMany {
        /// The cell's folder.
        path: PathBuf,
    },
    /// A cell's folder nested deeper than a cell writes.
    #[error("{}: folders nested deeper than a cell writes (not copied)", path.display())]
    TooDeep {
        /// The folder.
        path: PathBuf,
    },
    /// An earlier run's `cells/` could not be removed.
    #[error("{}: removing an earlier run's cells: {source}", path.display())]
    Clear {
        /// The folder.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// Source and destination are one file.
    #[error("{}: is the file it would be copied to {} (not copied)", from.display(), to.display())]
    SameFile {
        /// The source.
        from: PathBuf,
        /// The destination.
        to: PathBuf,
    },
}

/// Makes the output folder `dir` (with its parents) and its `cells/` (not through a link). A
/// folder an earlier `ikelab matrix` wrote (its `matrix.json` reads as one) loses its old
/// `cells/` first, so that no cell of another grid or run stays beside this run's; any other
/// folder keeps what it holds.
pub fn prepare(dir: &Path) -> Result<(), OutputError> {
    files::create_root(dir)?;
    let cells = dir.join(CELLS);
    let old_cells = std::fs::symlink_metadata(&cells).is_ok_and(|m| m.is_dir());
    if old_cells && manifest::written_at(&dir.join(manifest::FILE)) {
        // Links inside are removed, never followed.
        std::fs::remove_dir_all(&cells).map_err(|source| OutputError::Clear {
            path: cells.clone(),
            source,
        })?;
    }
    files::create_dir(&cells, Access::Shared)?;
    Ok(())
}

/// Writes `matrix.md`, `matrix.csv`, `matrix.html` and `matrix.json` for `rows` into `dir`.
pub fn write(dir: &Path, rows: &[Row], manifest: &Manifest) -> Result<(), OutputError> {
    let csv_path = dir.join(CSV);
    let csv = table::csv(rows).map_err(|source| OutputError::Csv {
        path: csv_path.clone(),
        source,
    })?;
    files::create_root(dir)?;
    files::write(&dir.join(MD), table::markdown(rows), Access::Shared)?;
    files::write(&csv_path, csv, Access::Shared)?;
    files::write(&dir.join(HTML), page::render(rows), Access::Shared)?;
    files::write(
        &dir.join(manifest::FILE),
        manifest.to_json(),
        Access::Shared,
    )?;
    Ok(())
}

/// Checks that the cell folder `from` can be copied (regular files and folders only, within
/// the bounds), writing nothing: a merge checks every cell before it writes one.
pub fn check_cell(from: &Path) -> Result<(), OutputError> {
    walk(from, None)
}

/// Copies the cell folder `from` to `to` (replacing what files of the same names `to` holds).
pub fn copy_cell(from: &Path, to: &Path) -> Result<(), OutputError> {
    walk(from, Some(to))
}

/// Walks the cell folder `from`, copying it to `to` if given.
fn walk(from: &Path, to: Option<&Path>) -> Result<(), OutputError> {
    let mut budget = MAX_ENTRIES;
    copy_tree(from, to, 0, &mut budget).map_err(|e| match e {
        OutputError::TooMany { .. } => OutputError::TooMany {
            path: from.to_path_buf(),
        },
        e => e,
    })
}

/// How a copy is to be readable: a private source (no access for group and others, as the key
/// files) stays private.
fn access_of(meta: &fs::Metadata) -> Access {
    if meta.permissions().mode() & 0o077 == 0 {
        Access::Private
    } else {
        Access::Shared
    }
}

fn copy_tree(
    from: &Path,
    to: Option<&Path>,
    depth: usize,
    budget: &mut usize,
) -> Result<(), OutputError> {
    let io = |e| FileError::Io {
        path: from.to_path_buf(),
        source: e,
    };
    let meta = fs::symlink_metadata(from).map_err(io)?;
    if !meta.is_dir() {
        return Err(OutputError::NotCopied {
            path: from.to_path_buf(),
            kind: FileKind::of(meta.file_type()),
        });
    }
    if let Some(to) = to {
        files::create_dir(to, access_of(&meta))?;
    }
    let mut names = vec![];
    for e in fs::read_dir(from).map_err(io)? {
        *budget = budget.checked_sub(1).ok_or_else(|| OutputError::TooMany {
            path: from.to_path_buf(),
        })?;
        names.push(e.map_err(io)?.file_name());
    }
    names.sort();
    for name in names {
        let (src, dst) = (from.join(&name), to.map(|t| t.join(&name)));
        let m = fs::symlink_metadata(&src).map_err(|e| FileError::Io {
            path: src.clone(),
            source: e,
        })?;
        if m.is_dir() {
            if depth + 1 >= MAX_DEPTH {
                return Err(OutputError::TooDeep { path: src });
            }
            copy_tree(&src, dst.as_deref(), depth + 1, budget)?;
        } else if m.is_file() {
            if m.len() > FILE_LIMIT.bytes {
                return Err(FileError::TooLarge {
                    path: src,
                    limit: FILE_LIMIT,
                }
                .into());
            }
            if let Some(dst) = dst {
                copy_file(&src, &dst, &m)?;
            }
        } else {
            return Err(OutputError::NotCopied {
                path: src,
                kind: FileKind::of(m.file_type()),
            });
        }
    }
    Ok(())
}

fn copy_file(from: &Path, to: &Path, meta: &fs::Metadata) -> Result<(), OutputError> {
    if let Ok(t) = fs::symlink_metadata(to)
        && (t.dev(), t.ino()) == (meta.dev(), meta.ino())
    {
        return Err(OutputError::SameFile {
            from: from.to_path_buf(),
            to: to.to_path_buf(),
        });
    }
    let mut src = files::open(from, FILE_LIMIT)?;
    let mut dst = files::create(to, access_of(meta))?;
    io::copy(&mut src, &mut dst).map_err(|e| match e.kind() {
        io::ErrorKind::FileTooLarge => FileError::TooLarge {
            path: from.to_path_buf(),
            limit: FILE_LIMIT,
        },
        _ => FileError::Io {
            path: to.to_path_buf(),
            source: e,
        },
    })?;
    Ok(())
}
