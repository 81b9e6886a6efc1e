//! Errors of building and running a lab. Frames are never an error of the caller: a malformed
//! frame is counted and dropped by the node that received it (see [`crate::Counters`]).

use std::path::PathBuf;

/// Why a lab could not be built, scripted or written out.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Two nodes, links or interfaces with the same name.
    #[error("duplicate name {0:?}")]
    DuplicateName(String),
    /// No node of that name or id.
    #[error("no node {0:?}")]
    UnknownNode(String),
    /// No link of that name or id.
    #[error("no link {0:?}")]
    UnknownLink(String),
    /// A node has no interface or port of that name.
    #[error("node {node:?} has no interface {iface:?}")]
    UnknownInterface {
        /// The node.
        node: String,
        /// The interface asked for.
        iface: String,
    },
    /// A port that is already attached to a link.
    #[error("port {port} of node {node:?} is already connected")]
    PortInUse {
        /// The node.
        node: String,
        /// The port index.
        port: usize,
    },
    /// Two interfaces derive the same MAC address (rename one, or set its MAC).
    #[error("MAC address {mac} is used by both {first} and {second}")]
    DuplicateMac {
        /// The address.
        mac: crate::MacAddr,
        /// One owner.
        first: String,
        /// The other.
        second: String,
    },
    /// A name that was to name an artefact file (a router's `<name>.log`) is not a plain name: it
    /// would be a path, or garble the folder. Names are checked when a scenario is loaded; this
    /// is the last guard for a name composed in code.
    #[error("{name:?} cannot name a file in the artefact folder: {why}")]
    FileName {
        /// The name.
        name: String,
        /// What is wrong with it.
        why: String,
    },
    /// A configuration value that cannot work (with why).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A date or time that could not be read.
    #[error("invalid start time {0:?} (expected e.g. \"Jan 5 07:27:06\")")]
    StartTime(String),
    /// Writing an output file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// An output file could not be created where it goes.
    #[error(transparent)]
    File(#[from] crate::files::FileError),
    /// The pcap writer refused a record.
    #[error("cannot write capture {path}: {message}")]
    Capture {
        /// The file.
        path: PathBuf,
        /// The writer's message.
        message: String,
    },
}
