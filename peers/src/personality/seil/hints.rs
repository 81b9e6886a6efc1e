//! Fix hints in SEIL's commands.

use crate::personality::Mismatch;

/// The change to a SEIL config that removes `m`.
pub fn fix(m: &Mismatch<'_>) -> String {
    match m {
        Mismatch::Ids { local, remote } => format!(
            "(SEIL): add `proxy-id-local {} proxy-id-remote {}` to its `ipsec security-association add` line.",
            local.data, remote.data
        ),
    }
}
