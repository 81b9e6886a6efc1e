//! The cucumber suite: `features/*.feature`, in a network engineer's words, over the in-process
//! lab. Each scenario composes a lab (configs, pings, reconfigurations), runs it in virtual
//! time, then asserts on the vendor logs, the decrypted capture, the SAs and the pings.
//!
//! `cargo test -p ikelab-tests --test cucumber`; set `IKELAB_JUNIT=path.xml` for a JUnit report.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;

use cucumber::gherkin::Step;
use cucumber::{World, given, then, when};
use ikelab::decode::record::{Decryption, Record, RecordBody};
use ikelab::scenario::{self, Action, Loaded};

fn catalog() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/catalog")
}

fn features() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../features")
}

/// What a run left, as plain data.
#[derive(Debug, Default)]
struct Outcome {
    logs: Vec<(String, Vec<String>)>,
    records: Vec<Record>,
    pings: Vec<(String, Ipv4Addr, u32, u32)>,
    sa_pairs: Vec<(String, usize)>,
    diagnosis: Vec<String>,
}

#[derive(Debug, Default, World)]
struct Lab {
    configs: Vec<(String, String)>,
    loaded: Option<Loaded>,
    duration: Option<Duration>,
    outcome: Option<Outcome>,
}

impl Lab {
    fn config(&self, router: &str) -> String {
        self.configs
            .iter()
            .find(|c| c.0 == router)
            .map(|c| c.1.clone())
            .unwrap_or_else(|| panic!("no {router} configuration given"))
    }

    fn loaded(&mut self) -> &mut Loaded {
        if self.loaded.is_none() {
            let l = scenario::load_texts(&self.config("seil"), &self.config("ix"))
                .unwrap_or_else(|e| panic!("{e}"));
            self.loaded = Some(l);
        }
        self.loaded.as_mut().expect("set")
    }

    fn run(&mut self) {
        let duration = self.duration.unwrap_or(Duration::from_secs(120));
        let loaded = self.loaded();
        loaded.scenario.duration = duration;
        let mut b = scenario::build(loaded, None).unwrap_or_else(|e| panic!("{e}"));
        b.lab.run();
        let dir =
            std::env::temp_dir().join(format!("ikelab-cucumber-{}-{:p}", std::process::id(), &b));
        let a = ikelab::report::write(&b, &dir).expect("artefacts");
        let records = ikelab::decode::decode_file(&a.pcapng, Some(&a.keys)).expect("decode");
        let _ = std::fs::remove_dir_all(&dir);
        let pings = b
            .pings
            .iter()
            .filter_map(|p| {
                b.lab
                    .ping_report(p.id)
                    .map(|r| (p.from.clone(), p.to, r.sent, r.received))
            })
            .collect();
        let sa_pairs = b
            .routers
            .iter()
            .map(|r| {
                (
                    r.name.clone(),
                    r.stack.borrow().engine.ipsec_sas().len() / 2,
                )
            })
            .collect();
        let logs = ikelab::report::router_logs(&b.result())
            .into_iter()
            .map(|(n, t)| (n, t.lines().map(str::to_string).collect()))
            .collect();
        let diagnosis = ikelab::report::diagnosis(&b.result());
        self.outcome = Some(Outcome {
            logs,
            records,
            pings,
            sa_pairs,
            diagnosis,
        });
    }

    fn outcome(&mut self) -> &Outcome {
        if self.outcome.is_none() {
            self.run();
        }
        self.outcome.as_ref().expect("ran")
    }

    fn log(&mut self, router: &str) -> Vec<String> {
        let name = router.to_ascii_lowercase();
        self.outcome()
            .logs
            .iter()
            .find(|l| l.0 == name)
            .map(|l| l.1.clone())
            .unwrap_or_else(|| panic!("no router {router}"))
    }

    fn isakmp(&mut self) -> Vec<(Record, ikelab::decode::record::IsakmpRecord)> {
        self.outcome()
            .records
            .iter()
            .filter_map(|r| match &r.body {
                RecordBody::Isakmp(m) => Some((r.clone(), m.clone())),
                _ => None,
            })
            .collect()
    }
}

// ---- Given ----

#[given(expr = "the SEIL configuration {string}")]
fn seil_file(w: &mut Lab, path: String) {
    w.configs.push((
        "seil".into(),
        std::fs::read_to_string(catalog().join(path)).expect("catalog file"),
    ));
}

#[given(expr = "the IX configuration {string}")]
fn ix_file(w: &mut Lab, path: String) {
    w.configs.push((
        "ix".into(),
        std::fs::read_to_string(catalog().join(path)).expect("catalog file"),
    ));
}

#[given(expr = "the {word} configuration:")]
fn config_docstring(w: &mut Lab, router: String, step: &Step) {
    let text = step
        .docstring
        .clone()
        .expect("a doc string with the configuration");
    w.configs.push((
        router.to_ascii_lowercase(),
        text.trim_start_matches('\n').to_string(),
    ));
}

