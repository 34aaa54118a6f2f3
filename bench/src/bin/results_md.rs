//! Writes `<results-dir>/RESULTS.md` from the files `bench/run.sh` left there: the machine,
//! the command, a table per benchmark, the plots and the targets of PRODUCT.md §6.
//!
//! Usage: `results_md <results-dir> <command>`.

use std::path::Path;

use napalmsky_bench::report_md::{Inputs, render};

/// A `/proc` file's line starting with `key`, without the key.
fn proc_field(path: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    Some(
        line[key.len()..]
            .trim_start_matches([':', ' ', '\t'])
            .trim()
            .to_owned(),
    )
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = proc_field("/proc/cpuinfo", "model name").unwrap_or_else(|| "unknown CPU".into());
    let memory = proc_field("/proc/meminfo", "MemTotal").unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let files = proc_field("/proc/self/limits", "Max open files")
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_default();
    format!(
        "{cores} cores ({cpu}), {memory} memory, Linux {}, open-file limit {files}; the load \
         generator runs on the same machine as the server",
        kernel.trim()
    )
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, command] = args.as_slice() else {
        return Err("usage: results_md <results-dir> <command>".into());
    };
    let dir = Path::new(dir);
    let inputs = Inputs::read(dir)?;
    let out = dir.join("RESULTS.md");
    std::fs::write(&out, render(&inputs, &machine(), command))
        .map_err(|e| format!("{}: {e}", out.display()))?;
    println!("wrote {}", out.display());
    Ok(())
}
