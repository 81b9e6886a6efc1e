//! ikelab's user-facing side: the `ikelab` command-line tool and what it runs.
//!
//! - [`scenario`]: scenario files and the built-in catalog, and building them into a lab;
//! - [`stack`]: the engine as a simulated router's IPsec stack, with its vendor log;
//! - [`vendor`]: the one place that maps a vendor name to its parser and log renderer;
//! - [`report`]: outcome, diagnosis, `summary.json` and the artefact folder;
//! - [`netns`]: the same lab in Linux network namespaces, and `ikelab peer`;
//! - [`decode`]: reads captures (pcap / pcapng), finds IKEv1 and ESP, decrypts them with
//!   Wireshark's key files, and renders one block (or JSON line) per message.
#![forbid(unsafe_code)]

pub mod decode;
pub mod netns;
pub mod report;
pub mod scenario;
pub mod stack;
pub mod vendor;
