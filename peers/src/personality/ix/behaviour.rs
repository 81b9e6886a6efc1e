//! How the IX2015 behaves where IKEv1 implementations differ, as engine data.
//!
//! | hook | IX | why |
//! |---|---|---|
//! | `nonce_len` | 16 | IX's QM2 in the document is 156 bytes, the same as SEIL's QM1 with its 16-byte nonce (NONCE payload 20): with AES padding any IX nonce of 16-23 bytes gives 156; 16 is the usual size. |
//! | `vendor_ids` | DPD | SEIL logs `received Vendor ID: DPD` during the phase 1 with the IX. |
//! | `initial_contact` | Off | IX's default `ike initial-contact payload` sends it inside phase 1 only when an undecryptable packet arrives while it holds no SA; treated here as never. The config turns it on with `ike initial-contact always` ([`super::config`]). |
//! | `id_match` | Exact | The document: IX answers 0.0.0.0/0 IDs with `IKE.043 IPsec configuration not found` although they would cover its host IDs. |
//! | `missing_ids` | Endpoints | Not observable (the document's SEIL always sends IDs). RFC 2409 section 5.5: a QM1 without IDci/IDcr (a Yamaha RTX's default) stands for the ISAKMP SA's endpoint addresses; with exact matching only a map whose `ipsec local-id`/`remote-id` are those two hosts answers, a map for subnets gets `IKE.043`. |
//! | `mode_match` | Either | The document: the IX, whose map is bound with `ipsec policy tunnel`, agrees to SEIL's transport-mode proposal (`ESP/Transport` in SEIL's log); strongSwan's tunnel-mode proposal for the access list's LANs is the common LAN-to-LAN case. What the IX proposes itself is in [`super::config`]. |
//! | `no_policy_notify` | INVALID-ID-INFORMATION | The document's `IKE.007` line. |
//! | `returned_ids` | Reject | Not observable in the document; the strict counterpart of exact matching. |
//! | `answer_delete` | true | The document: IX answers SEIL's Delete of 0xe8d969c with its own Delete of 0xaee1cb05 (`IKE.014`, `IKE.012`). |
//! | `phase2_delay` (and the policies' announced delay) | none | Nothing in the document delays IX's phase 2 (SEIL's 4 s delay is SEIL's). |
//! | `phase1_id_proto_port` | (17, 500) | Unknown for IX. The document's messages do not show it (the ID payload is 12 bytes whatever the values); racoon's choice keeps every message the same as SEIL's. |
//! | `on_error_notify`, `retransmit`, `rekey_percent`, `phase1_timeout` | engine defaults | Unknown for IX (it has `ike retransmit-count`/`-interval` commands, whose defaults are not public). |

use std::time::Duration;

use crate::ike::{Behaviour, IdMatch, InitialContact, MissingIds, ModeMatch, ReturnedIds};
use crate::wire::{NotifyType, vendor_id};

/// The IX2015's behaviour with its default config (see the table above).
pub fn behaviour() -> Behaviour {
    Behaviour {
        nonce_len: 16,
        vendor_ids_with_ke: true,
        vendor_ids: vec![vendor_id::DPD.to_vec()],
        initial_contact: InitialContact::Off,
        id_match: IdMatch::Exact,
        missing_ids: MissingIds::Endpoints,
        mode_match: ModeMatch::Either,
        no_policy_notify: Some(NotifyType::INVALID_ID_INFORMATION),
        returned_ids: ReturnedIds::Reject,
        answer_delete: true,
        phase2_delay: Duration::ZERO,
        phase1_id_proto_port: (17, 500),
        ..Behaviour::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ix_answers_deletes_and_matches_exactly() {
        let b = behaviour();
        assert!(b.answer_delete);
        assert_eq!(b.id_match, IdMatch::Exact);
        assert_eq!(b.initial_contact, InitialContact::Off);
        assert_eq!(b.nonce_len, 16);
        assert_eq!(b.vendor_ids, vec![vendor_id::DPD.to_vec()]);
        assert_eq!(b.no_policy_notify, Some(NotifyType::INVALID_ID_INFORMATION));
    }
}
