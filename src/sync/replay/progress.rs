//! Progress of a replay: a bar on a terminal, plain lines otherwise.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// Progress on a terminal as a bar, otherwise as plain lines.
pub(super) struct Progress {
    bar: Option<ProgressBar>,
    label: &'static str,
}

impl Progress {
    pub(super) fn new(label: &'static str, total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            if let Ok(style) =
                ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec})")
            {
                bar.set_style(style);
            }
            bar.set_message(label);
            bar
        });
        Self { bar, label }
    }

    pub(super) fn advance(&self, by: u64, done: u64, total: u64) {
        match &self.bar {
            Some(bar) => bar.inc(by),
            None => eprintln!("{}: {done}/{total}", self.label),
        }
    }

    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}
