//! What the engine is told to do: peers, traffic policies and the vendor behaviour hooks.
//!
//! This is the vendor-neutral configuration both personalities (SEIL, IX) compile their config
//! dialects into. Vendor differences are data here ([`Behaviour`]), never code paths of their own.

use std::net::Ipv4Addr;
use std::time::Duration;

use crate::crypto::{CipherAlg, DhGroup, HashAlg};
use crate::esp::IntegAlg;
use crate::prefix::Ipv4Net;
use crate::wire::IdData;

/// The whole configuration of one engine.
#[derive(Clone, Debug, Default)]
pub struct EngineConfig {
    /// IKE peers.
    pub peers: Vec<PeerConfig>,
    /// Traffic policies, each bound to a peer.
    pub policies: Vec<Policy>,
    /// How this implementation behaves where implementations differ.
    pub behaviour: Behaviour,
}

/// Phase-1 exchange mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum ExchangeMode {
    /// Main Mode (Identity Protection).
    #[default]
    Main,
    /// Aggressive Mode.
    Aggressive,
}

/// One acceptable phase-1 transform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Phase1Proposal {
    /// Cipher.
    pub cipher: CipherAlg,
    /// Hash (and PRF).
    pub hash: HashAlg,
    /// Diffie-Hellman group.
    pub group: DhGroup,
    /// ISAKMP SA lifetime.
    pub lifetime: Duration,
    /// ISAKMP SA lifetime in kilobytes, if any.
    pub lifetime_kb: Option<u32>,
}

/// An identity as configured (phase-1 IDs).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Identity {
    /// The IP address the exchange runs from (ID_IPV4_ADDR).
    #[default]
    Address,
    /// An FQDN (ID_FQDN).
    Fqdn(String),
    /// A user FQDN (ID_USER_FQDN).
    UserFqdn(String),
}

/// One IKE peer.
#[derive(Clone, Debug)]
pub struct PeerConfig {
    /// Name, for logs and for policies to refer to.
    pub name: String,
    /// Our address for this peer.
    pub local: Ipv4Addr,
    /// The peer's address; `None` accepts any (responder only).
    pub remote: Option<Ipv4Addr>,
    /// The pre-shared key.
    pub psk: Vec<u8>,
    /// Main or Aggressive Mode when we initiate.
    pub mode: ExchangeMode,
    /// Acceptable phase-1 transforms, in order of preference.
    pub proposals: Vec<Phase1Proposal>,
    /// Our phase-1 identity.
    pub my_id: Identity,
    /// Only respond, never initiate.
    pub responder_only: bool,
    /// NAT traversal (RFC 3947).
    pub nat_traversal: NatTraversal,
    /// Dead Peer Detection (RFC 3706) as this device runs it; `None` only answers R-U-THERE.
    pub dpd: Option<Dpd>,
}

/// How a device probes an idle peer and when it gives it up (racoon's `dpd_delay`,
/// `dpd_retry`, `dpd_maxfails`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dpd {
    /// Idle time before the first R-U-THERE.
    pub interval: Duration,
    /// Time between unanswered R-U-THEREs (and from the last one to giving up).
    pub retry: Duration,
    /// Unanswered R-U-THEREs after which the peer is dead and its SAs are cleared.
    pub max_fails: u32,
}

/// Whether and how NAT traversal (RFC 3947) is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum NatTraversal {
    /// Not offered: IKE stays on port 500, ESP is raw IP protocol 50.
    #[default]
    Off,
    /// Offered; IKE floats to 4500 and ESP is UDP-encapsulated only when a NAT is detected.
    On,
    /// Offered, and a NAT is pretended (a NAT-D that cannot match), so that IKE floats and ESP
    /// is UDP-encapsulated even without NAT (strongSwan's `encap = yes`).
    Force,
}

/// Traffic selector: an IPv4 prefix with an upper-layer protocol and port (0 = any).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Selector {
    /// The prefix.
    pub prefix: Ipv4Net,
    /// Upper-layer protocol, 0 = any.
    pub protocol: u8,
    /// Port, 0 = any.
    pub port: u16,
}

impl Selector {
    /// A host selector for any protocol.
    pub fn host(addr: Ipv4Addr) -> Self {
        Self {
            prefix: Ipv4Net::host(addr),
            protocol: 0,
            port: 0,
        }
    }

