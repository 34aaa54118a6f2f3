//! Running a load test: the ramp, the steady phase and the shutdown of one process
//! ([`run_local`]), several child processes and their merge ([`children`]), and the whole
//! command-line behaviour ([`main`]): report, plot, exit status.

pub mod children;

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::args::{Args, Settings};
use super::client::presence::task::run_checker;
use super::client::run_user;
use super::client::shared::Shared;
use super::metrics::{Collected, Dump};
use super::proc_sampler::{ProcWatch, Sample};
use super::report::{self, ProcessResult, UserCounts};
use super::wall_ms_u64;

/// How long users get to notice the stop before they are aborted.
const DRAIN: Duration = Duration::from_secs(10);

/// Runs the scenario in this process: users started at the ramp rate, then the steady phase,
/// then everyone stops. `epoch_ms` is second 0 of the series.
pub async fn run_local(settings: Settings, epoch_ms: u64) -> Result<ProcessResult, String> {
    let sh = Arc::new(Shared::new(settings, epoch_ms)?);
    let (stop_tx, stop_rx) = watch::channel(false);
    let sampler = tokio::spawn(sample_loop(sh.clone(), stop_rx.clone()));
    let checker = sh
        .settings
        .check_presence
        .then(|| tokio::spawn(run_checker(sh.clone(), stop_rx.clone())));
    let started = Instant::now();
    let users = sh.settings.users;
    let mut tasks = JoinSet::new();
    let mut ticker = tokio::time::interval(Duration::from_millis(10));
    let mut spawned = 0;
    while spawned < users {
        ticker.tick().await;
        let due = (started.elapsed().as_secs_f64() * sh.settings.ramp_rate).floor() as usize + 1;
        while spawned < due.min(users) {
            tasks.spawn(run_user(sh.clone(), spawned, stop_rx.clone()));
            spawned += 1;
        }
    }
    let ramp_s = started.elapsed().as_secs_f64();
    sh.begin_steady();
    tokio::time::sleep(sh.settings.duration()).await;

    sh.stop();
    let connected_end = sh.connected.load(Ordering::Relaxed);
    let _ = stop_tx.send(true);
    let samples = sampler.await.unwrap_or_default();
    if let Some(checker) = checker {
        let _ = checker.await;
    }
    let drained =
        tokio::time::timeout(DRAIN, async { while tasks.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tasks.abort_all();
    }
    let (invites, accepts) = sh.pending_tables();
    if invites + accepts > 2 * users {
        sh.metrics.error("internal:send_time_tables_grow");
    }
    Ok(ProcessResult {
        collected: sh.metrics.snapshot(),
        samples,
        users: UserCounts {
            requested: users as u64,
            signed_up: sh.signed_up.load(Ordering::Relaxed),
            connected_peak: sh.connected_peak.load(Ordering::Relaxed),
            connected_end,
        },
        ramp_s,
        elapsed_s: started.elapsed().as_secs_f64(),
    })
}

/// One sample per second (connected users, CPU of this process, the server's CPU and RSS when
/// its pid is known) until the stop; a progress line on stderr every 5 s.
async fn sample_loop(sh: Arc<Shared>, mut stop: watch::Receiver<bool>) -> Vec<Sample> {
    let mut me = ProcWatch::new(None);
    let mut server = sh.settings.server_pid.map(|pid| ProcWatch::new(Some(pid)));
    let mut samples = Vec::new();
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    let who = match sh.settings.child_index {
        Some(i) => format!("loadgen[{i}]"),
        None => "loadgen".to_owned(),
    };
    loop {
        // Stop first: a sample taken while users disconnect would misstate the end.
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            _ = ticker.tick() => {}
        }
        let sample = Sample {
            t: sh.second(),
            connected: sh.connected.load(Ordering::Relaxed),
            loadgen_cpu_percent: me.cpu(),
            server_cpu_percent: server.as_mut().and_then(ProcWatch::cpu),
            server_rss_mb: server.as_ref().and_then(ProcWatch::rss_mb),
        };
        if samples.len() % 5 == 0 {
            eprintln!(
                "{who}: t={}s signed_up={} connected={} calls={} errors={} cpu={:.0}% server_cpu={:.0}% server_rss={:.0}MB",
                sample.t,
                sh.signed_up.load(Ordering::Relaxed),
                sample.connected,
                sh.metrics.outcome_count("calls_started"),
                sh.metrics.error_total(),
                sample.loadgen_cpu_percent.unwrap_or_default(),
                sample.server_cpu_percent.unwrap_or_default(),
                sample.server_rss_mb.unwrap_or_default(),
            );
        }
        samples.push(sample);
    }
    samples
}

/// What a child process prints on stdout for its parent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChildOutput {
    pub dump: Dump,
    pub samples: Vec<Sample>,
    pub users: UserCounts,
    pub ramp_s: f64,
    pub elapsed_s: f64,
}

impl ChildOutput {
    pub fn from_result(r: &ProcessResult) -> Result<Self, String> {
        Ok(Self {
            dump: r.collected.to_dump()?,
            samples: r.samples.clone(),
            users: r.users.clone(),
            ramp_s: r.ramp_s,
            elapsed_s: r.elapsed_s,
        })
    }

    pub fn into_result(self) -> Result<ProcessResult, String> {
        Ok(ProcessResult {
            collected: Collected::from_dump(&self.dump)?,
            samples: self.samples,
            users: self.users,
            ramp_s: self.ramp_s,
            elapsed_s: self.elapsed_s,
        })
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))
}

/// The `loadgen` command: 0 when the run counted no error (or `--allow-errors`), 1 when it
/// did, 2 for bad arguments or a run that could not happen.
pub fn main(args: Args) -> ExitCode {
    let settings = match args.settings() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("loadgen: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&settings) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("loadgen: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(settings: &Settings) -> Result<ExitCode, String> {
    if let Some(index) = settings.child_index {
        // A child: measure, hand everything to the parent on stdout.
        let epoch = settings.epoch_ms.unwrap_or_else(wall_ms_u64);
        let result = runtime()?.block_on(run_local(settings.clone(), epoch))?;
        let output = ChildOutput::from_result(&result)?;
        let json = serde_json::to_string(&output).map_err(|e| format!("child {index}: {e}"))?;
        println!("{json}");
        return Ok(ExitCode::SUCCESS);
    }
    let epoch = wall_ms_u64();
    let (results, parent_samples) = if settings.processes > 1 {
        let (results, samples) = children::run_children(settings, epoch)?;
        (results, Some(samples))
    } else {
        let result = runtime()?.block_on(run_local(settings.clone(), epoch))?;
        (vec![result], None)
    };
    let report = report::build(settings, &results, parent_samples.as_deref(), epoch);
    write_outputs(settings, &report)?;
    Ok(if report.ok || settings.allow_errors {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn write_outputs(settings: &Settings, report: &report::Report) -> Result<(), String> {
    let json = serde_json::to_string_pretty(report).map_err(|e| format!("report: {e}"))?;
    match &settings.out {
        Some(path) => std::fs::write(path, json + "\n")
            .map_err(|e| format!("writing {}: {e}", path.display()))?,
        None => println!("{json}"),
    }
    if let Some(path) = &settings.plot {
        std::fs::write(path, report::svg::render(report))
            .map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    eprint!("{}", report::summary_text(report));
    Ok(())
}
