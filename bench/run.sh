#!/usr/bin/env bash
# bench/run.sh — `./orp bench`: what the gateway adds, measured against calling the upstream directly.
#
# Starts, all on loopback and apart from any `./orp up` or test servers: PostgreSQL and RabbitMQ of its own (under
# $ORP_DATA_DIR/bench, a fresh database each run), the upstream simulator (bench/OrProject.Bench `serve`), the
# gateway (release build: one Api, ORP_BENCH_WORKERS workers) pointed at the simulator, and the peer gateway, Portkey
# (bench/portkey, installed from npm with `npm ci`), pointed at the same simulator; issues a key through the admin
# API; runs the load tool (`run`), which sends the same requests to the simulator directly, through the gateway and
# through Portkey, prints the table and writes bench/results/<UTC time>.md and bench/results/latest.md; then stops
# what it started.
#
#   ORP_BENCH_SCALE=1         multiplies every request count (0.5: a quicker, noisier run)
#   ORP_BENCH_DELTAS=50       text deltas in each simulated stream
#   ORP_BENCH_STREAMS=400     concurrent streams in the long-stream scenario (each 100 deltas 20 ms apart; 4 rounds)
#   ORP_BENCH_KEYS=32         keys the many-keys scenario spreads its streams over (1 leaves it out)
#   ORP_BENCH_CONTEXT_KB=100  the system prompt of the agent-sized requests, KiB (0 leaves the scenario out)
#   ORP_BENCH_PORTKEY_PORT=8487  Portkey (ORP_BENCH_PORTKEY=0 leaves it out)
#   ORP_BENCH_WORKERS=1       Worker processes
#   ORP_BENCH_HTTP_PORT=8480  the gateway's Api (its workers' health ports follow at +101, +102, …)
#   ORP_BENCH_SIM_PORT=8479   the simulator
#   ORP_BENCH_PG_PORT=55434, ORP_BENCH_RABBIT_PORT=55674 (read by orp)
#   ORP_BENCH_KEEP_SERVERS=1  leave PostgreSQL and RabbitMQ running for the next run (`./orp down --bench` stops them)
#   ORP_BENCH_NO_BUILD=1      use the release build that is there
#   ORP_BENCH_HOLD=1          after the report, keep the gateway and the simulator up for profiling until Ctrl-C
#   ORP_BENCH_NOTE=text       a line for the report
set -Eeuo pipefail

# orp's own functions (packages, servers, process handling); sourcing it runs nothing.
# shellcheck source=../orp
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/orp"

ORP_BENCH_SCALE=${ORP_BENCH_SCALE:-1}
ORP_BENCH_DELTAS=${ORP_BENCH_DELTAS:-50}
ORP_BENCH_WORKERS=${ORP_BENCH_WORKERS:-1}
ORP_BENCH_HTTP_PORT=${ORP_BENCH_HTTP_PORT:-8480}
ORP_BENCH_SIM_PORT=${ORP_BENCH_SIM_PORT:-8479}
ORP_BENCH_STREAMS=${ORP_BENCH_STREAMS:-400}
ORP_BENCH_KEYS=${ORP_BENCH_KEYS:-32}
ORP_BENCH_CONTEXT_KB=${ORP_BENCH_CONTEXT_KB:-100}
ORP_BENCH_PORTKEY=${ORP_BENCH_PORTKEY:-1}
ORP_BENCH_PORTKEY_PORT=${ORP_BENCH_PORTKEY_PORT:-8487}
PORTKEY_DIR=$ROOT/bench/portkey
BENCH_DLL=$ROOT/artifacts/bin/OrProject.Bench/release/OrProject.Bench.dll
RESULTS_DIR=$ROOT/bench/results

for v in ORP_BENCH_DELTAS ORP_BENCH_WORKERS ORP_BENCH_HTTP_PORT ORP_BENCH_SIM_PORT ORP_BENCH_STREAMS ORP_BENCH_KEYS ORP_BENCH_CONTEXT_KB ORP_BENCH_PORTKEY_PORT; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a number, got '${!v}'"
done
[[ $ORP_BENCH_SCALE =~ ^[0-9]*\.?[0-9]+$ ]] || die "ORP_BENCH_SCALE must be a number, got '$ORP_BENCH_SCALE'"
((ORP_BENCH_WORKERS >= 1)) || die "ORP_BENCH_WORKERS must be at least 1"

