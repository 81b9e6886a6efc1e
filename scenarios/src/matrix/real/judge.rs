//! A real daemon judged by its own log: whether phase 1 came up, whether Quick Mode agreed, the
//! line where it decided, and what it refused. Each row of [`RULES`] is one line the daemon
//! writes, what it means, and where it comes from in the daemon's source or in this machine's
//! runs. The first rule a line matches decides what the line means.

use crate::diagnose::FindingKind;

use super::RealPeer;

/// What a log line means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Meaning {
    /// The ISAKMP SA is up.
    Phase1Up,
    /// Quick Mode agreed as far as this side can tell: as responder it accepted the proposal
    /// and IDs, as initiator it accepted the answer (and tried to install the SAs, which these
    /// kernels refuse).
    QuickModeAgreed,
    /// It refused the negotiation or was refused: the kind, and what happened in a few words.
    Refused(FindingKind, &'static str),
}

/// One line a daemon logs.
struct Rule {
    peer: RealPeer,
    needle: &'static str,
    meaning: Meaning,
}

const fn rule(peer: RealPeer, needle: &'static str, meaning: Meaning) -> Rule {
    Rule {
        peer,
        needle,
        meaning,
    }
}

use FindingKind as K;
use Meaning::{Phase1Up, QuickModeAgreed, Refused};
use RealPeer::{Libreswan as LS, StrongSwan as SS};

/// The lines, most specific first.
const RULES: &[Rule] = &[
    // strongSwan 5.9 (libcharon/sa/ikev1): ike_sa.c logs the ISAKMP SA's establishment;
    // quick_mode.c selects a child config by the IDs, then a proposal, and installs the SAs
    // (which fails here, `unable to install ... in kernel`, after the answer was accepted).
    rule(SS, "established between", Phase1Up),
    rule(SS, "established with SPIs", QuickModeAgreed),
    rule(
        SS,
        "unable to install inbound and outbound IPsec SA",
        QuickModeAgreed,
    ),
    rule(SS, "selected proposal: ESP", QuickModeAgreed),
    rule(
        SS,
        "no matching CHILD_SA config found",
        Refused(
            K::Phase2IdsRefused,
            "found no child config for the IDs it was offered",
        ),
    ),
    rule(
        SS,
        "received INVALID_ID_INFORMATION error notify",
        Refused(
            K::Phase2IdsRefused,
            "was refused its phase-2 IDs (INVALID-ID-INFORMATION)",
        ),
    ),
    rule(
        SS,
        "received NO_PROPOSAL_CHOSEN error notify",
        Refused(K::NoProposalChosen, "was answered NO-PROPOSAL-CHOSEN"),
    ),
    rule(
        SS,
        "no IKE config found",
        Refused(
            K::Phase1NoProposal,
            "found no IKE config for the peer's proposal",
        ),
    ),
    rule(
        SS,
        "no proposal found",
        Refused(
            K::Phase1ProposalDiffers,
            "accepted none of the phase-1 proposals",
        ),
    ),
    rule(
        SS,
        "no matching proposal found",
        Refused(
            K::NoProposalChosen,
            "accepted none of the phase-2 proposals",
        ),
    ),
    rule(
        SS,
        "Aggressive Mode PSK disabled",
        Refused(K::ExchangeModeDiffers, "refused Aggressive Mode with a PSK"),
    ),
    rule(
        SS,
        "none allows pre-shared key authentication using",
        Refused(
            K::ExchangeModeDiffers,
            "has no config for this exchange mode with a PSK",
        ),
    ),
    rule(
        SS,
        "received AUTHENTICATION_FAILED error notify",
        Refused(K::PreSharedKeyDiffers, "was answered AUTHENTICATION-FAILED"),
    ),
    rule(
        SS,
        "giving up after",
        Refused(K::Phase1Timeout, "gave up: no answer"),
    ),
    // Message ID 0 is phase 1: its first message went unanswered.
    rule(
        SS,
        "of request message ID 0, seq 1",
        Refused(
            K::Phase1Timeout,
            "got no answer to its first phase-1 message",
        ),
    ),
    // Libreswan 4.10 (programs/pluto/ikev1*.c): the state transitions' log lines, the
    // notifications it sends and receives, and the kernel's refusal of each SA it adds
    // (`netlink response for Add SA esp...: Protocol not supported`): as responder it installs
    // its inbound SA before it answers, so on these kernels it never answers a Quick Mode it
    // accepted.
    // 4.10 says `IKE SA established {auth=PRESHARED_KEY ...}` for IKEv1 too; older releases
    // said `ISAKMP SA established`.
    rule(LS, "IKE SA established", Phase1Up),
    rule(LS, "ISAKMP SA established", Phase1Up),
    rule(LS, "IPsec SA established", QuickModeAgreed),
    rule(LS, "Add SA", QuickModeAgreed),
    rule(
        LS,
        "no connection is known for",
        Refused(
            K::Phase2IdsRefused,
            "found no connection for the IDs it was offered",
        ),
    ),
    rule(
        LS,
        "INVALID_ID_INFORMATION",
        Refused(
            K::Phase2IdsRefused,
            "INVALID-ID-INFORMATION: the phase-2 IDs were refused",
        ),
    ),
    // A Main Mode request to an Aggressive Mode connection, and the reverse.
    rule(
        LS,
        "no connection has been authorized with authby=PSK",
        Refused(
            K::ExchangeModeDiffers,
            "has no connection for this exchange mode with a PSK from the peer",
        ),
    ),
    rule(
        LS,
        "connection has been configured with authby PSK",
        Refused(
            K::ExchangeModeDiffers,
            "has no connection for this exchange mode with a PSK from the peer",
        ),
    ),
    // After an Aggressive Mode whose last message came in clear (racoon's way), Libreswan
    // derives another phase-2 IV than racoon and strongSwan do (libreswan issue 2027).
    rule(
        LS,
        "malformed payload in packet",
        Refused(
            K::Phase2Unreadable,
            "could not read the peer's encrypted messages after phase 1 (another IV)",
        ),
    ),
    rule(
        LS,
        "STATE_MAIN_I1: retransmission",
        Refused(
            K::Phase1Timeout,
            "got no answer to its first phase-1 message",
        ),
    ),
    rule(
        LS,
        "STATE_AGGR_I1: retransmission",
        Refused(
            K::Phase1Timeout,
            "got no answer to its first phase-1 message",
        ),
    ),
    rule(
        LS,
        "no acceptable Oakley Transform",
        Refused(
            K::Phase1ProposalDiffers,
            "accepted none of the phase-1 proposals",
        ),
    ),
    rule(
        LS,
        "NO_PROPOSAL_CHOSEN",
        Refused(K::NoProposalChosen, "NO-PROPOSAL-CHOSEN"),
    ),
];

