//! A simulated device of a `--netns` cell: [`crate::netns::peer`] (what `ikelab peer` runs) on
//! a thread, on the interfaces of the cell's namespace, stopped when the cell ends.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use ikelab_sim::netns::wait_until;

use crate::netns::{PeerOptions, PeerOutput, PeerRun};

/// A simulated device running; `T` is what is made of its run when it stops (on its thread:
/// a run is not `Send`).
pub struct SimSide<T> {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<T, String>>>,
}

impl<T: Send + 'static> SimSide<T> {
    /// Starts the device, with `then` to run on its run when it stops; returns once its
    /// sockets are open, or why it did not start.
    pub fn start(
        opts: PeerOptions,
        then: impl FnOnce(&PeerRun) -> T + Send + 'static,
    ) -> Result<SimSide<T>, String> {
        let stop = Arc::new(AtomicBool::new(false));
        let ready = Arc::new(AtomicBool::new(false));
        let (s, r) = (stop.clone(), ready.clone());
        let thread = std::thread::spawn(move || {
            let run = crate::netns::peer(opts, &s, |o| {
                if o == PeerOutput::Ready {
                    r.store(true, Ordering::SeqCst);
                }
            })
            .map_err(|e| e.to_string())?;
            Ok(then(&run))
        });
        let mut side = SimSide {
            stop,
            thread: Some(thread),
        };
        wait_until(Duration::from_secs(10), || {
            ready.load(Ordering::SeqCst) || side.thread.as_ref().is_some_and(|t| t.is_finished())
        });
        if ready.load(Ordering::SeqCst) {
            return Ok(side);
        }
        Err(match side.finish() {
            Err(e) => e,
            Ok(_) => "it stopped before its sockets were open".into(),
        })
    }

    /// Stops it (it sends its Deletes) and returns what was made of its run.
    pub fn finish(&mut self) -> Result<T, String> {
        self.stop.store(true, Ordering::SeqCst);
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err("the simulated device's thread panicked".into()),
            None => Err("already stopped".into()),
        }
    }
}

impl<T> Drop for SimSide<T> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Options for a simulated device of a cell: its parsed config, its interfaces mapped to the
/// namespace's, and its artefacts written into `out` as it runs.
pub fn options(
    personality: Arc<dyn ikelab_peers::personality::Personality>,
    parsed: ikelab_peers::personality::Parsed,
    netns: &str,
    ifaces: Vec<(String, String)>,
    out: Option<PathBuf>,
) -> PeerOptions {
    PeerOptions {
        personality,
        config: parsed.router,
        log: parsed.log,
        netns: netns.to_string(),
        ifaces,
        seed: Some(1),
        out,
    }
}
