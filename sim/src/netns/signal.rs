//! Stopping a netns run cleanly on Ctrl-C or `kill`: SIGINT and SIGTERM only set a flag, which
//! the driver checks at least every 50 ms; the run then ends the normal way (Deletes sent where
//! the device would send them, artefacts written, processes stopped, namespaces removed).

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// Installs the SIGINT/SIGTERM handler (once is enough) and returns the flag it sets.
pub fn stop_on_signals() -> &'static AtomicBool {
    let handler: extern "C" fn(libc::c_int) = on_signal;
    for s in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            libc::signal(s, handler as libc::sighandler_t);
        }
    }
    &STOP
}
