//! What the engine tells its owner: typed events that vendor log renderers turn into SEIL or IX
//! lines, and that tests and key-file writers read. Events carry facts, not text.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddrV4};

use serde::{Deserialize, Serialize};

use crate::crypto::CipherAlg;
use crate::esp::IntegAlg;
use crate::time::Instant;
use crate::wire::{ExchangeType, NotifyType, PayloadType, ProtocolId, WireError};

use super::config::{EncapMode, ExchangeMode, QmId};

/// Direction of an IPsec SA, seen from this engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    /// Peer to us: the SPI is ours.
    Inbound,
    /// Us to peer: the SPI is the peer's.
    Outbound,
}

/// Why an SA went away: an IPsec SA ([`EventKind::SaDeleted`]) or an ISAKMP SA
/// ([`EventKind::Phase1Deleted`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DeleteReason {
    /// Its (hard) lifetime ran out.
    Expired,
    /// The peer sent a Delete naming it (or, for an IPsec SA, its partner direction).
    DeleteReceived,
    /// The peer's INITIAL-CONTACT said it restarted: what was complete before that exchange began
    /// is stale (RFC 2407 4.6.3.3).
    InitialContact,
    /// The peer stopped answering R-U-THERE (RFC 3706).
    PeerDead,
    /// The SAD was flushed ([`super::Engine::flush`]; IPsec SAs only).
    Flushed,
    /// The daemon stopped ([`super::Engine::shutdown`]).
    Shutdown,
}

/// Why a negotiation ended without an SA.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailReason {
    /// No answer after every retransmission ("negotiation failed due to time up").
    Timeout,
    /// No proposal of the peer was acceptable.
    NoProposalChosen,
    /// The peer's HASH did not verify (wrong pre-shared key, or tampering).
    AuthenticationFailed,
    /// The peer's IDs do not match a policy.
    IdMismatch,
    /// The peer answered with an error notification.
    Notified(NotifyType),
    /// The peer sent something that does not fit the exchange.
    Malformed(BadMessage),
    /// Deleted by configuration change or flush.
    Flushed,
}

/// Why a received packet was dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// Not a valid ISAKMP message.
    Malformed(WireError),
    /// No phase-1 SA or exchange for these cookies.
    UnknownCookies,
    /// Did not decrypt to a valid payload chain (wrong key, or corrupted).
    DecryptFailed,
    /// A HASH payload did not verify.
    BadHash,
    /// A message that is not the one the exchange expects now.
    Unexpected(BadMessage),
    /// A retransmission of a message already answered (the answer is resent).
    Retransmission,
    /// Anything received after an orderly stop (its Deletes sent): no new negotiation is
    /// answered, so a peer is not left with SAs towards a router that is gone.
    Stopped,
    /// A first message (MM1, AM1) that is not byte-identical to the one that began the exchange
    /// its initiator cookie names: the same exchange, so no second SA; not answered.
    FirstMessageAgain,
    /// From an address no peer is configured for.
    UnknownPeer,
    /// Refused by an RFC 2408/2409 check ([`super::checks`]): a first message before any state
    /// is kept for it, a nonce out of bounds in any exchange.
    Invalid(super::checks::Invalid),
    /// A first message while the half-open exchanges (overall, or from its address) are at
    /// their limit ([`super::Limits`]).
    HalfOpenLimit,
}

/// A message of an exchange, as RFC 2409 numbers them (MM1 is the initiator's first Main Mode
/// message).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Step {
    /// Main Mode: the initiator's SA.
    Mm1,
    /// Main Mode: the responder's SA.
    Mm2,
    /// Main Mode: the initiator's KE and nonce.
    Mm3,
    /// Main Mode: the responder's KE and nonce.
    Mm4,
    /// Main Mode: the initiator's ID and HASH_I.
    Mm5,
    /// Main Mode: the responder's ID and HASH_R.
    Mm6,
    /// Aggressive Mode: the initiator's SA, KE, nonce and ID.
    Am1,
    /// Aggressive Mode: the responder's answer with HASH_R.
    Am2,
    /// Aggressive Mode: the initiator's HASH_I.
    Am3,
    /// Quick Mode: the initiator's offer.
    Qm1,
    /// Quick Mode: the responder's answer.
    Qm2,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::Mm1 => "MM1",
            Step::Mm2 => "MM2",
            Step::Mm3 => "MM3",
            Step::Mm4 => "MM4",
            Step::Mm5 => "MM5",
            Step::Mm6 => "MM6",
            Step::Am1 => "AM1",
            Step::Am2 => "AM2",
            Step::Am3 => "AM3",
            Step::Qm1 => "QM1",
            Step::Qm2 => "QM2",
        })
    }
}

