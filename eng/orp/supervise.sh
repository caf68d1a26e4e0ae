# shellcheck shell=bash
# eng/orp/supervise.sh — Processes: starting in the background, and supervision of `up` by supervisord.
# Sourced by ./orp (which sets the configuration first); defines functions only.

# Processes

# Starts CMD in DIR, in its own session (Ctrl-C reaches only this script, which stops things in order), output
# appended to LOG, pid written to $RUN_DIR/NAME.pid.
start_bg() {
  local name=$1 log=$2 dir=$3
  shift 3
  rm -f "$RUN_DIR/$name.pid"
  {
    printf '\n===== %s starting %s =====\n' "$(date -Is)" "$name"
  } >>"$log"
  # shellcheck disable=SC2016 # expanded by the inner bash
  (cd "$dir" && exec setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' orp-start "$RUN_DIR/$name.pid" "$@") >>"$log" 2>&1 </dev/null &
  disown $! 2>/dev/null || true # ours to stop by pid file, not bash's to report on
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s $RUN_DIR/$name.pid ]] && return 0
    sleep 0.1
  done
  die "could not start $name"
}

# The last N lines this run wrote to LOG (start_bg marks each start).
run_tail() {
  awk '/^===== .* starting /{n=0} {buf[n++]=$0} END{s=(n>'"$2"')?n-'"$2"':0; for(i=s;i<n;i++) print buf[i]}' "$1" >&2
}

# ---------------------------------------------------------------------------------------------------------------
# Supervision (`up` only): supervisord, from Debian's `supervisor` package, runs the instance's PostgreSQL, RabbitMQ,
# Api and workers, and starts again any of them that exits. One supervisord per instance: its config, unix socket,
# pid file and log are under $RUN_DIR and $LOG_DIR (no system service, nothing in /etc/supervisor). A program that
# exits after running SUP_STARTSECS is started again at once; one that exits sooner is retried after 1 s, 2 s, 3 s…
# (supervisor's backoff) and given up on (FATAL) after SUP_RETRIES tries in a row, about 3½ minutes; `./orp up -d`
# then starts it again. `./orp test` and `./orp bench` keep their own short-lived servers (pg_start, rmq_start).

SUP_STARTSECS=3 SUP_RETRIES=20

ensure_supervisor() {
  command -v supervisord >/dev/null && command -v supervisorctl >/dev/null && return 0
  apt_install supervisor
  command -v supervisord >/dev/null || die "supervisord is missing after installing supervisor"
}

