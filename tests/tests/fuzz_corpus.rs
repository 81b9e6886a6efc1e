//! Writes the fuzz targets' seed corpora (`fuzz/seeds/<target>/`) from the project's own
//! material: datagrams of in-process exchanges (Main and Aggressive Mode, NAT-T, PFS), the
//! strongSwan captures, ESP packets under the targets' keys, every config and scenario file.
//! Run by hand when the targets change: `cargo test -p ikelab-tests --test fuzz_corpus -- --ignored`.
//! A check that runs always makes sure the committed seeds are there.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ikelab::decode::capture::read_capture;
use ikelab::decode::frame::{Carried, datagram};
use ikelab_peers::crypto::CipherAlg;
use ikelab_peers::esp::{EspKeys, IntegAlg, OutboundSa};
use ikelab_peers::ike::{ExchangeMode, NatTraversal};
use ikelab_peers::rng::SeededRandom;
use ikelab_peers::time::Instant;
use ikelab_tests::fixtures;
use ikelab_tests::pair::{Pair, Side, fixed_configs};

fn corpus(target: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/seeds")
        .join(target);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

/// Framed as the engine targets read their input (`fuzz/fuzz_targets/framing.rs`): a 2-byte
/// length (top bit: port 4500) and the datagram, for each.
fn framed(datagrams: &[(bool, Vec<u8>)]) -> Vec<u8> {
    let mut out = vec![];
    for (nat_t, d) in datagrams {
        let len = d.len().min(0x7fff) as u16 | if *nat_t { 0x8000 } else { 0 };
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&d[..usize::from(len & 0x7fff)]);
    }
    out
}

/// A change to both sides' engine configs.
type Edit = Box<dyn Fn(&mut ikelab_peers::ike::EngineConfig)>;

/// One exchange per variant, with the seeds the engine targets use (A = 1 as initiator, B = 1
/// as responder: two runs).
fn exchanges() -> Vec<(String, Pair)> {
    let variants: Vec<(&str, Edit)> = vec![
        ("main", Box::new(|_| {})),
        (
            "aggressive",
            Box::new(|c| c.peers[0].mode = ExchangeMode::Aggressive),
        ),
        (
            "nat-t",
            Box::new(|c| c.peers[0].nat_traversal = NatTraversal::Force),
        ),
        (
            "pfs",
            Box::new(|c| c.policies[0].pfs = Some(ikelab_peers::crypto::DhGroup::Modp1024)),
        ),
    ];
    let mut out = vec![];
    for (name, edit) in variants {
        // Pair::new gives A `seed` and B `seed + 1`.
        for (role, seed) in [("responder", 0u64), ("initiator", 1)] {
            let (a, b) = fixed_configs(&edit);
            let mut p = Pair::new(a, b, seed);
            p.a.start(Instant::ZERO);
            p.run_for(Duration::from_secs(30));
            out.push((format!("{name}-{role}"), p));
        }
    }
    out
}

#[test]
#[ignore = "writes fuzz/seeds; run by hand"]
fn write_seed_corpora() {
    let parse = corpus("isakmp_parse");
    for (name, p) in exchanges() {
        let from = |side: Side| -> Vec<(bool, Vec<u8>)> {
            p.wire
                .iter()
                .filter(|w| w.from == side)
                .map(|w| {
                    let nat_t = w.transmit.dst.port() == 4500;
                    let d = if nat_t {
                        w.transmit.payload.get(4..).unwrap_or_default().to_vec()
                    } else {
                        w.transmit.payload.clone()
                    };
                    (nat_t, d)
                })
                .collect()
        };
        for (i, w) in p.wire.iter().enumerate() {
            write(&parse, &format!("{name}-{i}"), &w.transmit.payload);
        }
        if name.ends_with("responder") {
            write(&corpus("engine_responder"), &name, &framed(&from(Side::A)));
        } else {
            write(&corpus("engine_initiator"), &name, &framed(&from(Side::B)));
        }
    }
    // strongSwan's datagrams, and the captures themselves.
    let captures = corpus("capture_read");
    for dir in [
        "ss-fixed-transport",
        "ss-broken-tunnel",
        "ss-lan-tunnel-libipsec",
    ] {
        let path = fixtures().join("strongswan").join(dir).join("capture.pcap");
        write(&captures, dir, &std::fs::read(&path).unwrap());
        for (i, f) in read_capture(&path).unwrap().iter().enumerate() {
            if let Ok(d) = datagram(f.link, &f.data) {
                if let Carried::Isakmp(b) = d.carried {
                    write(&parse, &format!("{dir}-{i}"), b);
                }
            }
        }
    }
    // ESP under the target's keys: the first byte picks cipher and integrity as it does.
    let esp = corpus("esp_decap");
    let ciphers = [
        CipherAlg::AesCbc { key_len: 16 },
        CipherAlg::AesCbc { key_len: 32 },
        CipherAlg::TripleDesCbc,
    ];
    let keymat: Vec<u8> = (0u8..=255).collect();
    let mut rng = SeededRandom::new(9);
    for pick in 0u8..12 {
        let cipher = ciphers[usize::from(pick) % ciphers.len()];
        let integ = IntegAlg::ALL[usize::from(pick / 3) % IntegAlg::ALL.len()];
        let keys = EspKeys::from_keymat(cipher, integ, &keymat).unwrap();
        let mut sa = OutboundSa::new(0x1000, keys).unwrap();
        for len in [0usize, 20, 84] {
            let mut d = vec![pick];
            d.extend(sa.encapsulate(4, &vec![0x45; len], &mut rng).unwrap());
            write(&esp, &format!("{pick}-{len}"), &d);
        }
    }
    // Configs and scenarios.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (target, dirs, ext) in [
        (
            "seil_config",
            vec![
                "tests/fixtures/seil",
                "tests/fixtures/document",
                "tests/fixtures/interop",
                "features/your-lab",
                "scenarios/catalog",
            ],
            "conf",
        ),
        (
            "ix_config",
            vec![
                "tests/fixtures/ix",
                "tests/fixtures/document",
                "tests/fixtures/interop",
                "features/your-lab",
                "scenarios/catalog",
            ],
            "conf",
        ),
        (
            "rtx_config",
            vec![
                "tests/fixtures/rtx",
                "tests/fixtures/interop",
                "scenarios/catalog",
            ],
            "conf",
        ),
        (
            "ios_config",
            vec![
                "tests/fixtures/ios",
                "tests/fixtures/interop",
                "scenarios/catalog",
            ],
            "conf",
        ),
        (
            "scenario_load",
            vec!["scenarios/catalog", "tests/fixtures/interop"],
            "toml",
        ),
    ] {
        let out = corpus(target);
        for d in dirs {
            for f in walk(&root.join(d)) {
                if f.extension().is_some_and(|e| e == ext) {
                    let name = f
                        .strip_prefix(&root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('/', "_");
                    write(&out, &name, &std::fs::read(&f).unwrap());
                }
            }
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.is_file() {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Every target (each `[[bin]]` of `fuzz/Cargo.toml`) has a committed seed corpus.
#[test]
fn every_fuzz_target_has_a_seed_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let targets: Vec<&str> = manifest
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .filter(|n| *n != "ikelab-fuzz")
        .collect();
    assert!(targets.len() >= 8, "{targets:?}");
    for name in targets {
        let seeds = std::fs::read_dir(root.join("seeds").join(name))
            .map(|d| d.count())
            .unwrap_or(0);
        assert!(seeds > 0, "fuzz target {name} has no seed corpus");
    }
}
