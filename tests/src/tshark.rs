//! tshark over a capture with ikelab's key files: the Wireshark side of the tests, in one place so
//! every test decrypts with the same preferences.

use std::path::Path;
use std::process::Command;

/// The two key files of an artefact folder (`ikev1_decryption_table`, `esp_sa`), as text.
pub fn read_keys(dir: &Path) -> (String, String) {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    (read("ikev1_decryption_table"), read("esp_sa"))
}

/// tshark's `fields` for each frame of `capture` (matching `filter`, if any), with IKEv1 and ESP
/// decryption from the key-file rows `ike` and `esp` and ESP ICV checking on. A field that occurs
/// more than once is joined with commas. Panics with tshark's stderr if tshark fails.
pub fn fields(
    capture: &Path,
    ike: &str,
    esp: &str,
    filter: Option<&str>,
    fields: &[&str],
) -> Vec<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(capture).arg("-n");
    for l in ike.lines().filter(|l| !l.is_empty()) {
        cmd.arg("-o").arg(format!("uat:ikev1_decryption_table:{l}"));
    }
    for l in esp.lines().filter(|l| !l.is_empty()) {
        cmd.arg("-o").arg(format!("uat:esp_sa:{l}"));
    }
    cmd.args([
        "-o",
        "esp.enable_encryption_decode:TRUE",
        "-o",
        "esp.enable_authentication_check:TRUE",
    ]);
    if let Some(f) = filter {
        cmd.args(["-Y", f]);
    }
    cmd.args(["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("tshark runs");
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("tshark prints UTF-8")
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}
