//! ikelab's user-facing side: the `ikelab` command-line tool and what it runs.
//!
//! - [`decode`]: reads captures (pcap / pcapng), finds IKEv1 and ESP, decrypts them with
//!   Wireshark's key files, and renders one block (or JSON line) per message.
#![forbid(unsafe_code)]

pub mod decode;
pub mod netns;
pub mod report;
pub mod scenario;
pub mod stack;
pub mod vendor;
