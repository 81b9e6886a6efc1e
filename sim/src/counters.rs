//! Event counters of a node or link: what was received, sent and, above all, dropped and why (a
//! malformed frame is counted, not a panic). Each counter is a [`Counter`]; its name
//! (`rx_drop_bad_ipv4`) is how tests and messages show it.

use core::fmt;
use std::collections::BTreeMap;

/// One thing a node or link counts. The variants are in the order of their names, so that a
/// listing by variant is a listing by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Counter {
    /// `arp_ignored`: An ARP packet from an unspecified or group sender address, ignored.
    ArpIgnored,
    /// `arp_not_for_us`: An ARP request for another address from a sender not in the cache, ignored.
    ArpNotForUs,
    /// `arp_replied`: An ARP request for our address, answered.
    ArpReplied,
    /// `arp_requests`: ARP requests sent.
    ArpRequests,
    /// `corrupted`: Frames a link damaged on the way (impairment).
    Corrupted,
    /// `decapsulated`: Packets taken out of a tunnel.
    Decapsulated,
    /// `delivered`: Frames a link delivered to the far port.
    Delivered,
    /// `drop_arp_failed`: Packets dropped because their next hop never answered ARP.
    DropArpFailed,
    /// `drop_arp_queue_full`: Packets dropped because the queue waiting for an ARP answer was full.
    DropArpQueueFull,
    /// `drop_bad_outbound`: Packets the IPsec stack protected into something that is not a valid IPv4 packet.
    DropBadOutbound,
    /// `drop_bad_protected`: Protected packets with no Ethernet route toward their destination.
    DropBadProtected,
    /// `drop_cannot_fragment`: Packets that could not be cut into fragments for the MTU.
    DropCannotFragment,
    /// `drop_cut_in_flight`: Frames in flight on a link when it went down.
    DropCutInFlight,
    /// `drop_frag_needed`: Packets over the MTU with Don't Fragment set (an ICMP error is sent).
    DropFragNeeded,
    /// `drop_link_down`: Frames sent onto a link that is down.
    DropLinkDown,
    /// `drop_loss`: Frames a link lost (impairment).
    DropLoss,
    /// `drop_nesting`: Packets nested deeper in tunnels than a router follows.
    DropNesting,
    /// `drop_no_route`: Packets with no route to their destination.
    DropNoRoute,
    /// `drop_no_tunnel`: Tunnel packets that match no tunnel interface.
    DropNoTunnel,
    /// `drop_outbound`: Packets the IPsec stack dropped on the way out.
    DropOutbound,
    /// `drop_over_mtu`: Frames larger than the link MTU.
    DropOverMtu,
    /// `drop_policy`: Clear packets that the security policy requires to be protected.
    DropPolicy,
    /// `drop_queue_full`: Frames dropped because the link queue was full.
    DropQueueFull,
    /// `drop_stack_udp_too_big`: UDP datagrams from the IKE stack too long for one IPv4 packet.
    DropStackUdpTooBig,
    /// `drop_too_big_to_encapsulate`: Packets too long to put into a tunnel.
    DropTooBigToEncapsulate,
    /// `drop_ttl_exceeded`: Packets whose TTL ran out (an ICMP error is sent).
    DropTtlExceeded,
    /// `drop_tunnel_loop`: Packets routed back into tunnels more often than a router follows.
    DropTunnelLoop,
    /// `drop_unknown_protocol`: Packets for us of a protocol the router does not handle.
    DropUnknownProtocol,
    /// `duplicated`: Frames a link sent twice (impairment).
    Duplicated,
    /// `encapsulated`: Packets put into a tunnel.
    Encapsulated,
    /// `esp_accepted`: ESP packets the IPsec stack decrypted and accepted.
    EspAccepted,
    /// `esp_dropped`: ESP packets the IPsec stack refused.
    EspDropped,
    /// `filtered`: Frames a switch did not forward because the destination is on the port they came from.
    Filtered,
    /// `flooded`: Frames a switch sent out of every other port (unknown or group destination).
    Flooded,
    /// `forwarded`: Frames a switch sent out of the one port of their destination.
    Forwarded,
    /// `fragmented_before_encryption`: Packets split before ESP so that each piece fits the MTU
    /// once protected.
    FragmentedBeforeEncryption,
    /// `fragments_sent`: IPv4 fragments sent.
    FragmentsSent,
    /// `icmp_echo_replied`: ICMP echo requests answered.
    IcmpEchoReplied,
    /// `icmp_echo_sent`: ICMP echo requests sent by a ping.
    IcmpEchoSent,
    /// `icmp_errors_sent`: ICMP error messages sent.
    IcmpErrorsSent,
    /// `icmp_reply_late`: Echo replies for a ping that had already finished.
    IcmpReplyLate,
    /// `icmp_reply_unknown`: Echo replies that match no ping.
    IcmpReplyUnknown,
    /// `icmp_rx_other`: ICMP messages of other types, received and ignored.
    IcmpRxOther,
    /// `icmp_rx_time_exceeded`: ICMP Time Exceeded received.
    IcmpRxTimeExceeded,
    /// `icmp_rx_unreachable`: ICMP Destination Unreachable received.
    IcmpRxUnreachable,
    /// `nat_drop_fragment`: Fragments a NAT cannot translate (it does not reassemble), dropped.
    NatDropFragment,
    /// `nat_drop_no_mapping`: Packets from outside to a NAT's address that match no mapping (or an expired one), dropped.
    NatDropNoMapping,
    /// `nat_drop_protocol`: Packets of a protocol a NAT does not translate (ESP, IP-in-IP, ICMP other than echo), dropped.
    NatDropProtocol,
    /// `nat_evicted`: NAT mappings removed, oldest first, to make room for a new one at the cap.
    NatEvicted,
    /// `nat_expired`: NAT mappings removed after their idle timeout.
    NatExpired,
    /// `nat_mappings_created`: NAT mappings created.
    NatMappingsCreated,
    /// `nat_translated_in`: Packets from outside a NAT translated to an inside address.
    NatTranslatedIn,
    /// `nat_translated_out`: Packets from inside a NAT translated to its outside address.
    NatTranslatedOut,
    /// `reasm_drop_bad_fragment`: Fragments that could not be read or placed.
    ReasmDropBadFragment,
    /// `reasm_drop_inconsistent`: Fragments that overlap or disagree with the ones received before.
    ReasmDropInconsistent,
    /// `reasm_drop_too_many`: Fragments refused because too many datagrams were being reassembled.
    ReasmDropTooMany,
    /// `reasm_timeout`: Datagrams whose fragments did not all arrive in time.
    ReasmTimeout,
    /// `reassembled`: Datagrams reassembled from fragments.
    Reassembled,
    /// `reordered`: Frames a link delayed behind later ones (impairment).
    Reordered,
    /// `rx_broadcast_ignored`: Broadcast packets received and not handled.
    RxBroadcastIgnored,
    /// `rx_drop_bad_arp`: Received ARP that is not Ethernet/IPv4 or is cut short.
    RxDropBadArp,
    /// `rx_drop_bad_icmp`: Received ICMP shorter than its header or with a bad checksum.
    RxDropBadIcmp,
    /// `rx_drop_bad_ipv4`: Received IPv4 with an unreadable header (version, IHL, lengths).
    RxDropBadIpv4,
    /// `rx_drop_bad_ipv4_checksum`: Received IPv4 with a wrong header checksum.
    RxDropBadIpv4Checksum,
    /// `rx_drop_bad_port`: Frames received on a port the node does not have.
    RxDropBadPort,
    /// `rx_drop_bad_udp`: Received UDP shorter than its header, with a wrong length or a bad checksum.
    RxDropBadUdp,
    /// `rx_drop_ethertype`: Frames of an EtherType the node does not handle.
    RxDropEthertype,
    /// `rx_drop_short_frame`: Frames shorter than an Ethernet header.
    RxDropShortFrame,
    /// `rx_frames`: Frames received.
    RxFrames,
    /// `rx_not_for_us`: Unicast frames for another MAC address (flooded by a switch).
    RxNotForUs,
    /// `tampered`: IKE and ESP frames whose payload a link altered, headers made consistent.
    Tampered,
    /// `tx_frames`: Frames sent onto a link.
    TxFrames,
    /// `tx_unconnected_port`: Frames sent out of a port that no link is attached to.
    TxUnconnectedPort,
    /// `udp_from_stack`: UDP datagrams the IKE stack sent.
    UdpFromStack,
    /// `udp_port_unreachable`: UDP datagrams for a port nothing listens on.
    UdpPortUnreachable,
    /// `udp_to_stack`: UDP datagrams handed to the IKE stack.
    UdpToStack,
}

