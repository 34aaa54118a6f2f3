//! The markdown report `bench/run.sh` writes into each results directory: the machine, the
//! commands, a table per benchmark, the plots, and each target of PRODUCT.md §6 with the
//! figure that decides it. Reads only the files the runner wrote there; a part whose files
//! are missing is left out (a partial run), and a target without a figure says so.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

/// Largest p99 (ms) for invite->notify and rtc relay at 19,000 users.
const P99_TARGET_MS: f64 = 50.0;
const IDLE_KB_TARGET: f64 = 8.0;
const HTTP_RATIO_TARGET: f64 = 0.5;
const SYNC_LAG_P99_TARGET_MS: f64 = 1000.0;
const SYNC_ROWS_TARGET: f64 = 20_000.0;
const READY_TARGET_MS: f64 = 1000.0;
const TARGET_USERS: u64 = 19_000;

/// Everything the report needs from a results directory.
#[derive(Debug, Default)]
pub struct Inputs {
    /// `(users, evening JSON)`, by users.
    pub evenings: Vec<(u64, Value)>,
    pub idle: Option<Value>,
    /// Requests/s of each round: (hello, `/user/me`).
    pub http_rounds: Vec<(f64, f64)>,
    pub store: Option<String>,
    pub sync: Option<String>,
    pub startup: Option<String>,
}

impl Inputs {
    pub fn read(dir: &Path) -> Result<Self, String> {
        let mut inputs = Inputs::default();
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        names.sort();
        let text = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
        for name in &names {
            let users = name
                .strip_prefix("evening-")
                .and_then(|rest| rest.strip_suffix(".json"))
                .and_then(|users| users.parse::<u64>().ok());
            if let Some(users) = users {
                let json = text(name).ok_or_else(|| format!("cannot read {name}"))?;
                let value = serde_json::from_str(&json).map_err(|e| format!("{name}: {e}"))?;
                inputs.evenings.push((users, value));
            }
        }
        inputs.evenings.sort_by_key(|(users, _)| *users);
        inputs.idle = text("idle.json").and_then(|t| serde_json::from_str(&t).ok());
        for round in 1.. {
            let (Some(hello), Some(me)) = (
                text(&format!("http-hello-{round}.txt")),
                text(&format!("http-user-me-{round}.txt")),
            ) else {
                break;
            };
            if let (Some(hello), Some(me)) = (requests_per_second(&hello), requests_per_second(&me))
            {
                inputs.http_rounds.push((hello, me));
            }
        }
        inputs.store = text("store.txt");
        inputs.sync = text("sync.txt");
        inputs.startup = text("startup.txt");
        Ok(inputs)
    }
}

/// `Requests/sec: 12345.67` from wrk's output.
pub fn requests_per_second(wrk: &str) -> Option<f64> {
    wrk.lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
}

/// The number right before `unit` in `line` (`"... = 41112 rows/s"` -> 41112).
fn number_before(line: &str, unit: &str) -> Option<f64> {
    let head = &line[..line.find(unit)?];
    head.split_whitespace().last()?.parse().ok()
}

/// Slowest drain rate (rows/s) and the lag p99 (ms) from `sync_throughput`'s output.
pub fn sync_figures(text: &str) -> (Option<f64>, Option<f64>) {
    let drain = text
        .lines()
        .filter(|l| l.starts_with("drain"))
        .filter_map(|l| number_before(l, "rows/s"))
        .reduce(f64::min);
    let lag_p99 = text
        .lines()
        .find(|l| l.starts_with("lag"))
        .and_then(|l| number_before(&l[l.find("p99")?..], "ms"));
    (drain, lag_p99)
}

/// Slowest ready time (ms) from `startup`'s output.
pub fn slowest_ready_ms(text: &str) -> Option<f64> {
    text.lines()
        .filter_map(|l| number_before(&l[l.find("ready in")?..], "ms"))
        .reduce(f64::max)
}

fn step(report: &Value, step: &str, field: &str) -> Option<f64> {
    report["steps"][step][field].as_f64()
}

fn cell(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}"))
}

fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "yes",
        Some(false) => "**no**",
        None => "not measured in this run",
    }
}

