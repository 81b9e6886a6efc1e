//! Handshakes a second in netns mode (`cargo bench -p ikelab-tests --bench netns_handshakes`,
//! as root): the same strongSwan initiator runs IKEv1 Main Modes back to back, on several
//! connections at once, first against a strongSwan responder and then against `ikelab peer`'s
//! simulated IX (the library behind the command), each in namespaces of its own. Each
//! handshake is `swanctl --initiate --ike` (Main Mode, PSK, aes128-sha1-modp1024) followed by
//! `--terminate`, so the responder also handles a Delete for every SA and its state stays flat.
//! Printed: both rates and their ratio (goal: the simulated IX at least as fast). Without
//! `--bench` it runs briefly. Skips (saying why) without root or strongSwan.

use std::time::{Duration, Instant};

use ikelab_peers::personality::Vendor;
use ikelab_tests::interop::{
    Charon, Rig, SimPeer, Tool, can_run, interop_fixture, peer_options, serial, workdir,
};

/// The initiator's address for connection `i`: each connection is a peer of its own, as many
/// spokes would be (IKEv1 responders key much on the peer's address: INITIAL-CONTACT, one
/// phase 1 per peer).
fn initiator_addr(i: usize) -> String {
    format!("172.16.0.{}", 10 + i)
}

/// The initiator's connections, `c0` to `c{n-1}`: one IKE SA each, so `n` handshakes are in
/// flight at once.
fn initiator_conf(n: usize) -> String {
    let mut s = String::from("connections {\n");
    for i in 0..n {
        let local = initiator_addr(i);
        s += &format!(
            "  c{i} {{\n    version = 1\n    local_addrs = {local}\n    remote_addrs = 172.16.0.2\n    \
             proposals = aes128-sha1-modp1024\n    local {{\n      auth = psk\n    }}\n    \
             remote {{\n      auth = psk\n    }}\n  }}\n"
        );
    }
    s + "}\nsecrets {\n  ike-1 {\n    secret = hogehoge\n  }\n}\n"
}

/// strongSwan as the responder for the whole WAN, IKE only, same proposal and key.
const RESPONDER_CONF: &str = "connections {\n  ix {\n    version = 1\n    local_addrs = 172.16.0.2\n    \
    remote_addrs = 172.16.0.0/24\n    proposals = aes128-sha1-modp1024\n    local {\n      auth = psk\n    }\n    \
    remote {\n      auth = psk\n    }\n  }\n}\nsecrets {\n  ike-1 {\n    secret = hogehoge\n  }\n}\n";

/// The document's IX config with an `ike policy` for each initiator address, beside its own.
fn ix_conf(n: usize) -> String {
    let mut s = String::new();
    for line in interop_fixture("ix/document.conf").lines() {
        s += line;
        s += "\n";
        if line.starts_with("ike policy ") {
            for i in 0..n {
                s += &format!(
                    "ike policy rate-{i} peer {} key hogehoge ike-prop\n",
                    initiator_addr(i)
                );
            }
        }
    }
    s
}

#[derive(Clone, Copy, Debug)]
enum Responder {
    StrongSwan,
    SimulatedIx,
}

/// What one responder sustained.
struct Rate {
    handshakes: usize,
    failures: usize,
    elapsed: Duration,
    /// Phase-1 SAs the responder itself logged as established.
    responder_saw: usize,
}

impl Rate {
    fn per_second(&self) -> f64 {
        self.handshakes as f64 / self.elapsed.as_secs_f64()
    }
}

fn measure(responder: Responder, parallel: usize, run_for: Duration) -> Rate {
    let rig = Rig::wan(true, matches!(responder, Responder::StrongSwan)).expect("rig");
    let tag = format!("{responder:?}");
    let (ss_responder, ix) = match responder {
        Responder::StrongSwan => (
            Some(
                Charon::start(
                    &rig.b,
                    workdir("rate", &format!("{tag}-responder")),
                    RESPONDER_CONF,
                    false,
                )
                .expect("responder charon"),
            ),
            None,
        ),
        Responder::SimulatedIx => {
            let config = ix_conf(parallel);
            let opts = peer_options(
                Vendor::Ix,
                &config,
                &rig.b,
                &[("FastEthernet0/0.0", "wan0")],
            );
            (None, Some(SimPeer::start(opts, None)))
        }
    };
    for i in 0..parallel {
        rig.a
            .ip(&[
                "addr",
                "add",
                &format!("{}/24", initiator_addr(i)),
                "dev",
                "wan0",
            ])
            .expect("an initiator address");
    }
    let initiator = Charon::start(
        &rig.a,
        workdir("rate", &format!("{tag}-initiator")),
        &initiator_conf(parallel),
        false,
    )
    .expect("initiator charon");

    let start = Instant::now();
    let deadline = start + run_for;
    let (handshakes, failures) = std::thread::scope(|s| {
        let workers: Vec<_> = (0..parallel)
            .map(|i| {
                let initiator = &initiator;
                s.spawn(move || {
                    let name = format!("c{i}");
                    let (mut ok, mut failed) = (0, 0);
                    while Instant::now() < deadline {
                        let (up, _) =
                            initiator.swanctl(&["--initiate", "--ike", &name, "--timeout", "10"]);
                        if up {
                            ok += 1;
                        } else {
                            failed += 1;
                        }
                        initiator.swanctl(&["--terminate", "--ike", &name, "--timeout", "10"]);
                    }
                    (ok, failed)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("worker"))
            .fold((0, 0), |(a, b), (c, d)| (a + c, b + d))
    });
    let elapsed = start.elapsed();
    let responder_saw = match (ss_responder, ix) {
        (Some(c), _) => c.stop().matches("established between").count(),
        (_, Some(p)) => p
            .stop()
            .log
            .iter()
            .filter(|l| l.contains("IKE.002: Finish IKE phase 1 negotiation"))
            .count(),
        _ => 0,
    };
    drop(initiator);
    drop(rig);
    Rate {
        handshakes,
        failures,
        elapsed,
        responder_saw,
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    if !can_run("netns handshake rate", &[Tool::StrongSwan]) {
        return;
    }
    let _serial = serial();
    let (parallel, run_for) = if full {
        (16, Duration::from_secs(10))
    } else {
        (2, Duration::from_secs(3))
    };
    // Alternating rounds, each responder's best kept: a burst of load elsewhere on the machine
    // slows one round, not the ratio.
    let rounds = if full { 3 } else { 1 };
    let best = |a: Option<Rate>, b: Rate| match a {
        Some(a) if a.per_second() >= b.per_second() => Some(a),
        _ => Some(b),
    };
    let (mut ss, mut ix) = (None, None);
    for _ in 0..rounds {
        ss = best(ss, measure(Responder::StrongSwan, parallel, run_for));
        ix = best(ix, measure(Responder::SimulatedIx, parallel, run_for));
    }
    let (ss, ix) = (ss.expect("a round"), ix.expect("a round"));
    for (name, r) in [
        ("strongSwan responder", &ss),
        ("simulated IX (ikelab peer)", &ix),
    ] {
        println!(
            "{name:<28} {:>6.1} Main Modes/s  ({} in {:.1} s, {} initiations failed or timed out \
             (10 s); the responder logged {} established)",
            r.per_second(),
            r.handshakes,
            r.elapsed.as_secs_f64(),
            r.failures,
            r.responder_saw,
        );
    }
    println!(
        "simulated IX / strongSwan: {:.2} (goal at least 1.00; {parallel} connections of one strongSwan initiator at a time, best of {rounds} alternating rounds)",
        ix.per_second() / ss.per_second()
    );
}