impl Counter {
    /// Every counter, in the order of their names.
    pub const ALL: [Counter; 76] = [
        Counter::ArpIgnored,
        Counter::ArpNotForUs,
        Counter::ArpReplied,
        Counter::ArpRequests,
        Counter::Corrupted,
        Counter::Decapsulated,
        Counter::Delivered,
        Counter::DropArpFailed,
        Counter::DropArpQueueFull,
        Counter::DropBadOutbound,
        Counter::DropBadProtected,
        Counter::DropCannotFragment,
        Counter::DropCutInFlight,
        Counter::DropFragNeeded,
        Counter::DropLinkDown,
        Counter::DropLoss,
        Counter::DropNesting,
        Counter::DropNoRoute,
        Counter::DropNoTunnel,
        Counter::DropOutbound,
        Counter::DropOverMtu,
        Counter::DropPolicy,
        Counter::DropQueueFull,
        Counter::DropStackUdpTooBig,
        Counter::DropTooBigToEncapsulate,
        Counter::DropTtlExceeded,
        Counter::DropTunnelLoop,
        Counter::DropUnknownProtocol,
        Counter::Duplicated,
        Counter::Encapsulated,
        Counter::EspAccepted,
        Counter::EspDropped,
        Counter::Filtered,
        Counter::Flooded,
        Counter::Forwarded,
        Counter::FragmentedBeforeEncryption,
        Counter::FragmentsSent,
        Counter::IcmpEchoReplied,
        Counter::IcmpEchoSent,
        Counter::IcmpErrorsSent,
        Counter::IcmpReplyLate,
        Counter::IcmpReplyUnknown,
        Counter::IcmpRxOther,
        Counter::IcmpRxTimeExceeded,
        Counter::IcmpRxUnreachable,
        Counter::NatDropFragment,
        Counter::NatDropNoMapping,
        Counter::NatDropProtocol,
        Counter::NatEvicted,
        Counter::NatExpired,
        Counter::NatMappingsCreated,
        Counter::NatTranslatedIn,
        Counter::NatTranslatedOut,
        Counter::ReasmDropBadFragment,
        Counter::ReasmDropInconsistent,
        Counter::ReasmDropTooMany,
        Counter::ReasmTimeout,
        Counter::Reassembled,
        Counter::Reordered,
        Counter::RxBroadcastIgnored,
        Counter::RxDropBadArp,
        Counter::RxDropBadIcmp,
        Counter::RxDropBadIpv4,
        Counter::RxDropBadIpv4Checksum,
        Counter::RxDropBadPort,
        Counter::RxDropBadUdp,
        Counter::RxDropEthertype,
        Counter::RxDropShortFrame,
        Counter::RxFrames,
        Counter::RxNotForUs,
        Counter::Tampered,
        Counter::TxFrames,
        Counter::TxUnconnectedPort,
        Counter::UdpFromStack,
        Counter::UdpPortUnreachable,
        Counter::UdpToStack,
    ];

