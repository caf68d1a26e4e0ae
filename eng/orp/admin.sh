# shellcheck shell=bash
# eng/orp/admin.sh — `./orp replay` and `./orp export`: clients of the running edge's admin API.
# Sourced by ./orp (which sets the configuration first); defines functions only.

# The running edge's admin API, for replay and export (what `up` started, or ORP_HTTP_PORT/ORP_BIND).
admin_url() { printf 'http://%s:%s/admin/api%s' "$(url_host "$ORP_BIND")" "$ORP_HTTP_PORT" "$1"; }

admin_api() {
  local method=$1 path=$2; shift 2
  admin_token
  [[ -n $ADMIN_TOKEN ]] || die "no admin token: start the system with ./orp up, or set ORP_ADMIN_TOKEN"
  local rc=0
  curl -fsS -X "$method" -H "Authorization: Bearer $ADMIN_TOKEN" "$@" "$(admin_url "$path")" || rc=$?
  case $rc in
    0) ;;
    7 | 28 | 52 | 56) die "the admin API at $(admin_url "") did not answer (is ./orp up running?)" ;;
    22) die "the admin API refused the request (its status is above; ./orp logs api says why)" ;;
    *) die "the request to the admin API failed (curl exit $rc)" ;;
  esac
}

# Fields of the admin API's compact JSON, read with sed so the script needs no JSON tool. Good for the flat bodies
# read here: System.Text.Json writes a quote inside a string as \u0022, so a field's name cannot match inside a value.
json_number() { sed -n 's/.*"'"$2"'":\(-\{0,1\}[0-9][0-9.eE+-]*\).*/\1/p' <<<"$1"; }
json_string() {
  local raw
  raw=$(sed -n 's/.*"'"$2"'":"\(\([^"\\]\|\\.\)*\)".*/\1/p' <<<"$1")
  # JSON's escapes (\n, \\, \uXXXX) are printf's too; \" is not.
  printf '%b' "${raw//\\\"/\"}"
}

# 1234567 -> 1,234,567 (a fraction is dropped; the rates are whole numbers anyway).
thousands() {
  local n=${1%%.*} out=""
  [[ $n =~ ^-?[0-9]+$ ]] || { printf '%s' "${1:-?}"; return; }
  while ((${#n} > 3)) && [[ ${n:0:${#n}-3} != - ]]; do
    out=,${n: -3}$out
    n=${n:0:${#n}-3}
  done
  printf '%s' "$n$out"
}

# One line on stderr for a run as GET /projections/rebuild shows it; nothing for a run that is not running (the
# previous one, before this run's first report).
replay_progress() {
  local status=$1
  [[ $(json_string "$status" state) == running ]] || return 0
  printf 'orp: rebuild %s: %s events (≈%s/s), at event %s of %s\n' "$(json_string "$status" phase)" \
    "$(thousands "$(json_number "$status" events)")" "$(thousands "$(json_number "$status" eventsPerSecond)")" \
    "$(thousands "$(json_number "$status" position)")" "$(thousands "$(json_number "$status" target)")" >&2
}

# ./orp replay: POST /projections/rebuild answers only when the rebuild is over, so it runs in the background while
# the run's record is polled once a second for progress. The result (JSON) goes to stdout, everything else to stderr.
cmd_replay() {
  [[ $# -eq 0 ]] || die "usage: ./orp replay"
  admin_token
  [[ -n $ADMIN_TOKEN ]] || die "no admin token: start the system with ./orp up, or set ORP_ADMIN_TOKEN"
  local url tmp pid="" rc=0 code body status detail
  url=$(admin_url /projections/rebuild)
  tmp=$(mktemp -d)
  # shellcheck disable=SC2064 # expanded now: the directory is local to this function
  trap "rm -rf '$tmp'" EXIT
  # Ctrl-C stops this command only: the server goes on with the rebuild, which is tied to no request.
  trap 'kill "$pid" 2>/dev/null || true; echo >&2; say "stopped following; the rebuild goes on in the server (./orp replay again, or GET /admin/api/projections/rebuild, to follow it)" >&2; exit 130' INT TERM
  say "rebuilding every view from the event log..." >&2
  curl -sS -X POST -H "Authorization: Bearer $ADMIN_TOKEN" -o "$tmp/body" -w '%{http_code}' "$url" >"$tmp/code" 2>"$tmp/error" &
  pid=$!
  while pid_alive "$pid"; do
    sleep 1 &
    wait $! || true
    pid_alive "$pid" || break
    if status=$(curl -fsS -m 3 -H "Authorization: Bearer $ADMIN_TOKEN" "$url" 2>/dev/null); then
      replay_progress "$status"
    fi
  done
  wait "$pid" || rc=$?
  trap - INT TERM
  code=$(cat "$tmp/code" 2>/dev/null || true)
  body=$(cat "$tmp/body" 2>/dev/null || true)
  if ((rc != 0)) || [[ -z $code || $code == 000 ]]; then
    die "the admin API did not answer (is ./orp up running?): $(tr -d '\n' <"$tmp/error")"
  fi
  if [[ $code != 200 ]]; then
    # ProblemDetails ("detail") for a refused or failed rebuild, the admin error envelope ("message") otherwise.
    detail=$(json_string "$body" detail)
    [[ -n $detail ]] || detail=$(json_string "$body" message)
    case $code in
      409) die "the rebuild did not start: ${detail:-another instance is running one}" ;;
      500) die "the rebuild failed: ${detail:-$body}" ;;
      *) die "the admin API answered $code: ${detail:-$body}" ;;
    esac
  fi
  printf '%s\n' "$body"
  local ms switch
  ms=$(json_number "$body" elapsedMilliseconds)
  switch=$(json_number "$body" switchMilliseconds)
  say "rebuilt every view: $(thousands "$(json_number "$body" events)") events in $((ms / 1000)).$((ms % 1000 / 100)) s" \
    "(≈$(thousands "$(json_number "$body" eventsPerSecond)")/s); appends waited ${switch:-?} ms for the switch" >&2
}

# ./orp export [--stream ID] [--from ISO-TIME] [--to ISO-TIME] [--format jsonl|csv] > file
cmd_export() {
  local query=() arg
  while [[ $# -gt 0 ]]; do
    arg=$1
    case $arg in
      --stream)
        [[ $# -ge 2 ]] || die "$arg needs a value"
        query+=(--data-urlencode "stream=$2"); shift 2 ;;
      --format)
        [[ $# -ge 2 ]] || die "$arg needs a value"
        [[ $2 == jsonl || $2 == csv ]] || die "export: --format '$2' is not one of jsonl, csv"
        query+=(--data-urlencode "format=$2"); shift 2 ;;
      --from | --to)
        [[ $# -ge 2 ]] || die "$arg needs a value"
        # Anything GNU date reads ("2026-11-01", "yesterday", "2 hours ago"), sent as ISO 8601 UTC.
        local at
        at=$(date -u -d "$2" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null) || die "export: $arg '$2' is not a date or time (try 2026-11-01 or 2026-11-01T12:00:00Z)"
        query+=(--data-urlencode "${arg#--}=$at"); shift 2 ;;
      *) die "export: unknown option $arg (use --stream, --from, --to, --format)" ;;
    esac
  done
  admin_api GET /events/export -G "${query[@]}"
}
