//! How Cisco IOS (classic crypto maps) behaves where IKEv1 implementations differ, as engine
//! data: the rows below differ from [`Behaviour::default()`], each with its reason.
//!
//! | hook | IOS | why |
//! |---|---|---|
//! | `id_match` | Exact | As responder IOS looks for a crypto ACL entry whose mirror is exactly the received IDs; anything else is `proxy identities not supported` (users' `debug crypto ipsec` logs, `personalities.md`). |
//! | `no_policy_notify` | PROPOSAL_NOT_CHOSEN (14) | IOS answers IDs that match no crypto ACL with `Sending NOTIFY PROPOSAL_NOT_CHOSEN protocol 3`, not INVALID-ID-INFORMATION (users' debug logs, consistent across several; the failure table of `personalities.md`). |
//! | `phase2_notify` | protocol ESP with the proposal's SPI | The same debug line says `protocol 3` (ESP) and IOS prints the refused proposal's `spi` under it. |
//! | `on_error_notify` | AbortMatchingSpi | An IOS initiator that receives `PROPOSAL_NOT_CHOSEN protocol 3` for its offer logs `deleting node ... reason "Delete Larval"`: the Quick Mode is dropped, not retransmitted. |
//! | `vendor_ids` | DPD, Cisco Unity, XAUTH | Vendor IDs seen from IOS: Cisco Unity `12f5f28c457168a9702d9fe274cc0100`, XAUTH, DPD (and NAT-T, which the engine adds itself when NAT traversal is on). IOS's "another IOS box" VID is derived per box and is left out. |
//! | `vendor_ids_with_ke` | true | IOS carries its Unity, DPD and XAUTH VIDs in the key exchange messages (MM3/MM4); the engine sends them in the first message too. An ikelab reading of IOS captures, not from a cited source. |
//! | `initial_contact` | inside Main Mode (MM5) | IOS sends INITIAL-CONTACT inside its MM5 when it holds no SA with the peer; an ikelab reading, not from a cited source. |
//! | `answer_delete` | true | IOS deletes the partner SA of a deleted one and tells the peer. |
//! | `phase2_delay` | none | IOS starts phase 2 as soon as phase 1 is up (`IKE_P1_COMPLETE` is followed by `beginning Quick Mode exchange`). |
//! | `nonce_len` | 20 | Not found in any source (`personalities.md`: "Nonce size: not found"); 20 bytes is a guess (IOS's nonce is the size of its SHA-1 hash). |
//! | `phase1_id_proto_port`, `retransmit`, `rekey_percent`, `phase1_timeout`, `mode_match`, `returned_ids`, `claim_lifetime`, `limits` | engine defaults | Not documented for IOS (`phase1_id_proto_port`: IOS debugs of the phase-1 ID payload print `protocol : 17` and `port : 500`, racoon's values). |

use std::time::Duration;

use crate::ike::{Behaviour, IdMatch, InitialContact, OnErrorNotify, Phase2Notify};
use crate::wire::{NotifyType, vendor_id};

/// XAUTH (draft-ietf-ipsec-isakmp-xauth), which IOS announces.
const XAUTH: [u8; 8] = [0x09, 0x00, 0x26, 0x89, 0xdf, 0xd6, 0xb7, 0x12];

/// Cisco Unity, which IOS announces: `12f5f28c457168a9702d9fe274cc0100`.
pub const CISCO_UNITY: [u8; 16] = [
    0x12, 0xf5, 0xf2, 0x8c, 0x45, 0x71, 0x68, 0xa9, 0x70, 0x2d, 0x9f, 0xe2, 0x74, 0xcc, 0x01, 0x00,
];

/// IOS's behaviour with its default config (see the table above).
pub fn behaviour() -> Behaviour {
    Behaviour {
        nonce_len: 20,
        vendor_ids: vec![
            vendor_id::DPD.to_vec(),
            CISCO_UNITY.to_vec(),
            XAUTH.to_vec(),
        ],
        vendor_ids_with_ke: true,
        initial_contact: InitialContact::InMainMode,
        id_match: IdMatch::Exact,
        no_policy_notify: Some(NotifyType::NO_PROPOSAL_CHOSEN),
        phase2_notify: Phase2Notify::EspSpi,
        on_error_notify: OnErrorNotify::AbortMatchingSpi,
        answer_delete: true,
        phase2_delay: Duration::ZERO,
        ..Behaviour::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unity_is_the_vid_the_reference_names() {
        assert_eq!(vendor_id::name(&CISCO_UNITY), Some("Cisco Unity"));
        assert_eq!(vendor_id::name(&XAUTH), Some("XAUTH"));
        let b = behaviour();
        assert!(b.vendor_ids.contains(&CISCO_UNITY.to_vec()));
        assert_eq!(b.no_policy_notify, Some(NotifyType::NO_PROPOSAL_CHOSEN));
        assert_eq!(b.phase2_notify, Phase2Notify::EspSpi);
    }
}