    /// The name, as tests and messages show it.
    pub fn name(self) -> &'static str {
        match self {
            Counter::ArpIgnored => "arp_ignored",
            Counter::ArpNotForUs => "arp_not_for_us",
            Counter::ArpReplied => "arp_replied",
            Counter::ArpRequests => "arp_requests",
            Counter::Corrupted => "corrupted",
            Counter::Decapsulated => "decapsulated",
            Counter::Delivered => "delivered",
            Counter::DropArpFailed => "drop_arp_failed",
            Counter::DropArpQueueFull => "drop_arp_queue_full",
            Counter::DropBadOutbound => "drop_bad_outbound",
            Counter::DropBadProtected => "drop_bad_protected",
            Counter::DropCannotFragment => "drop_cannot_fragment",
            Counter::DropCutInFlight => "drop_cut_in_flight",
            Counter::DropFragNeeded => "drop_frag_needed",
            Counter::DropLinkDown => "drop_link_down",
            Counter::DropLoss => "drop_loss",
            Counter::DropNesting => "drop_nesting",
            Counter::DropNoRoute => "drop_no_route",
            Counter::DropNoTunnel => "drop_no_tunnel",
            Counter::DropOutbound => "drop_outbound",
            Counter::DropOverMtu => "drop_over_mtu",
            Counter::DropPolicy => "drop_policy",
            Counter::DropQueueFull => "drop_queue_full",
            Counter::DropStackUdpTooBig => "drop_stack_udp_too_big",
            Counter::DropTooBigToEncapsulate => "drop_too_big_to_encapsulate",
            Counter::DropTtlExceeded => "drop_ttl_exceeded",
            Counter::DropTunnelLoop => "drop_tunnel_loop",
            Counter::DropUnknownProtocol => "drop_unknown_protocol",
            Counter::Duplicated => "duplicated",
            Counter::Encapsulated => "encapsulated",
            Counter::EspAccepted => "esp_accepted",
            Counter::EspDropped => "esp_dropped",
            Counter::Filtered => "filtered",
            Counter::Flooded => "flooded",
            Counter::Forwarded => "forwarded",
            Counter::FragmentedBeforeEncryption => "fragmented_before_encryption",
            Counter::FragmentsSent => "fragments_sent",
            Counter::IcmpEchoReplied => "icmp_echo_replied",
            Counter::IcmpEchoSent => "icmp_echo_sent",
            Counter::IcmpErrorsSent => "icmp_errors_sent",
            Counter::IcmpReplyLate => "icmp_reply_late",
            Counter::IcmpReplyUnknown => "icmp_reply_unknown",
            Counter::IcmpRxOther => "icmp_rx_other",
            Counter::IcmpRxTimeExceeded => "icmp_rx_time_exceeded",
            Counter::IcmpRxUnreachable => "icmp_rx_unreachable",
            Counter::NatDropFragment => "nat_drop_fragment",
            Counter::NatDropNoMapping => "nat_drop_no_mapping",
            Counter::NatDropProtocol => "nat_drop_protocol",
            Counter::NatEvicted => "nat_evicted",
            Counter::NatExpired => "nat_expired",
            Counter::NatMappingsCreated => "nat_mappings_created",
            Counter::NatTranslatedIn => "nat_translated_in",
            Counter::NatTranslatedOut => "nat_translated_out",
            Counter::ReasmDropBadFragment => "reasm_drop_bad_fragment",
            Counter::ReasmDropInconsistent => "reasm_drop_inconsistent",
            Counter::ReasmDropTooMany => "reasm_drop_too_many",
            Counter::ReasmTimeout => "reasm_timeout",
            Counter::Reassembled => "reassembled",
            Counter::Reordered => "reordered",
            Counter::RxBroadcastIgnored => "rx_broadcast_ignored",
            Counter::RxDropBadArp => "rx_drop_bad_arp",
            Counter::RxDropBadIcmp => "rx_drop_bad_icmp",
            Counter::RxDropBadIpv4 => "rx_drop_bad_ipv4",
            Counter::RxDropBadIpv4Checksum => "rx_drop_bad_ipv4_checksum",
            Counter::RxDropBadPort => "rx_drop_bad_port",
            Counter::RxDropBadUdp => "rx_drop_bad_udp",
            Counter::RxDropEthertype => "rx_drop_ethertype",
            Counter::RxDropShortFrame => "rx_drop_short_frame",
            Counter::RxFrames => "rx_frames",
            Counter::RxNotForUs => "rx_not_for_us",
            Counter::Tampered => "tampered",
            Counter::TxFrames => "tx_frames",
            Counter::TxUnconnectedPort => "tx_unconnected_port",
            Counter::UdpFromStack => "udp_from_stack",
            Counter::UdpPortUnreachable => "udp_port_unreachable",
            Counter::UdpToStack => "udp_to_stack",
        }
    }
}