#[given(expr = "in both configurations {string} is replaced by {string}")]
fn replace_both(w: &mut Lab, from: String, to: String) {
    for c in &mut w.configs {
        c.1 = c.1.replace(&from, &to);
    }
}

#[given(expr = "in the {word} configuration {string} is replaced by {string}")]
fn replace_one(w: &mut Lab, router: String, from: String, to: String) {
    let router = router.to_ascii_lowercase();
    for c in w.configs.iter_mut().filter(|c| c.0 == router) {
        assert!(
            c.1.contains(&from),
            "{router} configuration has no {from:?}"
        );
        c.1 = c.1.replace(&from, &to);
    }
}

// ---- When ----

#[when("SEIL initiates the tunnel")]
fn seil_initiates(w: &mut Lab) {
    w.loaded();
}

#[when(expr = "host-a pings {word} {int} times after {int} seconds")]
fn ping(w: &mut Lab, to: String, count: u32, after: u64) {
    let to: Ipv4Addr = to.parse().expect("an IPv4 address");
    w.loaded().scenario.steps.push(scenario::Step {
        at: Duration::from_secs(after),
        action: Action::Ping {
            from: "host-a".into(),
            to,
            count,
            interval: Duration::from_secs(1),
            size: 56,
        },
    });
}

#[when(expr = "after {int} seconds the operator applies the SEIL configuration {string}")]
fn reconfigure(w: &mut Lab, after: u64, path: String) {
    let text = std::fs::read_to_string(catalog().join(path)).expect("catalog file");
    scenario::add_reconfigure(w.loaded(), "seil", Duration::from_secs(after), &text)
        .unwrap_or_else(|e| panic!("{e}"));
}

#[when(expr = "the lab runs in network namespaces for {int} seconds")]
fn runs_in_netns(w: &mut Lab, secs: u64) {
    let loaded = w.loaded().clone();
    let opts = ikelab::netns::NetnsOptions {
        seed: None,
        duration: Some(Duration::from_secs(secs)),
    };
    let stop = std::sync::atomic::AtomicBool::new(false);
    let run = ikelab::netns::run_scenario(&loaded, &opts, &stop).unwrap_or_else(|e| panic!("{e}"));
    let dir = std::env::temp_dir().join(format!(
        "ikelab-cucumber-netns-{}-{:p}",
        std::process::id(),
        &run
    ));
    let a = ikelab::netns::write(&run, &dir).expect("artefacts");
    let records = ikelab::decode::decode_file(&a.pcapng, Some(&a.keys)).expect("decode");
    let _ = std::fs::remove_dir_all(&dir);
    let pings = run
        .result
        .pings
        .iter()
        .map(|p| (p.from.clone(), p.to, p.sent, p.received))
        .collect();
    let sa_pairs = run
        .result
        .routers
        .iter()
        .map(|r| {
            (
                r.name.clone(),
                r.stack.borrow().engine.ipsec_sas().len() / 2,
            )
        })
        .collect();
    let logs = ikelab::report::router_logs(&run.result)
        .into_iter()
        .map(|(n, t)| (n, t.lines().map(str::to_string).collect()))
        .collect();
    let diagnosis = ikelab::report::diagnosis(&run.result);
    w.outcome = Some(Outcome {
        logs,
        records,
        pings,
        sa_pairs,
        diagnosis,
    });
}

#[when(expr = "the lab runs for {int} minutes")]
fn runs_for(w: &mut Lab, minutes: u64) {
    w.duration = Some(Duration::from_secs(minutes * 60));
    w.run();
}

// ---- Then: logs ----

#[then(expr = "the {word} log contains {string}")]
fn log_contains(w: &mut Lab, router: String, needle: String) {
    let log = w.log(&router);
    assert!(
        log.iter().any(|l| l.contains(&needle)),
        "{router} log has no {needle:?}:\n{}",
        log.join("\n")
    );
}

#[then(expr = "the {word} log does not contain {string}")]
fn log_lacks(w: &mut Lab, router: String, needle: String) {
    let log = w.log(&router);
    assert!(
        !log.iter().any(|l| l.contains(&needle)),
        "{router} log has {needle:?}:\n{}",
        log.join("\n")
    );
}

