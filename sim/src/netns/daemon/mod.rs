//! Real IKE daemons in a namespace: strongSwan's charon ([`Charon`]) and Libreswan's pluto
//! ([`Pluto`]), each with its own configuration, control socket, log and a private `/run` or
//! `/usr/libexec`, started for one test or one matrix cell and stopped by its pid. The interop
//! tests and `ikelab matrix --netns` both drive them, so they live here, beside [`Netns`].
//!
//! [`Netns`]: super::Netns

mod charon;
mod pluto;

use std::io;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::{Netns, Spawned};

pub use charon::{Charon, Control};
pub use pluto::Pluto;

/// strongSwan's IKE daemon, where Debian installs it.
pub const CHARON: &str = "/usr/lib/ipsec/charon";

/// Whether strongSwan's charon and swanctl are installed.
pub fn strongswan_installed() -> bool {
    Path::new(CHARON).exists()
        && std::process::Command::new("swanctl")
            .arg("--help")
            .stdin(std::process::Stdio::null())
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

/// Whether Libreswan can be run: extracted ([`libreswan_root`]) and `certutil` (libnss3-tools)
/// there to make its NSS database.
pub fn libreswan_installed() -> bool {
    libreswan_root().is_some() && Path::new("/usr/bin/certutil").exists()
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

/// Starts daemon `name` in `ns` as `sh -c script` in a private mount namespace (the script
/// bind-mounts what the daemon needs over the system's paths first), its output in
/// `dir/<name>.out`, and waits until `socket` exists: its control socket is open.
fn spawn_private(
    ns: &Netns,
    name: &str,
    dir: &Path,
    script: &str,
    socket: &Path,
) -> io::Result<Spawned> {
    let out_path = dir.join(format!("{name}.out"));
    let out = std::fs::File::create(&out_path)?;
    let mut cmd = ns.command("unshare");
    cmd.args(["-m", "--propagation", "private", "sh", "-c", script])
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out);
    let proc = Spawned::start(name, &mut cmd)?;
    if !wait_until(Duration::from_secs(10), || socket.exists()) {
        return Err(io::Error::other(format!(
            "{name} did not open {}: {}",
            socket.display(),
            std::fs::read_to_string(&out_path).unwrap_or_default()
        )));
    }
    Ok(proc)
}