/// The report, given the machine description and the runner's command line.
pub fn render(inputs: &Inputs, machine: &str, command: &str) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Benchmark run\n\nMachine: {machine}\n");
    let _ = writeln!(
        md,
        "Command: `{command}` (server flags in `bench/run.sh`).\n"
    );
    targets(&mut md, inputs);
    evenings(&mut md, inputs);
    if let Some(idle) = &inputs.idle {
        let _ = writeln!(md, "## Idle sockets\n");
        let _ = writeln!(
            md,
            "| sockets | errors | KB RSS per idle socket | KB heap per idle socket |"
        );
        let _ = writeln!(md, "|---|---|---|---|");
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |\n",
            idle["sockets"],
            idle["errors"],
            idle["kb_per_idle_socket"],
            idle["heap_kb_per_idle_socket"]
        );
    }
    if !inputs.http_rounds.is_empty() {
        let _ = writeln!(
            md,
            "## HTTP: `GET /user/me` vs bare hyper (wrk -t2 -c64 -d10s)\n"
        );
        let _ = writeln!(
            md,
            "| round | hello req/s | /user/me req/s | ratio |\n|---|---|---|---|"
        );
        for (i, (hello, me)) in inputs.http_rounds.iter().enumerate() {
            let _ = writeln!(
                md,
                "| {} | {hello:.0} | {me:.0} | {:.2} |",
                i + 1,
                me / hello
            );
        }
        md.push('\n');
    }
    for (title, body) in [
        ("Store reads", &inputs.store),
        ("Postgres sync", &inputs.sync),
        ("Ready time", &inputs.startup),
    ] {
        if let Some(body) = body {
            let _ = writeln!(md, "## {title}\n\n```\n{}\n```\n", body.trim_end());
        }
    }
    md
}

fn targets(md: &mut String, inputs: &Inputs) {
    let evening = inputs
        .evenings
        .iter()
        .find(|(users, _)| *users == TARGET_USERS)
        .map(|(_, report)| report);
    let evening_row = evening.map(|r| {
        let errors = r["errors"]["total"].as_u64().unwrap_or(u64::MAX);
        let invite = step(r, "invite_notify", "p99_ms");
        let rtc = step(r, "rtc_relay", "p99_ms");
        let met = errors == 0
            && invite.is_some_and(|v| v < P99_TARGET_MS)
            && rtc.is_some_and(|v| v < P99_TARGET_MS);
        (
            format!(
                "{errors} errors, p99 {} ms / {} ms",
                cell(invite),
                cell(rtc)
            ),
            met,
        )
    });
    let idle_row = inputs.idle.as_ref().and_then(|idle| {
        let kb = idle["kb_per_idle_socket"].as_f64()?;
        Some((format!("{kb} KB"), kb <= IDLE_KB_TARGET))
    });
    let http_row = inputs
        .http_rounds
        .iter()
        .map(|(hello, me)| me / hello)
        .reduce(f64::min)
        .map(|ratio| {
            (
                format!("lowest ratio {ratio:.2}"),
                ratio >= HTTP_RATIO_TARGET,
            )
        });
    let sync_row = inputs
        .sync
        .as_deref()
        .map(sync_figures)
        .and_then(|figures| {
            let (Some(drain), Some(lag)) = figures else {
                return None;
            };
            Some((
                format!("drain {drain:.0} rows/s, lag p99 {lag} ms"),
                drain >= SYNC_ROWS_TARGET && lag < SYNC_LAG_P99_TARGET_MS,
            ))
        });
    let ready_row = inputs
        .startup
        .as_deref()
        .and_then(slowest_ready_ms)
        .map(|ms| {
            (
                format!("slowest of the starts: {ms} ms"),
                ms < READY_TARGET_MS,
            )
        });
    let _ = writeln!(
        md,
        "## Targets (PRODUCT.md §6)\n\n| target | measured | met? |\n|---|---|---|"
    );
    for (target, row) in [
        (
            "19,000 users, 0 errors, p99 < 50 ms invite->notify and rtc relay",
            evening_row,
        ),
        ("<= 8 KB RSS per idle authenticated socket", idle_row),
        ("`GET /user/me` >= half of bare hyper", http_row),
        ("sync lag p99 < 1 s, drain >= 20,000 rows/s", sync_row),
        ("ready < 1 s on 1,000,000 users", ready_row),
    ] {
        let (measured, met) = match row {
            Some((measured, met)) => (measured, Some(met)),
            None => ("-".to_owned(), None),
        };
        let _ = writeln!(md, "| {target} | {measured} | {} |", verdict(met));
    }
    md.push('\n');
}

