//! The world each scenario of a feature file builds: the routers (personality, config text),
//! hosts, script and duration the steps give, the lab composed from them, and what its run left.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;

use ikelab_peers::personality::Personalities;

use crate::decode::record::{IsakmpRecord, Record, RecordBody};
use crate::expect::Expect;
use crate::report::{RunInfo, RunResult};
use crate::scenario::load::{LoadedRouter, Source};
use crate::scenario::{self, HostSpec, Loaded, RouterSpec, Scenario};

/// A router a step gave: its name, the personality it imitates and its config.
#[derive(Clone, Debug)]
pub struct GivenRouter {
    /// Node name (as the feature spells it, lower-cased).
    pub name: String,
    /// Personality name (`seil`, `ix`).
    pub vendor: String,
    /// The config's file name, for messages.
    pub file: String,
    /// The config text.
    pub text: String,
}

/// A configuration an operator applies to a running router.
#[derive(Clone, Debug)]
pub struct GivenReconfigure {
    /// Router name.
    pub router: String,
    /// When, from the start of the run.
    pub at: Duration,
    /// The config text.
    pub text: String,
}

/// What a run left, as plain data for the assertion steps.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Each router's vendor log, by router name.
    pub logs: Vec<(String, Vec<String>)>,
    /// The decoded, decrypted capture.
    pub records: Vec<Record>,
    /// Each scripted ping: host, destination, sent, received.
    pub pings: Vec<(String, Ipv4Addr, u32, u32)>,
    /// IPsec SA pairs each router holds at the end, by router name.
    pub sa_pairs: Vec<(String, usize)>,
    /// The diagnosis: each finding.
    pub findings: Vec<crate::diagnose::Finding>,
}

impl Outcome {
    /// What `run` left, with its capture decoded as `records`.
    pub fn of(run: &RunResult, records: Vec<Record>) -> Outcome {
        Outcome {
            logs: crate::report::logs(run, None)
                .expect("a scenario's logs are kept in memory")
                .into_iter()
                .map(|(n, t)| (n, t.lines().map(str::to_string).collect()))
                .collect(),
            records,
            pings: run
                .pings
                .iter()
                .map(|p| (p.from.clone(), p.to, p.sent, p.received))
                .collect(),
            sa_pairs: run
                .routers
                .iter()
                .map(|r| {
                    (
                        r.name.clone(),
                        r.stack.borrow().engine.ipsec_sas().len() / 2,
                    )
                })
                .collect(),
            findings: crate::diagnose::findings(run),
        }
    }
}

/// One scenario's lab, composed step by step and run on first assertion.
#[derive(Debug, Default, cucumber::World)]
pub struct LabWorld {
    /// The folder of the feature file (config paths are relative to it).
    pub dir: PathBuf,
    /// The feature file, for messages.
    pub feature: String,
    /// Routers, in the order given.
    pub routers: Vec<GivenRouter>,
    /// Hosts given (none: the document's host-a and host-b).
    pub hosts: Vec<HostSpec>,
    /// The script so far (pings, initiations).
    pub script: Vec<scenario::Step>,
    /// Configurations applied while running.
    pub reconfigures: Vec<GivenReconfigure>,
    /// How long the lab runs.
    pub duration: Option<Duration>,
    /// What the run left.
    pub outcome: Option<Outcome>,
}

/// How long a lab runs when no step says.
const DEFAULT_DURATION: Duration = Duration::from_secs(120);

impl LabWorld {
    /// The router named `name` (case-insensitive).
    pub fn router(&self, name: &str) -> Option<&GivenRouter> {
        let name = name.to_ascii_lowercase();
        self.routers.iter().find(|r| r.name == name)
    }

