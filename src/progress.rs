//! A progress spinner on stderr while the probes run, for people watching a terminal: which probes
//! are still running and what they are doing (`static: 1204 files`, `sandbox: refund flow`).
//!
//! It draws only when the command asked for it ([`start`] with `show`), stderr is a terminal, and
//! the run has lasted [`DELAY`] (quick scans never flash a spinner). Otherwise, and always in tests,
//! every call is a cheap no-op, so probes may report freely:
//!
//! ```
//! golive::progress::begin("static");
//! golive::progress::update("static", "1204 files");
//! golive::progress::end("static");
//! ```
//!
//! The engine calls [`begin`] and [`end`] around each probe; probes call [`update`] with what they
//! are doing.

use std::io::IsTerminal as _;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a run must last before the spinner appears.
pub const DELAY: Duration = Duration::from_millis(400);

/// The spinner of the current run, if one was started.
static CURRENT: Mutex<Option<Arc<Progress>>> = Mutex::new(None);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Task {
    name: String,
    detail: String,
    done: bool,
}

/// One run's progress: the tasks (probes) and the spinner that shows them.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
    tasks: Mutex<Vec<Task>>,
}

impl Progress {
    /// A progress display that never draws (tests, pipes, `--quiet`).
    pub fn hidden() -> Self {
        Self { bar: ProgressBar::hidden(), tasks: Mutex::new(Vec::new()) }
    }

    /// A task started.
    pub fn begin(&self, name: &str) {
        self.with_tasks(|tasks| match tasks.iter_mut().find(|t| t.name == name) {
            Some(t) => {
                t.done = false;
                t.detail.clear();
            }
            None => tasks.push(Task { name: name.to_string(), detail: String::new(), done: false }),
        });
    }

    /// What a running task is doing now.
    pub fn update(&self, name: &str, detail: &str) {
        self.with_tasks(|tasks| {
            if let Some(t) = tasks.iter_mut().find(|t| t.name == name) {
                t.detail = detail.to_string();
            }
        });
    }

    /// A task finished.
    pub fn end(&self, name: &str) {
        self.with_tasks(|tasks| {
            if let Some(t) = tasks.iter_mut().find(|t| t.name == name) {
                t.done = true;
                t.detail.clear();
            }
        });
    }

    /// The line the spinner shows: `running static (1204 files), webhook · 1/3 done`.
    pub fn message(&self) -> String {
        let tasks = self.tasks.lock().unwrap_or_else(PoisonError::into_inner);
        let running: Vec<String> = tasks
            .iter()
            .filter(|t| !t.done)
            .map(|t| if t.detail.is_empty() { t.name.clone() } else { format!("{} ({})", t.name, t.detail) })
            .collect();
        let done = tasks.iter().filter(|t| t.done).count();
        if running.is_empty() {
            format!("finishing · {done}/{} done", tasks.len())
        } else {
            format!("running {} · {done}/{} done", running.join(", "), tasks.len())
        }
    }

    /// Whether this display draws anything.
    pub fn is_drawing(&self) -> bool {
        !self.bar.is_hidden()
    }

    fn with_tasks(&self, f: impl FnOnce(&mut Vec<Task>)) {
        f(&mut self.tasks.lock().unwrap_or_else(PoisonError::into_inner));
        self.bar.set_message(self.message());
    }

    fn show(&self) {
        self.bar.set_draw_target(ProgressDrawTarget::stderr());
        self.bar.enable_steady_tick(Duration::from_millis(100));
    }
}

/// Clears the spinner when the run ends (dropped by the command before it writes the report).
#[derive(Debug)]
#[must_use = "the spinner is cleared when the guard is dropped"]
pub struct Guard(());

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(p) = CURRENT.lock().unwrap_or_else(PoisonError::into_inner).take() {
            p.bar.finish_and_clear();
        }
    }
}

/// Starts the progress display of a run. It draws only when `show`, stderr is a terminal, this is
/// not a test build, and the run outlasts [`DELAY`].
pub fn start(show: bool) -> Guard {
    let progress = Arc::new(Progress::hidden());
    progress.bar.set_style(
        ProgressStyle::with_template("{spinner} golive: {wide_msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    if show && !cfg!(test) && std::io::stderr().is_terminal() {
        let weak: Weak<Progress> = Arc::downgrade(&progress);
        std::thread::spawn(move || {
            std::thread::sleep(DELAY);
            // Still running (the guard has not dropped the last strong reference): show it.
            if let Some(p) = weak.upgrade() {
                p.show();
            }
        });
    }
    *CURRENT.lock().unwrap_or_else(PoisonError::into_inner) = Some(progress);
    Guard(())
}

fn current() -> Option<Arc<Progress>> {
    CURRENT.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

/// A task (probe) of the current run started.
pub fn begin(name: &str) {
    if let Some(p) = current() {
        p.begin(name);
    }
}

/// What a task of the current run is doing now (`"1204 files"`, `"refund flow"`).
pub fn update(name: &str, detail: &str) {
    if let Some(p) = current() {
        p.update(name, detail);
    }
}

/// A task of the current run finished.
pub fn end(name: &str) {
    if let Some(p) = current() {
        p.end(name);
    }
}

/// Whether the current run's spinner is drawing.
pub fn is_drawing() -> bool {
    current().is_some_and(|p| p.is_drawing())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_lists_running_tasks_and_counts_finished_ones() {
        let p = Progress::hidden();
        p.begin("static");
        p.begin("webhook");
        p.update("static", "1204 files");
        assert_eq!(p.message(), "running static (1204 files), webhook · 0/2 done");
        p.end("static");
        p.update("nobody", "ignored");
        assert_eq!(p.message(), "running webhook · 1/2 done");
        p.end("webhook");
        assert_eq!(p.message(), "finishing · 2/2 done");
    }

    #[test]
    fn never_draws_in_tests() {
        let guard = start(true);
        begin("static");
        update("static", "3 files");
        std::thread::sleep(DELAY + Duration::from_millis(100));
        assert!(!is_drawing());
        end("static");
        drop(guard);
        assert!(!is_drawing());
        // Without a run, the calls do nothing.
        begin("static");
        end("static");
    }
}