fn evenings(md: &mut String, inputs: &Inputs) {
    if inputs.evenings.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "## Speed-dating evening (ms, whole run)\n\n| users | errors | invite->notify p50 / p99 | rtc relay p50 / p99 | chat p99 | accept->start p99 | queue GET p99 | server CPU mean / max % | server RSS max MB |\n|---|---|---|---|---|---|---|---|---|"
    );
    for (users, r) in &inputs.evenings {
        let _ = writeln!(
            md,
            "| {users} | {} | {} / {} | {} / {} | {} | {} | {} | {} / {} | {} |",
            r["errors"]["total"],
            cell(step(r, "invite_notify", "p50_ms")),
            cell(step(r, "invite_notify", "p99_ms")),
            cell(step(r, "rtc_relay", "p50_ms")),
            cell(step(r, "rtc_relay", "p99_ms")),
            cell(step(r, "chat_relay", "p99_ms")),
            cell(step(r, "accept_start", "p99_ms")),
            cell(step(r, "queue_get", "p99_ms")),
            cell(r["server"]["cpu_percent_mean"].as_f64()),
            cell(r["server"]["cpu_percent_max"].as_f64()),
            cell(r["server"]["rss_mb_max"].as_f64()),
        );
    }
    md.push('\n');
    evening_traffic(md, inputs);
    for (users, _) in &inputs.evenings {
        let _ = writeln!(md, "![evening, {users} users](evening-{users}.svg)\n");
    }
}