#[then(expr = "the {word} log contains, in order:")]
fn log_in_order(w: &mut Lab, router: String, step: &Step) {
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

// ---- Then: capture ----

#[then(expr = "the capture has an ISAKMP {word} {word} message of {int} bytes from {word}")]
fn isakmp_message(w: &mut Lab, a: String, b: String, len: usize, from: String) {
    let exchange = format!("{a} {b}");
    let found = w
        .isakmp()
        .iter()
        .any(|(r, m)| m.exchange_name == exchange && m.length == len && r.src == from);
    assert!(found, "no {exchange} message of {len} bytes from {from}");
}

#[then(expr = "the capture has an ISAKMP {word} message of {int} bytes from {word}")]
fn isakmp_message_one_word(w: &mut Lab, exchange: String, len: usize, from: String) {
    let found = w
        .isakmp()
        .iter()
        .any(|(r, m)| m.exchange_name == exchange && m.length == len && r.src == from);
    assert!(found, "no {exchange} message of {len} bytes from {from}");
}

#[then("every ISAKMP message in the capture decrypts")]
fn all_decrypt(w: &mut Lab) {
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
fn qm_ids(w: &mut Lab, a: String, b: String) {
    let qm1 = w
        .isakmp()
        .into_iter()
        .find(|(_, m)| m.exchange == 32)
        .expect("a Quick Mode message");
    let ids: Vec<String> = qm1.1.payloads.iter().filter_map(|p| p.id.clone()).collect();
    assert_eq!(ids, [a, b]);
}

#[then(expr = "the capture has a {word} notification from {word}")]
fn notification(w: &mut Lab, name: String, from: String) {
    let found = w.isakmp().iter().any(|(r, m)| {
        r.src == from
            && m.payloads
                .iter()
                .any(|p| p.notify_name.as_deref() == Some(name.as_str()))
    });
    assert!(found, "no {name} from {from}");
}

#[then("no ESP packet crosses the WAN link")]
fn no_esp(w: &mut Lab) {
    let esp = w
        .outcome()
        .records
        .iter()
        .filter(|r| matches!(r.body, RecordBody::Esp(_)))
        .count();
    assert_eq!(esp, 0);
}

#[then("ESP packets cross the WAN link with correct ICVs and ICMP inside")]
fn esp_ok(w: &mut Lab) {
    let esp: Vec<_> = w
        .outcome()
        .records
        .iter()
        .filter_map(|r| {
            if let RecordBody::Esp(e) = &r.body {
                Some(e.clone())
            } else {
                None
            }
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

// ---- Then: SAs and pings ----

#[then(expr = "{word} has {int} IPsec SA pair(s)")]
fn sa_pairs(w: &mut Lab, router: String, n: usize) {
    let name = router.to_ascii_lowercase();
    let got = w
        .outcome()
        .sa_pairs
        .iter()
        .find(|s| s.0 == name)
        .map(|s| s.1);
    assert_eq!(got, Some(n), "{router}");
}

#[then(expr = "the ping from host-a to host-b {word}")]
fn ping_result(w: &mut Lab, how: String) {
    let pings = w.outcome().pings.clone();
    let last = pings.last().expect("a ping was scripted");
    match how.as_str() {
        "fails" => assert_eq!(last.3, 0, "{last:?}"),
        "succeeds" => assert_eq!(last.3, last.2, "{last:?}"),
        other => panic!("unknown ping outcome {other}"),
    }
}

#[then(expr = "the diagnosis says {string}")]
fn diagnosis(w: &mut Lab, needle: String) {
    let d = w.outcome().diagnosis.join("\n");
    assert!(d.contains(&needle), "diagnosis has no {needle:?}:\n{d}");
}

/// Whether the `@netns` scenarios can run here: they need root (network namespaces). When they
/// cannot, they are left out with a message, or fail the run if IKELAB_REQUIRE_TOOLS is set.
fn netns_possible() -> bool {
    if ikelab_sim::netns::is_root() {
        return true;
    }
    if std::env::var_os("IKELAB_REQUIRE_TOOLS").is_some() {
        panic!("the @netns scenarios need root (IKELAB_REQUIRE_TOOLS is set)");
    }
    eprintln!("skipped: the @netns scenarios need root (network namespaces)");
    false
}

fn main() {
    let netns = netns_possible();
    // `@netns` scenarios run one at a time (`@serial`), the rest up to four at once.
    let keep = move |feature: &cucumber::gherkin::Feature,
                     _: Option<&cucumber::gherkin::Rule>,
                     sc: &cucumber::gherkin::Scenario| {
        netns || !feature.tags.iter().chain(&sc.tags).any(|t| t == "netns")
    };
    let cucumber = Lab::cucumber()
        .max_concurrent_scenarios(4)
        .fail_on_skipped();
    let run = async {
        match std::env::var_os("IKELAB_JUNIT") {
            Some(path) => {
                use cucumber::WriterExt as _;
                let file = std::fs::File::create(path).expect("JUnit file");
                let writer = cucumber::writer::Basic::raw(
                    std::io::stdout(),
                    cucumber::writer::Coloring::Auto,
                    0,
                )
                .summarized()
                .tee::<Lab, _>(cucumber::writer::JUnit::for_tee(file, 0))
                .normalized();
                cucumber
                    .with_writer(writer)
                    .filter_run_and_exit(features(), keep)
                    .await;
            }
            None => cucumber.filter_run_and_exit(features(), keep).await,
        }
    };
    futures::executor::block_on(run);
}