bench_cleanup() {
  local pid
  pid=$(live_pid "$RUN_DIR/simulator.pid" OrProject.Bench)
  [[ -z $pid ]] || stop_pid simulator "$pid" 10
  rm -f "$RUN_DIR/simulator.pid"
  pid=$(live_pid "$RUN_DIR/portkey.pid" start-server)
  [[ -z $pid ]] || stop_pid portkey "$pid" 10
  rm -f "$RUN_DIR/portkey.pid"
  stop_apps
  if [[ ${ORP_BENCH_KEEP_SERVERS:-0} == 1 ]]; then
    say "bench servers kept running (ORP_BENCH_KEEP_SERVERS=1); ./orp down --bench stops them"
  else
    rmq_stop
    pg_stop
  fi
}

# A clean ledger each run: no keys or accounts from an earlier run (the upstream account is seeded at start only
# when there is none, and the simulator's port may have changed).
bench_fresh_database() {
  say "recreating database $PG_DB"
  pg_psql -d postgres -v db="$PG_DB" -v role="$PG_ROLE" <<'SQL'
SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', :'db') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') \gexec
SQL
}

wait_http() {
  local name=$1 url=$2 pidfile=$3 deadline=$((SECONDS + 60))
  until [[ $(http_code "$url") == 200 ]]; do
    pid_alive "$(head -n1 "$pidfile" 2>/dev/null)" || { run_tail "$LOG_DIR/$name.log" 40; die "$name exited (log: $LOG_DIR/$name.log)"; }
    ((SECONDS < deadline)) || die "$name did not answer $url within 60s (log: $LOG_DIR/$name.log)"
    sleep 0.5
  done
}

json_field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" <<<"$2"; }

bench_main() {
  bench_up
  if [[ ${1:-} == history ]]; then
    bench_history
    return 0
  fi
  bench_load
  [[ ${ORP_BENCH_HOLD:-0} == 1 ]] && bench_hold
  return 0
}

bench_hold() {
  printf '\n  The bench gateway stays up until Ctrl-C (ORP_BENCH_HOLD=1):\n'
  printf '    gateway   %s  key %s\n    simulator http://127.0.0.1:%s\n    pids      %s\n' \
    "$BENCH_BASE" "$BENCH_KEY" "$ORP_BENCH_SIM_PORT" "${BENCH_PIDS[*]}"
  printf '  One scenario against one target, e.g. while dotnet-counters or dotnet-trace watches a pid:\n'
  printf '    dotnet %s load --target %s --key %s --concurrency 32 --count 10000\n\n' "$BENCH_DLL" "$BENCH_BASE" "$BENCH_KEY"
  while :; do
    sleep 2 &
    wait $! || true
  done
}

