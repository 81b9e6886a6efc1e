//! What the CLI tests that feed `ikelab` hostile input share: running the binary with a
//! watchdog, since a run that waited on a FIFO or read forever would otherwise hang the suite.

use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a command may run before the test calls it hung and kills it. Not a measurement:
/// each command here ends in seconds, and one that waits on a FIFO would never end without this.
const HUNG: Duration = Duration::from_secs(120);

/// Runs `ikelab args`; a run that does not end by itself is killed and fails the test.
pub fn ikelab(args: &[&str]) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_ikelab"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ikelab runs");
    let pid = child.id().to_string();
    let (done, finished) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if finished.recv_timeout(HUNG).is_err() {
            let _ = Command::new("kill").arg("-9").arg(&pid).status();
            return true;
        }
        false
    });
    let out = child.wait_with_output().expect("ikelab ends");
    let _ = done.send(());
    assert!(
        !watchdog.join().unwrap(),
        "ikelab {args:?} hung and was killed"
    );
    out
}

/// The run's standard error, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