/// What a daemon's log shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Phase 1 came up.
    pub phase1: bool,
    /// Quick Mode agreed (see [`Meaning::QuickModeAgreed`]).
    pub quick_mode: bool,
    /// The line where it decided: its first refusal, or else where Quick Mode agreed.
    pub line: Option<String>,
    /// Its first refusal: the kind and the words.
    pub refusal: Option<(FindingKind, &'static str)>,
}

impl Verdict {
    /// Whether the log shows a decision (a refusal, or Quick Mode agreed).
    pub fn decided(&self) -> bool {
        self.refusal.is_some() || self.quick_mode
    }
}

/// What `line` means for `peer`, if anything.
pub fn meaning(peer: RealPeer, line: &str) -> Option<Meaning> {
    RULES
        .iter()
        .find(|r| r.peer == peer && line.contains(r.needle))
        .map(|r| r.meaning)
}

/// `peer`'s log judged.
pub fn judge(peer: RealPeer, log: &str) -> Verdict {
    let mut v = Verdict::default();
    let mut agreed_line = None;
    for line in log.lines() {
        match meaning(peer, line) {
            Some(Phase1Up) => v.phase1 = true,
            Some(QuickModeAgreed) => {
                v.quick_mode = true;
                agreed_line.get_or_insert_with(|| line.trim().to_string());
            }
            Some(Refused(kind, words)) if v.refusal.is_none() && !v.quick_mode => {
                v.refusal = Some((kind, words));
                v.line = Some(line.trim().to_string());
            }
            _ => {}
        }
    }
    if v.line.is_none() {
        v.line = agreed_line;
    }
    v
}

#[cfg(test)]
mod tests {
    //! Lines as strongSwan 5.9.8 and Libreswan 4.10 wrote them on this project's machines
    //! (`ikelab matrix --netns` cells and the interop tests).
    use super::*;

    const STRONGSWAN_REFUSED_IDS: &str = "\
00:12:41 12[CFG] looking for a child config for 10.1.0.0/22 === 10.2.2.0/24
00:12:41 12[IKE] no matching CHILD_SA config found for 10.1.0.0/22 === 10.2.2.0/24
00:12:41 12[IKE] queueing INFORMATIONAL task
";

