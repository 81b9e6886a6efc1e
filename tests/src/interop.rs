//! The harness of the netns and interop tests: namespaces and a WAN bridge built for one test and
//! removed after it (also when it fails), the real daemons (strongSwan's charon, Libreswan's
//! pluto) started inside them and stopped by their pid, and the simulated peer
//! ([`ikelab::netns::peer`]) on a thread.
//!
//! Traffic only ever flows inside namespaces the test created: nothing is configured in the
//! test's own namespace. Tests using this module take [`serial`] first, so that they run one at
//! a time even when the harness runs tests in parallel.

use std::io::{self, Write as _};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use ikelab::decode::record::{IsakmpRecord, RecordBody};
use ikelab::netns::{PeerOptions, PeerOutput};
use ikelab_peers::ike::EventKind;
use ikelab_peers::personality::{Personalities, Vendor};
use ikelab_peers::wire::{IdType, PayloadType};
use ikelab_sim::netns::{BridgeCapture, Clock, Netns, Recorder, Spawned};
pub use ikelab_sim::netns::{Charon, Pluto, libreswan_root, wait_until};

pub use ikelab_sim::netns::read_sysctl;
use ikelab_sim::{KeyLog, StartTime};

static SERIAL: Mutex<()> = Mutex::new(());

/// Takes the lock that keeps the namespace tests of this binary one at a time.
pub fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn required() -> bool {
    std::env::var_os("IKELAB_REQUIRE_TOOLS").is_some()
}

/// Reports a test as skipped, with the reason; a failure instead when `IKELAB_REQUIRE_TOOLS`
/// is set (CI), so that CI cannot pass by skipping.
pub fn skip(test: &str, reason: &str) -> bool {
    if required() {
        panic!("{test}: {reason} (IKELAB_REQUIRE_TOOLS is set, so this fails instead of skipping)");
    }
    // Straight to the process's stderr: the test harness captures `eprintln!` of passing
    // tests, and a skip must be seen.
    let _ = writeln!(io::stderr().lock(), "skipped: {test}: {reason}");
    false
}

/// A real tool a test needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// iproute2 and iputils `ping`.
    Netns,
    /// strongSwan's charon and swanctl.
    StrongSwan,
    /// strongSwan's kernel-libipsec plugin (userspace ESP).
    Libipsec,
    /// Libreswan 4.10, extracted from its .deb into `$IKELAB_LIBRESWAN`.
    Libreswan,
    /// ike-scan.
    IkeScan,
    /// tshark.
    Tshark,
}

const LIBIPSEC: &str = "/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so";

fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether this machine can run a namespace test that needs `tools`: root, network
/// namespaces, and each tool. Prints why not (see [`skip`]).
pub fn can_run(test: &str, tools: &[Tool]) -> bool {
    if !ikelab_sim::netns::is_root() {
        return skip(test, "needs root (network namespaces, AF_PACKET sockets)");
    }
    if !runs("ip", &["-V"]) || !runs("ping", &["-V"]) {
        return skip(test, "needs iproute2 (ip) and iputils-ping");
    }
    ikelab_sim::netns::sweep_stale();
    match Netns::create("probe") {
        Ok(ns) => drop(ns),
        Err(e) => return skip(test, &format!("cannot create a network namespace: {e}")),
    }
    for t in tools {
        let missing = match t {
            Tool::Netns => None,
            Tool::StrongSwan => (!ikelab_sim::netns::daemon::strongswan_installed())
                .then_some("strongSwan (charon, swanctl) is not installed"),
            Tool::Libipsec => (!Path::new(LIBIPSEC).exists())
                .then_some("strongSwan's kernel-libipsec plugin (libcharon-extra-plugins) is not installed"),
            Tool::Libreswan => (!ikelab_sim::netns::daemon::libreswan_installed())
                .then_some("Libreswan is not extracted into $IKELAB_LIBRESWAN (or certutil from libnss3-tools is missing)"),
            Tool::IkeScan => (!runs("ike-scan", &["--version"])).then_some("ike-scan is not installed"),
            Tool::Tshark => (!runs("tshark", &["--version"])).then_some("tshark is not installed"),
        };
        if let Some(why) = missing {
            return skip(test, why);
        }
    }
    true
}

