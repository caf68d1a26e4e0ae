# shellcheck shell=bash
# eng/orp/apps.sh — The Api and the workers: their environment, build, start, readiness, and what `up` prints.
# Sourced by ./orp (which sets the configuration first); defines functions only.

admin_token() {
  if [[ -n ${ORP_ADMIN_TOKEN:-} ]]; then
    ADMIN_TOKEN=$ORP_ADMIN_TOKEN ADMIN_TOKEN_FILE="(from ORP_ADMIN_TOKEN)"
  else
    ADMIN_TOKEN_FILE=$ORP_DATA_DIR/admin-token
    ADMIN_TOKEN=$(secret_file "$ADMIN_TOKEN_FILE")
  fi
}

app_env() {
  export ASPNETCORE_ENVIRONMENT=Production
  export ConnectionStrings__Marten="$PG_CONN"
  export RabbitMq__Host=127.0.0.1 RabbitMq__Port="$RMQ_PORT" RabbitMq__Username="$RMQ_USER"
  export RabbitMq__Password="$RMQ_PASSWORD" RabbitMq__VirtualHost="${RabbitMq__VirtualHost:-/}"
  export ORP_HTTP_PORT ORP_BIND ORP_ADMIN_TOKEN="$ADMIN_TOKEN" ORP_KEY_PREFIX ORP_DATA_DIR
  export ORP_UPSTREAM_URL="${ORP_UPSTREAM_URL:-}" ORP_UPSTREAM_KEY="${ORP_UPSTREAM_KEY:-}"
  export ORP_UPSTREAM_KIND="${ORP_UPSTREAM_KIND:-}"
  # The secret workers present on the edge's return channel (its port: ORP_INTERNAL_PORT, else ORP_HTTP_PORT+1).
  ORP_INTERNAL_TOKEN=${ORP_INTERNAL_TOKEN:-$(secret_file "$SECRETS/internal-token")}
  export ORP_INTERNAL_TOKEN
  [[ -z ${ORP_INTERNAL_PORT:-} ]] || export ORP_INTERNAL_PORT
  # The GC's smallest gen0 budget (8 MiB). Left to itself, workstation GC sizes gen0 from the CPU's cache and let each
  # process commit ~115 MB for a live heap of ~35 MB; with this the Api and a worker peak at ~300 MB PSS together
  # under 128 streams instead of ~420, and spend no more CPU (README, Performance). The runtime reads it only from the
  # environment, so every launcher sets it: this one, the Dockerfile, launchSettings.json.
  export DOTNET_GCgen0size=${DOTNET_GCgen0size:-0x800000}
}

build_solution() {
  ensure_dotnet
  ensure_npm
  say "building OrProject.sln (Release)$(first_build_note)"
  dotnet build OrProject.sln -c Release -nologo || die "the build failed (see above)"
}

# What `up` runs, and only that: the Api (which hosts the admin pages) and the Worker, not the tests or the bench.
build_apps() {
  ensure_dotnet
  ensure_npm
  say "building the Api and the Worker (Release)$(first_build_note)"
  local project
  for project in Api/OrProject.Api.csproj Worker/OrProject.Worker.csproj; do
    dotnet build "$project" -c Release -nologo -v q || die "the build of $project failed (see above)"
  done
}

first_build_note() {
  [[ -f $API_DLL ]] || printf '; the first build restores NuGet packages and takes a minute or two'
}

url_host() { if [[ $1 == 0.0.0.0 || $1 == '*' || $1 == '::' || $1 == '[::]' ]]; then echo 127.0.0.1; else echo "$1"; fi; }

http_code() { curl -s -o /dev/null -m 3 -w '%{http_code}' "$1" 2>/dev/null || true; }

app_pids() {
  local f name
  for f in "$RUN_DIR"/api.pid "$RUN_DIR"/worker-*.pid; do
    [[ -e $f ]] || continue
    name=$(basename "$f" .pid)
    printf '%s %s\n' "$name" "$(live_pid "$f" OrProject)"
  done
}

stop_apps() {
  local name pid
  # Api first (no new work), then workers.
  while read -r name pid; do
    [[ -n $pid ]] && stop_pid "$name" "$pid" 20
    rm -f "$RUN_DIR/$name.pid" "$RUN_DIR/$name.port"
  done < <(app_pids)
}

stop_instance() {
  stop_apps
  rmq_stop
  pg_stop
}