impl fmt::Display for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Counts by counter; a counter never bumped is absent from [`Counters::iter`]. (Boxed: a
/// switch holding them inline would outgrow the lab's other node slots.)
#[derive(Clone, PartialEq, Eq)]
pub struct Counters(Box<[u64; Counter::ALL.len()]>);

impl Default for Counters {
    fn default() -> Self {
        Counters(Box::new([0; Counter::ALL.len()]))
    }
}

impl Counters {
    /// Adds one to `c`.
    pub fn bump(&mut self, c: Counter) {
        self.0[c as usize] += 1;
    }

    /// The count of `c` (0 if never counted).
    pub fn get(&self, c: Counter) -> u64 {
        self.0[c as usize]
    }

    /// The counters bumped at least once, in the order of their names.
    pub fn iter(&self) -> impl Iterator<Item = (Counter, u64)> + '_ {
        Counter::ALL
            .iter()
            .map(|&c| (c, self.get(c)))
            .filter(|&(_, n)| n > 0)
    }
}

impl fmt::Debug for Counters {
    /// `Counters({"name": count, ...})`, by name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let by_name: BTreeMap<&str, u64> = self.iter().map(|(c, n)| (c.name(), n)).collect();
        f.debug_tuple("Counters").field(&by_name).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_in_variant_order_and_distinct() {
        for (i, c) in Counter::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i, "{c}");
        }
        for w in Counter::ALL.windows(2) {
            assert!(w[0].name() < w[1].name(), "{} before {}", w[0], w[1]);
        }
    }

    #[test]
    fn counts_and_listing() {
        let mut c = Counters::default();
        c.bump(Counter::RxFrames);
        c.bump(Counter::RxFrames);
        c.bump(Counter::ArpReplied);
        assert_eq!(c.get(Counter::RxFrames), 2);
        assert_eq!(c.get(Counter::TxFrames), 0);
        let all: Vec<_> = c.iter().collect();
        assert_eq!(all, [(Counter::ArpReplied, 1), (Counter::RxFrames, 2)]);
        assert_eq!(
            format!("{c:?}"),
            r#"Counters({"arp_replied": 1, "rx_frames": 2})"#
        );
    }
}