/// The `ikelab` binary next to the test binary (built by `cargo test --workspace`).
pub fn ikelab_bin() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let p = exe.parent()?.parent()?.join("ikelab");
    p.exists().then_some(p)
}

/// SEIL's WAN address in the document.
pub const A: Ipv4Addr = Ipv4Addr::new(172, 16, 0, 1);
/// IX's WAN address in the document.
pub const B: Ipv4Addr = Ipv4Addr::new(172, 16, 0, 2);

/// Which end of the WAN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// 172.16.0.1 (SEIL's side).
    A,
    /// 172.16.0.2 (IX's side).
    B,
}

/// Two namespaces joined by a bridge (the WAN, 172.16.0.0/24), each with `wan0`, plus LAN host
/// namespaces; captured on the bridge. Everything is removed when it is dropped.
pub struct Rig {
    /// The bridge's namespace (`br0`).
    pub sw: Netns,
    /// 172.16.0.1's namespace.
    pub a: Netns,
    /// 172.16.0.2's namespace.
    pub b: Netns,
    /// LAN hosts.
    pub hosts: Vec<Netns>,
    clock: Clock,
    capture: Option<BridgeCapture>,
    frames: Vec<(ikelab_peers::time::Instant, Vec<u8>)>,
}

impl Rig {
    /// The WAN. `kernel_a`/`kernel_b`: give `wan0` its address in the kernel (a real daemon
    /// needs it; the simulated peer works either way).
    pub fn wan(kernel_a: bool, kernel_b: bool) -> io::Result<Rig> {
        let sw = Netns::create("sw")?;
        sw.bridge("br0")?;
        let a = Netns::create("a")?;
        let b = Netns::create("b")?;
        for (ns, port, addr, kernel) in [(&a, "pa", A, kernel_a), (&b, "pb", B, kernel_b)] {
            ns.veth("wan0", &sw, port)?;
            sw.ip(&["link", "set", port, "master", "br0"])?;
            if kernel {
                ns.ip(&["addr", "add", &format!("{addr}/24"), "dev", "wan0"])?;
            }
        }
        Ok(Rig {
            sw,
            a,
            b,
            hosts: vec![],
            clock: Clock::real(),
            capture: None,
            frames: vec![],
        })
    }

    /// The namespace of a side.
    pub fn side(&self, s: Side) -> &Netns {
        match s {
            Side::A => &self.a,
            Side::B => &self.b,
        }
    }

    /// A LAN host `host_addr` (with prefix) behind `side`, reached through `router_if` there
    /// (given `router_addr` in the kernel if `Some`), default route via `gateway`.
    pub fn lan(
        &mut self,
        side: Side,
        router_if: &str,
        router_addr: Option<&str>,
        host_addr: &str,
        gateway: Ipv4Addr,
    ) -> io::Result<usize> {
        let h = Netns::create("host")?;
        let r = self.side(side);
        r.veth(router_if, &h, "eth0")?;
        if let Some(a) = router_addr {
            r.ip(&["addr", "add", a, "dev", router_if])?;
        }
        h.ip(&["addr", "add", host_addr, "dev", "eth0"])?;
        h.ip(&["route", "add", "default", "via", &gateway.to_string()])?;
        self.hosts.push(h);
        Ok(self.hosts.len() - 1)
    }

    /// Starts capturing the bridge.
    pub fn capture(&mut self) -> io::Result<()> {
        self.capture = Some(BridgeCapture::start(self.sw.name(), "br0", self.clock)?);
        Ok(())
    }