# Starts the Api on ORP_BIND:ORP_HTTP_PORT and ORP_WORKERS workers (health on ORP_HTTP_PORT+100+i), after app_env.
start_apps() {
  local i wport
  say "starting api on http://$ORP_BIND:$ORP_HTTP_PORT"
  # Each host runs in its output directory, its content root (appsettings*.json are there).
  start_bg api "$LOG_DIR/api.log" "$(dirname "$API_DLL")" dotnet "$API_DLL"
  echo "$ORP_HTTP_PORT" >"$RUN_DIR/api.port"
  for ((i = 1; i <= ORP_WORKERS; i++)); do
    wport=$((ORP_HTTP_PORT + 100 + i))
    say "starting worker-$i (health on 127.0.0.1:$wport)"
    # Workers answer only health checks, on loopback whatever ORP_BIND says.
    ORP_WORKER_ID=worker-$i ORP_WORKER_PORT=$wport ORP_BIND=127.0.0.1 \
      start_bg "worker-$i" "$LOG_DIR/worker-$i.log" "$(dirname "$WORKER_DLL")" dotnet "$WORKER_DLL"
    echo "$wport" >"$RUN_DIR/worker-$i.port"
  done
}

# True while NAME (api, worker-N) runs: its pid file's process, or under supervision, while supervisord runs it or
# is still trying to.
app_alive() {
  if [[ ${SUPERVISED:-0} == 1 ]]; then
    sup_alive "$1"
  else
    pid_alive "$(head -n1 "$RUN_DIR/$1.pid" 2>/dev/null || true)"
  fi
}

# Waits for the Api's /health/ready; a worker not ready yet is a warning, or with STRICT=1 waited for too.
wait_apps_ready() {
  local strict=${1:-0} host url deadline code i wport
  host=$(url_host "$ORP_BIND")
  url=http://$host:$ORP_HTTP_PORT/health/ready
  printf 'orp: waiting for %s ' "$url"
  deadline=$((SECONDS + ORP_READY_TIMEOUT))
  while :; do
    code=$(http_code "$url")
    [[ $code == 200 ]] && break
    if ! app_alive api; then
      echo
      run_tail "$LOG_DIR/api.log" 60
      die "the api exited before it was ready (log: $LOG_DIR/api.log)"
    fi
    if ((SECONDS >= deadline)); then
      echo
      run_tail "$LOG_DIR/api.log" 60
      die "the api was not ready within ${ORP_READY_TIMEOUT}s (last answer: ${code:-none}; log: $LOG_DIR/api.log)"
    fi
    printf '.'
    sleep 1
  done
  echo " ready"
  for ((i = 1; i <= ORP_WORKERS; i++)); do
    wport=$((ORP_HTTP_PORT + 100 + i))
    code=$(http_code "http://127.0.0.1:$wport/health/ready")
    while [[ $strict == 1 && $code != 200 ]] && ((SECONDS < deadline)); do
      app_alive "worker-$i" || { run_tail "$LOG_DIR/worker-$i.log" 60; die "worker-$i exited (log: $LOG_DIR/worker-$i.log)"; }
      sleep 1
      code=$(http_code "http://127.0.0.1:$wport/health/ready")
    done
    if [[ $code != 200 ]]; then
      [[ $strict == 1 ]] && die "worker-$i was not ready within ${ORP_READY_TIMEOUT}s (log: $LOG_DIR/worker-$i.log)"
      warn "worker-$i is not ready yet (health answered ${code:-nothing}); see ./orp logs worker-$i"
    fi
  done
}

print_ready() {
  local host base
  host=$(url_host "$ORP_BIND")
  base=http://$host:$ORP_HTTP_PORT
  cat <<EOF

  OrProject is ready.
    edge          $base          (Anthropic /v1/messages, OpenAI /v1/chat/completions, /v1/responses, /v1/models)
    admin panel   $base/admin
    usage page    $base/usage
    admin token   $ADMIN_TOKEN
                  stored in $ADMIN_TOKEN_FILE
    logs          $ORP_DATA_DIR/logs/   (./orp logs api -f)

  Issue a key:
    curl -H "Authorization: Bearer \$(cat $ADMIN_TOKEN_FILE)" -H 'content-type: application/json' \\
         -d '{"name":"me","budgetUsd":10}' $base/admin/api/keys
  Point clients at it:
    export ANTHROPIC_BASE_URL=$base ANTHROPIC_API_KEY=<key>       # Claude Code, Anthropic SDKs
    export OPENAI_BASE_URL=$base/v1 OPENAI_API_KEY=<key>          # OpenAI SDKs, Codex, OpenCode, Aider
EOF
  if [[ -z ${ORP_UPSTREAM_URL:-} ]]; then
    cat <<'EOF'

  ****************************************************************************************
  *  NO UPSTREAM CONFIGURED: the built-in SIMULATOR answers every request (offline,      *
  *  canned replies, no real model). Set ORP_UPSTREAM_URL, ORP_UPSTREAM_KEY and          *
  *  ORP_UPSTREAM_KIND, or add an account in the admin panel, to reach a real model.     *
  ****************************************************************************************
EOF
  fi
  echo
}