# Everything but the load: servers, simulator, gateway, key (BENCH_BASE, BENCH_KEY, BENCH_KEY_ID, BENCH_PIDS).
bench_up() {
  ensure_dotnet
  select_instance bench
  if [[ -n $(live_pid "$RUN_DIR/api.pid" OrProject) ]]; then
    die "a bench gateway is already running (pid file $RUN_DIR/api.pid): is another ./orp bench running?"
  fi
  local i p
  for p in "$ORP_BENCH_HTTP_PORT" "$ORP_BENCH_SIM_PORT" "$ORP_BENCH_PORTKEY_PORT"; do
    port_open "$p" && die "port 127.0.0.1:$p is in use; set ORP_BENCH_HTTP_PORT / ORP_BENCH_SIM_PORT / ORP_BENCH_PORTKEY_PORT"
  done
  for ((i = 1; i <= ORP_BENCH_WORKERS; i++)); do
    port_open $((ORP_BENCH_HTTP_PORT + 100 + i)) && die "port 127.0.0.1:$((ORP_BENCH_HTTP_PORT + 100 + i)) is in use; set ORP_BENCH_HTTP_PORT"
  done
  ensure_packages
  prepare_dirs

  trap 'rc=$?; trap - EXIT; bench_cleanup; exit $rc' EXIT
  trap 'exit 130' INT TERM

  pg_start
  bench_fresh_database
  rmq_start
  if [[ ${ORP_BENCH_NO_BUILD:-0} != 1 ]]; then
    build_solution
  fi
  for p in "$API_DLL" "$WORKER_DLL" "$BENCH_DLL"; do
    [[ -f $p ]] || die "$p is missing after the build"
  done

  say "starting the upstream simulator on 127.0.0.1:$ORP_BENCH_SIM_PORT ($ORP_BENCH_DELTAS deltas a stream)"
  start_bg simulator "$LOG_DIR/simulator.log" "$ROOT" \
    dotnet "$BENCH_DLL" serve --port "$ORP_BENCH_SIM_PORT" --deltas "$ORP_BENCH_DELTAS"
  wait_http simulator "http://127.0.0.1:$ORP_BENCH_SIM_PORT/health" "$RUN_DIR/simulator.pid"
  [[ $ORP_BENCH_PORTKEY == 1 ]] && portkey_up

  # The gateway under test: its own ports, a throw-away admin token, the simulator as its only upstream account.
  ORP_HTTP_PORT=$ORP_BENCH_HTTP_PORT ORP_BIND=127.0.0.1 ORP_WORKERS=$ORP_BENCH_WORKERS
  ORP_ADMIN_TOKEN=$(new_secret)
  ORP_UPSTREAM_URL=http://127.0.0.1:$ORP_BENCH_SIM_PORT ORP_UPSTREAM_KEY=bench ORP_UPSTREAM_KIND=anthropic
  admin_token
  app_env
  start_apps
  wait_apps_ready 1

  BENCH_BASE=http://127.0.0.1:$ORP_BENCH_HTTP_PORT
  local issued
  issued=$(curl -sS -m 10 -H "Authorization: Bearer $ADMIN_TOKEN" -H 'content-type: application/json' \
    -d '{"name":"bench","budgetUsd":1000000}' "$BENCH_BASE/admin/api/keys") || die "could not issue a key through the admin API"
  BENCH_KEY=$(json_field key "$issued")
  BENCH_KEY_ID=$(json_field id "$issued")
  [[ -n $BENCH_KEY && -n $BENCH_KEY_ID ]] || die "the admin API did not issue a key: $issued"
  say "issued key $BENCH_KEY_ID for the run"

  BENCH_PIDS=(--pid "api=$(head -n1 "$RUN_DIR/api.pid")" --pid "simulator=$(head -n1 "$RUN_DIR/simulator.pid")")
  for ((i = 1; i <= ORP_BENCH_WORKERS; i++)); do
    BENCH_PIDS+=(--pid "worker-$i=$(head -n1 "$RUN_DIR/worker-$i.pid")")
  done
  [[ $ORP_BENCH_PORTKEY == 1 ]] && BENCH_PIDS+=(--pid "portkey=$(head -n1 "$RUN_DIR/portkey.pid")")
  [[ -s $RUN_DIR/rabbitmq.pid ]] && BENCH_PIDS+=(--pid "rabbitmq=$(head -n1 "$RUN_DIR/rabbitmq.pid")")
  [[ -s $RUN_DIR/postgres.pid ]] && BENCH_PIDS+=(--pid "postgres=$(head -n1 "$RUN_DIR/postgres.pid")")
  return 0
}

