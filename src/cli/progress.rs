//! Progress on stderr for inputs that take more than a second to read
//! (issue #5): a live line with the elapsed time on a terminal, a single
//! line in CI logs and other non-terminals, nothing for quick reads.
//!
//! The readers stream and do not report byte positions, so this shows what
//! is being read, its size and the time so far rather than a percentage it
//! would have to guess.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a read may take before progress is shown.
const QUIET_FOR: Duration = Duration::from_secs(1);
/// How often a terminal line is redrawn.
const TICK: Duration = Duration::from_millis(100);

/// Shows progress for one input until dropped.
pub(super) struct Progress {
    /// Dropped to end the watch: the thread waits on the other end, so it
    /// wakes the moment the read is over rather than at its next tick (a
    /// sleeping thread made every read last a whole number of ticks).
    done: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts watching the read of `path`.
    pub(super) fn reading(path: &Path) -> Self {
        let size = std::fs::metadata(path).map(|m| m.len()).ok();
        let label = match size {
            Some(bytes) if bytes >= 1 << 20 => {
                format!("reading {} ({} MB)", path.display(), bytes >> 20)
            }
            _ => format!("reading {}", path.display()),
        };
        let live = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let (done, over) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("progress".to_owned())
            .spawn(move || watch(&label, live, &over))
            .ok();
        Self {
            done: Some(done),
            thread,
        }
    }
}

/// Progress for [`crate::gather`]'s reads.
pub(super) struct ShowProgress;

impl crate::gather::Watch for ShowProgress {
    fn reading(&self, path: &Path) -> Box<dyn std::any::Any> {
        Box::new(Progress::reading(path))
    }
}

fn watch(label: &str, live: bool, over: &Receiver<()>) {
    let start = Instant::now();
    let mut shown = false;
    // Nothing is ever sent: the sender's drop (the read is over) ends the wait.
    while let Err(RecvTimeoutError::Timeout) = over.recv_timeout(TICK) {
        let elapsed = start.elapsed();
        if elapsed < QUIET_FOR {
            continue;
        }
        let mut err = std::io::stderr().lock();
        if live {
            let _ = write!(
                err,
                "\r\x1b[2Ktollgate: {label}… {:.1} s",
                elapsed.as_secs_f64()
            );
            let _ = err.flush();
            shown = true;
        } else if !shown {
            let _ = writeln!(err, "tollgate: {label}…");
            shown = true;
        }
    }
    if live && shown {
        let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        drop(self.done.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