    /// Stops the capture and writes it as a classic pcap; returns the number of frames.
    pub fn write_capture(&mut self, path: &Path) -> io::Result<usize> {
        if let Some(c) = self.capture.take() {
            self.frames = c.stop()?;
        }
        let mut r = Recorder::default();
        let link = r.add_link("wan");
        for (t, f) in &self.frames {
            r.record(link, *t, f.clone());
        }
        let start = self.clock.start();
        let f = std::fs::File::create(path)?;
        r.finish()
            .write_pcap(link, start, f)
            .map_err(io::Error::other)?;
        Ok(self.frames.len())
    }

    /// When the rig's clock started.
    pub fn start(&self) -> StartTime {
        self.clock.start()
    }
}

/// A scratch folder for a daemon or a run.
pub fn workdir(test: &str, what: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "ikelab-interop-{}-{test}-{what}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch folder");
    d
}

/// What a simulated peer left when it stopped.
#[derive(Debug)]
pub struct PeerDone {
    /// Its vendor log, line by line.
    pub log: Vec<String>,
    /// Every engine event.
    pub events: Vec<EventKind>,
    /// Its Wireshark key lines.
    pub keys: KeyLog,
}

/// `ikelab peer` on a thread (the library behind the command).
pub struct SimPeer {
    stop: Arc<AtomicBool>,
    lines: Arc<Mutex<Vec<String>>>,
    thread: Option<JoinHandle<Result<PeerDone, String>>>,
}

/// Options for [`SimPeer::start`]: vendor, config text, namespace, interfaces.
pub fn peer_options(
    vendor: Vendor,
    config: &str,
    ns: &Netns,
    ifaces: &[(&str, &str)],
) -> PeerOptions {
    let personality = Personalities::builtin()
        .of(vendor)
        .expect("a built-in personality");
    let parsed = personality
        .parse("config", config)
        .expect("the config parses");
    PeerOptions {
        personality,
        config: parsed.router,
        log: parsed.log,
        netns: ns.name().to_string(),
        ifaces: ifaces
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        seed: Some(7),
        out: None,
    }
}

impl SimPeer {
    /// Starts the peer; returns once its sockets are open (or panics with its error). With
    /// `out`, its artefacts are written there when it stops.
    pub fn start(mut opts: PeerOptions, out: Option<PathBuf>) -> SimPeer {
        let stop = Arc::new(AtomicBool::new(false));
        let lines = Arc::new(Mutex::new(vec![]));
        let ready = Arc::new(AtomicBool::new(false));
        let (s, l, r) = (stop.clone(), lines.clone(), ready.clone());
        let all = lines.clone();
        opts.out = out.clone();
        let thread = std::thread::spawn(move || {
            let run = ikelab::netns::peer(opts, &s, |o| match o {
                PeerOutput::Log(line) => l.lock().unwrap().push(line.to_string()),
                PeerOutput::Notice(n) => eprintln!("peer: {n}"),
                PeerOutput::Ready => r.store(true, Ordering::SeqCst),
            })
            .map_err(|e| e.to_string())?;
            if let Some(dir) = out {
                run.write(&dir).map_err(|e| e.to_string())?;
            }
            let st = run.router.stack.borrow();
            Ok(PeerDone {
                log: all.lock().unwrap().clone(),
                events: st.events.iter().map(|e| e.kind.clone()).collect(),
                keys: run.keys.clone(),
            })
        });
        let mut p = SimPeer {
            stop,
            lines,
            thread: Some(thread),
        };
        let up = wait_until(Duration::from_secs(10), || {
            ready.load(Ordering::SeqCst) || p.thread.as_ref().is_some_and(|t| t.is_finished())
        });
        if !ready.load(Ordering::SeqCst) {
            let why = match p.thread.take().map(|t| t.join()) {
                Some(Ok(Err(e))) => e,
                _ if !up => "it did not start within 10 s".into(),
                _ => "it stopped".into(),
            };
            panic!("the simulated peer did not start: {why}");
        }
        p
    }

    /// The vendor log lines so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Waits until a log line contains `needle`.
    pub fn wait_line(&self, needle: &str, timeout: Duration) -> bool {
        wait_until(timeout, || self.lines().iter().any(|l| l.contains(needle)))
    }

