//! How SEIL's IKE daemon (racoon, KAME lineage with later ipsec-tools parts and IIJ's own
//! changes) behaves where IKEv1 implementations differ.
//!
//! | knob | SEIL | why |
//! |---|---|---|
//! | `nonce_len` | 16 | racoon's `DEFAULT_NONCE_SIZE` (KAME and ipsec-tools `isakmp_var.h`); `ike peer add ... nonce-size N` changes it |
//! | `vendor_ids` | DPD | ipsec-tools sends the RFC 3706 VID when `dpd` is on (its default); the document's SEIL recognises the peer's ("received Vendor ID: DPD"), which KAME racoon could not, so SEIL carries that code. Dropped when every peer has `dpd disable` |
//! | `initial_contact` | own Informational | racoon sends INITIAL-CONTACT with `isakmp_info_send_n1` after the last Main Mode message, before logging "ISAKMP-SA established" (the document's order); 92-byte Informational in the IX log |
//! | `id_match` | Exact | racoon as responder looks up its SPD with the received IDs (`get_proposal_r`) |
//! | `missing_ids` | Endpoints | a QM1 without IDci/IDcr (a Yamaha RTX's default): racoon's `get_proposal_r` takes the phase-1 addresses as host selectors (ipsec-tools `isakmp_quick.c`: "get a destination address of SP index from phase1 address due to no ID payloads found") and looks its SPD up with them, RFC 2409 section 5.5; matched as received IDs are, so SEIL's 0.0.0.0/0 or subnet IDs refuse them |
//! | `no_policy_notify` | INVALID-ID-INFORMATION | the engine default, kept: the document does not show SEIL as a responder |
//! | `returned_ids` | Reject | racoon's `quick_i2recv` compares the returned IDci/IDcr with what it sent ("mismatched IDci was returned.") |
//! | `on_error_notify` | KeepRetrying | see below |
//! | `answer_delete` | false | racoon purges the SAs a Delete names and sends nothing back |
//! | `phase2_delay` | 1 s | racoon polls for its phase 1 once a second (`isakmp_chkph1there`); the document's fixed log shows phase 2 one second after "ISAKMP-SA established" |
//! | (per policy) `phase2_delay` | 4 s without `proxy-id-*` | the document's failing log: "delay phase2 start for 4 sec." between phase 1 and phase 2; not in any racoon, so IIJ's. The trigger is not documented; ikelab's reading, the one that fits both of the document's logs: SEIL waits before phase 2 of routing-based IPsec with its default 0.0.0.0/0 IDs (the failing config), not with `proxy-id-*` set (the fixed config's log has no such line). Set in `config.rs` on the policy. |
//! | `retransmit` | every 10 s, 6 sends | SEIL's `ike interval 10s`, `ike retry 5` defaults (= racoon's `RETRY_INTERVAL`, `RETRY_COUNTER`) |
//! | `rekey_percent` | 80 | racoon's soft lifetime (`PFKEY_SOFT_LIFETIME_RATE`) |
//! | `phase1_timeout` | 60 s after the last message taken | longer than the 50 s of one message's retransmissions, so that racoon's "phase1 negotiation failed due to time up" (the retry budget, reset for every message it sends: `retry_counter = rmconf->retry_counter` in each `*_send`) decides; nothing caps the whole exchange. SEIL's own `ike phase1-timeout 30s` is racoon's `retry_checkph1` (phase 2 waiting for phase 1), not this |
//! | `phase1_id_proto_port` | (17, 500) | racoon's `ipsecdoi_setid1` puts UDP/500 in its ID_IPV4_ADDR |
//!
//! **Error notifications (`on_error_notify`).** ipsec-tools racoon only logs an error notify and
//! keeps resending QM1 until its retry budget is spent; KAME racoon deletes the phase-2 handle
//! whose message ID equals the Informational's. SEIL's racoon is KAME lineage (its "IPsec-SA
//! established" line prints addresses without ports, as KAME's `pfkey.c` does), but its notify
//! handling was changed by IIJ (its "received INVALID-ID-INFORMATION notification from ..." line
//! is in neither racoon), so lineage does not settle it. ikelab uses **KeepRetrying**: (1) the
//! document's SEIL shows no sign of aborting on the notify, and its "delay phase2 start" line
//! only makes sense after an attempt that failed by itself later; (2) peers like the IX2015 and
//! strongSwan send the error under a fresh message ID, for which KAME's rule never matches, so
//! for them both rules give the same trace, and KeepRetrying is the one that also holds for a
//! peer that reuses the Quick Mode's message ID.

use std::time::Duration;

use crate::ike::{
    Behaviour, IdMatch, InitialContact, MissingIds, OnErrorNotify, Retransmit, ReturnedIds,
};
use crate::wire::{NotifyType, vendor_id};

/// SEIL's behaviour with its defaults (before any `ike` global or per-peer setting; [`super::parse`]
/// applies those).
#[allow(
    clippy::field_reassign_with_default,
    reason = "a knob the engine adds later keeps its default until SEIL's value is decided"
)]
pub fn behaviour() -> Behaviour {
    // One row per knob of the table above, each with its reason there.
    let mut b = Behaviour::default();
    b.nonce_len = 16;
    b.vendor_ids = vec![vendor_id::DPD.to_vec()];
    b.initial_contact = InitialContact::Informational;
    b.id_match = IdMatch::Exact;
    b.missing_ids = MissingIds::Endpoints;
    b.no_policy_notify = Some(NotifyType::INVALID_ID_INFORMATION);
    b.returned_ids = ReturnedIds::Reject;
    b.on_error_notify = OnErrorNotify::KeepRetrying;
    b.answer_delete = false;
    b.phase2_delay = Duration::from_secs(1);
    b.retransmit = Retransmit {
        interval: Duration::from_secs(10),
        tries: 6,
    };
    b.rekey_percent = 80;
    b.phase1_timeout = Duration::from_secs(60);
    b.phase1_id_proto_port = (17, 500);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retransmissions_end_before_the_phase1_timeout() {
        let b = behaviour();
        let last_send = b.retransmit.interval * (b.retransmit.tries - 1);
        assert!(last_send < b.phase1_timeout);
        assert_eq!(b.retransmit.tries, 6);
    }
}
