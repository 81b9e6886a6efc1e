//! How the Yamaha RTX behaves where IKEv1 implementations differ, as engine data over
//! [`Behaviour::default()`]: one row per difference, with its reason. What the sources do not
//! say keeps the engine default (and the table says so).
//!
//! | knob | RTX | why |
//! |---|---|---|
//! | `vendor_ids` | none | "one lab table says none are sent" (the facts gathered for this personality); the RTX's own Vendor IDs were not found |
//! | `initial_contact` | Off | not found; none is sent rather than an invented one |
//! | `id_match` | Lenient | chapter 15 (`ipsec ike negotiate-strictly`, off by default): as responder the RTX "accepts the initiator's proposal if it supports it"; here it takes the initiator's IDs for a tunnel it has with that peer (an exact match first). `negotiate-strictly on` on every gateway makes it Exact ([`super::config`]) |
//! | `proposal_match` | AnySupported | chapter 15 (`ipsec ike negotiate-strictly`): as responder the RTX accepts any algorithm, group or PFS it supports, whatever its own `ipsec ike encryption`/`hash`/`group` and `ipsec sa policy` say; Exact with `negotiate-strictly on` ([`super::config`]) |
//! | `missing_ids` | PeerPolicy | a QM1 without IDs (what an RTX itself sends without `ipsec ike local id`/`remote id`) is taken for the peer's tunnel; Endpoints (RFC 2409 section 5.5, exact) with `negotiate-strictly on` |
//! | `claim_lifetime` | false | "adopts the initiator's lifetime" (chapter 15, `ipsec ike duration`: as responder the proposed lifetime is used) |
//! | `rekey_percent` | 75 | `ipsec ike duration ... rekey` defaults to 75% |
//! | `retransmit` | every 5 s, 11 sends | `ipsec ike retry` defaults: 10 retries, 5 s apart; the config's `ipsec ike retry` changes it |
//! | `nonce_len` | 16 | not found; the engine default (racoon's) |
//! | `no_policy_notify`, `returned_ids`, `answer_delete`, `phase1_id_proto_port`, `phase1_timeout`, `mode_match` | engine defaults | not found for the RTX |

use std::time::Duration;

use crate::ike::{Behaviour, IdMatch, InitialContact, MissingIds, ProposalMatch, Retransmit};

/// The RTX's behaviour with its default config (see the table above).
pub fn behaviour() -> Behaviour {
    Behaviour {
        vendor_ids: vec![],
        initial_contact: InitialContact::Off,
        id_match: IdMatch::Lenient,
        proposal_match: ProposalMatch::AnySupported,
        missing_ids: MissingIds::PeerPolicy,
        claim_lifetime: false,
        rekey_percent: 75,
        retransmit: Retransmit {
            interval: Duration::from_secs(5),
            tries: 11,
        },
        nonce_len: 16,
        ..Behaviour::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_by_default_and_retries_as_the_command_reference_says() {
        let b = behaviour();
        assert_eq!(b.id_match, IdMatch::Lenient);
        assert_eq!(b.proposal_match, ProposalMatch::AnySupported);
        assert_eq!(b.missing_ids, MissingIds::PeerPolicy);
        assert!(b.vendor_ids.is_empty());
        assert_eq!(b.rekey_percent, 75);
        assert_eq!(b.retransmit.tries, 11);
        assert_eq!(b.retransmit.interval, Duration::from_secs(5));
    }
}