    /// A prefix selector for any protocol.
    pub fn net(addr: Ipv4Addr, prefix: u8) -> Self {
        Self {
            prefix: Ipv4Net {
                addr,
                prefix_len: prefix.min(32),
            },
            protocol: 0,
            port: 0,
        }
    }

    /// `0.0.0.0/0`, any protocol.
    pub const ANY: Selector = Selector {
        prefix: Ipv4Net::ANY,
        protocol: 0,
        port: 0,
    };

    /// Whether `a` is inside the prefix.
    pub fn contains(&self, a: Ipv4Addr) -> bool {
        self.prefix.contains(a)
    }

    /// The Quick Mode ID for this selector, as racoon's `sockaddr2id` builds it.
    pub fn to_id(&self) -> QmId {
        QmId {
            data: IdData::ipv4_prefix(self.prefix.addr, self.prefix.prefix_len),
            protocol: self.protocol,
            port: self.port,
        }
    }
}

/// A Quick Mode client identity (IDci/IDcr body).
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct QmId {
    /// Identification data.
    pub data: IdData,
    /// Upper-layer protocol, 0 = any.
    pub protocol: u8,
    /// Port, 0 = any.
    pub port: u16,
}

impl std::fmt::Display for QmId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.data)?;
        if self.protocol != 0 || self.port != 0 {
            write!(f, "[{}/{}]", self.protocol, self.port)?;
        }
        Ok(())
    }
}

/// ESP encapsulation mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum EncapMode {
    /// Tunnel mode: the whole packet inside a new IPv4 header.
    Tunnel,
    /// Transport mode: the IPv4 payload only.
    Transport,
}

/// One acceptable phase-2 (ESP) transform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Phase2Proposal {
    /// ESP cipher.
    pub cipher: CipherAlg,
    /// ESP integrity.
    pub integ: IntegAlg,
    /// SA lifetime.
    pub lifetime: Duration,
    /// SA lifetime in kilobytes, if any.
    pub lifetime_kb: Option<u32>,
}

/// A traffic policy: which packets to protect, with which IDs, by which SA parameters.
#[derive(Clone, Debug)]
pub struct Policy {
    /// Name, for logs.
    pub name: String,
    /// Name of the [`PeerConfig`] that negotiates it.
    pub peer: String,
    /// Our side of the traffic (source of outbound packets).
    pub local: Selector,
    /// The far side (destination of outbound packets).
    pub remote: Selector,
    /// Quick Mode IDs sent as initiator and required as responder (local, remote); `None` uses
    /// the selectors. SEIL's routing-based IPsec sends 0.0.0.0/0 both ways here.
    pub ids: Option<(QmId, QmId)>,
    /// Encapsulation mode.
    pub mode: EncapMode,
    /// Acceptable ESP transforms, in order of preference.
    pub proposals: Vec<Phase2Proposal>,
    /// PFS group, if any.
    pub pfs: Option<DhGroup>,
    /// Route-based: what this policy protects is a tunnel interface's IP-in-IP packets between
    /// the two endpoints (its selectors), whatever the IDs say. ESP then carries the IP-in-IP
    /// payload (next header 4) between the endpoints whichever mode was negotiated: a
    /// tunnel-mode SA between them and a transport-mode SA over IP-in-IP give the same bytes,
    /// so a responder that accepts either mode ([`ModeMatch::Either`]) keeps one data path.
    pub route_based: bool,
    /// Whether our QM1 carries IDci/IDcr ([`IdPayloads`]); without them the phase-2 identities
    /// are the ISAKMP SA's endpoints (RFC 2409 section 5.5) and [`Policy::ids`] is not sent.
    pub id_payloads: IdPayloads,
    /// Negotiate as soon as the engine starts, rather than on the first packet.
    pub auto_start: bool,
    /// A further delay before each phase 2 of this policy, announced by a
    /// [`super::EventKind::Phase2Delayed`] event (SEIL's "delay phase2 start for 4 sec.").
    pub phase2_delay: Option<Duration>,
}

/// Whether an initiator's Quick Mode carries client IDs (IDci/IDcr).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum IdPayloads {
    /// IDci and IDcr in QM1 (racoon, the IX, strongSwan).
    #[default]
    Sent,
    /// No ID payloads: QM1 is HASH, SA, Nonce[, KE] (Yamaha RTX without `ipsec ike local id`
    /// and `remote id`). RFC 2409 section 5.5: the identities are then the ISAKMP SA
    /// endpoints' IP addresses, which is what both sides record for the SA.
    Omitted,
}

