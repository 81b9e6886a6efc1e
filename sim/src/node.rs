//! The one shape every simulated box has: sans-IO, driven by whoever owns the clock and the wires.
//! The simulator drives it from its event queue; the netns driver will drive the very same nodes
//! from sockets and a monotonic clock (handle input, then drain outputs, then sleep until
//! `poll_timeout`).

use ikelab_peers::time::Instant;

/// A key the engine derived, as one line of Wireshark's key files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyLine {
    /// A line of `ikev1_decryption_table` (`<icookie hex>,<Ka hex>`).
    Ikev1(String),
    /// A line of `esp_sa` (eight quoted CSV fields).
    EspSa(String),
}

/// A network element with numbered Ethernet ports.
///
/// The driver's loop: hand it input ([`Node::handle_frame`], or [`Node::handle_timeout`] once
/// `poll_timeout` has passed), then drain [`Node::poll_output`] (and the log and key queues)
/// until empty, then sleep until [`Node::poll_timeout`].
pub trait Node {
    /// The node's name (unique in a lab).
    fn name(&self) -> &str;

    /// Number of ports; ports are `0..port_count()`.
    fn port_count(&self) -> usize;

    /// The port of interface `name` (a router's `lan1`), if the node names its ports.
    fn port_by_name(&self, _name: &str) -> Option<usize> {
        None
    }

    /// The MAC address a port sends from, if it has one (a switch port has none).
    fn port_mac(&self, _port: usize) -> Option<crate::MacAddr> {
        None
    }

    /// A frame arrived on `port`. Any bytes at all: malformed frames are counted and dropped.
    fn handle_frame(&mut self, now: Instant, port: usize, frame: &[u8]);

    /// The time from [`Node::poll_timeout`] has come (it may be called early or late: a node
    /// does what is due at `now`).
    fn handle_timeout(&mut self, now: Instant);

    /// The next frame to send, and on which port.
    fn poll_output(&mut self) -> Option<(usize, Vec<u8>)>;

    /// When the node next wants [`Node::handle_timeout`]; `None` if it waits only for frames.
    fn poll_timeout(&self) -> Option<Instant>;

    /// The next log line (the driver stamps it with the time and the node's name).
    fn poll_log(&mut self) -> Option<String> {
        None
    }

    /// The next derived key to append to the run's Wireshark key files.
    fn poll_key(&mut self) -> Option<KeyLine> {
        None
    }
}
