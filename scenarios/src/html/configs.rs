//! A router's configs as a report shows them: the whole text with every line that took part in
//! IKE and IPsec marked by what it sets (peer, key, proposals, policy, IDs, PFS), and the
//! pre-shared key hidden. Written into `summary.json` at the end of a run, so that `ikelab
//! report DIR` needs nothing but the run's folder, and the key never leaves the config.

use ikelab_peers::personality::{RouterConfig, Setting};
use ikelab_peers::time::Instant;
use serde::{Deserialize, Serialize};

/// What a marked line sets, as the report colours it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The IKE peer (address, exchange mode).
    Peer,
    /// The pre-shared key (its value hidden).
    Psk,
    /// A phase-1 proposal.
    Phase1,
    /// A traffic policy.
    Policy,
    /// A phase-2 ID (proxy-id, local-id, remote-id).
    Ids,
    /// A phase-2 proposal.
    Phase2,
    /// PFS.
    Pfs,
    /// A tunnel interface's endpoints.
    Tunnel,
}

impl Role {
    /// The role of a recorded setting; routes and interfaces are not marked.
    fn of(s: &Setting) -> Option<Role> {
        Some(match s {
            Setting::Peer(_) => Role::Peer,
            Setting::PreSharedKey(_) => Role::Psk,
            Setting::Phase1Proposal(_) => Role::Phase1,
            Setting::Policy(_) => Role::Policy,
            Setting::LocalId(_) | Setting::RemoteId(_) => Role::Ids,
            Setting::Phase2Proposal(_) => Role::Phase2,
            Setting::Pfs(_) => Role::Pfs,
            Setting::Tunnel(_) => Role::Tunnel,
            Setting::Route(_) | Setting::Interface(_) => return None,
        })
    }

    /// The words a legend uses.
    pub fn label(self) -> &'static str {
        match self {
            Role::Peer => "IKE peer",
            Role::Psk => "pre-shared key",
            Role::Phase1 => "phase-1 proposal",
            Role::Policy => "IPsec policy",
            Role::Ids => "phase-2 IDs",
            Role::Phase2 => "phase-2 proposal",
            Role::Pfs => "PFS",
            Role::Tunnel => "tunnel endpoints",
        }
    }
}

/// One config of a router, as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigView {
    /// When it took effect, in milliseconds of the run.
    pub at_ms: u64,
    /// The file as the run named it (`proxy-id-mismatch/seil.conf`).
    pub file: String,
    /// The text, line by line, the pre-shared key replaced by `********`.
    pub text: Vec<String>,
    /// The marked lines (1-based) and what they set; a line may set several things.
    pub marks: Vec<(usize, Role)>,
}

/// The view of a config that took effect at `at`.
pub fn view(at: Instant, config: &RouterConfig) -> ConfigView {
    let origins = &config.origins;
    let mut marks: Vec<(usize, Role)> = origins
        .entries()
        .filter_map(|(s, o)| Some((o.line, Role::of(s)?)))
        .collect();
    marks.sort();
    marks.dedup();
    let keys: Vec<String> = config
        .engine
        .peers
        .iter()
        .filter(|p| !p.psk.is_empty())
        .map(|p| String::from_utf8_lossy(&p.psk).into_owned())
        .collect();
    let text = origins
        .text()
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let secret = marks.iter().any(|m| *m == (i + 1, Role::Psk));
            if secret { hide(l, &keys) } else { l.clone() }
        })
        .collect();
    ConfigView {
        at_ms: u64::try_from(at.since_zero().as_millis()).unwrap_or(u64::MAX),
        file: origins.file().unwrap_or_default().to_string(),
        text,
        marks,
    }
}

/// `line` with every key in `keys` (longest first) replaced by `********`; a key line whose key
/// cannot be found as written (an escaped form) is hidden after its command word.
fn hide(line: &str, keys: &[String]) -> String {
    let mut keys: Vec<&String> = keys.iter().collect();
    keys.sort_by_key(|k| std::cmp::Reverse(k.len()));
    let mut out = line.to_string();
    let mut found = false;
    for k in keys {
        if out.contains(k.as_str()) {
            out = out.replace(k.as_str(), "********");
            found = true;
        }
    }
    if found {
        return out;
    }
    let word = line.split_whitespace().next().unwrap_or_default();
    format!("{word} ******** (key hidden)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_hidden_however_they_appear() {
        let keys = vec!["hoge".to_string(), "hogehoge".to_string()];
        assert_eq!(
            hide(r#"ike preshared-key add "172.16.0.2" "hogehoge""#, &keys),
            r#"ike preshared-key add "172.16.0.2" "********""#
        );
        assert_eq!(
            hide(r#"ike preshared-key add "172.16.0.2" "h\x6fge""#, &keys),
            "ike ******** (key hidden)"
        );
    }
}