impl Policy {
    /// The IDs this policy sends (as initiator) and matches (as responder): (local, remote).
    pub fn qm_ids(&self) -> (QmId, QmId) {
        self.ids
            .clone()
            .unwrap_or_else(|| (self.local.to_id(), self.remote.to_id()))
    }
}

/// How a responder compares received Quick Mode IDs with its policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum IdMatch {
    /// Equal type, data, protocol and port (NEC IX, and strongSwan in IKEv1).
    #[default]
    Exact,
    /// The received IDs may be wider than the policy; the responder answers with its own,
    /// narrower IDs (strongSwan for transport mode).
    Narrow,
    /// A policy whose IDs equal the received ones, else the first policy for the ISAKMP peer,
    /// whatever the IDs: the initiator's IDs are echoed and used (Yamaha RTX without
    /// `ipsec ike negotiate-strictly`, which takes what the initiator proposes for a tunnel it
    /// has with that peer).
    Lenient,
}

/// What a responder does with a QM1 that carries no IDci/IDcr.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MissingIds {
    /// RFC 2409 section 5.5: the identities are the ISAKMP SA endpoints' addresses, as
    /// ID_IPV4_ADDR, and are matched against the policies as received IDs are
    /// ([`Behaviour::id_match`]); a policy for subnets does not match them.
    #[default]
    Endpoints,
    /// The first policy for the ISAKMP peer, whatever its IDs (Yamaha RTX without
    /// `negotiate-strictly`: it has a tunnel for that peer). The SA's IDs are the endpoints.
    PeerPolicy,
}

/// How a responder compares the encapsulation mode of a phase-2 proposal with its policy's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ModeMatch {
    /// The proposal's mode must be the policy's (racoon's `cmpsaprop`, strongSwan).
    #[default]
    Exact,
    /// Tunnel or transport, whichever the initiator proposes, for a route-based policy
    /// ([`Policy::route_based`], where both carry the same bytes); the policy's mode is what we
    /// propose as initiator, and other policies match exactly (NEC IX: see its behaviour table).
    Either,
}

impl ModeMatch {
    /// Whether a proposal in `offered` mode is acceptable to a policy in `ours`.
    pub fn accepts(self, offered: EncapMode, ours: EncapMode) -> bool {
        match self {
            ModeMatch::Exact => offered == ours,
            ModeMatch::Either => true,
        }
    }
}

/// How a responder compares a proposal's algorithms (phase 1: cipher, hash and group; phase 2:
/// cipher, integrity and PFS group) with its own proposals'.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ProposalMatch {
    /// One of its own proposals must have the same algorithms (racoon, strongSwan, the IX, IOS).
    #[default]
    Exact,
    /// Any algorithms it implements, whatever its own proposals say (Yamaha RTX without
    /// `negotiate-strictly`: see its behaviour table).
    AnySupported,
}

/// What an initiator does when QM2 returns IDs other than those it sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ReturnedIds {
    /// Fail the exchange (racoon's `quick_i2recv`: "mismatched IDci was returned").
    #[default]
    Reject,
    /// Go on with the returned IDs (libreswan's "questionable proposal").
    Accept,
}

/// Where INITIAL-CONTACT travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum InitialContact {
    /// Not sent.
    Off,
    /// In its own Informational right after phase 1 (racoon, SEIL).
    #[default]
    Informational,
    /// Inside MM5 (strongSwan).
    InMainMode,
}

/// What an initiator does with an error notification for a pending Quick Mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OnErrorNotify {
    /// Log it and keep retransmitting until the retry budget is spent (ipsec-tools racoon).
    #[default]
    KeepRetrying,
    /// Abort the exchange whose message ID the notification names (KAME racoon).
    AbortMatchingMessageId,
    /// Abort the exchange whose offered ESP SPI the notification carries (protocol ESP, a
    /// 4-byte SPI: Cisco IOS's `deleting node ... reason "Delete Larval"`); a notification
    /// naming no such SPI is only logged, and the exchange retransmits.
    AbortMatchingSpi,
}