/// What about a well-formed ISAKMP message does not fit the exchange it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BadMessage {
    /// An exchange type the engine does not take part in (only Main, Aggressive, Quick and
    /// Informational are).
    UnsupportedExchange(ExchangeType),
    /// A first phase-1 message in a mode the peer is not configured for: a responder answers
    /// only its peer's mode.
    ModeNotConfigured(ExchangeMode),
    /// A phase-1 message for an SA whose phase 1 is already over.
    AfterPhase1,
    /// A Quick Mode message for an exchange that has finished.
    QuickModeFinished,
    /// An encrypted Quick Mode or Informational message that does not start with HASH.
    NoHashFirst(ExchangeType),
    /// The message lacks a payload its step needs.
    MissingPayloads(Step),
    /// The responder chose a transform (phase 1) or answered with one (phase 2) we did not
    /// offer.
    NotOffered(Step),
    /// The KE payload is not a valid public value of the group.
    BadPublicValue(Step),
    /// A KE payload where PFS was not offered, or none where it was.
    PfsMismatch(Step),
}

impl fmt::Display for BadMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadMessage::UnsupportedExchange(e) => write!(f, "exchange type {e} is not supported"),
            BadMessage::ModeNotConfigured(m) => {
                write!(f, "{m:?} Mode is not configured for this peer")
            }
            BadMessage::AfterPhase1 => f.write_str("Main Mode message after phase 1"),
            BadMessage::QuickModeFinished => f.write_str("Quick Mode already finished"),
            BadMessage::NoHashFirst(e) => write!(f, "{e} without HASH first"),
            BadMessage::MissingPayloads(step) => match step {
                Step::Mm1 | Step::Mm2 => write!(f, "{step} without SA"),
                Step::Mm3 | Step::Mm4 => write!(f, "{step} without KE and nonce"),
                Step::Mm5 | Step::Mm6 => f.write_str("no ID or HASH"),
                Step::Am1 => write!(f, "{step} without SA, KE, nonce and ID"),
                Step::Am2 => write!(f, "{step} without SA, KE, nonce, ID and HASH"),
                Step::Am3 => write!(f, "{step} without HASH"),
                Step::Qm1 | Step::Qm2 => write!(f, "{step} without SA or nonce"),
            },
            BadMessage::NotOffered(step @ (Step::Qm1 | Step::Qm2)) => {
                write!(f, "{step} does not answer our offer")
            }
            BadMessage::NotOffered(step) => {
                write!(f, "{step} chose a transform we did not offer")
            }
            BadMessage::BadPublicValue(step) => write!(f, "{step} KE is not a valid public value"),
            BadMessage::PfsMismatch(step) => write!(f, "{step} KE does not match the PFS offer"),
        }
    }
}

/// An event, stamped with the `now` of the call that produced it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// When.
    pub at: Instant,
    /// What.
    pub kind: EventKind,
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} {:?}", self.at, self.kind)
    }
}

/// Keys the engine derived, for Wireshark's key files. `Debug` redacts them.
#[derive(Clone, PartialEq, Eq)]
pub enum KeysDerived {
    /// A phase-1 SA's cipher key (`ikev1_decryption_table`).
    Phase1 {
        /// Initiator cookie.
        icookie: [u8; 8],
        /// Responder cookie.
        rcookie: [u8; 8],
        /// Cipher.
        cipher: CipherAlg,
        /// Ka.
        ka: Vec<u8>,
    },
    /// One direction of an ESP SA (`esp_sa`).
    Esp {
        /// Outer source.
        src: Ipv4Addr,
        /// Outer destination.
        dst: Ipv4Addr,
        /// SPI.
        spi: u32,
        /// Cipher.
        cipher: CipherAlg,
        /// Encryption key.
        enc_key: Vec<u8>,
        /// Integrity algorithm.
        integ: IntegAlg,
        /// Integrity key.
        auth_key: Vec<u8>,
    },
}