sup_paths() {
  SUP_CONF=$RUN_DIR/supervisord.conf SUP_PIDFILE=$RUN_DIR/supervisord.pid SUP_LOG=$LOG_DIR/supervisord.log
  SUP_SOCK=$RUN_DIR/supervisor.sock
  # A unix socket's path holds at most 107 bytes: a deep ORP_DATA_DIR gets its socket in /tmp.
  if ((${#SUP_SOCK} > 100)); then
    SUP_SOCK=/tmp/orp-supervisor-$(printf '%s' "$RUN_DIR" | sha256sum | cut -c1-12).sock
  fi
}

sup_pid() { live_pid "$SUP_PIDFILE" supervisord; }
sup_running() { [[ -n $(sup_pid) ]]; }
supctl() { supervisorctl -c "$SUP_CONF" "$@"; }

# PROGRAM's state as supervisorctl shows it: RUNNING, STARTING, BACKOFF, STOPPED, EXITED, FATAL; UNKNOWN when
# supervisord does not answer.
sup_state() {
  local out
  out=$(supctl status "$1" 2>/dev/null || true)
  read -r _ out _ <<<"$out"
  printf '%s' "${out:-UNKNOWN}"
}

# True while PROGRAM runs or supervisord is still trying to start it.
sup_alive() { [[ $(sup_state "$1") =~ ^(RUNNING|STARTING|BACKOFF)$ ]]; }

# How many times each program exited without being asked to since supervisord started (each such exit is followed
# by a restart, or by FATAL when the backoff gave up): "NAME COUNT" lines, from supervisord's own log.
sup_restarts() {
  [[ -s $SUP_LOG ]] || return 0
  awk '/ supervisord started with pid /{delete n} $4 == "exited:" {n[$5]++} END{for (p in n) print p, n[p]}' "$SUP_LOG"
}

# A path for supervisord.conf, % doubled (supervisor expands %(name)s); a word of a command line or an environment
# value: that, double-quoted.
sup_path() { printf '%s' "${1//%/%%}"; }
sup_arg() { local a=${1//%/%%}; printf '"%s"' "${a//\"/\\\"}"; }

# [program:NAME] PRIORITY AUTOSTART DIR LOG STOPSIGNAL STOPWAITSECS GROUPKILL USER ENV -- COMMAND...
# ENV is KEY=VALUE,... already quoted (sup_env), or empty; USER empty for supervisord's own.
sup_program() {
  local name=$1 priority=$2 autostart=$3 dir=$4 log=$5 signal=$6 wait=$7 group=$8 user=$9 env=${10} a cmd=""
  shift 11
  for a in "$@"; do cmd+="${cmd:+ }$(sup_arg "$a")"; done
  cat <<EOF

[program:$name]
command=$cmd
directory=$(sup_path "$dir")
priority=$priority
autostart=$autostart
autorestart=true
startsecs=$SUP_STARTSECS
startretries=$SUP_RETRIES
stopsignal=$signal
stopwaitsecs=$wait
stopasgroup=$group
killasgroup=true
redirect_stderr=true
stdout_logfile=$(sup_path "$log")
stdout_logfile_maxbytes=0
stdout_logfile_backups=0
EOF
  [[ -z $user ]] || echo "user=$user"
  [[ -z $env ]] || echo "environment=$env"
}

# KEY=VALUE... as supervisord's environment= list.
sup_env() {
  local kv out=""
  for kv in "$@"; do out+="${out:+,}${kv%%=*}=$(sup_arg "${kv#*=}")"; done
  printf '%s' "$out"
}

# Writes $RUN_DIR/launch (records its pid in FILE, then becomes COMMAND: the pid supervisord watches is the
# program's, and the pid file stays right across restarts) and supervisord.conf for this instance.
sup_write_conf() {
  local dotnet i wport
  dotnet=$(command -v dotnet)
  # shellcheck disable=SC2016 # for the launcher
  printf '#!/bin/sh\n# written by ./orp: records the pid in $1, then becomes the rest of the command line\necho $$ >"$1"\nshift\nexec "$@"\n' \
    >"$RUN_DIR/launch"
  chmod 755 "$RUN_DIR/launch"
  rmq_env
  {
    cat <<EOF
; written by ./orp up whenever it starts supervisord (the Supervision section of ./orp)
[unix_http_server]
file=$(sup_path "$SUP_SOCK")
chmod=0700

[supervisorctl]
serverurl=unix://$(sup_path "$SUP_SOCK")

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisord]
logfile=$(sup_path "$SUP_LOG")
logfile_maxbytes=0
pidfile=$(sup_path "$SUP_PIDFILE")
directory=$(sup_path "$ROOT")
childlogdir=$(sup_path "$LOG_DIR")
identifier=orp-$ORP_HTTP_PORT
EOF
    # Stopped in the reverse order: the Api, the workers, RabbitMQ, PostgreSQL (SIGINT: its fast shutdown).
    sup_program postgres 10 true "$PG_ROOT" "$PG_LOG" INT 60 false "$PG_OS_USER" "" -- \
      "$PGBIN/postgres" -D "$PGDATA_DIR"
    # RUNNING_UNDER_SYSTEMD: rabbitmq-server execs the Erlang VM instead of waiting on it in a shell, so the VM is
    # what supervisord watches and signals (SIGTERM stops it cleanly).
    sup_program rabbitmq 20 true "$RMQ_ROOT" "$LOG_DIR/rabbitmq.log" TERM 60 true "" \
      "$(sup_env "${RMQ_ENV[@]}" RUNNING_UNDER_SYSTEMD=true)" -- \
      "$RUN_DIR/launch" "$RUN_DIR/rabbitmq.pid" "$RMQ_BIN/rabbitmq-server"
    # The apps start once ./orp has seen PostgreSQL and RabbitMQ ready (autostart=false); they get supervisord's
    # environment, which is ./orp's after app_env.
    for ((i = 1; i <= ORP_WORKERS; i++)); do
      wport=$((ORP_HTTP_PORT + 100 + i))
      # Workers answer only health checks, on loopback whatever ORP_BIND says.
      sup_program "worker-$i" 30 false "$(dirname "$WORKER_DLL")" "$LOG_DIR/worker-$i.log" TERM 20 true "" \
        "$(sup_env "ORP_WORKER_ID=worker-$i" "ORP_WORKER_PORT=$wport" ORP_BIND=127.0.0.1)" -- \
        "$RUN_DIR/launch" "$RUN_DIR/worker-$i.pid" "$dotnet" "$WORKER_DLL"
    done
    sup_program api 40 false "$(dirname "$API_DLL")" "$LOG_DIR/api.log" TERM 20 true "" "" -- \
      "$RUN_DIR/launch" "$RUN_DIR/api.pid" "$dotnet" "$API_DLL"
  } >"$SUP_CONF.tmp"
  mv "$SUP_CONF.tmp" "$SUP_CONF"
  echo "$ORP_HTTP_PORT" >"$RUN_DIR/api.port"
  for ((i = 1; i <= ORP_WORKERS; i++)); do echo $((ORP_HTTP_PORT + 100 + i)) >"$RUN_DIR/worker-$i.port"; done
}

# The programs in supervisord.conf that are the apps: api first, then worker-1, worker-2…
sup_apps() { sed -n 's/^\[program:\(api\|worker-[0-9]*\)\]$/\1/p' "$SUP_CONF"; }

sup_start_daemon() {
  say "starting supervisord (config $SUP_CONF)"
  {
    printf '\n===== %s starting supervisord =====\n' "$(date -Is)"
  } >>"$SUP_LOG"
  # It daemonizes (own session: a Ctrl-C here does not reach it) and writes its pid file.
  supervisord -c "$SUP_CONF" </dev/null >>"$SUP_LOG" 2>&1 || { tail -n 20 "$SUP_LOG" >&2; die "supervisord did not start (log: $SUP_LOG)"; }
  local i
  for ((i = 0; i < 100; i++)); do
    supctl pid >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  tail -n 20 "$SUP_LOG" >&2
  die "supervisord did not answer on $SUP_SOCK (log: $SUP_LOG)"
}

# Starts PROGRAM... (those not running; supervisorctl waits out startsecs, but not for readiness).
sup_start() {
  local name todo=()
  for name in "$@"; do
    case $(sup_state "$name") in
      RUNNING | STARTING | BACKOFF) ;;
      *) todo+=("$name") ;;
    esac
  done
  ((${#todo[@]} > 0)) || return 0
  say "starting ${todo[*]}"
  supctl start "${todo[@]}" >/dev/null 2>&1 || true
}

# Stops every program (in reverse priority order), then supervisord itself.
sup_shutdown() {
  local pid
  pid=$(sup_pid)
  [[ -n $pid ]] || return 0
  # One step at a time (`stop all` would signal them all at once): the Api (no new work), the workers, RabbitMQ,
  # PostgreSQL.
  local apps step
  mapfile -t apps < <(sup_apps)
  for step in api "${apps[*]/api/}" rabbitmq postgres; do
    [[ -n ${step// /} ]] || continue
    # shellcheck disable=SC2086 # a step may name several workers
    supctl stop $step 2>&1 | sed '/ERROR (not running)/d; s/^/orp: /' || true
  done
  say "stopping supervisord (pid $pid)"
  supctl shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  wait_exit "$pid" 60 || stop_pid supervisord "$pid" 10
}
