//! Main Mode and Quick Mode complete for every supported algorithm combination, and the SAs
//! carry traffic both ways.

use std::time::Duration;

use ikelab_peers::crypto::{CipherAlg, DhGroup, HashAlg};
use ikelab_peers::esp::IntegAlg;
use ikelab_peers::ike::{Engine, EngineConfig, Protected};
use ikelab_peers::time::Instant;
use ikelab_peers::wire::ipv4;
use ikelab_tests::pair::{A_ADDR, B_ADDR, Pair, fixed_configs};

const CIPHERS: [CipherAlg; 4] = [
    CipherAlg::AesCbc { key_len: 16 },
    CipherAlg::AesCbc { key_len: 24 },
    CipherAlg::AesCbc { key_len: 32 },
    CipherAlg::TripleDesCbc,
];

fn configs(edit: impl Fn(&mut EngineConfig)) -> Pair {
    let (a, b) = fixed_configs(edit);
    Pair::new(a, b, 77)
}

fn assert_traffic(p: &mut Pair, what: &str) {
    p.a.start(Instant::ZERO);
    p.run_for(Duration::from_secs(5));
    assert_eq!(p.a.ipsec_sas().len(), 2, "{what}");
    let pkt = [&ipv4::header(A_ADDR, B_ADDR, 4, 64, 1, 40)[..], &[7; 40]].concat();
    let Protected::Esp(esp) = p.a.protect(p.now, pkt.clone()) else {
        panic!("{what}: no SA")
    };
    assert_eq!(p.b.unprotect(p.now, &esp).unwrap(), pkt, "{what}");
    let back = [&ipv4::header(B_ADDR, A_ADDR, 4, 64, 2, 3)[..], &[9; 3]].concat();
    let Protected::Esp(esp) = p.b.protect(p.now, back.clone()) else {
        panic!("{what}: no SA")
    };
    assert_eq!(p.a.unprotect(p.now, &esp).unwrap(), back, "{what}");
}

#[test]
fn every_phase1_suite() {
    for cipher in CIPHERS {
        for hash in [HashAlg::Md5, HashAlg::Sha1, HashAlg::Sha256] {
            for group in [
                DhGroup::Modp768,
                DhGroup::Modp1024,
                DhGroup::Modp1536,
                DhGroup::Modp2048,
            ] {
                let mut p = configs(|c| {
                    let pr = &mut c.peers[0].proposals[0];
                    (pr.cipher, pr.hash, pr.group) = (cipher, hash, group);
                });
                assert_traffic(&mut p, &format!("{cipher:?}/{hash:?}/{group:?}"));
            }
        }
    }
}

#[test]
fn every_phase2_suite_with_and_without_pfs() {
    for cipher in CIPHERS {
        for integ in [
            IntegAlg::HmacMd5_96,
            IntegAlg::HmacSha1_96,
            IntegAlg::HmacSha256_128,
        ] {
            for pfs in [None, Some(DhGroup::Modp1024)] {
                let mut p = configs(|c| {
                    let pr = &mut c.policies[0].proposals[0];
                    (pr.cipher, pr.integ) = (cipher, integ);
                    c.policies[0].pfs = pfs;
                });
                assert_traffic(&mut p, &format!("{cipher:?}/{integ:?}/{pfs:?}"));
            }
        }
    }
}

#[test]
fn the_responder_picks_from_several_proposals() {
    let mut p = configs(|c| {
        let mut second = c.peers[0].proposals[0];
        second.cipher = CipherAlg::TripleDesCbc;
        c.peers[0].proposals.insert(0, second);
    });
    // B accepts only AES-128 (the second transform A offers).
    let mut b = p.b.config().clone();
    b.peers[0]
        .proposals
        .retain(|x| x.cipher == CipherAlg::AesCbc { key_len: 16 });
    p.b = Engine::new(b, 2);
    assert_traffic(&mut p, "second of two transforms");
}
