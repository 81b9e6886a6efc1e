//! Hex dumps from a charon log at level 4.
//!
//! charon prints a chunk as a header line `<label> => <n> bytes @ <address>` followed by lines
//! `<offset>: XX XX ... (16 bytes)  <ascii>`, each line prefixed with time, thread and
//! `[GROUP]`, and inside an IKE_SA with `<name|unique>`.

use std::collections::HashMap;
use std::path::Path;

/// One dumped chunk.
#[derive(Clone, Debug)]
pub struct Dump {
    /// Log line number (1-based) of the header.
    pub line: usize,
    /// What charon called it, e.g. `SKEYID_d` or `next IV for MID 0`.
    pub label: String,
    /// The bytes.
    pub data: Vec<u8>,
}

/// The text after time, thread/group and IKE_SA context, and the thread.
fn message(line: &str) -> Option<(&str, &str)> {
    let (_time, rest) = line.split_once(' ')?;
    let (thread, rest) = rest.split_once(' ')?;
    let rest = match rest.strip_prefix('<') {
        Some(r) => r.split_once("> ")?.1,
        None => rest,
    };
    Some((thread.split('[').next()?, rest))
}

/// `"<n> bytes @ 0x..."` -> n
fn dump_len(tail: &str) -> Option<usize> {
    let (n, rest) = tail.split_once(" bytes @ 0x")?;
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    n.parse().ok()
}

/// Every hex dump in the log, in order of their header lines.
pub fn read(path: &Path) -> Vec<Dump> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut done = Vec::new();
    // Per thread: the dump still being filled and its announced length.
    let mut open: HashMap<String, (Dump, usize)> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let Some((thread, msg)) = message(line) else {
            continue;
        };
        if let Some((label, tail)) = msg.rsplit_once(" => ") {
            if let Some(n) = dump_len(tail) {
                let dump = Dump {
                    line: i + 1,
                    label: label.to_string(),
                    data: Vec::with_capacity(n),
                };
                assert!(
                    !open.contains_key(thread),
                    "line {}: new dump while another is open",
                    i + 1
                );
                if n == 0 {
                    done.push(dump);
                } else {
                    open.insert(thread.to_string(), (dump, n));
                }
                continue;
            }
        }
        let Some((dump, n)) = open.get_mut(thread) else {
            continue;
        };
        let t = msg.trim_start();
        let (off, bytes) = t
            .split_once(": ")
            .unwrap_or_else(|| panic!("line {}: expected a dump line: {line}", i + 1));
        let off: usize = off
            .parse()
            .unwrap_or_else(|_| panic!("line {}: bad offset in {line}", i + 1));
        assert_eq!(off, dump.data.len(), "line {}: offset", i + 1);
        let count = (*n - off).min(16);
        for k in 0..count {
            let h = bytes
                .get(3 * k..3 * k + 2)
                .unwrap_or_else(|| panic!("line {}: short dump line", i + 1));
            dump.data.push(
                u8::from_str_radix(h, 16)
                    .unwrap_or_else(|_| panic!("line {}: bad hex {h:?}", i + 1)),
            );
        }
        if dump.data.len() == *n {
            let (dump, _) = open.remove(thread).expect("present");
            done.push(dump);
        }
    }
    assert!(open.is_empty(), "unfinished dumps: {open:?}");
    done.sort_by_key(|d| d.line);
    done
}
