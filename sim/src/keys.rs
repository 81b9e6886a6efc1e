//! The keys a run's engines derived, as the lines of Wireshark's two key files
//! (`ikev1_decryption_table`, `esp_sa`), and the writer of those files that the run's
//! artefacts, `ikelab peer` and the tests use. They decrypt everything the run sent, so they are
//! the owner's only: 0600 files in a 0700 folder, whatever the umask.

use std::path::{Path, PathBuf};

use crate::KeyLine;
use crate::files::{self, Access, FileError};

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
}