# The peer gateway: Portkey's open-source gateway, the versions package-lock.json pins (its @hono/node-server is held
# at 1.13.8 by an npm override: with the later release npm picks otherwise, 1.19.19 when tried, its streamed requests
# fail with "TypeError: immutable"), run by Node.js as its package's bin does.
# It forwards each request to the provider and host the request's own headers name (x-portkey-provider,
# x-portkey-custom-host; the load tool sends them), so it needs no configuration; --headless skips its console UI.
# Install scripts are skipped: the package's postinstall is patch-package, which has nothing to patch in an install.
portkey_up() {
  ensure_npm
  if [[ ! -f $PORTKEY_DIR/node_modules/@portkey-ai/gateway/build/start-server.js ||
        $PORTKEY_DIR/package-lock.json -nt $PORTKEY_DIR/node_modules/.package-lock.json ]]; then
    say "installing Portkey from npm (bench/portkey: npm ci)"
    (cd "$PORTKEY_DIR" && npm ci --no-audit --no-fund --ignore-scripts >>"$LOG_DIR/portkey-install.log" 2>&1) ||
      die "npm ci failed in bench/portkey (log: $LOG_DIR/portkey-install.log); ORP_BENCH_PORTKEY=0 runs the bench without Portkey"
  fi
  say "starting Portkey $(portkey_version) on 127.0.0.1:$ORP_BENCH_PORTKEY_PORT"
  NODE_ENV=production start_bg portkey "$LOG_DIR/portkey.log" "$PORTKEY_DIR" \
    node node_modules/@portkey-ai/gateway/build/start-server.js "--port=$ORP_BENCH_PORTKEY_PORT" --headless
  local deadline=$((SECONDS + 60))
  until port_open "$ORP_BENCH_PORTKEY_PORT"; do
    pid_alive "$(head -n1 "$RUN_DIR/portkey.pid" 2>/dev/null)" || { run_tail "$LOG_DIR/portkey.log" 40; die "Portkey exited (log: $LOG_DIR/portkey.log)"; }
    ((SECONDS < deadline)) || die "Portkey did not listen on $ORP_BENCH_PORTKEY_PORT within 60s (log: $LOG_DIR/portkey.log)"
    sleep 0.5
  done
}

portkey_version() {
  sed -n 's/^  "version": "\(.*\)",$/\1/p' "$PORTKEY_DIR/node_modules/@portkey-ai/gateway/package.json" | head -n1
}

# The commit measured, marked when the tree has uncommitted changes to tracked files.
bench_commit() {
  local commit
  commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  [[ -z $(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null) ]] || commit="$commit+changes"
  echo "$commit"
}

bench_load() {
  local commit
  commit=$(bench_commit)
  mkdir -p "$RESULTS_DIR"
  say "running the load (scale $ORP_BENCH_SCALE); log: $LOG_DIR/bench.log"
  local portkey=()
  [[ $ORP_BENCH_PORTKEY == 1 ]] && portkey=(--portkey "http://127.0.0.1:$ORP_BENCH_PORTKEY_PORT" --portkey-version "$(portkey_version)")
  dotnet "$BENCH_DLL" run --direct "http://127.0.0.1:$ORP_BENCH_SIM_PORT" --gateway "$BENCH_BASE" "${portkey[@]}" --streams "$ORP_BENCH_STREAMS" --many-keys "$ORP_BENCH_KEYS" \
    --context-kb "$ORP_BENCH_CONTEXT_KB" \
    --key "$BENCH_KEY" --key-id "$BENCH_KEY_ID" --admin-token "$ADMIN_TOKEN" "${BENCH_PIDS[@]}" \
    --deltas "$ORP_BENCH_DELTAS" --scale "$ORP_BENCH_SCALE" --out "$RESULTS_DIR" --commit "$commit" \
    ${ORP_BENCH_NOTE:+--note "$ORP_BENCH_NOTE"} 2>&1 | tee "$LOG_DIR/bench.log"
}

# `./orp bench history`: the event log at scale against the same gateway (HistoryRun.cs; README, Performance).
#   ORP_BENCH_HISTORY_EVENTS=1000000, ORP_BENCH_HISTORY_KEYS=1000, ORP_BENCH_HISTORY_HOT=200000
bench_history() {
  local commit
  commit=$(bench_commit)
  mkdir -p "$RESULTS_DIR"
  say "seeding ${ORP_BENCH_HISTORY_EVENTS:-1000000} events, then rebuild, point in time and export; log: $LOG_DIR/bench-history.log"
  dotnet "$BENCH_DLL" history --gateway "$BENCH_BASE" --key "$BENCH_KEY" --admin-token "$ADMIN_TOKEN" --postgres "$PG_CONN" \
    --api-pid "$(head -n1 "$RUN_DIR/api.pid")" --events "${ORP_BENCH_HISTORY_EVENTS:-1000000}" --keys "${ORP_BENCH_HISTORY_KEYS:-1000}" \
    --hot "${ORP_BENCH_HISTORY_HOT:-200000}" --deltas "$ORP_BENCH_DELTAS" --out "$RESULTS_DIR" --commit "$commit" 2>&1 | tee "$LOG_DIR/bench-history.log"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  bench_main "$@"
fi
