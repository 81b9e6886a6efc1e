//! A personality added to the table at run time (`tiny`, in `personality_table/tiny/`) runs a
//! scenario in-process: its log lines are the router's log, its name is in the outcome, and its
//! fix hint is in the diagnosis.

#[path = "personality_table/tiny/mod.rs"]
mod tiny;

use std::path::PathBuf;
use std::sync::Arc;

use ikelab::scenario::{self, load::Source};
use ikelab_peers::personality::Personalities;

fn catalog(file: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios/catalog")
        .join(file);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The document's lab with `tiny` in SEIL's place, SEIL's config `seil`, and `steps`.
fn run(name: &str, seil: &str, steps: &str) -> ikelab::report::RunResult {
    let dir = std::env::temp_dir().join(format!("ikelab-tiny-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("tiny.conf"), catalog(seil)).unwrap();
    std::fs::write(dir.join("ix.conf"), catalog("proxy-id-mismatch/ix.conf")).unwrap();
    let text = format!(
        "name = \"{name}\"\ndescription = \"tiny against the IX\"\nduration = \"40s\"\n\
         [[router]]\nname = \"seil\"\nvendor = \"Tiny\"\nconfig = \"tiny.conf\"\n\
         [[router]]\nname = \"ix\"\nvendor = \"ix\"\nconfig = \"ix.conf\"\n\
         [[host]]\nname = \"host-a\"\naddress = \"192.168.0.10/24\"\ngateway = \"192.168.0.1\"\n\
         [[host]]\nname = \"host-b\"\naddress = \"192.168.1.10/24\"\ngateway = \"192.168.1.1\"\n\
         {steps}"
    );
    let table = Personalities::builtin().with(&["tiny"], Arc::new(tiny::Tiny));
    let loaded =
        scenario::load::load_with(&table, Source::Dir(dir.clone()), "scenario.toml", &text)
            .unwrap_or_else(|e| panic!("{e}"));
    let mut b = scenario::build(&loaded, None).unwrap_or_else(|e| panic!("{e}"));
    b.lab.run();
    let _ = std::fs::remove_dir_all(&dir);
    b.result()
}

#[test]
fn an_added_personality_runs_with_its_own_log() {
    let steps = "[[step]]\nat = \"0s\"\ndo = \"reconfigure\"\nrouter = \"seil\"\nconfig = \"tiny.conf\"\n\
                 [[step]]\nat = \"10s\"\ndo = \"ping\"\nfrom = \"host-a\"\nto = \"192.168.1.10\"\ncount = 5\n";
    let r = run("fixed", "proxy-id-fixed/seil.conf", steps);
    let logs = ikelab::report::router_logs(&r);
    let tiny = &logs
        .iter()
        .find(|(n, _)| n == "seil")
        .expect("seil's log")
        .1;
    let lines: Vec<&str> = tiny.lines().collect();
    assert_eq!(
        lines,
        [
            "Jan 5 07:27:06 tiny: phase 1 up with 172.16.0.2:500",
            "Jan 5 07:27:07 tiny: phase 2 up with 172.16.0.2:500",
        ],
        "{tiny}"
    );
    let outcome = ikelab::report::outcome(&r);
    assert!(
        outcome.contains("seil (tiny): phase 1 up, phase 2 up"),
        "{outcome}"
    );
    assert!(
        outcome.contains("ping host-a -> 192.168.1.10: 5 sent, 5 answered"),
        "{outcome}"
    );
}

#[test]
fn an_added_personality_gives_its_own_fix_hint() {
    let steps = "[[step]]\nat = \"10s\"\ndo = \"ping\"\nfrom = \"host-a\"\nto = \"192.168.1.10\"\ncount = 3\n";
    let r = run("mismatch", "proxy-id-mismatch/seil.conf", steps);
    let diagnosis = ikelab::diagnose::diagnosis(&r).join("\n");
    assert!(
        diagnosis.contains("after this line, add `tiny-ids 172.16.0.1 172.16.0.2`"),
        "{diagnosis}"
    );
    assert!(ikelab::report::outcome(&r).contains("seil (tiny): phase 1 up, phase 2 down"));
}