    /// Stops it (it sends its Deletes) and returns what it left.
    pub fn stop(mut self) -> PeerDone {
        self.stop.store(true, Ordering::SeqCst);
        match self.thread.take().expect("running").join() {
            Ok(Ok(d)) => d,
            Ok(Err(e)) => panic!("the simulated peer failed: {e}"),
            Err(_) => panic!("the simulated peer panicked"),
        }
    }
}

impl Drop for SimPeer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A test's view of a log: panics with the whole log when a line is missing.
pub fn assert_log(what: &str, log: &str, needle: &str) {
    assert!(
        log.contains(needle),
        "{what} does not show {needle:?}; it says:\n{log}"
    );
}

/// A file of `tests/fixtures/interop/`, by its path there.
pub fn interop_fixture(path: &str) -> String {
    let full = crate::fixtures().join("interop").join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The strongSwan config of the document's IX, as a responder: 172.16.0.2/32 <-> 172.16.0.1/32,
/// transport mode, IKEv1 Main Mode, PSK `hogehoge`, aes128-sha1-modp1024.
pub fn swanctl_ix_like() -> String {
    interop_fixture("strongswan/ix-like.swanctl.conf")
}

/// The WAN interface of a vendor's configs in `fixtures/interop/`: SEIL `lan1` and IX
/// `FastEthernet0/0.0`, as in the document's configs; RTX `lan2` (its site configs put the LAN
/// on `lan1`); IOS `FastEthernet0/0`.
pub fn wan_interface(vendor: Vendor) -> &'static str {
    match vendor {
        Vendor::Seil => "lan1",
        Vendor::Ix => "FastEthernet0/0.0",
        Vendor::Rtx => "lan2",
        Vendor::Ios => "FastEthernet0/0",
        other => panic!("no WAN interface known for {other}"),
    }
}

/// A simulated router on the rig's WAN: its WAN interface ([`wan_interface`]) is `wan0` of
/// `ns`, and its config is `fixtures/interop/<config>`.
pub fn wan_peer(vendor: Vendor, config: &str, ns: &Netns) -> SimPeer {
    let wan = wan_interface(vendor);
    let opts = peer_options(vendor, &interop_fixture(config), ns, &[(wan, "wan0")]);
    SimPeer::start(opts, None)
}

