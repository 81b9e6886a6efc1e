//! The built-in scenarios, compiled into ikelab so that `ikelab run NAME` works anywhere. Their
//! files live in `scenarios/catalog/NAME/`; copy a folder to make a scenario of your own.

/// A built-in scenario: its name and files.
#[derive(Debug)]
pub struct Builtin {
    /// Name (the folder's).
    pub name: &'static str,
    /// (file name, contents).
    pub files: &'static [(&'static str, &'static str)],
}

impl Builtin {
    /// A file's contents.
    pub fn file(&self, name: &str) -> Option<&'static str> {
        self.files.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    /// The scenario's one-line description.
    pub fn description(&self) -> String {
        self.file("scenario.toml")
            .and_then(|t| t.lines().find_map(|l| l.strip_prefix("description = ")))
            .map(|d| d.trim_matches('"').to_string())
            .unwrap_or_default()
    }
}

macro_rules! builtin {
    ($name:literal: $($file:literal),*) => {
        Builtin {
            name: $name,
            files: &[$(($file, include_str!(concat!("../../catalog/", $name, "/", $file)))),*],
        }
    };
}

/// Every built-in scenario.
pub static CATALOG: &[Builtin] = &[
    builtin!("proxy-id-mismatch": "scenario.toml", "seil.conf", "ix.conf"),
    builtin!("proxy-id-fixed": "scenario.toml", "seil.conf", "ix.conf"),
    builtin!("proxy-id-reconfigure": "scenario.toml", "seil.conf", "seil-fixed.conf", "ix.conf"),
    builtin!("proposal-mismatch": "scenario.toml", "seil.conf", "ix.conf"),
    builtin!("psk-mismatch": "scenario.toml", "seil.conf", "ix.conf"),
    builtin!("pfs-one-side": "scenario.toml", "seil.conf", "ix.conf"),
    builtin!("lifetime-rekey": "scenario.toml", "seil.conf", "ix.conf"),
    builtin!("rtx-no-ids": "scenario.toml", "seil.conf", "rtx.conf", "rtx-fixed.conf"),
    builtin!("ios-proxy-id-mismatch": "scenario.toml", "seil.conf", "ios.conf"),
    builtin!("nat-traversal": "scenario.toml", "ios.conf", "rtx.conf"),
];

/// A built-in scenario by name.
pub fn find(name: &str) -> Option<&'static Builtin> {
    CATALOG.iter().find(|b| b.name == name)
}
