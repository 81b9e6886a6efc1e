//! A hostile initiator against `ikelab peer` (the IX) in a namespace (issue 13, findings 1-3,
//! live): first messages RFC 2408/2409 forbid go unanswered; a flood of 10,000 MM1s with random
//! cookies from the configured peer's address leaves the IX running while a legitimate peer (a
//! simulated SEIL at another address) completes during the flood; a peer
//! that knows the key and proposes a phase-2 lifetime of 10^18 s is refused, and the IX keeps
//! running and writes everything when it stops.
//!
//! Memory: the half-open table is bounded (engine_hostile.rs checks the count), the record
//! keeps no per-datagram events, and the vendor log, the run log and the capture go to `--out`
//! as they come. The RSS may grow by less than 8 MB per 10,000 MM1s (issue 13's bound;
//! measured: about 2.4).
//!
//! The hostile initiator is written for the test: a UDP socket in the attacker's namespace
//! sending MM1s built with the wire module from the one a simulated SEIL would send.

use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::path::Path;
use std::time::{Duration, Instant as WallInstant};

use ikelab_peers::personality::Vendor;
use ikelab_peers::wire::{Body, Payload};
use ikelab_sim::netns::{Netns, in_netns};
use ikelab_tests::fixtures;
use ikelab_tests::hostile::{mm1, mm1_with as with, sa};
use ikelab_tests::interop::{
    CliPeer, Rig, SimPeer, Tool, can_run, ikelab_bin, peer_options, serial, skip, workdir,
};

const T: &str = "a hostile initiator against ikelab peer";
const IX: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(172, 16, 0, 2), 500);

/// The attacker's socket: 172.16.0.1:500 in namespace `a`.
fn attacker(ns: &Netns) -> UdpSocket {
    in_netns(ns.name(), || {
        let s = UdpSocket::bind("172.16.0.1:500")?;
        s.set_read_timeout(Some(Duration::from_millis(400)))?;
        Ok(s)
    })
    .expect("the attacker's socket")
}

/// Whether the IX answers `bytes` within the socket's timeout.
fn answered(s: &UdpSocket, bytes: &[u8]) -> bool {
    s.send_to(bytes, IX).expect("send");
    let mut buf = [0u8; 4096];
    s.recv_from(&mut buf).is_ok()
}

/// The IX as `ikelab peer` in namespace `b` (no kernel address), writing to `out`.
fn ix(ikelab: &Path, rig: &Rig, out: &Path) -> CliPeer {
    let conf = fixtures().join("hostile/ix.conf");
    CliPeer::start(
        ikelab,
        &[
            "--vendor",
            "ix",
            "--config",
            conf.to_str().unwrap(),
            "--netns",
            rig.b.name(),
            "--iface",
            "FastEthernet0/0.0=wan0",
            "--out",
            out.to_str().unwrap(),
        ],
    )
}

/// A third namespace on the WAN bridge, for the legitimate peer (172.16.0.3, no kernel
/// address: the simulated SEIL owns the interface).
fn third(rig: &Rig) -> Netns {
    let c = Netns::create("c").expect("namespace c");
    c.veth("wan0", &rig.sw, "pc").expect("veth");
    rig.sw
        .ip(&["link", "set", "pc", "master", "br0"])
        .expect("bridge port");
    c
}

fn setup() -> Option<(std::path::PathBuf, Rig)> {
    if !can_run(T, &[Tool::Netns]) {
        return None;
    }
    let Some(ikelab) = ikelab_bin() else {
        skip(T, "the ikelab binary is not built next to the tests");
        return None;
    };
    Some((ikelab, Rig::wan(true, false).expect("rig")))
}

