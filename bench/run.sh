#!/usr/bin/env bash
# Reproduces bench/RESULTS.md on this machine: builds release, then runs every benchmark
# against a napalmsky started on a fresh temporary data directory, and writes the JSON, SVG
# and logs of each run to bench/results/<timestamp>/ (a summary.md there collects them).
#
#   bench/run.sh [all|evening|budget|legacy|idle|http|store|sync|startup] [users]    (default: all)
#
# `users` limits `evening` to one size (300, 1000, 5000, 10000 or 19000). The evenings use the
# web client model (bench/README.md); the 300-user one also checks that every presence change
# reaches every user (`--check-presence`).
#
# Needs: a Rust toolchain; wrk (installed with apt-get if missing); PostgreSQL on
# 127.0.0.1:5432 for the sync part (skipped otherwise). Everything targets 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
only_users=${2:-}
out=bench/results/$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$out"
cargo build --release -p napalmsky -p napalmsky-bench
bin=./target/release

# Limits a load test needs lifted; every other flag keeps its default.
server_flags=(--paywall off --max-connections 20000 --connections-warning 19500
  --api-rate-limit 100000000 --auth-rate-limit 100000000 --signup-rate-limit 100000000
  --max-connections-per-ip 20000 --handshake-rate-limit 100000000
  --max-http-connections-per-ip 100000 --fd-reserve 300)

start_server() { # port, extra flags...
  local port=$1; shift
  local dir; dir=$(mktemp -d)
  "$bin/napalmsky" serve --data-dir "$dir" --listen "127.0.0.1:$port" "${server_flags[@]}" "$@" \
    > "$out/server-$port.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && return; sleep 0.1; done
  echo "server on $port did not start" >&2; exit 1
}
stop_server() { kill -TERM "$server_pid"; wait "$server_pid" || true; }

summary() { echo "$*" >> "$out/summary.md"; }
failed=0
summary "# bench/run.sh $what, $(date -u +%FT%TZ), $(nproc) cores, $(uname -r)"

evening() { # users, processes, ramp, extra loadgen flags... [-- extra server flags...]
  # The caller may set `model` (the client model, default web) and `label` (a file-name
  # suffix, for variants of one size).
  local users=$1 processes=$2 ramp=$3; shift 3
  local model=${model:-web} name=evening-$users${label:+-$label}
  [[ -z $only_users || $only_users == "$users" ]] || return 0
  local loadgen_flags=() status=0
  while (($#)) && [[ $1 != -- ]]; do loadgen_flags+=("$1"); shift; done
  (($#)) && shift
  start_server 3501 "$@"
  # The whole output goes to the .log (progress lines, described presence misses); the
  # summary the generator prints at the end goes to the .txt and summary.md. A run that
  # counted errors exits 1: it is recorded and the next runs still happen.
  "$bin/loadgen" --target http://127.0.0.1:3501 --users "$users" --ramp-rate "$ramp" \
    --duration 45 --call-length 20 --processes "$processes" --server-pid "$server_pid" \
    --client-model "$model" "${loadgen_flags[@]}" \
    --out "$out/$name.json" --plot "$out/$name.svg" 2>&1 \
    | tee "$out/$name.log" | sed -n '/^loadgen: [0-9]* users requested/,$p' \
    | tee "$out/$name.txt" || status=$?
  stop_server
  summary "## $name (loadgen flags: --client-model $model ${loadgen_flags[*]}; server flags: $*)"
  summary '```'; cat "$out/$name.txt" >> "$out/summary.md"; summary '```'
  if ((status != 0)); then
    summary "loadgen exited with status $status (errors counted: see $name.json)"
    failed=1
  fi
}

if [[ $what == all || $what == evening ]]; then
  # A small community, all users in one process, so the generator can check that every
  # presence change reached every socket. The server sends everything to everyone only while
  # a tick's deliveries (frames x sockets) fit its --presence-budget (20,000): a join costs 2
  # or 3 frames, so at 10 joins/s (20 a tick) and 300 sockets a ramp tick makes <= 18,000.
  # At 30/s the ramp's ticks went past the budget and the check counted 34,946 misses (bench/results/20261203-135347-check-control).
  evening 300 1 10 --check-presence
  evening 1000 1 250
  evening 5000 1 250
  evening 10000 2 250
  # 19,000 sockets need three generator processes (20,000 descriptors each).
  evening 19000 3 250
fi

if [[ $what == budget ]]; then
  # Why --presence-budget: one 1,000-user evening with the default budget, one with none
  # (every change to every socket, the original's rule).
  evening 1000 1 250
  label=unbounded evening 1000 1 250 -- --presence-budget 1000000000
fi

if [[ $what == legacy ]]; then
  # The scenario before the web-client model (polls only, no reactions), for comparison.
  model=legacy label=legacy evening 19000 3 250
fi

if [[ $what == all || $what == idle ]]; then
  start_server 3502
  "$bin/idle_sockets" http://127.0.0.1:3502 "$server_pid" 10000 | tee "$out/idle.json"
  stop_server
  summary "## idle sockets"; summary "$(cat "$out/idle.json")"
fi

if [[ $what == all || $what == http ]]; then
  command -v wrk > /dev/null || apt-get install -y wrk
  "$bin/hello" 127.0.0.1:3503 & hello_pid=$!
  start_server 3504
  token=$(curl -s -XPOST -H 'content-type: application/json' http://127.0.0.1:3504/auth/guest -d '{"name":"bench","gender":"male"}' \
    | sed -E 's/.*"sessionToken":"([^"]+)".*/\1/')
  for round in 1 2 3; do
    wrk -t2 -c64 -d10s http://127.0.0.1:3503/ | tee "$out/http-hello-$round.txt"
    wrk -t2 -c64 -d10s -H "Authorization: Bearer $token" http://127.0.0.1:3504/user/me \
      | tee "$out/http-user-me-$round.txt"
  done
  kill "$hello_pid"; stop_server
  summary "## http (requests/s: hello, then /user/me, per round)"
  summary "$(grep -h Requests/sec "$out"/http-*.txt | paste - - - - - -)"
fi

if [[ $what == all || $what == store ]]; then
  "$bin/store_reads" 100000 1000000 1000 | tee "$out/store.txt"
  summary "## store reads"; summary '```'; cat "$out/store.txt" >> "$out/summary.md"; summary '```'
fi

if [[ $what == all || $what == sync ]]; then
  if pg_isready -h 127.0.0.1 -p 5432 > /dev/null 2>&1; then
    "$bin/sync_throughput" postgres://postgres@127.0.0.1:5432/postgres 50000 2000 | tee "$out/sync.txt"
    summary "## sync"; summary '```'; cat "$out/sync.txt" >> "$out/summary.md"; summary '```'
  else
    summary "## sync: skipped (no PostgreSQL on 127.0.0.1:5432)"
  fi
fi
if [[ $what == all || $what == startup ]]; then
  # 1,000,000 users and sessions (~1 GB, about a minute to fill), then three cold starts.
  startup_dir=$(mktemp -d)
  "$bin/startup" "$bin/napalmsky" "$startup_dir" 1000000 3 2>&1 | tee "$out/startup.txt"
  rm -rf "$startup_dir"
  summary "## startup"; summary '```'; cat "$out/startup.txt" >> "$out/summary.md"; summary '```'
fi
"$bin/results_md" "$out" "bench/run.sh${*:+ $*}"
echo "results in $out"
exit "$failed"