    const STRONGSWAN_INITIATOR_AGREED: &str = "\
00:17:46 14[CFG] selected proposal: IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024
00:17:46 10[IKE] IKE_SA matrix[1] established between 100.64.1.1[100.64.1.1]...100.64.1.2[100.64.1.2]
00:17:46 10[ENC] generating QUICK_MODE request 3988137536 [ HASH SA No ID ID ]
00:17:46 12[ENC] parsed QUICK_MODE response 3988137536 [ HASH SA No ID ID ]
00:17:46 12[CFG] selected proposal: ESP:AES_CBC_128/HMAC_SHA1_96/NO_EXT_SEQ
00:17:46 12[KNL] received netlink error: Protocol not supported (93)
00:17:46 12[KNL] unable to add SAD entry with SPI cb6c7ce5 (FAILED)
00:17:46 12[IKE] unable to install inbound and outbound IPsec SA (SAD) in kernel
00:17:46 12[IKE] queueing INFORMATIONAL task
";

    const LIBRESWAN_RESPONDER_AGREED: &str = "\
Dec  8 00:12:48.962441: \"matrix\" #1: IKE SA established {auth=PRESHARED_KEY cipher=AES_CBC_128 integ=HMAC_SHA1 group=MODP2048}
Dec  8 00:12:48.944374: ERROR: \"matrix\" #2: netlink response for Add SA esp.c756e8f3@100.64.1.1: Protocol not supported (errno 93)
Dec  8 00:12:48.964002: \"matrix\" #2: state transition function for STATE_QUICK_R0 had internal error
";

    const LIBRESWAN_AFTER_A_CLEAR_AM3: &str = "\
Dec  8 00:15:27.305333: \"matrix\" #1: IKE SA established {auth=PRESHARED_KEY cipher=AES_CBC_128 integ=HMAC_SHA1 group=MODP2048}
Dec  8 00:15:27.305439: \"matrix\" #1: 63771-byte length of ISAKMP Hash Payload is larger than can fit
Dec  8 00:15:27.305447: \"matrix\" #1: malformed payload in packet
";

    const LIBRESWAN_REFUSED_IDS: &str = "\
Dec  8 00:12:36.812000: \"matrix\" #1: IKE SA established {auth=PRESHARED_KEY cipher=AES_CBC_128 integ=HMAC_SHA1 group=MODP2048}
Dec  8 00:12:36.817227: \"matrix\" #1: cannot respond to IPsec SA request because no connection is known for 0.0.0.0/0===100.64.1.2...100.64.1.1===0.0.0.0/0
Dec  8 00:12:36.817300: \"matrix\" #1: sending encrypted notification INVALID_ID_INFORMATION to 100.64.1.1:500
";

    #[test]
    fn a_strongswan_responder_without_a_child_for_the_ids_refuses_them() {
        let v = judge(RealPeer::StrongSwan, STRONGSWAN_REFUSED_IDS);
        assert!(!v.quick_mode && v.decided());
        assert_eq!(v.refusal.map(|r| r.0), Some(FindingKind::Phase2IdsRefused));
        assert!(
            v.line
                .unwrap()
                .contains("no matching CHILD_SA config found")
        );
    }

    #[test]
    fn a_strongswan_initiator_that_cannot_install_agreed_first() {
        // The NO_PROPOSAL_CHOSEN it then sends comes after the answer was accepted.
        let v = judge(RealPeer::StrongSwan, STRONGSWAN_INITIATOR_AGREED);
        assert!(v.phase1 && v.quick_mode);
        assert_eq!(v.refusal, None);
        assert!(v.line.unwrap().contains("selected proposal: ESP"));
    }

    #[test]
    fn libreswan_agrees_before_its_kernel_refuses_the_sa() {
        let v = judge(RealPeer::Libreswan, LIBRESWAN_RESPONDER_AGREED);
        assert!(v.phase1 && v.quick_mode && v.refusal.is_none());
    }

    #[test]
    fn libreswan_without_a_connection_for_the_ids_refuses_them() {
        let v = judge(RealPeer::Libreswan, LIBRESWAN_REFUSED_IDS);
        assert!(v.phase1 && !v.quick_mode);
        assert_eq!(v.refusal.map(|r| r.0), Some(FindingKind::Phase2IdsRefused));
        assert!(
            v.line
                .unwrap()
                .contains("no connection is known for 0.0.0.0/0")
        );
    }

    #[test]
    fn libreswan_that_cannot_read_quick_mode_says_so() {
        let v = judge(RealPeer::Libreswan, LIBRESWAN_AFTER_A_CLEAR_AM3);
        assert!(v.phase1 && !v.quick_mode);
        assert_eq!(v.refusal.map(|r| r.0), Some(FindingKind::Phase2Unreadable));
    }

    #[test]
    fn lines_of_the_other_daemon_mean_nothing() {
        assert_eq!(
            meaning(RealPeer::Libreswan, "no matching CHILD_SA config found"),
            None
        );
        assert_eq!(judge(RealPeer::StrongSwan, ""), Verdict::default());
    }
}
