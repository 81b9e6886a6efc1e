//! Helpers shared by the integration tests: fixtures, real tools, and a two-engine harness.

pub mod hostile;
pub mod interop;
pub mod pair;
pub mod pcap;
pub mod tshark;

use std::path::PathBuf;
use std::process::Command;

/// The folder of the project's own fixtures.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Whether a real tool is installed. When `IKELAB_REQUIRE_TOOLS` is set (CI sets it), a missing
/// tool is a failure instead of a skip, so CI cannot pass by silently skipping.
pub fn have_tool(name: &str) -> bool {
    let found = Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var_os("IKELAB_REQUIRE_TOOLS").is_some() {
            panic!("{name} is required (IKELAB_REQUIRE_TOOLS is set) but not installed");
        }
        eprintln!("skipped: {name} is not installed");
    }
    found
}

/// A scratch directory for one test, under the system temp dir.
pub fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ikelab-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}