    /// Reads `rel`: a file relative to the feature file, else a built-in catalog file
    /// (`proxy-id-fixed/seil.conf`). Returns its name for messages and its text.
    pub fn read_config(&self, rel: &str) -> (String, String) {
        let local = self.dir.join(rel);
        if local.is_file() {
            return Source::Dir(self.dir.clone())
                .read(rel)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let builtin = rel
            .split_once('/')
            .and_then(|(dir, file)| Some((scenario::catalog::find(dir)?, file)));
        match builtin {
            Some((b, file)) => Source::Builtin(b)
                .read(file)
                .unwrap_or_else(|e| panic!("{e}")),
            None => panic!(
                "{}: no such file (config paths are relative to the feature file {})",
                local.display(),
                self.feature
            ),
        }
    }

    /// Adds (or replaces) router `name`, imitating `vendor`, with a config.
    pub fn give_router(&mut self, name: &str, vendor: &str, file: String, text: String) {
        let table = Personalities::builtin();
        let vendor = vendor.to_ascii_lowercase();
        assert!(
            table.get(&vendor).is_some(),
            "router {name}: unknown personality {vendor:?} (expected {}; a router named otherwise: \
             the router \"{name}\" is a \"seil\" with configuration \"FILE\")",
            table.expected(false)
        );
        let name = name.to_ascii_lowercase();
        if let Err(e) = crate::scenario::check::name(&name) {
            panic!("router name: {e}");
        }
        self.routers.retain(|r| r.name != name);
        self.routers.push(GivenRouter {
            name,
            vendor,
            file,
            text,
        });
    }

    /// The lab's hosts: those given, else the document's host-a and host-b.
    pub fn lab_hosts(&self) -> Vec<HostSpec> {
        if self.hosts.is_empty() {
            document_hosts()
        } else {
            self.hosts.clone()
        }
    }

    /// The lab as a loaded scenario: the routers' configs parsed by their personalities, the
    /// hosts, the script and the reconfigurations.
    pub fn compose(&self) -> Loaded {
        let table = Personalities::builtin();
        let mut sc: Scenario =
            toml::from_str("name = \"feature\"\ndescription = \"a feature's scenario\"")
                .expect("a minimal scenario parses");
        sc.name = self.feature.clone();
        sc.duration = self.duration.unwrap_or(DEFAULT_DURATION);
        sc.hosts = self.lab_hosts();
        sc.steps = self.script.clone();
        let mut routers = vec![];
        for r in &self.routers {
            let personality = table.get(&r.vendor).expect("checked when given");
            let parsed = personality
                .parse(&r.file, &r.text)
                .unwrap_or_else(|e| panic!("{e}"));
            sc.routers.push(RouterSpec {
                name: r.name.clone(),
                vendor: r.vendor.clone(),
                config: r.file.clone(),
            });
            routers.push(LoadedRouter {
                name: r.name.clone(),
                personality,
                file: r.file.clone(),
                text: r.text.clone(),
                parsed,
            });
        }
        assert!(!routers.is_empty(), "no router was given");
        let mut loaded = Loaded {
            scenario: sc,
            source: Source::Dir(self.dir.clone()),
            routers,
            reconfigs: vec![],
            file: self.feature.clone(),
            lines: Default::default(),
            derived: None,
        };
        for r in &self.reconfigures {
            scenario::add_reconfigure(&mut loaded, &r.router, r.at, &r.text)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        loaded
    }

    /// Runs the lab in-process (virtual time) and keeps what it left.
    pub fn run(&mut self) {
        let loaded = self.compose();
        let mut b = scenario::build(&loaded, None).unwrap_or_else(|e| panic!("{e}"));
        b.lab.run();
        let dir = scratch_dir("run", &b);
        let info = RunInfo::of(&loaded, None, &b.result(), Expect::default());
        let a = crate::report::write(&b, &info, &dir).expect("artefacts");
        let records = crate::decode::decode_file(&a.pcapng, Some(&a.keys)).expect("decode");
        let _ = std::fs::remove_dir_all(&dir);
        self.outcome = Some(Outcome::of(&b.result(), records));
    }

    /// Runs the lab in Linux network namespaces (real time, root) for `duration`.
    pub fn run_netns(&mut self, duration: Duration) {
        let loaded = self.compose();
        let opts = crate::netns::NetnsOptions {
            seed: None,
            duration: Some(duration),
        };
        let stop = std::sync::atomic::AtomicBool::new(false);
        let run =
            crate::netns::run_scenario(&loaded, &opts, &stop).unwrap_or_else(|e| panic!("{e}"));
        let dir = scratch_dir("netns", &run);
        let info = RunInfo::of(&loaded, None, &run.result, Expect::default());
        let a = crate::netns::write(&run, &info, &dir).expect("artefacts");
        let records = crate::decode::decode_file(&a.pcapng, Some(&a.keys)).expect("decode");
        let _ = std::fs::remove_dir_all(&dir);
        self.outcome = Some(Outcome::of(&run.result, records));
    }

    /// What the run left (running the lab first if no step did).
    pub fn outcome(&mut self) -> &Outcome {
        if self.outcome.is_none() {
            self.run();
        }
        self.outcome.as_ref().expect("ran")
    }

    /// Router `router`'s vendor log.
    pub fn log(&mut self, router: &str) -> Vec<String> {
        let name = router.to_ascii_lowercase();
        self.outcome()
            .logs
            .iter()
            .find(|l| l.0 == name)
            .map(|l| l.1.clone())
            .unwrap_or_else(|| panic!("no router {router}"))
    }

    /// The capture's ISAKMP messages.
    pub fn isakmp(&mut self) -> Vec<(Record, IsakmpRecord)> {
        self.outcome()
            .records
            .iter()
            .filter_map(|r| match &r.body {
                RecordBody::Isakmp(m) => Some((r.clone(), m.clone())),
                _ => None,
            })
            .collect()
    }

    /// The address of `host` (a host name, or an address as it is).
    pub fn address_of(&self, host: &str) -> Ipv4Addr {
        match host.parse() {
            Ok(a) => a,
            Err(_) => self.host_address(host),
        }
    }

    /// The address of the host named `name` (see [`LabWorld::lab_hosts`]).
    pub fn host_address(&self, name: &str) -> Ipv4Addr {
        let hosts = self.lab_hosts();
        let host = hosts
            .iter()
            .find(|h| h.name == name)
            .unwrap_or_else(|| panic!("the lab has no host {name:?}"));
        host.address
            .split('/')
            .next()
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| {
                panic!(
                    "host {name}: address {:?} is not like 10.1.0.10/24",
                    host.address
                )
            })
    }
}

/// The document's hosts (host-a behind SEIL, host-b behind the IX), for features that name none.
fn document_hosts() -> Vec<HostSpec> {
    scenario::load_named("proxy-id-mismatch")
        .expect("the built-in document scenario loads")
        .scenario
        .hosts
}

/// A fresh folder for a run's artefacts (decoded, then removed).
fn scratch_dir<T>(kind: &str, run: &T) -> PathBuf {
    std::env::temp_dir().join(format!(
        "ikelab-steps-{kind}-{}-{:p}",
        std::process::id(),
        run
    ))
}
