//! Typed indexes into the engine's tables: a phase-1 SA in `Engine::ph1s`, a Quick Mode exchange
//! in `Engine::ph2s`, a peer in
//! [`super::EngineConfig::peers`], a policy in [`super::EngineConfig::policies`], so that one is
//! never taken for another. Phase-1 and Quick Mode indexes hold until the next reap of
//! finished state.

use std::ops::{Index, IndexMut};

use super::{PeerConfig, Ph1, Ph2, Policy};

macro_rules! index {
    ($(#[$doc:meta])* $name:ident => $item:ty) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub(crate) struct $name(usize);

        #[allow(dead_code, reason = "the same helpers for each table; not every table uses each")]
        impl $name {
            /// Every index of `items`, first to last (taken now: items added later are left out).
            pub(crate) fn all(items: &[$item]) -> impl Iterator<Item = Self> + use<> {
                (0..items.len()).map(Self)
            }

            /// The first item that satisfies `f`.
            pub(crate) fn find(items: &[$item], f: impl FnMut(&$item) -> bool) -> Option<Self> {
                items.iter().position(f).map(Self)
            }

            /// The last item that satisfies `f`.
            pub(crate) fn rfind(items: &[$item], f: impl FnMut(&$item) -> bool) -> Option<Self> {
                items.iter().rposition(f).map(Self)
            }

            /// The last item.
            pub(crate) fn last(items: &[$item]) -> Option<Self> {
                items.len().checked_sub(1).map(Self)
            }

            /// The item, if the index is in range.
            pub(crate) fn get(self, items: &[$item]) -> Option<&$item> {
                items.get(self.0)
            }

            /// Removes the item; the indexes after it shift, so the caller may hold none
            /// across this call.
            pub(crate) fn remove(self, items: &mut Vec<$item>) -> $item {
                items.remove(self.0)
            }
        }

        impl Index<$name> for Vec<$item> {
            type Output = $item;
            fn index(&self, i: $name) -> &$item {
                &self[i.0]
            }
        }

        impl IndexMut<$name> for Vec<$item> {
            fn index_mut(&mut self, i: $name) -> &mut $item {
                &mut self[i.0]
            }
        }
    };
}

index!(
    /// A phase-1 SA in `Engine::ph1s`.
    Ph1Index => Ph1
);
index!(
    /// A Quick Mode exchange in `Engine::ph2s`.
    Ph2Index => Ph2
);
index!(
    /// A configured peer.
    PeerIndex => PeerConfig
);
index!(
    /// A configured policy.
    PolicyIndex => Policy
);
