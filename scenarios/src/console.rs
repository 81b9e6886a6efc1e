//! Standard output that ends the program quietly when its reader has gone (`ikelab run … |
//! head`): `println!` panics on a closed pipe. The exit code is then the one the program had
//! settled on so far ([`settle`]), so a verdict still reaches a shell with `pipefail`.

use std::fmt;
use std::io::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};

static CODE_IF_CLOSED: AtomicU8 = AtomicU8::new(0);

/// The exit code to end with if standard output closes from now on.
pub fn settle(code: u8) {
    CODE_IF_CLOSED.store(code, Ordering::Relaxed);
}

/// Writes `args` to standard output; a closed output ends the program with the settled code.
pub fn write(args: fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if out.write_fmt(args).and_then(|()| out.flush()).is_err() {
        // Broken pipe or any other failure to write: nobody is reading any more.
        std::process::exit(i32::from(CODE_IF_CLOSED.load(Ordering::Relaxed)));
    }
}

/// `println!` through [`write`].
#[macro_export]
macro_rules! say {
    () => {
        $crate::console::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::console::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}
