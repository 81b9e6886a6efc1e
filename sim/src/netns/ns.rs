//! Network namespaces the lab creates and removes, the `ip` commands that wire them, and child
//! processes started inside them. Everything here is a guard: dropping it undoes it (namespace
//! deleted, process stopped by its pid), so a failing test or an interrupted run leaves nothing
//! behind. Nothing is ever configured in the caller's own namespace: veth pairs are created
//! directly inside their namespaces (`ip -n A link add X type veth peer name Y netns B`).

use std::io;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::sys;

/// Every namespace this crate creates is named `ikl-<pid>-<n>-<role>`.
pub const PREFIX: &str = "ikl-";

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Runs a command and turns a failure into an error that shows the command and its stderr.
pub fn run(cmd: &mut Command) -> io::Result<Output> {
    let shown = format!("{cmd:?}").replace('"', "");
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| io::Error::new(e.kind(), format!("{shown}: {e} (is iproute2 installed?)")))?;
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "{shown}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(out)
}

/// A network namespace created by this process; dropping it deletes it (and with it every
/// interface inside, veth peers included).
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// Creates `ikl-<pid>-<n>-<role>` with its loopback up and IPv6 off (so captures show only
    /// what the lab sends).
    pub fn create(role: &str) -> io::Result<Netns> {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("{PREFIX}{}-{n}-{role}", std::process::id());
        run(Command::new("ip").args(["netns", "add", &name])).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("creating network namespace {name}: {e} (root and CAP_SYS_ADMIN needed)"),
            )
        })?;
        let ns = Netns { name };
        ns.ip(&["link", "set", "lo", "up"])?;
        ns.disable_ipv6()?;
        Ok(ns)
    }

    /// The name (`ip netns exec NAME ...`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `ip -n NAME args...`.
    pub fn ip(&self, args: &[&str]) -> io::Result<String> {
        let out = run(Command::new("ip").arg("-n").arg(&self.name).args(args))?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// A command that runs `program` inside the namespace (`ip netns exec NAME program`).
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, program]);
        c
    }

    /// Writes a sysctl of this namespace (`net.ipv4.ip_forward`), from a thread inside it.
    pub fn sysctl(&self, key: &str, value: &str) -> io::Result<()> {
        write_sysctl(&self.name, key, value)
    }

    /// Turns IPv6 off for every interface, present and future.
    fn disable_ipv6(&self) -> io::Result<()> {
        for k in [
            "net.ipv6.conf.all.disable_ipv6",
            "net.ipv6.conf.default.disable_ipv6",
        ] {
            match self.sysctl(k, "1") {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {} // no IPv6 in this kernel
                r => r?,
            }
        }
        Ok(())
    }

    /// A veth pair: `here` in this namespace, `there` in `other`, both up.
    pub fn veth(&self, here: &str, other: &Netns, there: &str) -> io::Result<()> {
        self.ip(&[
            "link",
            "add",
            here,
            "type",
            "veth",
            "peer",
            "name",
            there,
            "netns",
            &other.name,
        ])?;
        self.ip(&["link", "set", here, "up"])?;
        other.ip(&["link", "set", there, "up"])?;
        Ok(())
    }

    /// A Linux bridge named `name` (no STP, no forwarding delay), up.
    pub fn bridge(&self, name: &str) -> io::Result<()> {
        self.ip(&[
            "link",
            "add",
            name,
            "type",
            "bridge",
            "stp_state",
            "0",
            "forward_delay",
            "0",
        ])?;
        self.ip(&["link", "set", name, "up"])?;
        Ok(())
    }

    /// Deletes the namespace now (also done on drop).
    pub fn delete(self) {}
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Deletes namespaces this crate created in processes that no longer exist (`ikl-<pid>-...`
/// whose pid is gone: a run killed with SIGKILL cannot clean up after itself). Only names are
/// removed; no process is touched. Returns the names deleted.
pub fn sweep_stale() -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(sys::netns_path("")) else {
        return vec![];
    };
    let mut gone = vec![];
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(PREFIX)
            .and_then(|r| r.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !sys::alive(pid) {
            let deleted = Command::new("ip")
                .args(["netns", "del", &name])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if deleted {
                gone.push(name);
            }
        }
    }
    gone
}

/// Reads a sysctl of namespace `ns`.
pub fn read_sysctl(ns: &str, key: &str) -> io::Result<String> {
    let path = sysctl_path(key);
    sys::in_netns(ns, move || {
        std::fs::read_to_string(&path)
            .map(|s| s.trim().to_string())
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
    })
}

/// Writes a sysctl of namespace `ns`.
pub fn write_sysctl(ns: &str, key: &str, value: &str) -> io::Result<()> {
    let path = sysctl_path(key);
    let value = value.to_string();
    sys::in_netns(ns, move || {
        std::fs::write(&path, value)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
    })
}

fn sysctl_path(key: &str) -> std::path::PathBuf {
    std::path::PathBuf::from("/proc/sys").join(key.replace('.', "/"))
}