impl fmt::Debug for KeysDerived {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeysDerived::Phase1 {
                icookie, cipher, ..
            } => {
                write!(
                    f,
                    "Phase1 {{ icookie: {}, cipher: {cipher:?}, ka: <redacted> }}",
                    hex(icookie)
                )
            }
            KeysDerived::Esp {
                src,
                dst,
                spi,
                cipher,
                integ,
                ..
            } => {
                write!(
                    f,
                    "Esp {{ {src} -> {dst} spi {spi:#010x} {cipher:?}/{integ:?}, keys: <redacted> }}"
                )
            }
        }
    }
}

pub use crate::hex::hex;

/// What happened. Events serialise (a runner may keep a long run's record on disk rather than in
/// memory) except drops, whose wire errors hold static text, and keys, which belong in key
/// files only: those two fail to serialise and the runner does not record them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    /// An IKE datagram arrived (IX `IKE.006`).
    PacketReceived {
        /// Sender.
        from: SocketAddrV4,
        /// ISAKMP length.
        len: usize,
    },
    /// An IKE datagram was sent (IX `IKE.005`).
    PacketSent {
        /// Receiver.
        to: SocketAddrV4,
        /// ISAKMP length.
        len: usize,
        /// Whether it is a retransmission.
        retransmission: bool,
    },
    /// A payload of an accepted message (IX debug `IKE.045`).
    PayloadReceived {
        /// Sender.
        from: SocketAddrV4,
        /// Exchange type.
        exchange: ExchangeType,
        /// Payload type.
        kind: PayloadType,
        /// Payload length with its generic header.
        len: usize,
    },
    /// A received packet was dropped.
    #[serde(skip)]
    Dropped {
        /// Sender.
        from: SocketAddrV4,
        /// Why.
        reason: DropReason,
    },
    /// We start phase 1 (racoon "initiate new phase 1 negotiation", "begin ... mode").
    Phase1Started {
        /// Local endpoint.
        local: SocketAddrV4,
        /// Remote endpoint.
        remote: SocketAddrV4,
        /// Exchange type.
        exchange: ExchangeType,
        /// Whether we initiated.
        initiator: bool,
    },
    /// A Vendor ID arrived (racoon "received Vendor ID: DPD").
    VendorIdReceived {
        /// Sender.
        from: SocketAddrV4,
        /// Its known name, or hex.
        name: String,
    },
    /// Phase 1 completed.
    Phase1Established {
        /// Local endpoint.
        local: SocketAddrV4,
        /// Remote endpoint.
        remote: SocketAddrV4,
        /// Initiator cookie.
        icookie: [u8; 8],
        /// Responder cookie.
        rcookie: [u8; 8],
        /// Whether we initiated.
        initiator: bool,
    },
    /// Phase 1 failed.
    Phase1Failed {
        /// Remote endpoint.
        remote: SocketAddrV4,
        /// Why.
        reason: FailReason,
    },
    /// The peer stopped answering R-U-THERE (RFC 3706): its SAs are gone.
    PeerDead {
        /// Remote endpoint.
        remote: SocketAddrV4,
        /// Initiator cookie of its ISAKMP SA.
        icookie: [u8; 8],
        /// Responder cookie.
        rcookie: [u8; 8],
    },
    /// An ISAKMP SA ended.
    Phase1Deleted {
        /// Local endpoint.
        local: SocketAddrV4,
        /// Remote endpoint.
        remote: SocketAddrV4,
        /// Initiator cookie.
        icookie: [u8; 8],
        /// Responder cookie.
        rcookie: [u8; 8],
        /// Why.
        reason: DeleteReason,
    },
    /// A notification was sent.
    NotifySent {
        /// Receiver.
        to: SocketAddrV4,
        /// Type.
        kind: NotifyType,
        /// Protocol.
        protocol: ProtocolId,
    },
    /// A notification was received.
    NotifyReceived {
        /// Sender.
        from: SocketAddrV4,
        /// Type.
        kind: NotifyType,
        /// Protocol.
        protocol: ProtocolId,
        /// Message ID of the Informational that carried it.
        message_id: u32,
    },
    /// Phase 2 will start after a delay (SEIL "delay phase2 start for N sec.").
    Phase2Delayed {
        /// Remote endpoint.
        remote: SocketAddrV4,
        /// The delay.
        delay: std::time::Duration,
    },
    /// A Quick Mode exchange starts.
    Phase2Started {
        /// Local endpoint.
        local: SocketAddrV4,
        /// Remote endpoint.
        remote: SocketAddrV4,
        /// Cookies of the ISAKMP SA it runs under.
        icookie: [u8; 8],
        /// Responder cookie.
        rcookie: [u8; 8],
        /// Message ID.
        message_id: u32,
        /// Whether we initiated.
        initiator: bool,
    },
    /// The responder found no policy for the received Quick Mode IDs (IX `IKE.043`).
    NoPolicyForIds {
        /// Sender.
        from: SocketAddrV4,
        /// IDci as received (the initiator's side).
        initiator_id: QmId,
        /// IDcr as received (our side, as the initiator sees it).
        responder_id: QmId,
        /// What our policies for this peer expect (remote, local), for the diagnosis.
        expected: Vec<(QmId, QmId)>,
    },
    /// The responder of our Quick Mode returned other IDs than we sent.
    ReturnedIdsMismatch {
        /// Sender.
        from: SocketAddrV4,
        /// What we sent (IDci, IDcr).
        sent: (QmId, QmId),
        /// What came back.
        received: (QmId, QmId),
    },
    /// A Quick Mode exchange completed (IX `IKE.002` for phase 2).
    Phase2Established {
        /// Remote endpoint.
        remote: SocketAddrV4,
        /// Message ID.
        message_id: u32,
    },
    /// A Quick Mode exchange failed.
    Phase2Failed {
        /// Remote endpoint.
        remote: SocketAddrV4,
        /// Message ID.
        message_id: u32,
        /// Why.
        reason: FailReason,
    },
    /// An IPsec SA was installed (racoon "IPsec-SA established: ESP/Transport a->b spi=...").
    SaInstalled {
        /// SPI.
        spi: u32,
        /// Direction.
        direction: Direction,
        /// Mode.
        mode: EncapMode,
        /// Outer source of packets on this SA.
        src: Ipv4Addr,
        /// Outer destination.
        dst: Ipv4Addr,
        /// The Quick Mode IDs it was negotiated for (local, remote).
        ids: (QmId, QmId),
    },
    /// An IPsec SA was removed.
    SaDeleted {
        /// SPI.
        spi: u32,
        /// Direction.
        direction: Direction,
        /// Mode.
        mode: EncapMode,
        /// Outer source of packets on this SA.
        src: Ipv4Addr,
        /// Outer destination.
        dst: Ipv4Addr,
        /// Why.
        reason: DeleteReason,
    },
    /// We sent a Delete (racoon "send IPsec-SA delete information", IX `IKE.012`).
    DeleteSent {
        /// Receiver.
        to: SocketAddrV4,
        /// Protocol.
        protocol: ProtocolId,
        /// SPIs (4 bytes for ESP, 16 for ISAKMP).
        spis: Vec<Vec<u8>>,
    },
    /// We received a Delete (IX `IKE.014`).
    DeleteReceived {
        /// Sender.
        from: SocketAddrV4,
        /// Protocol.
        protocol: ProtocolId,
        /// SPIs.
        spis: Vec<Vec<u8>>,
    },
    /// All IPsec SAs were flushed (SEIL "Security Association Database Initialized.").
    SadFlushed,
    /// The policies were reloaded (SEIL "Security Policy Database Initialized.").
    SpdReloaded,
    /// Outbound traffic needs an SA that does not exist yet (the kernel's ACQUIRE).
    Acquire {
        /// The policy.
        policy: String,
    },
    /// Keys for Wireshark.
    #[serde(skip)]
    Keys(KeysDerived),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_messages_read_as_before_they_were_typed() {
        use BadMessage::*;
        let got: Vec<String> = [
            MissingPayloads(Step::Mm2),
            MissingPayloads(Step::Mm3),
            MissingPayloads(Step::Mm5),
            MissingPayloads(Step::Am2),
            MissingPayloads(Step::Qm1),
            NotOffered(Step::Am2),
            NotOffered(Step::Qm2),
            BadPublicValue(Step::Mm4),
            PfsMismatch(Step::Qm2),
            ModeNotConfigured(ExchangeMode::Aggressive),
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        let want = "MM2 without SA
MM3 without KE and nonce
no ID or HASH
AM2 without SA, KE, nonce, ID and HASH
QM1 without SA or nonce
AM2 chose a transform we did not offer
QM2 does not answer our offer
MM4 KE is not a valid public value
QM2 KE does not match the PFS offer
Aggressive Mode is not configured for this peer";
        assert_eq!(got.join("\n"), want);
    }
}
