//! The `Then` steps about the diagnosis: what it says, what kind of problem it found, which
//! router it would change and at which `file:line`, what differs side by side, whether a
//! failure was resolved, and configs a router refuses to load.

use cucumber::then;
use ikelab_peers::personality::Personalities;

use super::world::LabWorld;
use crate::diagnose::{Finding, Fix};

/// The findings, as text for failure messages.
fn shown(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| f.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether one of `fix`'s edits is at `at` (`file:line`; the file may be given by its name
/// only).
fn edits_at(fix: &Fix, at: &str) -> bool {
    let Some((file, line)) = at.rsplit_once(':') else {
        return false;
    };
    fix.edits.iter().any(|e| {
        e.line.to_string() == line && (e.file == file || e.file.ends_with(&format!("/{file}")))
    })
}

#[then(expr = "the diagnosis says {string}")]
fn says(w: &mut LabWorld, needle: String) {
    let f = &w.outcome().findings;
    let d = shown(f);
    assert!(d.contains(&needle), "diagnosis has no {needle:?}:\n{d}");
}

#[then(expr = "the diagnosis finds {word}")]
fn finds(w: &mut LabWorld, kind: String) {
    let f = &w.outcome().findings;
    let kinds: Vec<String> = f
        .iter()
        .map(|x| {
            serde_json::to_value(x.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        })
        .collect();
    assert!(
        kinds.contains(&kind),
        "no finding of kind {kind} (found: {kinds:?}):\n{}",
        shown(f)
    );
}

#[then(expr = "the fix is on {word} at {string}")]
fn fix_is(w: &mut LabWorld, router: String, at: String) {
    let router = router.to_ascii_lowercase();
    let f = &w.outcome().findings;
    let ok = f
        .iter()
        .filter_map(|x| x.fix.as_ref())
        .any(|fix| fix.router == router && edits_at(fix, &at));
    assert!(
        ok,
        "no finding's preferred fix is on {router} at {at}:\n{}",
        shown(f)
    );
}

#[then(expr = "a fix is offered on {word} at {string}")]
fn fix_offered(w: &mut LabWorld, router: String, at: String) {
    let router = router.to_ascii_lowercase();
    let f = &w.outcome().findings;
    let ok = f
        .iter()
        .flat_map(|x| &x.fixes)
        .any(|fix| fix.router == router && edits_at(fix, &at));
    assert!(ok, "no fix on {router} at {at}:\n{}", shown(f));
}

#[then(expr = "no fix is offered on {word}")]
fn no_fix_on(w: &mut LabWorld, router: String) {
    let router = router.to_ascii_lowercase();
    let f = &w.outcome().findings;
    assert!(
        !f.iter()
            .flat_map(|x| &x.fixes)
            .any(|fix| fix.router == router),
        "a fix is offered on {router}:\n{}",
        shown(f)
    );
}

#[then(expr = "the fix changes {string} to {string}")]
fn fix_changes(w: &mut LabWorld, old: String, new: String) {
    let f = &w.outcome().findings;
    let ok = f.iter().flat_map(|x| &x.fixes).any(|fix| {
        fix.edits
            .iter()
            .any(|e| e.old.as_deref().is_some_and(|o| o.contains(&old)) && e.new.contains(&new))
    });
    assert!(ok, "no fix changes {old:?} to {new:?}:\n{}", shown(f));
}

#[then(expr = "the fix adds {string}")]
fn fix_adds(w: &mut LabWorld, new: String) {
    let f = &w.outcome().findings;
    let ok = f.iter().flat_map(|x| &x.fixes).any(|fix| {
        fix.edits
            .iter()
            .any(|e| e.old.is_none() && e.new.contains(&new))
    });
    assert!(ok, "no fix adds {new:?}:\n{}", shown(f));
}

#[then(expr = "the diagnosis shows {string} against {string}")]
fn shows(w: &mut LabWorld, a: String, b: String) {
    let f = &w.outcome().findings;
    let ok = f.iter().flat_map(|x| &x.differences).any(|d| {
        let (l, r) = (&d.left, &d.right);
        let cell = |v: &crate::diagnose::Value, s: &str| v.value.contains(s) || v.at.contains(s);
        (cell(l, &a) && cell(r, &b)) || (cell(l, &b) && cell(r, &a))
    });
    assert!(ok, "no difference shows {a:?} against {b:?}:\n{}", shown(f));
}

#[then("the diagnosis says the failure was resolved")]
fn resolved(w: &mut LabWorld) {
    let f = &w.outcome().findings;
    assert!(
        !f.is_empty() && f.iter().all(|x| x.resolved.is_some() && x.fixes.is_empty()),
        "not every finding is resolved (or one still offers a fix):\n{}",
        shown(f)
    );
}

#[then("the diagnosis is empty")]
fn nothing(w: &mut LabWorld) {
    let f = &w.outcome().findings;
    assert!(f.is_empty(), "the diagnosis found:\n{}", shown(f));
}

#[then(expr = "the {word} configuration is refused at {string} with {string}")]
fn refused(w: &mut LabWorld, router: String, at: String, needle: String) {
    let r = w
        .router(&router)
        .unwrap_or_else(|| panic!("no router {router} was given"))
        .clone();
    let personality = Personalities::builtin()
        .get(&r.vendor)
        .unwrap_or_else(|| panic!("no personality {}", r.vendor));
    let err = match personality.parse(&r.file, &r.text) {
        Ok(_) => panic!("{router}'s configuration loads"),
        Err(e) => e.to_string(),
    };
    let ok = err
        .lines()
        .any(|l| l.contains(&format!("{at}:")) && l.contains(&needle));
    assert!(ok, "no error at {at} with {needle:?}:\n{err}");
}
