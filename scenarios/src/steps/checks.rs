//! The `Then` steps: the vendor logs, the decrypted capture, the SAs, every ping and the
//! diagnosis of the run.

use cucumber::gherkin::Step;
use cucumber::then;

use super::world::LabWorld;
use crate::decode::record::{Decryption, RecordBody};

#[then(expr = "the {word} log contains {string}")]
fn log_contains(w: &mut LabWorld, router: String, needle: String) {
    let log = w.log(&router);
    assert!(
        log.iter().any(|l| l.contains(&needle)),
        "{router} log has no {needle:?}:\n{}",
        log.join("\n")
    );
}

#[then(expr = "the {word} log does not contain {string}")]
fn log_lacks(w: &mut LabWorld, router: String, needle: String) {
    let log = w.log(&router);
    assert!(
        !log.iter().any(|l| l.contains(&needle)),
        "{router} log has {needle:?}:\n{}",
        log.join("\n")
    );
}

#[then(expr = "the {word} log contains, in order:")]
fn log_in_order(w: &mut LabWorld, router: String, step: &Step) {
    let log = w.log(&router);
    let mut it = log.iter();
    for want in step
        .docstring
        .as_deref()
        .unwrap_or("")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        assert!(
            it.any(|l| l.contains(want)),
            "{router} log: {want:?} missing or out of order:\n{}",
            log.join("\n")
        );
    }
}

#[then(expr = "the capture has an ISAKMP {word} {word} message of {int} bytes from {word}")]
fn isakmp_message(w: &mut LabWorld, a: String, b: String, len: usize, from: String) {
    isakmp_found(w, &format!("{a} {b}"), len, &from);
}

#[then(expr = "the capture has an ISAKMP {word} message of {int} bytes from {word}")]
fn isakmp_message_one_word(w: &mut LabWorld, exchange: String, len: usize, from: String) {
    isakmp_found(w, &exchange, len, &from);
}

/// Asserts an ISAKMP message of `exchange` and `len` bytes from `from` is in the capture.
fn isakmp_found(w: &mut LabWorld, exchange: &str, len: usize, from: &str) {
    let found = w
        .isakmp()
        .iter()
        .any(|(r, m)| m.exchange_name == exchange && m.length == len && r.src == from);
    assert!(found, "no {exchange} message of {len} bytes from {from}");
}

#[then("every ISAKMP message in the capture decrypts")]
fn all_decrypt(w: &mut LabWorld) {
    for (r, m) in w.isakmp() {
        assert!(
            matches!(m.decryption, Decryption::Plaintext | Decryption::Decrypted),
            "frame {}: {:?}",
            r.frame,
            m.note
        );
    }
}

#[then(expr = "the decrypted Quick Mode IDs are {word} and {word}")]
fn qm_ids(w: &mut LabWorld, a: String, b: String) {
    let qm1 = w
        .isakmp()
        .into_iter()
        .find(|(_, m)| m.exchange == 32)
        .expect("a Quick Mode message");
    let ids: Vec<String> = qm1.1.payloads.iter().filter_map(|p| p.id.clone()).collect();
    assert_eq!(ids, [a, b]);
}

#[then(expr = "the capture has a(n) {word} notification from {word}")]
fn notification(w: &mut LabWorld, name: String, from: String) {
    let found = w.isakmp().iter().any(|(r, m)| {
        r.src == from
            && m.payloads
                .iter()
                .any(|p| p.notify_name.as_deref() == Some(name.as_str()))
    });
    assert!(found, "no {name} from {from}");
}

#[then("no ESP packet crosses the WAN link")]
fn no_esp(w: &mut LabWorld) {
    let esp = w
        .outcome()
        .records
        .iter()
        .filter(|r| matches!(r.body, RecordBody::Esp(_)))
        .count();
    assert_eq!(esp, 0);
}

#[then("ESP packets cross the WAN link with correct ICVs and ICMP inside")]
fn esp_ok(w: &mut LabWorld) {
    let esp: Vec<_> = w
        .outcome()
        .records
        .iter()
        .filter_map(|r| match &r.body {
            RecordBody::Esp(e) => Some(e.clone()),
            _ => None,
        })
        .collect();
    assert!(!esp.is_empty(), "no ESP");
    for e in esp {
        assert_eq!(e.icv.as_deref(), Some("correct"));
        assert!(
            e.inner.as_deref().is_some_and(|i| i.contains("ICMP echo")),
            "{:?}",
            e.inner
        );
    }
}

#[then(expr = "{word} has {int} IPsec SA pair(s)")]
fn sa_pairs(w: &mut LabWorld, router: String, n: usize) {
    let name = router.to_ascii_lowercase();
    let got = w
        .outcome()
        .sa_pairs
        .iter()
        .find(|s| s.0 == name)
        .map(|s| s.1);
    assert_eq!(got, Some(n), "{router}");
}

#[then(expr = "the ping(s) from {word} to {word} succeed(s)")]
fn pings_succeed(w: &mut LabWorld, from: String, to: String) {
    every_ping(w, &from, &to, true);
}

#[then(expr = "the ping(s) from {word} to {word} fail(s)")]
fn pings_fail(w: &mut LabWorld, from: String, to: String) {
    every_ping(w, &from, &to, false);
}

#[then(expr = "the first ping from {word} to {word} starts the negotiation and the rest succeed")]
fn first_ping_acquires(w: &mut LabWorld, from: String, to: String) {
    let to_addr = w.address_of(&to);
    let runs: Vec<_> = w
        .outcome()
        .pings
        .iter()
        .filter(|p| p.0 == from && p.1 == to_addr)
        .cloned()
        .collect();
    let Some((first, rest)) = runs.split_first() else {
        panic!("no ping from {from} to {to} was scripted");
    };
    let (_, _, sent, received) = *first;
    assert!(
        sent >= 2 && received == sent - 1,
        "ping 1 from {from} to {to}: {received} of {sent} answered (expected all but the first)"
    );
    for (i, (_, _, sent, received)) in rest.iter().enumerate() {
        assert!(
            sent == received,
            "ping {} from {from} to {to}: {received} of {sent} answered (expected all)",
            i + 2
        );
    }
}

/// Asserts every ping scripted from host `from` to `to` (a host or an address) got every
/// answer (`succeed`) or none.
fn every_ping(w: &mut LabWorld, from: &str, to: &str, succeed: bool) {
    let to = w.address_of(to);
    let pings: Vec<_> = w
        .outcome()
        .pings
        .iter()
        .filter(|p| p.0 == from && p.1 == to)
        .cloned()
        .collect();
    assert!(
        !pings.is_empty(),
        "no ping from {from} to {to} was scripted"
    );
    for (i, (_, _, sent, received)) in pings.iter().enumerate() {
        let ok = if succeed {
            *sent > 0 && received == sent
        } else {
            *received == 0
        };
        assert!(
            ok,
            "ping {} of {} from {from} to {to}: {received} of {sent} answered (expected {})",
            i + 1,
            pings.len(),
            if succeed { "all" } else { "none" }
        );
    }
}
