//! Libreswan's pluto in a namespace, run from its extracted .deb and driven with whack.

use std::io;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use super::{libreswan_root, spawn_private, wait_until};
use crate::netns::{Netns, Spawned};

/// One Libreswan pluto in a namespace, run from the extracted .deb: its own NSS database,
/// secrets, control socket and log, and the extracted `/usr/libexec` bind-mounted in a private
/// mount namespace (pluto and addconn look for their helpers there).
pub struct Pluto {
    /// Its folder.
    pub dir: PathBuf,
    ns: String,
    root: PathBuf,
    proc: Spawned,
}

impl Pluto {
    /// Starts pluto in `ns` with `ipsec_conf` and `secrets`, and adds every connection.
    pub fn start(ns: &Netns, dir: PathBuf, ipsec_conf: &str, secrets: &str) -> io::Result<Pluto> {
        let root = libreswan_root().ok_or_else(|| io::Error::other("IKELAB_LIBRESWAN not set"))?;
        std::fs::create_dir_all(dir.join("run"))?;
        std::fs::create_dir_all(dir.join("nss"))?;
        std::fs::write(dir.join("ipsec.conf"), ipsec_conf)?;
        std::fs::write(dir.join("ipsec.secrets"), secrets)?;
        let nss = format!("sql:{}/nss", dir.display());
        crate::netns::run(Command::new("certutil").args(["-N", "-d", &nss, "--empty-password"]))?;
        let libexec = root.join("usr/libexec");
        let script = format!(
            "mount --bind {lx} /usr/libexec && exec {lx}/ipsec/pluto --nofork --config {d}/ipsec.conf --rundir {d}/run --nssdir {d}/nss --secretsfile {d}/ipsec.secrets --logfile {d}/pluto.log",
            lx = libexec.display(),
            d = dir.display()
        );
        let proc = spawn_private(ns, "pluto", &dir, &script, &dir.join("run/pluto.ctl"))?;
        let p = Pluto {
            dir,
            ns: ns.name().to_string(),
            root,
            proc,
        };
        let ctl = p.dir.join("run/pluto.ctl");
        let conf = format!("{}/ipsec.conf", p.dir.display());
        let ctl = ctl.display().to_string();
        let o = p.tool(
            "addconn",
            &["--ctlsocket", &ctl, "--config", &conf, "--autoall"],
            None,
        )?;
        if !o.status.success() {
            return Err(io::Error::other(format!(
                "addconn: {}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            )));
        }
        // addconn's requests may still be on their way when it exits: a connection initiated
        // before pluto has taken them is replaced, and its state deleted. The last of them
        // rereads the secrets (`forgetting secrets`, then `loading secrets from`; pluto's own
        // start loads them without forgetting any).
        let loaded = |log: &str| {
            log.rfind("forgetting secrets")
                .is_some_and(|at| log[at..].contains("loading secrets from"))
        };
        if !wait_until(Duration::from_secs(10), || loaded(&p.log())) {
            return Err(io::Error::other(
                "pluto did not take addconn's connections within 10 s (no secrets reread in its log)",
            ));
        }
        Ok(p)
    }

    fn tool(&self, name: &str, args: &[&str], timeout: Option<Duration>) -> io::Result<Output> {
        let bin = self.root.join("usr/libexec/ipsec").join(name);
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.ns])
            .arg(&bin)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let p = Spawned::start(name, &mut cmd)?;
        p.wait_output(timeout.unwrap_or(Duration::from_secs(10)))
    }

    /// `whack --ctlsocket ... ARGS`, waiting at most `timeout`; returns its output.
    pub fn whack(&self, args: &[&str], timeout: Duration) -> String {
        let ctl = self.dir.join("run/pluto.ctl").display().to_string();
        let mut all = vec!["--ctlsocket", &ctl];
        all.extend_from_slice(args);
        match self.tool("whack", &all, Some(timeout)) {
            Ok(o) => format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(e) => e.to_string(),
        }
    }

    /// Starts negotiating connection `conn` without waiting for the outcome.
    pub fn initiate(&self, conn: &str) -> String {
        self.whack(
            &["--name", conn, "--initiate", "--asynchronous"],
            Duration::from_secs(5),
        )
    }

    /// The pluto log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("pluto.log")).unwrap_or_default()
    }

    /// Waits until the log contains `needle`.
    pub fn wait_log(&self, needle: &str, timeout: Duration) -> bool {
        wait_until(timeout, || self.log().contains(needle))
    }

    /// Stops it (SIGTERM, by pid).
    pub fn stop(mut self) -> String {
        self.proc.stop(Duration::from_secs(3));
        self.log()
    }
}
