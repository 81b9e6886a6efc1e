//! The harness of the netns and interop tests: namespaces and a WAN bridge built for one test and
//! removed after it (also when it fails), the real daemons (strongSwan's charon, Libreswan's
//! pluto) started inside them and stopped by their pid, and the simulated peer
//! ([`ikelab::netns::peer`]) on a thread.
//!
//! Traffic only ever flows inside namespaces the test created: nothing is configured in the
//! test's own namespace. Tests using this module take [`serial`] first, so that they run one at
//! a time even when the harness runs tests in parallel.

use std::io;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use ikelab_sim::netns::{BridgeCapture, Clock, Netns, Recorder, Spawned};

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
    eprintln!("skipped: {test}: {reason}");
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

const CHARON: &str = "/usr/lib/ipsec/charon";
const LIBIPSEC: &str = "/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so";

fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Where Libreswan was extracted (`$IKELAB_LIBRESWAN`, holding `usr/libexec/ipsec/pluto`).
pub fn libreswan_root() -> Option<PathBuf> {
    let root = PathBuf::from(std::env::var_os("IKELAB_LIBRESWAN")?);
    root.join("usr/libexec/ipsec/pluto")
        .exists()
        .then_some(root)
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
    match Netns::create("probe") {
        Ok(ns) => drop(ns),
        Err(e) => return skip(test, &format!("cannot create a network namespace: {e}")),
    }
    for t in tools {
        let missing = match t {
            Tool::Netns => None,
            Tool::StrongSwan => (!Path::new(CHARON).exists() || !runs("swanctl", &["--help"]))
                .then_some("strongSwan (charon, swanctl) is not installed"),
            Tool::Libipsec => (!Path::new(LIBIPSEC).exists())
                .then_some("strongSwan's kernel-libipsec plugin (libcharon-extra-plugins) is not installed"),
            Tool::Libreswan => (libreswan_root().is_none() || !Path::new("/usr/bin/certutil").exists())
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

/// Waits until `f` is true (checking every 20 ms) or `timeout` passes.
pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
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

/// A test's view of a log: panics with the whole log when a line is missing.
pub fn assert_log(what: &str, log: &str, needle: &str) {
    assert!(
        log.contains(needle),
        "{what} does not show {needle:?}; it says:\n{log}"
    );
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
    std::fs::create_dir_all(dir)?;
    let lines = |v: &[String]| v.iter().map(|l| format!("{l}\n")).collect::<String>();
    std::fs::write(dir.join("ikev1_decryption_table"), lines(&keys.ikev1))?;
    std::fs::write(dir.join("esp_sa"), lines(&keys.esp))
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
