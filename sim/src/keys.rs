//! The keys a run's engines derived, as the lines of Wireshark's two key files
//! (`ikev1_decryption_table`, `esp_sa`), and the writer of those files that the run's
//! artefacts, `ikelab peer` and the tests use. They decrypt everything the run sent, so they are
//! the owner's only: 0600 files in a 0700 folder, whatever the umask.

use std::path::{Path, PathBuf};

use crate::files::{self, Access, FileError, Limit};
use crate::sink::LineSink;
use crate::{KeyLine, SimError};

/// Keys exported during a run, as lines of Wireshark's key files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyLog {
    /// `ikev1_decryption_table` lines.
    pub ikev1: Vec<String>,
    /// `esp_sa` lines.
    pub esp: Vec<String>,
}

/// Where [`KeyLog::write`] put the two files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFiles {
    /// `ikev1_decryption_table`.
    pub ikev1: PathBuf,
    /// `esp_sa`.
    pub esp: PathBuf,
}

impl KeyLog {
    /// The file name of the IKEv1 table.
    pub const IKEV1_FILE: &'static str = "ikev1_decryption_table";
    /// The file name of the ESP table.
    pub const ESP_FILE: &'static str = "esp_sa";

    /// Adds a line a node reported to the file it belongs in.
    pub fn push(&mut self, line: KeyLine) {
        match line {
            KeyLine::Ikev1(l) => self.ikev1.push(l),
            KeyLine::EspSa(l) => self.esp.push(l),
        }
    }

    /// Writes both files into `dir` (created if missing, made 0700), one line each, in the
    /// order derived; each file is 0600.
    pub fn write(&self, dir: &Path) -> Result<KeyFiles, FileError> {
        files::create_dir(dir, Access::Private)?;
        let lines = |v: &[String]| v.iter().map(|l| format!("{l}\n")).collect::<String>();
        let out = KeyFiles {
            ikev1: dir.join(Self::IKEV1_FILE),
            esp: dir.join(Self::ESP_FILE),
        };
        files::write(&out.ikev1, lines(&self.ikev1), Access::Private)?;
        files::write(&out.esp, lines(&self.esp), Access::Private)?;
        Ok(out)
    }

    /// Copies both files from the folder `from` into `to` (created if missing), with the modes
    /// [`KeyLog::write`] gives; a byte at a time through a buffer, however long the run was.
    pub fn copy(from: &Path, to: &Path) -> Result<KeyFiles, SimError> {
        // Files this run wrote: the limit is there for files a user hands in.
        const OWN: Limit = Limit {
            bytes: u64::MAX,
            what: "key files",
        };
        files::create_dir(to, Access::Private)?;
        let copy = |name: &str| -> Result<PathBuf, SimError> {
            let target = to.join(name);
            let mut r = files::open(&from.join(name), OWN)?;
            let mut w = files::create(&target, Access::Private)?;
            std::io::copy(&mut r, &mut w).map_err(|source| SimError::Io {
                path: target.clone(),
                source,
            })?;
            Ok(target)
        };
        Ok(KeyFiles {
            ikev1: copy(Self::IKEV1_FILE)?,
            esp: copy(Self::ESP_FILE)?,
        })
    }
}

/// The two key files written line by line as keys are derived (a long run's keys are not kept
/// in memory): the same files, folder and modes as [`KeyLog::write`].
#[derive(Debug)]
pub struct KeySink {
    ikev1: LineSink,
    esp: LineSink,
}

impl KeySink {
    /// Creates `dir` (0700, if missing) and both files in it (0600).
    pub fn create(dir: &Path) -> Result<KeySink, SimError> {
        files::create_dir(dir, Access::Private)?;
        Ok(KeySink {
            ikev1: LineSink::create_as(&dir.join(KeyLog::IKEV1_FILE), Access::Private)?,
            esp: LineSink::create_as(&dir.join(KeyLog::ESP_FILE), Access::Private)?,
        })
    }

    /// Appends a line to the file it belongs in.
    pub fn push(&mut self, line: &KeyLine) {
        match line {
            KeyLine::Ikev1(l) => self.ikev1.line(format_args!("{l}")),
            KeyLine::EspSa(l) => self.esp.line(format_args!("{l}")),
        }
    }

    /// Flushes both; where they are, or the first error met while writing.
    pub fn finish(self) -> Result<KeyFiles, SimError> {
        let ikev1 = self.ikev1.finish();
        let esp = self.esp.finish();
        Ok(KeyFiles {
            ikev1: ikev1?,
            esp: esp?,
        })
    }
}
