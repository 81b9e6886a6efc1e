//! The netns mode: the same simulated routers on real Linux interfaces, in real time, beside
//! real peers (strongSwan, Libreswan, ike-scan, the kernel's own `ping`).
//!
//! # Design: AF_PACKET, not kernel sockets
//!
//! A router here is the very [`crate::Router`] node the in-process lab runs, with the IKEv1
//! engine as its IPsec stack. Its ports are mapped to AF_PACKET sockets bound to veth ends in the
//! router's own network namespace, so it receives and sends whole Ethernet frames, exactly what
//! [`crate::Node::handle_frame`] and [`crate::Node::poll_output`] take and give. ARP, IPv4
//! forwarding, ICMP errors, fragmentation, the IP-in-IP tunnel interfaces (SEIL `ipsec0`, IX
//! `Tunnel0.0`) and ESP itself all stay in the node; the kernel only moves frames.
//!
//! The alternative, kernel sockets (UDP 500/4500 plus a raw ESP socket) with the kernel doing ARP
//! and routing, was rejected because:
//! - the router would no longer be the code that runs in-process: the IP-in-IP tunnel, the route
//!   into it and the outbound policy check would have to be rebuilt as kernel routes and
//!   devices, per vendor, and the two modes could disagree;
//! - the kernels this runs on (the project's CI) have no ESP, no IP-in-IP and no AUTHENC
//!   (`CONFIG_INET_ESP`, `CONFIG_NET_IPIP` unset, no modules), so the kernel could not carry the
//!   document's IP-in-IP-over-transport-ESP traffic anyway;
//! - frames in and out are what the captures and the in-process taps record, so the netns
//!   artefacts are the in-process ones with real timing.
//!
//! The price: root (namespaces, AF_PACKET), and the kernel must stay out of the way on the
//! router's interfaces. In the namespaces `ikelab run --netns` builds, router interfaces carry no
//! kernel address (the node owns its addresses, ARP and ICMP), IPv6 is off and forwarding is off,
//! so the kernel neither answers nor forwards. The veth's MAC is set to the node's, and veths leave
//! UDP/TCP checksums to "hardware": the socket asks for `PACKET_AUXDATA` and completes them.
//! For interfaces that do carry the router's address in the kernel (`ikelab peer` on namespaces
//! built by hand), see `ikelab::netns`.
//!
//! # Pieces
//!
//! - [`Netns`]: a namespace `ikl-<pid>-<n>-<role>`, deleted on drop; veth pairs created straight
//!   into their namespaces, bridges, sysctls. Nothing is configured in the caller's namespace.
//! - [`Spawned`]: a child process (ping, charon, pluto), stopped by its pid on drop.
//! - [`sweep_stale`]: removes the namespaces of runs that were killed outright (their pid is
//!   gone), by name only.
//! - [`PacketSocket`]: an AF_PACKET socket on one interface, created by a helper thread that has
//!   entered the namespace ([`in_netns`]); the socket stays in that namespace.
//! - [`Driver`]: the real-time loop over nodes and sockets, with [`Clock`] mapping the monotonic
//!   clock to the nodes' [`crate::Instant`].
//! - [`BridgeCapture`] and [`Recorder`]: a bridge's frames and the driver's, merged into a
//!   [`crate::Capture`].
//! - [`daemon`]: real IKE daemons ([`Charon`], [`Pluto`]) in a namespace.
//! - [`stop_on_signals`]: SIGINT/SIGTERM end a run the normal way.

mod capture;
pub mod daemon;
mod driver;
mod ns;
mod signal;
mod sys;

pub use capture::{BridgeCapture, Frames, Recorder};
pub use daemon::{Charon, Pluto, libreswan_root, wait_until};
pub use driver::{Clock, Driver, Port};
pub use ns::{
    LinkInfo, Netns, PREFIX, Spawned, link_info, parse_mac, read_sysctl, run, sweep_stale,
    write_sysctl,
};
pub use signal::stop_on_signals;
pub use sys::{PacketSocket, QuietSocket, alive, complete_checksum, in_netns, is_root, kill};
