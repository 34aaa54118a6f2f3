//! `--processes N`: the parent starts N copies of this executable, each with its share of the
//! users and of the ramp rate, and the common epoch. Why: one process may hold only ~20,000
//! file descriptors here, and ~19,000 sockets plus the HTTP pool do not fit in one.
//!
//! While the children run, the parent samples the server from `/proc` (children do not, so
//! it is sampled once). Each child prints one JSON [`ChildOutput`] on stdout; its progress
//! lines go to the shared stderr. A child that fails is an error of kind `child:<i>:<what>`,
//! and the others' results still count.

use std::io::Read as _;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Duration;

use super::ChildOutput;
use crate::loadgen::args::Settings;
use crate::loadgen::proc_sampler::{ProcWatch, Sample};
use crate::loadgen::report::ProcessResult;
use crate::loadgen::wall_ms_u64;

/// Users of child `index` when `users` are split over `n` processes (the first ones take the
/// remainder).
pub fn share(users: usize, n: usize, index: usize) -> usize {
    users / n + usize::from(index < users % n)
}

fn kill_all(children: &mut [Child]) {
    for child in children {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Runs the children to completion; their results and the parent's server samples.
pub fn run_children(
    settings: &Settings,
    epoch_ms: u64,
) -> Result<(Vec<ProcessResult>, Vec<Sample>), String> {
    let exe = std::env::current_exe().map_err(|e| format!("own executable: {e}"))?;
    let n = settings.processes;
    let mut children: Vec<Child> = Vec::with_capacity(n);
    for index in 0..n {
        let users = share(settings.users, n, index);
        let spawned = Command::new(&exe)
            .args(settings.child_args(index, users, epoch_ms))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn();
        match spawned {
            Ok(child) => children.push(child),
            Err(e) => {
                kill_all(&mut children);
                return Err(format!("starting child {index}: {e}"));
            }
        }
    }
    // Read each child's stdout on its own thread so a full pipe never blocks a child.
    let readers: Vec<_> = children
        .iter_mut()
        .map(|child| {
            let stdout = child.stdout.take();
            thread::spawn(move || {
                let mut text = String::new();
                if let Some(mut stdout) = stdout {
                    let _ = stdout.read_to_string(&mut text);
                }
                text
            })
        })
        .collect();

    let mut server = settings.server_pid.map(|pid| ProcWatch::new(Some(pid)));
    let mut samples = Vec::new();
    let mut statuses = vec![None; n];
    while statuses.iter().any(Option::is_none) {
        for (status, child) in statuses.iter_mut().zip(children.iter_mut()) {
            if status.is_none() {
                *status = child.try_wait().ok().flatten();
            }
        }
        samples.push(Sample {
            t: wall_ms_u64().saturating_sub(epoch_ms) / 1000,
            connected: 0,
            loadgen_cpu_percent: None,
            server_cpu_percent: server.as_mut().and_then(ProcWatch::cpu),
            server_rss_mb: server.as_ref().and_then(ProcWatch::rss_mb),
        });
        thread::sleep(Duration::from_secs(1));
    }

    let mut results = Vec::with_capacity(n);
    for (index, (reader, status)) in readers.into_iter().zip(statuses).enumerate() {
        let text = reader.join().unwrap_or_default();
        let mut result = match serde_json::from_str::<ChildOutput>(text.trim())
            .map_err(|e| e.to_string())
            .and_then(ChildOutput::into_result)
        {
            Ok(result) => result,
            Err(e) => {
                eprintln!("loadgen: child {index} gave no usable result: {e}");
                let mut failed = ProcessResult::default();
                failed
                    .collected
                    .errors
                    .insert(format!("child:{index}:no_result"), 1);
                failed
            }
        };
        if !status.is_some_and(|s| s.success()) {
            result
                .collected
                .errors
                .insert(format!("child:{index}:exit_status"), 1);
        }
        results.push(result);
    }
    Ok((results, samples))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_are_shared_out_exactly() {
        for (users, n) in [(19_000, 2), (1001, 3), (5, 5), (7, 2)] {
            let shares: Vec<usize> = (0..n).map(|i| share(users, n, i)).collect();
            assert_eq!(shares.iter().sum::<usize>(), users);
            let (min, max) = (shares.iter().min().unwrap(), shares.iter().max().unwrap());
            assert!(max - min <= 1, "{shares:?}");
        }
    }
}
