//! Every step of the library as `ikelab test --steps` prints it: its pattern and one line
//! saying what it does. `{word}` is one word, `{string}` a quoted text, `{int}` a number,
//! `{duration}` a time such as `30 seconds`, `2 minutes` or `90s`.

/// One step: its keyword, pattern and what it does.
#[derive(Clone, Copy, Debug)]
pub struct StepDoc {
    /// `Given`, `When` or `Then`.
    pub keyword: &'static str,
    /// The cucumber expression it matches.
    pub pattern: &'static str,
    /// What it does, in one line.
    pub description: &'static str,
}

const fn step(keyword: &'static str, pattern: &'static str, description: &'static str) -> StepDoc {
    StepDoc {
        keyword,
        pattern,
        description,
    }
}

/// Every step, in the order a scenario uses them.
pub const STEPS: &[StepDoc] = &[
    step(
        "Given",
        "the router {string} is a(n) {string} with configuration {string}",
        "a router of that name imitating that personality (seil, ix, rtx), its config a file relative to the feature file",
    ),
    step(
        "Given",
        "the router {string} is a(n) {string} with configuration:",
        "the same with the config in the step's doc string",
    ),
    step(
        "Given",
        "the {word} configuration {string}",
        "a router named after its personality (the SEIL configuration \"seil.conf\"); a path not beside the feature file is looked up in the built-in scenarios (proxy-id-fixed/seil.conf)",
    ),
    step(
        "Given",
        "the {word} configuration:",
        "the same with the config in the step's doc string",
    ),
    step(
        "Given",
        "in both configurations {string} is replaced by {string}",
        "edits every router's config",
    ),
    step(
        "Given",
        "in the {word} configuration {string} is replaced by {string}",
        "edits one router's config (the text must be in it)",
    ),
    step(
        "Given",
        "the host {string} at {word} with gateway {word}",
        "an end host with address/prefix and default gateway, wired to the router interface on its subnet (with no host given, the lab has the document's host-a 192.168.0.10/24 and host-b 192.168.1.10/24)",
    ),
    step(
        "Given",
        "the host {string} at {word}",
        "an end host without a gateway",
    ),
    step(
        "When",
        "{word} initiates the tunnel",
        "checks the router exists; it negotiates when the first packet needs the tunnel",
    ),
    step(
        "When",
        "after {duration} {word} starts negotiating",
        "the router starts negotiating every policy at that time, without waiting for traffic",
    ),
    step(
        "When",
        "{word} pings {word} {int} time(s) after {duration}",
        "a host pings an address or another host, once a second",
    ),
    step(
        "When",
        "after {duration} the operator applies the {word} configuration {string}",
        "applies another config file to a running router, as its operator would",
    ),
    step(
        "When",
        "after {duration} the operator applies {string} to {string}",
        "the same, naming the file first and the router last",
    ),
    step(
        "When",
        "the lab runs for {duration}",
        "runs the lab in-process in virtual time (later Then steps read what it left); without this step the first Then step runs it for 2 minutes",
    ),
    step(
        "When",
        "the lab runs in network namespaces for {duration}",
        "runs the same lab in Linux network namespaces in real time (root needed)",
    ),
    step(
        "Then",
        "the {word} log contains {string}",
        "a line of the router's vendor log contains the text",
    ),
    step(
        "Then",
        "the {word} log does not contain {string}",
        "no line of the router's vendor log contains the text",
    ),
    step(
        "Then",
        "the {word} log contains, in order:",
        "each line of the doc string is in the router's log, in that order",
    ),
    step(
        "Then",
        "the capture has an ISAKMP {word} message of {int} bytes from {word}",
        "an ISAKMP message of that exchange (Informational, Quick Mode, ...) and length from that address",
    ),
    step(
        "Then",
        "the capture has an ISAKMP {word} {word} message of {int} bytes from {word}",
        "the same for a two-word exchange name",
    ),
    step(
        "Then",
        "every ISAKMP message in the capture decrypts",
        "the key files decrypt every encrypted ISAKMP message",
    ),
    step(
        "Then",
        "the decrypted Quick Mode IDs are {word} and {word}",
        "the first Quick Mode message carries these two phase-2 IDs",
    ),
    step(
        "Then",
        "the capture has a(n) {word} notification from {word}",
        "a notification of that name (NO-PROPOSAL-CHOSEN, INVALID-ID-INFORMATION, ...) from that address",
    ),
    step(
        "Then",
        "no ESP packet crosses the WAN link",
        "the capture has no ESP",
    ),
    step(
        "Then",
        "ESP packets cross the WAN link with correct ICVs and ICMP inside",
        "the capture has ESP, each with a correct ICV and an ICMP echo inside",
    ),
    step(
        "Then",
        "{word} has {int} IPsec SA pair(s)",
        "the router holds that many IPsec SA pairs at the end",
    ),
    step(
        "Then",
        "the ping(s) from {word} to {word} succeed(s)",
        "every ping scripted from the host to that host or address got every answer",
    ),
    step(
        "Then",
        "the ping(s) from {word} to {word} fail(s)",
        "every ping scripted from the host to that host or address got no answer",
    ),
    step(
        "Then",
        "the first ping from {word} to {word} starts the negotiation and the rest succeed",
        "the first echo request was dropped while IKE started (ACQUIRE); every later one, in that run and any other, was answered",
    ),
    step(
        "Then",
        "the diagnosis says {string}",
        "the run's diagnosis contains the text",
    ),
    step(
        "Then",
        "the diagnosis finds {word}",
        "a finding is of that kind, as summary.json names it (phase2_ids_swapped, pfs_differs, no_route_into_tunnel, ...)",
    ),
    step(
        "Then",
        "the fix is on {word} at {string}",
        "a finding's preferred fix changes that router's config at that file:line (the file by name or path)",
    ),
    step(
        "Then",
        "a fix is offered on {word} at {string}",
        "some fix (preferred or not) changes that router's config at that file:line",
    ),
    step(
        "Then",
        "no fix is offered on {word}",
        "no finding offers to change that router's config",
    ),
    step(
        "Then",
        "the fix changes {string} to {string}",
        "a fix replaces a line containing the first text by one containing the second",
    ),
    step(
        "Then",
        "the fix adds {string}",
        "a fix adds a line containing the text",
    ),
    step(
        "Then",
        "the diagnosis shows {string} against {string}",
        "a side-by-side row has the one text on one side and the other on the other (values or file:line)",
    ),
    step(
        "Then",
        "the diagnosis says the failure was resolved",
        "every finding was resolved by a later event, and none offers a fix",
    ),
    step("Then", "the diagnosis is empty", "the run has no finding"),
    step(
        "Then",
        "the {word} configuration is refused at {string} with {string}",
        "the router's config does not load: an error at that file:line contains the text",
    ),
];

/// The list as `ikelab test --steps` prints it.
pub fn render() -> String {
    let mut out = String::new();
    for s in STEPS {
        out.push_str(&format!(
            "{:<5} {}\n      {}\n",
            s.keyword, s.pattern, s.description
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::STEPS;

    /// The patterns of the `#[given]`, `#[when]` and `#[then]` attributes in `source`.
    fn patterns(source: &str) -> Vec<String> {
        source
            .lines()
            .map(str::trim)
            .filter(|l| {
                l.starts_with("#[given(") || l.starts_with("#[when(") || l.starts_with("#[then(")
            })
            .filter_map(|l| {
                let start = l.find('"')? + 1;
                let end = l.rfind('"')?;
                Some(l[start..end].to_string())
            })
            .collect()
    }

    #[test]
    fn the_list_has_every_step_once() {
        let mut code: Vec<String> = [
            include_str!("config.rs"),
            include_str!("script.rs"),
            include_str!("checks.rs"),
            include_str!("diagnosis.rs"),
        ]
        .into_iter()
        .flat_map(patterns)
        .collect();
        let mut listed: Vec<String> = STEPS.iter().map(|s| s.pattern.to_string()).collect();
        code.sort();
        listed.sort();
        assert_eq!(code, listed);
    }
}