/// The namespaces this process has, by name (to check that a test left none behind).
pub fn namespaces_of(pid: u32) -> Vec<String> {
    let out = Command::new("ip").args(["netns", "list"]).output();
    let prefix = format!("{}{pid}-", ikelab_sim::netns::PREFIX);
    out.map(|o| {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|n| n.starts_with(&prefix))
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

/// Writes `keys` as Wireshark's two key files into `dir`.
pub fn write_keys(keys: &KeyLog, dir: &Path) -> io::Result<()> {
    keys.write(dir).map(|_| ()).map_err(io::Error::other)
}

/// The capture decoded by `ikelab decode` with `keys`: one text block per IKE/ESP message, and
/// the exchange type of each.
pub fn decode(pcap: &Path, keys: &KeyLog) -> Vec<(Option<u8>, String)> {
    let dir = pcap.with_extension("keys");
    write_keys(keys, &dir).expect("key files");
    ikelab::decode::decode_file(pcap, Some(&dir))
        .expect("the capture decodes")
        .into_iter()
        .map(|r| {
            let ex = match &r.body {
                ikelab::decode::record::RecordBody::Isakmp(i) => Some(i.exchange),
                _ => None,
            };
            (ex, r.to_text())
        })
        .collect()
}

/// The ISAKMP messages of a capture as `ikelab decode` reads them with `keys`, typed (for tests
/// that compare payloads field by field rather than as text).
pub fn isakmp_messages(pcap: &Path, keys: &KeyLog) -> Vec<IsakmpRecord> {
    let dir = pcap.with_extension("keys");
    write_keys(keys, &dir).expect("key files");
    ikelab::decode::decode_file(pcap, Some(&dir))
        .expect("the capture decodes")
        .into_iter()
        .filter_map(|r| match r.body {
            RecordBody::Isakmp(i) => Some(i),
            _ => None,
        })
        .collect()
}

/// The ID payloads of a decoded message in their order, as (ID type, identity as the decoder
/// writes it: `192.168.1.0/24`, `172.16.0.1`).
pub fn id_payloads(m: &IsakmpRecord) -> Vec<(IdType, String)> {
    m.payloads
        .iter()
        .filter(|p| p.kind == PayloadType::ID.0)
        .filter_map(|p| Some((IdType(p.id_type?), p.id.clone()?)))
        .collect()
}

/// The Quick Mode messages of a decoded capture.
pub fn quick_modes(decoded: &[(Option<u8>, String)]) -> Vec<String> {
    decoded
        .iter()
        .filter(|(ex, _)| *ex == Some(32))
        .map(|(_, t)| t.clone())
        .collect()
}

/// The lines of `log` that contain any of `needles` (to show the proof in the test output).
pub fn proof(log: &str, needles: &[&str]) -> String {
    log.lines()
        .filter(|l| needles.iter().any(|n| l.contains(n)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `ikelab peer` as a process: its stdout (the vendor log) and stderr read as they come.
pub struct CliPeer {
    proc: Spawned,
    out: Arc<Mutex<Vec<String>>>,
    err: Arc<Mutex<Vec<String>>>,
}

fn read_lines(r: impl io::Read + Send + 'static, into: Arc<Mutex<Vec<String>>>) {
    std::thread::spawn(move || {
        use io::BufRead as _;
        for line in io::BufReader::new(r).lines().map_while(Result::ok) {
            into.lock().unwrap().push(line);
        }
    });
}

impl CliPeer {
    /// Starts `ikelab peer ARGS...` and waits until it says it is running.
    pub fn start(ikelab: &Path, args: &[&str]) -> CliPeer {
        let mut cmd = Command::new(ikelab);
        cmd.arg("peer")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut proc = Spawned::start("ikelab peer", &mut cmd).expect("ikelab peer starts");
        let out = Arc::new(Mutex::new(vec![]));
        let err = Arc::new(Mutex::new(vec![]));
        read_lines(proc.take_stdout().expect("piped"), out.clone());
        read_lines(proc.take_stderr().expect("piped"), err.clone());
        let mut p = CliPeer { proc, out, err };
        let up = wait_until(Duration::from_secs(10), || {
            p.stderr().iter().any(|l| l.contains("running")) || p.proc.exited()
        });
        assert!(
            up && !p.proc.exited(),
            "ikelab peer did not start:\n{}",
            p.stderr().join("\n")
        );
        p
    }

    /// Its pid.
    pub fn pid(&self) -> u32 {
        self.proc.pid()
    }

    /// Whether it is still running.
    pub fn alive(&mut self) -> bool {
        !self.proc.exited()
    }

    /// Its resident memory now, in KiB (`VmRSS` of `/proc/PID/status`).
    pub fn rss_kib(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }

    /// Vendor log lines so far (stdout).
    pub fn stdout(&self) -> Vec<String> {
        self.out.lock().unwrap().clone()
    }

    /// Notes so far (stderr).
    pub fn stderr(&self) -> Vec<String> {
        self.err.lock().unwrap().clone()
    }

    /// Waits until a stdout line contains `needle`.
    pub fn wait_line(&self, needle: &str, timeout: Duration) -> bool {
        wait_until(timeout, || self.stdout().iter().any(|l| l.contains(needle)))
    }

    /// Ctrl-C: waits for it to exit and returns its exit code.
    pub fn interrupt(self) -> Option<i32> {
        self.proc.interrupt();
        let o = self.proc.wait_output(Duration::from_secs(10)).ok()?;
        o.status.code()
    }
}
