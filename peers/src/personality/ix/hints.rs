//! Fix hints in the IX's commands.

use crate::personality::Mismatch;

/// The change to an IX config that removes `m`.
pub fn fix(m: &Mismatch<'_>) -> String {
    match m {
        Mismatch::Ids { local, remote } => format!(
            "(IX): `ipsec local-id <map> {}` and `ipsec remote-id <map> {}`.",
            local.data, remote.data
        ),
    }
}