/// How a responder addresses the error notification that refuses a peer's Quick Mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Phase2Notify {
    /// Protocol ISAKMP, no SPI (racoon's `isakmp_info_send_n1`; the document's IX `IKE.007`
    /// line says `protocol ISAKMP`).
    #[default]
    Isakmp,
    /// Protocol ESP with the SPI of the refused proposal (Cisco IOS: `Sending NOTIFY
    /// PROPOSAL_NOT_CHOSEN protocol 3`), so that the initiator can tell which of its offers it
    /// answers.
    EspSpi,
}

/// Retransmission schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retransmit {
    /// Interval between sends.
    pub interval: Duration,
    /// Sends in all, the first included.
    pub tries: u32,
}

impl Default for Retransmit {
    /// racoon's defaults: every 10 s, 5 retries.
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(10),
            tries: 6,
        }
    }
}

/// The points where IKEv1 implementations differ, as data.
#[derive(Clone, Debug)]
pub struct Behaviour {
    /// Nonce length in bytes (racoon 16, strongSwan 32).
    pub nonce_len: usize,
    /// Vendor IDs sent in the first phase-1 message of each side.
    pub vendor_ids: Vec<Vec<u8>>,
    /// Whether the vendor IDs are sent again with the key exchange (MM3/MM4): the document's
    /// SEIL logs "received Vendor ID: DPD" twice, once for MM2 and once for the IX's MM4.
    pub vendor_ids_with_ke: bool,
    /// Where INITIAL-CONTACT goes.
    pub initial_contact: InitialContact,
    /// How received Quick Mode IDs are matched.
    pub id_match: IdMatch,
    /// What a responder does with a QM1 without IDs.
    pub missing_ids: MissingIds,
    /// How a proposal's encapsulation mode is compared with the policy's.
    pub mode_match: ModeMatch,
    /// How a proposal's algorithms are compared with ours.
    pub proposal_match: ProposalMatch,
    /// What a responder sends when no policy matches the IDs (`None`: silently drop).
    pub no_policy_notify: Option<crate::wire::NotifyType>,
    /// How a responder's phase-2 error notifications are addressed (protocol and SPI).
    pub phase2_notify: Phase2Notify,
    /// What an initiator does with IDs in QM2 that differ from QM1's.
    pub returned_ids: ReturnedIds,
    /// What an initiator does with an error notification.
    pub on_error_notify: OnErrorNotify,
    /// Whether a received Delete for an ESP SA is answered with a Delete of its partner (IX).
    pub answer_delete: bool,
    /// Delay between asking for phase 2 (or phase 1 completing) and phase 2 starting (racoon
    /// polls for its phase 1 once a second).
    pub phase2_delay: Duration,
    /// Retransmissions.
    pub retransmit: Retransmit,
    /// Fraction of an SA's lifetime after which it is renewed (soft lifetime), in percent.
    pub rekey_percent: u8,
    /// A responder whose own phase-2 lifetime is shorter than the initiator's uses it and says
    /// so with RESPONDER-LIFETIME (racoon's `proposal_check claim`); otherwise it obeys.
    pub claim_lifetime: bool,
    /// Give up a phase-1 exchange that has heard nothing new from its peer for this long (racoon
    /// gives each message its own retry budget, so a slow exchange that keeps moving lives on).
    pub phase1_timeout: Duration,
    /// Protocol and port in our phase-1 ID payload (racoon: UDP 500; others 0/0).
    pub phase1_id_proto_port: (u8, u16),
    /// How many half-open phase-1 exchanges a responder keeps.
    pub limits: super::Limits,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            nonce_len: 16,
            vendor_ids: vec![crate::wire::vendor_id::DPD.to_vec()],
            vendor_ids_with_ke: false,
            initial_contact: InitialContact::Informational,
            id_match: IdMatch::Exact,
            missing_ids: MissingIds::Endpoints,
            mode_match: ModeMatch::Exact,
            proposal_match: ProposalMatch::Exact,
            no_policy_notify: Some(crate::wire::NotifyType::INVALID_ID_INFORMATION),
            phase2_notify: Phase2Notify::Isakmp,
            returned_ids: ReturnedIds::Reject,
            on_error_notify: OnErrorNotify::KeepRetrying,
            answer_delete: false,
            phase2_delay: Duration::ZERO,
            retransmit: Retransmit::default(),
            rekey_percent: 80,
            phase1_timeout: Duration::from_secs(60),
            claim_lifetime: false,
            phase1_id_proto_port: (17, 500),
            limits: super::Limits::default(),
        }
    }
}
