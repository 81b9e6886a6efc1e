//! strongSwan's charon in a namespace, configured through swanctl.

use std::io;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::{CHARON, spawn_private, wait_until};
use crate::netns::{Netns, Spawned};

/// One strongSwan charon in a namespace: its own strongswan.conf, vici socket, log and a
/// private `/run` (charon's pid file path is fixed, so two instances need two `/run`s).
pub struct Charon {
    /// Its folder (`charon.log`, `swanctl.conf`, ...).
    pub dir: PathBuf,
    ns: String,
    proc: Spawned,
}

impl Charon {
    /// Starts charon in `ns` with `swanctl_conf` loaded; `libipsec` uses the userspace ESP
    /// backend (kernel-libipsec) instead of the kernel's. Its plugins are listed, not found:
    /// `gcrypt` (libstrongswan-extra-plugins) last, for 3DES, which the `aes` and `sha`
    /// plugins before it do not have (Debian's strongSwan has no `openssl` plugin here).
    pub fn start(
        ns: &Netns,
        dir: PathBuf,
        swanctl_conf: &str,
        libipsec: bool,
    ) -> io::Result<Charon> {
        Charon::start_with(ns, dir, swanctl_conf, libipsec, "")
    }

    /// [`Charon::start`] with more `charon { }` options of strongswan.conf (`key = value`
    /// lines).
    pub fn start_with(
        ns: &Netns,
        dir: PathBuf,
        swanctl_conf: &str,
        libipsec: bool,
        options: &str,
    ) -> io::Result<Charon> {
        std::fs::create_dir_all(dir.join("run"))?;
        let kernel = if libipsec {
            "kernel-libipsec kernel-netlink"
        } else {
            "kernel-netlink"
        };
        let conf = format!(
            "charon {{\n{options}  load_modular = no\n  load = random nonce aes sha1 sha2 hmac pem pkcs1 x509 revocation constraints pubkey gmp curve25519 kdf socket-default {kernel} vici updown gcrypt\n  install_routes = {routes}\n  plugins {{\n    vici {{\n      socket = unix://{d}/charon.vici\n    }}\n  }}\n  filelog {{\n    main {{\n      path = {d}/charon.log\n      default = 1\n      ike = 2\n      cfg = 2\n      knl = 2\n      time_format = %H:%M:%S\n      flush_line = yes\n    }}\n  }}\n  syslog {{\n    daemon {{\n      default = -1\n    }}\n  }}\n}}\n",
            d = dir.display(),
            routes = if libipsec { "yes" } else { "no" },
        );
        std::fs::write(dir.join("strongswan.conf"), conf)?;
        std::fs::write(dir.join("swanctl.conf"), swanctl_conf)?;
        let script = format!(
            "mount --bind {d}/run /run && exec env STRONGSWAN_CONF={d}/strongswan.conf {CHARON}",
            d = dir.display()
        );
        let proc = spawn_private(ns, "charon", &dir, &script, &dir.join("charon.vici"))?;
        let c = Charon {
            dir,
            ns: ns.name().to_string(),
            proc,
        };
        let (ok, text) = c.swanctl(&[
            "--load-all",
            "--file",
            &format!("{}/swanctl.conf", c.dir.display()),
        ]);
        if !ok {
            return Err(io::Error::other(format!("swanctl --load-all: {text}")));
        }
        Ok(c)
    }

    /// Runs swanctl against this charon (the command first, as swanctl wants); returns
    /// whether it succeeded and its output.
    pub fn swanctl(&self, args: &[&str]) -> (bool, String) {
        self.control().swanctl(args)
    }

    /// A handle that runs swanctl against this charon from another thread.
    pub fn control(&self) -> Control {
        Control {
            ns: self.ns.clone(),
            dir: self.dir.clone(),
        }
    }

    /// The charon log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("charon.log")).unwrap_or_default()
    }

    /// Waits until the log contains `needle`.
    pub fn wait_log(&self, needle: &str, timeout: Duration) -> bool {
        wait_until(timeout, || self.log().contains(needle))
    }

    /// Its pid.
    pub fn pid(&self) -> u32 {
        self.proc.pid()
    }

    /// Stops it (SIGTERM, by pid) and waits.
    pub fn stop(mut self) -> String {
        self.proc.stop(Duration::from_secs(3));
        self.log()
    }
}

/// What swanctl needs to reach one charon: its namespace and its vici socket's folder.
#[derive(Clone, Debug)]
pub struct Control {
    ns: String,
    dir: PathBuf,
}

impl Control {
    /// Runs swanctl against the charon (the command first, as swanctl wants); returns whether
    /// it succeeded and its output.
    pub fn swanctl(&self, args: &[&str]) -> (bool, String) {
        let uri = format!("unix://{}/charon.vici", self.dir.display());
        let Some((cmd, rest)) = args.split_first() else {
            return (false, "no swanctl command".into());
        };
        let out = Command::new("ip")
            .args(["netns", "exec", &self.ns, "swanctl", cmd, "--uri", &uri])
            .args(rest)
            .stdin(Stdio::null())
            .output();
        match out {
            Ok(o) => (
                o.status.success(),
                format!(
                    "{}{}",
                    String::from_utf8_lossy(&o.stdout),
                    String::from_utf8_lossy(&o.stderr)
                ),
            ),
            Err(e) => (false, e.to_string()),
        }
    }
}
