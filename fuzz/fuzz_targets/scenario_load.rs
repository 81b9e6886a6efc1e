//! Any bytes as a scenario file, its configs taken from the built-in catalog's
//! `proxy-id-mismatch`: loaded, or refused with the file and line.
#![no_main]

use ikelab::scenario::catalog;
use ikelab::scenario::load::{Source, load};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(builtin) = catalog::find("proxy-id-mismatch") else { return };
    let _ = load(
        Source::Builtin(builtin),
        "scenario.toml",
        &String::from_utf8_lossy(data),
    );
});