#[test]
fn forbidden_first_messages_go_unanswered_and_a_flood_is_bounded() {
    let _serial = serial();
    let Some((ikelab, rig)) = setup() else { return };
    let out = workdir("hostile", "ix");
    let mut ix = ix(&ikelab, &rig, &out);
    let s = attacker(&rig.a);

    // Finding 3: each forbidden first message, unanswered; a good one afterwards is.
    let forbidden: Vec<(&str, Vec<u8>)> = vec![
        ("version 2.0", with(|m| m.header.version = 0x20)),
        ("version 0.0", with(|m| m.header.version = 0x00)),
        ("a message ID", with(|m| m.header.message_id = 7)),
        (
            "two SA payloads",
            with(|m| {
                let copy = sa(m).clone();
                if let Body::Payloads { payloads, .. } = &mut m.body {
                    payloads.push(Payload::Sa(copy));
                }
            }),
        ),
        ("situation 0xffffffff", with(|m| sa(m).situation = u32::MAX)),
        (
            "a 255-byte SPI",
            with(|m| sa(m).proposals[0].spi = vec![1; 255]),
        ),
        (
            "a 7-byte nonce",
            with(|m| {
                if let Body::Payloads { payloads, .. } = &mut m.body {
                    payloads.push(Payload::Nonce(vec![0; 7]));
                }
            }),
        ),
    ];
    for (what, bytes) in &forbidden {
        assert!(!answered(&s, bytes), "{what}: the IX answered");
    }
    let mut good = mm1();
    good.header.initiator_cookie = [0x42; 8];
    assert!(answered(&s, &good.to_bytes().unwrap()), "a good MM1");
    assert!(ix.alive());

    // Finding 2: 10,000 MM1s, random cookies, from the peer's own address, ~1,500 a second.
    std::thread::sleep(Duration::from_millis(500));
    let before = ix.rss_kib();
    assert!(before > 0, "no VmRSS for the peer");
    let template = mm1();
    let flood = {
        let s = s.try_clone().unwrap();
        std::thread::spawn(move || {
            let start = WallInstant::now();
            let mut sent = 0u64;
            for i in 0..10_000u64 {
                let mut m = template.clone();
                m.header.initiator_cookie = (0x9e37_79b9_7f4a_7c15u64
                    ^ i.wrapping_mul(0x2545_f491_4f6c_dd1d))
                .to_be_bytes();
                let _ = s.send_to(&m.to_bytes().unwrap(), IX);
                sent += 1;
                // Pace to about 1,500 a second.
                let due = start + Duration::from_micros(sent * 666);
                if let Some(wait) = due.checked_duration_since(WallInstant::now()) {
                    std::thread::sleep(wait);
                }
            }
            sent
        })
    };
    // A legitimate peer starts during the flood, from another address, and gets through (the
    // per-address limit keeps its place; engine_hostile.rs shows a peer at the flooded address
    // itself getting through by eviction).
    std::thread::sleep(Duration::from_secs(2));
    let c = third(&rig);
    let legit_conf = std::fs::read_to_string(fixtures().join("hostile/seil-legit.conf")).unwrap();
    let legit = SimPeer::start(
        peer_options(Vendor::Seil, &legit_conf, &c, &[("lan1", "wan0")]),
        None,
    );
    let through = legit.wait_line(
        "IPsec-SA established: ESP/Transport 172.16.0.3->172.16.0.2",
        Duration::from_secs(15),
    );
    let flooding = !flood.is_finished();
    let sent = flood.join().unwrap();
    assert!(
        through,
        "the legitimate peer:\n{}",
        legit.lines().join("\n")
    );
    assert!(flooding, "the legitimate peer finished after the flood");
    assert_eq!(sent, 10_000);
    std::thread::sleep(Duration::from_millis(500));
    let after = ix.rss_kib();
    eprintln!(
        "ikelab peer (IX) RSS: {before} KiB before, {after} KiB after 10,000 MM1s (+{} KiB)",
        after.saturating_sub(before)
    );
    assert!(ix.alive());
    assert!(
        after.saturating_sub(before) < 8 * 1024,
        "RSS grew from {before} KiB to {after} KiB"
    );
    let lines = ix.stdout();
    assert!(lines.iter().all(|l| !l.contains("panicked")), "{lines:?}");
    drop(legit);
    assert_eq!(ix.interrupt(), Some(0));
}

/// Finding 1: a peer that knows the key proposes a phase-2 lifetime of 10^18 s. The IX refuses
/// it, keeps running, and writes its log, keys and capture when it stops.
#[test]
fn an_absurd_authenticated_lifetime_is_refused_and_nothing_is_lost() {
    let _serial = serial();
    let Some((ikelab, rig)) = setup() else { return };
    let out = workdir("hostile-lifetime", "ix");
    let mut ix = ix(&ikelab, &rig, &out);
    let conf = std::fs::read_to_string(fixtures().join("hostile/seil-hostile.conf")).unwrap();
    let mut opts = peer_options(Vendor::Seil, &conf, &rig.a, &[("lan1", "wan0")]);
    for p in &mut opts.config.engine.policies {
        for q in &mut p.proposals {
            q.lifetime = Duration::from_secs(1_000_000_000_000_000_000);
        }
    }
    let hostile = SimPeer::start(opts, None);
    assert!(
        hostile.wait_line("ISAKMP-SA established", Duration::from_secs(10)),
        "{}",
        hostile.lines().join("\n")
    );
    assert!(
        ix.wait_line("NO-PROPOSAL-CHOSEN", Duration::from_secs(10)),
        "the IX's log:\n{}",
        ix.stdout().join("\n")
    );
    std::thread::sleep(Duration::from_secs(1));
    assert!(ix.alive(), "the IX died:\n{}", ix.stderr().join("\n"));
    let done = hostile.stop();
    assert!(
        !done.log.iter().any(|l| l.contains("IPsec-SA established")),
        "{:?}",
        done.log
    );
    assert_eq!(ix.interrupt(), Some(0));
    let written: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned()))
        .collect();
    for name in ["capture.pcapng", "keys"] {
        assert!(written.iter().any(|w| w == name), "{name} in {written:?}");
    }
    assert!(written.iter().any(|w| w.ends_with(".log")), "{written:?}");
}
