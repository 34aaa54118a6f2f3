//! The cargo-fuzz targets' checks (`napalmsky::fuzz_checks`) on stable, as seeded property
//! tests: mutations of valid inputs and random bytes for the record codec (old-version
//! archives included), the WebSocket frame decoder and the HTTP JSON bodies of every JSON
//! route. `NAPALMSKY_FUZZ_CASES` scales the case count; each run prints its seed
//! (`NAPALMSKY_FUZZ_SEED` replays it). The Engine.IO / Socket.IO decoders have the same kind
//! of run in `src/proto/robustness.rs`.
#![allow(clippy::unwrap_used)]

mod common;

use common::seeded::Seeded;
use napalmsky::fuzz_checks::{http_bodies, records, ws_frames};

fn cases(default: usize) -> usize {
    std::env::var("NAPALMSKY_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Runs `check` on `count` mutations of the seeds (and the seeds themselves).
fn run(
    name: &str,
    seeds: &[Vec<u8>],
    count: usize,
    mut check: impl FnMut(&[u8]) -> Result<(), String>,
) {
    let mut rng = Seeded::from_env("NAPALMSKY_FUZZ_SEED");
    for seed in seeds {
        check(seed).unwrap_or_else(|broken| panic!("{name}, seed {seed:?}: {broken}"));
    }
    for case in 0..count {
        let seed = &seeds[rng.below(seeds.len())];
        let input = rng.mutate(seed);
        check(&input).unwrap_or_else(|broken| panic!("{name}, case {case} {input:?}: {broken}"));
    }
}

/// The user record as a build before this one's would have written it (the same shape as
/// the store's older-version fixture).
#[derive(rkyv::Archive, rkyv::Serialize)]
struct UserV0 {
    id: [u8; 16],
    name: String,
    created_at: i64,
}

fn record_seeds() -> Vec<Vec<u8>> {
    let mut seeds = records::samples();
    let old = UserV0 {
        id: [3; 16],
        name: "Old".into(),
        created_at: 5,
    };
    seeds.push(
        rkyv::to_bytes::<rkyv::rancor::Error>(&old)
            .unwrap()
            .to_vec(),
    );
    assert!(seeds.len() >= 4);
    seeds
}

#[test]
fn record_codec_refuses_or_round_trips_any_bytes() {
    run("records", &record_seeds(), cases(5_000), records::check);
}

/// A masked client frame.
fn frame(opcode: u8, fin: bool, payload: &[u8], mask: [u8; 4]) -> Vec<u8> {
    let mut out = vec![(u8::from(fin) << 7) | opcode];
    match payload.len() {
        len @ 0..=125 => out.push(0x80 | len as u8),
        len @ 126..=0xFFFF => {
            out.push(0x80 | 126);
            out.extend((len as u16).to_be_bytes());
        }
        len => {
            out.push(0x80 | 127);
            out.extend((len as u64).to_be_bytes());
        }
    }
    out.extend(mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    out
}

fn frame_seeds() -> Vec<Vec<u8>> {
    let mask = [0x12, 0x34, 0x56, 0x78];
    let text = frame(1, true, b"42[\"queue:join\"]", mask);
    let ping = frame(9, true, b"probe", mask);
    let pong = frame(10, true, b"", mask);
    let close = frame(8, true, &[3, 232], mask);
    let long = frame(1, true, "é".repeat(200).as_bytes(), mask);
    let first = frame(1, false, b"42[\"room:chat\",", mask);
    let last = frame(0, true, b"{\"text\":\"hi\"}]", mask);
    let too_large = frame(1, true, &[b'a'; 5000], mask);
    vec![
        [vec![7], text.clone(), ping.clone(), pong].concat(),
        [vec![1], first.clone(), ping, last.clone(), close].concat(),
        [vec![200], long, text.clone()].concat(),
        [vec![3], first, text, last].concat(),
        [vec![9], too_large].concat(),
    ]
}

#[test]
fn websocket_frames_decode_the_same_however_they_arrive() {
    run("ws_frames", &frame_seeds(), cases(10_000), ws_frames::check);
}

/// Valid-looking bodies for every route (the first byte picks the route: 13 routes).
fn body_seeds() -> Vec<Vec<u8>> {
    let bodies: [&[u8]; 8] = [
        br#"{"name":"Ann","gender":"female","inviteCode":"ABCD1234","referralCode":"x"}"#,
        br#"{"sessionToken":"00000000-0000-0000-0000-000000000000","email":"a@b.c","password":"password1"}"#,
        br#"{"email":"a@b.c","password":"password1"}"#,
        br#"{"socials":{"x":"@me","instagram":"me"}}"#,
        br#"{"code":"ABCD1234","email":"a@b.c"}"#,
        br#"{"reportedUserId":"00000000-0000-0000-0000-000000000000","reason":"spam","roomId":"r"}"#,
        br#"{"action":"ban","notes":"n","targetUserId":"00000000-0000-0000-0000-000000000000"}"#,
        br#"[1,{"a":[null,true,1e400,"\ud800"]},"x"]"#,
    ];
    (0..13u8)
        .flat_map(|route| bodies.iter().map(move |body| [&[route][..], body].concat()))
        .collect()
}

#[test]
fn json_routes_answer_json_and_never_fail_inside_whatever_the_body() {
    let mut harness = http_bodies::Harness::start();
    run("http_bodies", &body_seeds(), cases(600), |input| {
        harness.check(input)
    });
}

/// Writes the seeds above into `fuzz/seeds/<target>/` for the cargo-fuzz targets:
/// `cargo test --test fuzz_smoke write_fuzz_seeds -- --ignored`.
#[test]
#[ignore = "writes files; run by hand when the seeds change"]
fn write_fuzz_seeds() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    for (target, seeds) in [
        ("records", record_seeds()),
        ("ws_frames", frame_seeds()),
        ("http_bodies", body_seeds()),
    ] {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        for (i, seed) in seeds.iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i:03}")), seed).unwrap();
        }
    }
}
