//! Any bytes as a Yamaha RTX config: parsed, or refused with diagnostics.
#![no_main]

use ikelab_peers::personality::{Personalities, Vendor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = Personalities::builtin().of(Vendor::Rtx).expect("RTX");
    let _ = p.parse("fuzz.conf", &String::from_utf8_lossy(data));
});
