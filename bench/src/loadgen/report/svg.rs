//! The plot: four small line charts over the run's seconds, stacked, in hand-written SVG
//! (no plotting dependency; any browser shows it, and it diffs as text):
//! per-second p99 of invite->notify and rtc relay; server (and generator) CPU; server RSS;
//! connected users.

use std::fmt::Write as _;

use super::{Report, SeriesPoint};

const WIDTH: f64 = 900.0;
const CHART_HEIGHT: f64 = 170.0;
const GAP: f64 = 40.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 50.0;

/// One line of a chart: `None` values break it.
struct Line {
    label: &'static str,
    color: &'static str,
    values: Vec<(f64, Option<f64>)>,
}

fn line(
    series: &[SeriesPoint],
    label: &'static str,
    color: &'static str,
    f: fn(&SeriesPoint) -> Option<f64>,
) -> Line {
    Line {
        label,
        color,
        values: series.iter().map(|p| (p.t as f64, f(p))).collect(),
    }
}

/// The smallest of 1, 2, 2.5, 5 x 10^n that is >= `v` (axis maxima that read well).
pub fn nice_ceil(v: f64) -> f64 {
    if !(v.is_finite() && v > 0.0) {
        return 1.0;
    }
    let e = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * e)
        .find(|c| *c >= v * (1.0 - 1e-9))
        .unwrap_or(10.0 * e)
}

/// Escapes text for SVG content and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn fmt_tick(v: f64) -> String {
    if v >= 100.0 || v == v.trunc() {
        format!("{v:.0}")
    } else if v >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn chart(out: &mut String, top: f64, title: &str, lines: &[Line], t_max: f64) {
    let (x0, x1) = (LEFT, WIDTH - RIGHT);
    let (y0, y1) = (top + CHART_HEIGHT, top);
    let y_max = nice_ceil(
        lines
            .iter()
            .flat_map(|l| l.values.iter().filter_map(|(_, v)| *v))
            .fold(0.0, f64::max),
    );
    let t_max = t_max.max(1.0);
    let x = |t: f64| x0 + (x1 - x0) * t / t_max;
    let y = |v: f64| y0 - (y0 - y1) * (v / y_max).clamp(0.0, 1.0);
    let _ = writeln!(
        out,
        r#"<text x="{x0}" y="{}" font-size="14" font-weight="bold">{}</text>"#,
        top - 8.0,
        escape(title)
    );
    let _ = writeln!(
        out,
        r##"<rect x="{x0}" y="{y1}" width="{}" height="{CHART_HEIGHT}" fill="none" stroke="#999"/>"##,
        x1 - x0
    );
    for i in 0..=4 {
        let v = y_max * f64::from(i) / 4.0;
        let yy = y(v);
        let _ = writeln!(
            out,
            r##"<line x1="{x0}" y1="{yy:.1}" x2="{x1}" y2="{yy:.1}" stroke="#eee"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end">{}</text>"##,
            x0 - 6.0,
            yy + 4.0,
            fmt_tick(v)
        );
    }
    let t_step = nice_ceil(t_max / 8.0);
    let mut t = 0.0;
    while t <= t_max + 1e-9 {
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{}" font-size="11" text-anchor="middle">{}s</text>"#,
            x(t),
            y0 + 15.0,
            fmt_tick(t)
        );
        t += t_step;
    }
    for (i, l) in lines.iter().enumerate() {
        let mut segment: Vec<(f64, f64)> = Vec::new();
        let flush = |segment: &mut Vec<(f64, f64)>, out: &mut String| {
            match segment.as_slice() {
                [] => {}
                // A lone point: a dot, so it is not lost.
                [(px, py)] => {
                    let _ = writeln!(
                        out,
                        r#"<circle cx="{px:.1}" cy="{py:.1}" r="2" fill="{}"/>"#,
                        l.color
                    );
                }
                points => {
                    let points: Vec<String> = points
                        .iter()
                        .map(|(px, py)| format!("{px:.1},{py:.1}"))
                        .collect();
                    let _ = writeln!(
                        out,
                        r#"<polyline fill="none" stroke="{}" stroke-width="1.5" points="{}"/>"#,
                        l.color,
                        points.join(" ")
                    );
                }
            }
            segment.clear();
        };
        for (t, v) in &l.values {
            match v {
                Some(v) => segment.push((x(*t), y(*v))),
                None => flush(&mut segment, out),
            }
        }
        flush(&mut segment, out);
        let lx = x0 + 10.0 + 230.0 * i as f64;
        let _ = writeln!(
            out,
            r#"<rect x="{lx}" y="{}" width="14" height="3" fill="{}"/><text x="{}" y="{}" font-size="11">{}</text>"#,
            y1 + 10.0,
            l.color,
            lx + 18.0,
            y1 + 14.0,
            escape(l.label)
        );
    }
}

/// The whole SVG document.
pub fn render(report: &Report) -> String {
    let s = &report.series;
    let t_max = s.last().map_or(1.0, |p| p.t as f64);
    let charts: [(&str, Vec<Line>); 4] = [
        (
            "Latency p99 per second (ms)",
            vec![
                line(s, "invite -> notify", "#d62728", |p| p.invite_notify_p99_ms),
                line(s, "rtc relay", "#1f77b4", |p| p.rtc_relay_p99_ms),
            ],
        ),
        (
            "CPU (% of one core)",
            vec![
                line(s, "server", "#d62728", |p| p.server_cpu_percent),
                line(s, "load generator", "#7f7f7f", |p| p.loadgen_cpu_percent),
            ],
        ),
        (
            "Server RSS (MB)",
            vec![line(s, "server RSS", "#2ca02c", |p| p.server_rss_mb)],
        ),
        (
            "Connected users",
            vec![line(s, "connected", "#9467bd", |p| {
                Some(p.connected as f64)
            })],
        ),
    ];
    let height = TOP + charts.len() as f64 * (CHART_HEIGHT + GAP + 20.0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif">"#
    );
    let _ = writeln!(
        out,
        r#"<rect width="100%" height="100%" fill="white"/><text x="{LEFT}" y="22" font-size="15">{}</text>"#,
        escape(&format!(
            "napalmsky loadgen: {} users, ramp {} /s, {} s steady, {} errors",
            report.parameters.users,
            report.parameters.ramp_rate,
            report.parameters.duration_s,
            report.errors.total
        ))
    );
    for (i, (title, lines)) in charts.iter().enumerate() {
        let top = TOP + 20.0 + i as f64 * (CHART_HEIGHT + GAP + 20.0);
        chart(&mut out, top, title, lines, t_max);
    }
    out.push_str("</svg>\n");
    out
}
