//! `matrix.json`: what a run of the matrix with `--out` covered — the `--pair` and `--knob`
//! filters, the `--shard` and the number of cells it ran — so that `ikelab matrix merge` knows
//! the grid the shards came from, which cells each shard holds and which are missing. Read back
//! as any file a user hands ikelab: a regular file, bounded, its fields checked.

use std::path::{Path, PathBuf};

use ikelab_peers::personality::Personalities;
use ikelab_sim::Limit;
use ikelab_sim::files::{self, FileError};
use serde::{Deserialize, Serialize};

use super::grid::{Filter, Knob, PairError, UnknownKnob};
use super::real::{RealPeer, UnknownPeer};
use crate::steps::Shard;
use crate::steps::suite::ShardError;

/// Its file name in an output folder.
pub const FILE: &str = "matrix.json";
/// The version of its layout.
pub const VERSION: u32 = 1;
/// The largest `matrix.json` read (one is some hundred bytes).
const LIMIT: Limit = Limit {
    bytes: 64 << 10,
    what: "matrix manifests",
};

/// What a run covered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// `--pair`s, as personality names (initiator, responder).
    pub pairs: Vec<(String, String)>,
    /// `--knob`s.
    pub knobs: Vec<Knob>,
    /// The real peers of `--netns` (none without it).
    pub real: Vec<RealPeer>,
    /// `--shard`, if any.
    pub shard: Option<Shard>,
    /// How many cells it ran.
    pub cells: usize,
}

/// `matrix.json` as written.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Json {
    version: u32,
    pairs: Vec<String>,
    knobs: Vec<String>,
    /// Absent in an in-process run's manifest.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    real: Vec<String>,
    shard: Option<String>,
    cells: usize,
}

/// Why a `matrix.json` was refused.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// Missing, not a regular file, too large, not UTF-8.
    #[error(transparent)]
    File(#[from] FileError),
    /// Not the JSON ikelab writes.
    #[error("{}: not a matrix manifest ikelab wrote: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// What the JSON reader said (with the line and column).
        #[source]
        source: serde_json::Error,
    },
    /// Another layout.
    #[error("{}: field version: {found}, this ikelab reads version {VERSION}", path.display())]
    Version {
        /// The file.
        path: PathBuf,
        /// The version it has.
        found: u32,
    },
    /// A real peer that is none ikelab knows.
    #[error("{}: field real: {source}", path.display())]
    Real {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: UnknownPeer,
    },
    /// A pair that names no personality of the matrix.
    #[error("{}: field pairs: {source}", path.display())]
    Pair {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: PairError,
    },
    /// A knob that is none.
    #[error("{}: field knobs: {source}", path.display())]
    Knob {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: UnknownKnob,
    },
    /// A shard that is not K/N.
    #[error("{}: field shard: {source}", path.display())]
    Shard {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: ShardError,
    },
}

/// Whether `path` is a `matrix.json` that `ikelab matrix` wrote (of this layout), whatever
/// grid it describes.
pub fn written_at(path: &Path) -> bool {
    files::read_text(path, LIMIT)
        .ok()
        .and_then(|t| serde_json::from_str::<Json>(&t).ok())
        .is_some_and(|j| j.version == VERSION)
}

impl Manifest {
    /// The filter it was run with.
    pub fn filter(&self) -> Filter {
        Filter {
            pairs: self.pairs.clone(),
            knobs: self.knobs.clone(),
            real: self.real.clone(),
        }
    }

    /// As written: pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let j = Json {
            version: VERSION,
            pairs: self.pairs.iter().map(|(a, b)| format!("{a}:{b}")).collect(),
            knobs: self.knobs.iter().map(|k| k.name().to_string()).collect(),
            real: self.real.iter().map(|r| r.name().to_string()).collect(),
            shard: self.shard.map(|s| s.to_string()),
            cells: self.cells,
        };
        // A struct of strings and numbers always serialises.
        let mut text = serde_json::to_string_pretty(&j).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads the manifest `path`, with pair names as `table` knows them.
    pub fn read(path: &Path, table: &Personalities) -> Result<Manifest, ManifestError> {
        let text = files::read_text(path, LIMIT)?;
        let j: Json = serde_json::from_str(&text).map_err(|source| ManifestError::Json {
            path: path.to_path_buf(),
            source,
        })?;
        let path = || path.to_path_buf();
        if j.version != VERSION {
            return Err(ManifestError::Version {
                path: path(),
                found: j.version,
            });
        }
        let mut filter = Filter::default();
        // Before the pairs, which may name them.
        for r in &j.real {
            let r = r.parse().map_err(|source| ManifestError::Real {
                path: path(),
                source,
            })?;
            filter.real.push(r);
        }
        for p in &j.pairs {
            filter
                .add_pair(table, p)
                .map_err(|source| ManifestError::Pair {
                    path: path(),
                    source,
                })?;
        }
        for k in &j.knobs {
            let k = k.parse().map_err(|source| ManifestError::Knob {
                path: path(),
                source,
            })?;
            filter.knobs.push(k);
        }
        let shard = j
            .shard
            .map(|s| s.parse::<Shard>())
            .transpose()
            .map_err(|source| ManifestError::Shard {
                path: path(),
                source,
            })?;
        Ok(Manifest {
            pairs: filter.pairs,
            knobs: filter.knobs,
            real: filter.real,
            shard,
            cells: j.cells,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` as a `matrix.json` of its own (removed when the guard drops).
    fn write(name: &str, text: &str) -> (Removed, PathBuf) {
        let d = std::env::temp_dir().join(format!("ikelab-manifest-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join("matrix.json");
        std::fs::write(&p, text).unwrap();
        (Removed(d), p)
    }

    struct Removed(PathBuf);

    impl Drop for Removed {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn a_netns_manifest_reads_back_with_its_real_peers() {
        let table = Personalities::builtin();
        let mut filter = Filter {
            real: vec![RealPeer::StrongSwan, RealPeer::Libreswan],
            ..Filter::default()
        };
        filter.add_pair(&table, "seil:libreswan").unwrap();
        let m = Manifest {
            pairs: filter.pairs.clone(),
            knobs: vec![Knob::Ids],
            real: filter.real.clone(),
            shard: None,
            cells: 9,
        };
        let (_d, p) = write("roundtrip", &m.to_json());
        let back = Manifest::read(&p, &table).unwrap();
        assert_eq!(back.to_json(), m.to_json());
        assert_eq!(back.filter().real, filter.real);
        // An in-process run's manifest has no `real` field at all.
        let plain = Manifest {
            real: vec![],
            ..back
        };
        assert!(!plain.to_json().contains("real"));
    }

    #[test]
    fn an_unknown_real_peer_is_refused_with_its_field() {
        let table = Personalities::builtin();
        let (_d, p) = write(
            "racoon",
            r#"{"version": 1, "pairs": [], "knobs": [], "real": ["racoon"], "shard": null, "cells": 1}"#,
        );
        let e = Manifest::read(&p, &table).unwrap_err().to_string();
        assert!(e.contains("field real") && e.contains("racoon"), "{e}");
        // A daemon named in a pair but not in `real` is refused too.
        let (_d, p) = write(
            "pair",
            r#"{"version": 1, "pairs": ["seil:strongswan"], "knobs": [], "shard": null, "cells": 1}"#,
        );
        let e = Manifest::read(&p, &table).unwrap_err().to_string();
        assert!(e.contains("field pairs") && e.contains("--netns"), "{e}");
    }
}
