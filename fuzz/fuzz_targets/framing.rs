//! How the engine targets cut their input into datagrams: each a 2-byte big-endian length (the
//! top bit: port 4500) and that many bytes, one virtual second apart. `tests/tests/fuzz_corpus.rs`
//! writes the seeds in the same framing.

/// The datagrams of `data`: (on port 4500, bytes).
pub fn datagrams(data: &[u8]) -> impl Iterator<Item = (bool, &[u8])> {
    let mut rest = data;
    std::iter::from_fn(move || {
        if rest.len() < 2 {
            return None;
        }
        let head = u16::from_be_bytes([rest[0], rest[1]]);
        let len = usize::from(head & 0x7fff).min(rest.len() - 2);
        let d = &rest[2..2 + len];
        rest = &rest[2 + len..];
        Some((head & 0x8000 != 0, d))
    })
}