/// What the clients fetched in the steady phase, and the presence check where it ran. Runs
/// from before the client models (no `traffic` section) show dashes.
fn evening_traffic(md: &mut String, inputs: &Inputs) {
    let _ = writeln!(
        md,
        "Clients' HTTP in the steady phase, and the presence check (`--check-presence`):\n\n| users | client model | queue polls / user / s | reactive queue fetches / user / s | queue KB/s | /stats/live / s | queue GET p50 / p99 ms | presence changes checked / missed |\n|---|---|---|---|---|---|---|---|"
    );
    for (users, r) in &inputs.evenings {
        let t = &r["traffic"];
        let rate = |key: &str| {
            t[key]
                .as_f64()
                .map_or_else(|| "-".to_owned(), |v| format!("{v:.4}"))
        };
        let presence = match (
            r["presence_checked"].as_u64(),
            r["presence_missed"].as_u64(),
        ) {
            (Some(checked), Some(missed)) => format!("{checked} / {missed}"),
            _ => "not checked".to_owned(),
        };
        let _ = writeln!(
            md,
            "| {users} | {} | {} | {} | {} | {} | {} / {} | {presence} |",
            r["parameters"]["client_model"].as_str().unwrap_or("-"),
            rate("queue_polls_per_user_s"),
            rate("queue_reactive_per_user_s"),
            cell(t["queue_bytes_per_s"].as_f64().map(|b| b / 1024.0)),
            cell(t["stats_live_per_s"].as_f64()),
            cell(step(r, "queue_get", "p50_ms")),
            cell(step(r, "queue_get", "p99_ms")),
        );
    }
    md.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn evening(errors: u64, invite_p99: f64, rtc_p99: f64) -> Value {
        json!({
            "errors": {"total": errors},
            "steps": {
                "invite_notify": {"p50_ms": 0.5, "p99_ms": invite_p99},
                "rtc_relay": {"p50_ms": 0.2, "p99_ms": rtc_p99},
            },
            "server": {"cpu_percent_mean": 50.0, "cpu_percent_max": 80.0, "rss_mb_max": 139.0},
        })
    }

    #[test]
    fn parses_the_text_outputs() {
        assert_eq!(
            requests_per_second("  Requests/sec:  77353.54\n"),
            Some(77353.54)
        );
        let sync = "drain batch=1000: 100000 outbox entries, 100000 rows in 2.43s = 41112 rows/s\n\
                    drain batch=5000: 100000 outbox entries, 100000 rows in 2.41s = 41565 rows/s\n\
                    lag under 20020 signups in 10 s (39960 rows synced): p50 4 ms, p99 21 ms, max 124 ms\n";
        assert_eq!(sync_figures(sync), (Some(41112.0), Some(21.0)));
        let startup = "store holds 1000000 users\nrun 1: ready in 8 ms (1000000 users)\nrun 2: ready in 15 ms (1000000 users)\n";
        assert_eq!(slowest_ready_ms(startup), Some(15.0));
        assert_eq!(slowest_ready_ms("nothing"), None);
    }

    #[test]
    fn judges_each_target_from_its_figure() {
        let inputs = Inputs {
            evenings: vec![
                (1000, evening(0, 1.0, 1.0)),
                (19_000, evening(0, 10.3, 60.0)),
            ],
            idle: Some(
                json!({"sockets": 10000, "errors": 0, "kb_per_idle_socket": 3.12, "heap_kb_per_idle_socket": 2.81}),
            ),
            http_rounds: vec![(117_000.0, 77_000.0), (100_000.0, 49_000.0)],
            store: None,
            sync: None,
            startup: Some("run 1: ready in 8 ms\n".into()),
        };
        let md = render(&inputs, "2 cores", "bench/run.sh");
        assert!(md.contains("| 19,000 users, 0 errors, p99 < 50 ms invite->notify and rtc relay | 0 errors, p99 10.30 ms / 60.00 ms | **no** |"), "{md}");
        assert!(md.contains("| 3.12 KB | yes |"), "{md}");
        assert!(md.contains("lowest ratio 0.49 | **no** |"), "{md}");
        assert!(
            md.contains(
                "| sync lag p99 < 1 s, drain >= 20,000 rows/s | - | not measured in this run |"
            ),
            "{md}"
        );
        assert!(md.contains("slowest of the starts: 8 ms | yes |"), "{md}");
        assert!(
            md.contains("![evening, 19000 users](evening-19000.svg)"),
            "{md}"
        );
        assert!(md.contains("| 2 | 100000 | 49000 | 0.49 |"), "{md}");
        assert!(
            md.contains("| 19000 | - | - | - | - | - | - / - | not checked |"),
            "an old report has no traffic: {md}"
        );
    }

    #[test]
    fn shows_the_web_traffic_and_the_presence_check() {
        let mut report = evening(0, 1.0, 1.0);
        report["parameters"] = json!({"client_model": "web"});
        report["traffic"] = json!({
            "queue_polls_per_user_s": 0.1523, "queue_reactive_per_user_s": 0.5,
            "queue_bytes_per_s": 2048.0, "stats_live_per_s": 30.0,
        });
        report["steps"]["queue_get"] = json!({"p50_ms": 0.4, "p99_ms": 2.5});
        report["presence_checked"] = json!(89_000);
        report["presence_missed"] = json!(0);
        let inputs = Inputs {
            evenings: vec![(300, report)],
            ..Inputs::default()
        };
        let md = render(&inputs, "m", "c");
        assert!(
            md.contains("| 300 | web | 0.1523 | 0.5000 | 2.00 | 30.00 | 0.40 / 2.50 | 89000 / 0 |"),
            "{md}"
        );
    }

    #[test]
    fn reads_a_results_directory() {
        let dir = tempfile::tempdir().expect("temp dir");
        let write =
            |name: &str, text: &str| std::fs::write(dir.path().join(name), text).expect("write");
        write("evening-19000.json", &evening(0, 10.0, 7.0).to_string());
        write("evening-1000.json", &evening(0, 1.0, 1.0).to_string());
        write("http-hello-1.txt", "Requests/sec: 100.0\n");
        write("http-user-me-1.txt", "Requests/sec: 60.0\n");
        write(
            "sync.txt",
            "drain batch=1000: x = 30000 rows/s\nlag under: p50 1 ms, p99 5 ms, max 9 ms\n",
        );
        let inputs = Inputs::read(dir.path()).expect("readable");
        assert_eq!(
            inputs.evenings.iter().map(|(u, _)| *u).collect::<Vec<_>>(),
            vec![1000, 19_000]
        );
        assert_eq!(inputs.http_rounds, vec![(100.0, 60.0)]);
        let md = render(&inputs, "m", "c");
        assert!(
            md.contains("drain 30000 rows/s, lag p99 5 ms | yes |"),
            "{md}"
        );
        assert!(md.contains("lowest ratio 0.60 | yes |"), "{md}");
        assert!(Inputs::read(&dir.path().join("missing")).is_err());
    }
}
