//! The `Given` steps: routers (any name, any personality) with configs from files relative to
//! the feature file or from doc strings, edits to those configs, and hosts.

use cucumber::gherkin::Step;
use cucumber::given;

use super::world::LabWorld;
use crate::scenario::HostSpec;

#[given(expr = "the {word} configuration {string}")]
fn named_file(w: &mut LabWorld, router: String, path: String) {
    let (file, text) = w.read_config(&path);
    w.give_router(&router, &router, file, text);
}

#[given(expr = "the {word} configuration:")]
fn named_docstring(w: &mut LabWorld, router: String, step: &Step) {
    let text = docstring(step);
    w.give_router(&router, &router, format!("{router}.conf"), text);
}

#[given(expr = "the router {string} is a(n) {string} with configuration {string}")]
fn router_file(w: &mut LabWorld, router: String, vendor: String, path: String) {
    let (file, text) = w.read_config(&path);
    w.give_router(&router, &vendor, file, text);
}

#[given(expr = "the router {string} is a(n) {string} with configuration:")]
fn router_docstring(w: &mut LabWorld, router: String, vendor: String, step: &Step) {
    let text = docstring(step);
    w.give_router(&router, &vendor, format!("{router}.conf"), text);
}

#[given(expr = "in both configurations {string} is replaced by {string}")]
fn replace_all(w: &mut LabWorld, from: String, to: String) {
    for r in &mut w.routers {
        r.text = r.text.replace(&from, &to);
    }
}

#[given(expr = "in the {word} configuration {string} is replaced by {string}")]
fn replace_one(w: &mut LabWorld, router: String, from: String, to: String) {
    let name = router.to_ascii_lowercase();
    let r = w
        .routers
        .iter_mut()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no router {router} was given"));
    assert!(
        r.text.contains(&from),
        "{router} configuration has no {from:?}"
    );
    r.text = r.text.replace(&from, &to);
}

#[given(expr = "the host {string} at {word} with gateway {word}")]
fn host_with_gateway(w: &mut LabWorld, name: String, address: String, gateway: String) {
    host_name(&name);
    let gateway = gateway
        .parse()
        .unwrap_or_else(|_| panic!("host {name}: gateway {gateway:?} is not an IPv4 address"));
    w.hosts.push(HostSpec {
        name,
        address,
        gateway: Some(gateway),
    });
}

#[given(expr = "the host {string} at {word}")]
fn host(w: &mut LabWorld, name: String, address: String) {
    host_name(&name);
    w.hosts.push(HostSpec {
        name,
        address,
        gateway: None,
    });
}

/// Refuses a host name that could not name files.
fn host_name(name: &str) {
    if let Err(e) = crate::scenario::check::name(name) {
        panic!("host name: {e}");
    }
}

/// A step's doc string, without the newline that opens it.
fn docstring(step: &Step) -> String {
    step.docstring
        .as_deref()
        .expect("a doc string with the configuration")
        .trim_start_matches('\n')
        .to_string()
}
