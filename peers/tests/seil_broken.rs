//! A corpus of broken SEIL configs (`tests/fixtures/seil/broken/`), most of them the document's
//! config with one thing wrong: typos, bad addresses, missing arguments, undefined names,
//! unknown commands, an empty file, binary garbage, an overlong line. `MANIFEST.tsv` records for
//! each file whether it parses (`ok`: warnings only) or not (`err`), and every diagnostic it
//! produces (severity, line, column and a fragment of the message): a broken definition must not
//! also be reported at each of its uses. No file may panic the parser.

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};

use ikelab_peers::personality::seil;
use ikelab_peers::personality::{Diagnostic, Severity};

fn dir() -> String {
    format!(
        "{}/../tests/fixtures/seil/broken",
        env!("CARGO_MANIFEST_DIR")
    )
}

struct Expect {
    file: String,
    ok: bool,
    severity: Severity,
    line: usize,
    column: usize,
    fragment: String,
}

fn manifest() -> Vec<Expect> {
    let text = std::fs::read_to_string(format!("{}/MANIFEST.tsv", dir())).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 6, "manifest line {l:?}");
            Expect {
                file: f[0].into(),
                ok: match f[1] {
                    "ok" => true,
                    "err" => false,
                    o => panic!("outcome {o:?}"),
                },
                severity: match f[2] {
                    "warning" => Severity::Warning,
                    "error" => Severity::Error,
                    s => panic!("severity {s:?}"),
                },
                line: f[3].parse().unwrap(),
                column: f[4].parse().unwrap(),
                fragment: f[5].into(),
            }
        })
        .collect()
}

/// Parses a file of the corpus (bytes, lossily decoded: ikelab refuses a file that is not UTF-8
/// before parsing it, but the parser must take any text without panicking).
fn diagnostics(file: &str) -> (bool, Vec<Diagnostic>) {
    let bytes = std::fs::read(format!("{}/{file}", dir())).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let result = catch_unwind(AssertUnwindSafe(|| seil::parse(file, &text)))
        .unwrap_or_else(|_| panic!("{file}: the parser panicked"));
    match result {
        Ok(cfg) => (true, cfg.warnings),
        Err(e) => (false, e.0),
    }
}

#[test]
fn every_broken_config_gives_exactly_its_diagnostics() {
    let expects = manifest();
    let files: BTreeSet<&str> = expects.iter().map(|e| e.file.as_str()).collect();
    assert!(files.len() >= 20, "only {} files", files.len());
    let mut failures = Vec::new();
    for file in files {
        let want: Vec<&Expect> = expects.iter().filter(|e| e.file == file).collect();
        let (ok, diags) = diagnostics(file);
        let listing = || {
            diags
                .iter()
                .map(|d| format!("  {d}"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        if want.iter().any(|e| e.ok != ok) {
            failures.push(format!(
                "{file}: parsed {}, the manifest says otherwise:\n{}",
                if ok { "ok" } else { "with errors" },
                listing()
            ));
            continue;
        }
        for e in &want {
            let found = diags.iter().any(|d| {
                d.file == e.file
                    && d.severity == e.severity
                    && d.line == e.line
                    && d.column == e.column
                    && d.message.contains(&e.fragment)
            });
            if !found {
                failures.push(format!(
                    "{file}: no {:?} at {}:{} containing {:?}; got:\n{}",
                    e.severity,
                    e.line,
                    e.column,
                    e.fragment,
                    listing()
                ));
            }
        }
        // Nothing beyond what the manifest lists: no follow-on errors from a broken line.
        if diags.len() != want.len() {
            failures.push(format!(
                "{file}: {} diagnostics, the manifest lists {}:\n{}",
                diags.len(),
                want.len(),
                listing()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_manifest_covers_the_whole_corpus() {
    let listed: BTreeSet<String> = manifest().into_iter().map(|e| e.file).collect();
    let on_disk: BTreeSet<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".conf"))
        .collect();
    assert_eq!(listed, on_disk);
}

#[test]
fn outcomes_match_severities() {
    // A config that parses carries no error; one that does not carries at least one, and its
    // diagnostics come in line order, each naming the file, and print as file:line:col.
    for file in manifest()
        .into_iter()
        .map(|e| e.file)
        .collect::<BTreeSet<_>>()
    {
        let (ok, diags) = diagnostics(&file);
        let errors = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        assert_eq!(ok, errors == 0, "{file}");
        assert!(
            diags
                .windows(2)
                .all(|w| (w[0].line, w[0].column) <= (w[1].line, w[1].column)),
            "{file}"
        );
        for d in &diags {
            assert!(
                d.to_string()
                    .starts_with(&format!("{file}:{}:{}: ", d.line, d.column)),
                "{d}"
            );
            assert!(d.line >= 1 && d.column >= 1, "{d}");
        }
    }
}

#[test]
fn error_display() {
    let (_, diags) = diagnostics("undefined-ike-proposal.conf");
    assert_eq!(
        diags[0].to_string(),
        "undefined-ike-proposal.conf:10:67: error: IKE proposal `test2` is not defined \
         (expected an `ike proposal add test2 ...` line)"
    );
}
