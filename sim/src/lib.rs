//! ikelab's virtual network: a whole lab (routers, their LANs and hosts, the WAN switch between
//! them) in one process, with no root, no real network and no waiting. Time is virtual (an
//! [`Instant`] on the lab's clock, shown as [`StartTime`] plus that), every random choice comes
//! from one seed, and the same seed gives byte-identical captures and logs.
//!
//! Nodes are sans-IO ([`Node`]): the [`Lab`] owns the event queue, the links, the switch and the
//! taps, and drives every node through the same input/output loop the netns driver uses.
//!
//! A scenario runner:
//! - builds a lab: [`document_lab`] (or [`document_lab_with_stacks`] with the
//!   [`SecurityStack`]s the engine supplies), or [`Lab::new`] with [`Lab::add_router`], [`Lab::add_host`],
//!   [`Lab::add_switch`], [`Lab::add_nat`], [`Lab::connect`];
//! - scripts it: [`Lab::ping`], [`Lab::link_down`], [`Lab::link_up`], [`Lab::set_impairments`],
//!   [`Lab::at`] for anything else;
//! - runs it: [`Lab::run`] (until idle or the deadline), [`Lab::run_until`], [`Lab::run_for`];
//! - reads results: [`Lab::ping_report`], [`Lab::link_stats`], [`Router::counters`],
//!   [`Lab::capture`], [`Lab::log`], and [`Lab::write_outputs`] for the pcaps, the merged
//!   pcapng, the log and the Wireshark key files.
//!
//! ```
//! use ikelab_sim::{Instant, LabConfig, PingSpec, document_lab, topology::IX_HOST};
//!
//! let mut d = document_lab(LabConfig::with_seed(7)).unwrap();
//! let ping = d.lab.ping(d.seil_host, Instant::ZERO, PingSpec::new(IX_HOST).count(3)).unwrap();
//! d.lab.link_down(Instant::from_nanos(1_500_000_000), d.links.wan_ix);
//! d.lab.run();
//! let report = d.lab.ping_report(ping).unwrap();
//! assert_eq!((report.sent, report.received), (3, 2));
//! ```

pub mod addr;
pub mod clock;
pub mod counters;
pub mod error;
mod event;
pub mod files;
pub mod host;
pub mod inject;
pub mod keys;
pub mod lab;
pub mod link;
pub mod log;
pub mod nat;
pub mod netns;
pub mod node;
pub mod packet;
pub mod router;
pub mod sink;
pub mod switch;
pub mod tap;
pub mod topology;

pub use ikelab_peers::prefix::Ipv4Net;
pub use ikelab_peers::time::Instant;

pub use addr::{MacAddr, derive_seed};
pub use clock::StartTime;
pub use counters::{Counter, Counters};
pub use error::SimError;
pub use files::{Access, FileError, Limit};
pub use host::{
    Host, HostConfig, PingError, PingErrorKind, PingReply, PingReport, PingSpec, RttStats,
};
pub use inject::Injector;
pub use keys::{KeyFiles, KeyLog, KeySink};
pub use lab::{End, Lab, LabConfig, NodeId, PingId, RunEnd, RunFiles, RunSummary};
pub use link::{Impairments, LinkId, LinkParams, LinkStats, PortRef};
pub use log::{Log, LogEntry};
pub use nat::{Nat, NatConfig};
pub use node::{KeyLine, Node};
pub use router::{
    InterfaceConfig, NoIpsec, Outbound, OutboundContext, Room, RouteConfig, Router, RouterConfig,
    SecurityStack, TunnelConfig, TunnelInfo, TunnelKind, Via,
};
pub use sink::{CaptureSink, Keep, LineSink};
pub use switch::Switch;
pub use tap::{Capture, CaptureFiles, CaptureFilter, CaptureWhat, CapturedFrame};
pub use topology::{
    DocumentLab, DocumentLinks, document_lab, document_lab_with, document_lab_with_stacks,
};