/// A child process this process started; dropping it stops it (SIGTERM, then SIGKILL after a
/// grace period), by its pid only.
#[derive(Debug)]
pub struct Spawned {
    child: Option<Child>,
    name: String,
}

impl Spawned {
    /// Starts `cmd`, naming it `name` in messages.
    pub fn start(name: &str, cmd: &mut Command) -> io::Result<Spawned> {
        let child = cmd
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("starting {name}: {e}")))?;
        Ok(Spawned {
            child: Some(child),
            name: name.to_string(),
        })
    }

    /// Its pid.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// The name given at start.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether it has exited.
    pub fn exited(&mut self) -> bool {
        self.child
            .as_mut()
            .is_none_or(|c| c.try_wait().ok().flatten().is_some())
    }

    /// Sends `signal` (e.g. `libc::SIGINT`) to it.
    pub fn signal(&self, signal: i32) {
        if let Some(c) = &self.child {
            sys::kill(c.id(), signal);
        }
    }

    /// Takes its stdout, if it was piped (to read it while it runs).
    pub fn take_stdout(&mut self) -> Option<std::process::ChildStdout> {
        self.child.as_mut()?.stdout.take()
    }

    /// Takes its stderr, if it was piped.
    pub fn take_stderr(&mut self) -> Option<std::process::ChildStderr> {
        self.child.as_mut()?.stderr.take()
    }

    /// Sends it SIGINT (what Ctrl-C does: `ping` then prints its summary and exits).
    pub fn interrupt(&self) {
        self.signal(libc::SIGINT);
    }

    /// Waits for it to exit, at most `timeout`; returns its output if it was piped.
    pub fn wait_output(mut self, timeout: Duration) -> io::Result<Output> {
        let deadline = Instant::now() + timeout;
        while !self.exited() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if !self.exited() {
            self.stop(Duration::from_millis(500));
        }
        let child = self.child.take().expect("still there");
        child.wait_with_output()
    }

    /// Stops it: SIGTERM, then SIGKILL if it has not exited after `grace`; reaps it.
    pub fn stop(&mut self, grace: Duration) {
        let Some(c) = self.child.as_mut() else {
            return;
        };
        if c.try_wait().ok().flatten().is_none() {
            sys::kill(c.id(), libc::SIGTERM);
            let deadline = Instant::now() + grace;
            while c.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if c.try_wait().ok().flatten().is_none() {
                sys::kill(c.id(), libc::SIGKILL);
            }
        }
        let _ = c.wait();
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.stop(Duration::from_secs(2));
        }
    }
}

/// An interface's MAC and IPv4 addresses, as `ip -j addr show` reports them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkInfo {
    /// The MAC address.
    pub mac: crate::MacAddr,
    /// Whether it is administratively up.
    pub up: bool,
    /// IPv4 addresses with prefix lengths.
    pub ipv4: Vec<(std::net::Ipv4Addr, u8)>,
}

/// Reads `ifname` in namespace `ns` (by name, so the namespace need not be ours).
pub fn link_info(ns: &str, ifname: &str) -> io::Result<LinkInfo> {
    let out = run(Command::new("ip").args(["-n", ns, "-o", "addr", "show", "dev", ifname]))?;
    let link = run(Command::new("ip").args(["-n", ns, "-o", "link", "show", "dev", ifname]))?;
    let link = String::from_utf8_lossy(&link.stdout);
    let mac = link
        .split_whitespace()
        .skip_while(|w| *w != "link/ether")
        .nth(1)
        .and_then(parse_mac)
        .ok_or_else(|| {
            io::Error::other(format!("{ifname} in {ns} is not an Ethernet interface"))
        })?;
    let flags = link.split_whitespace().nth(2).unwrap_or_default();
    let up = flags
        .trim_matches(|c| c == '<' || c == '>')
        .split(',')
        .any(|f| f == "UP");
    let mut ipv4 = vec![];
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut w = line.split_whitespace().skip_while(|w| *w != "inet");
        if let Some((a, l)) = w.nth(1).and_then(|x| x.split_once('/')) {
            if let (Ok(a), Ok(l)) = (a.parse(), l.parse()) {
                ipv4.push((a, l));
            }
        }
    }
    Ok(LinkInfo { mac, up, ipv4 })
}

/// Parses `aa:bb:cc:dd:ee:ff`.
pub fn parse_mac(s: &str) -> Option<crate::MacAddr> {
    let mut m = [0u8; 6];
    let mut parts = s.split(':');
    for b in &mut m {
        *b = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(crate::MacAddr(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_parse() {
        assert_eq!(
            parse_mac("02:00:0a:ff:10:01"),
            Some(crate::MacAddr([2, 0, 0x0a, 0xff, 0x10, 1]))
        );
        assert_eq!(parse_mac("02:00:0a:ff:10"), None);
        assert_eq!(parse_mac("02:00:0a:ff:10:01:02"), None);
    }
}
