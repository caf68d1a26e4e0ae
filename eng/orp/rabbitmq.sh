# shellcheck shell=bash
# eng/orp/rabbitmq.sh — RabbitMQ: our own node per instance, on loopback.
# Sourced by ./orp (which sets the configuration first); defines functions only.

# RabbitMQ: our own node name, config, mnesia, Erlang cookie (HOME), epmd and distribution ports, so that it never
# meets another RabbitMQ on this machine.

rmq_env() {
  RMQ_ENV=(
    HOME="$RMQ_ROOT/home"
    RABBITMQ_NODENAME="$RMQ_NODE"
    RABBITMQ_USE_LONGNAME=false
    RABBITMQ_CONF_ENV_FILE="$RMQ_ROOT/rabbitmq-env.conf"
    RABBITMQ_CONFIG_FILE="$RMQ_ROOT/rabbitmq.conf"
    RABBITMQ_ADVANCED_CONFIG_FILE="$RMQ_ROOT/advanced.config"
    RABBITMQ_ENABLED_PLUGINS_FILE="$RMQ_ROOT/enabled_plugins"
    RABBITMQ_MNESIA_BASE="$RMQ_ROOT/mnesia"
    RABBITMQ_LOG_BASE="$RMQ_ROOT/log"
    RABBITMQ_LOGS=-
    RABBITMQ_PID_FILE="$RMQ_ROOT/rabbit.pid"
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    RABBITMQ_NODE_PORT="$RMQ_PORT"
    RABBITMQ_DIST_PORT="$RMQ_DIST_PORT"
    RABBITMQ_CTL_DIST_PORT_MIN="$RMQ_CTL_MIN"
    RABBITMQ_CTL_DIST_PORT_MAX="$RMQ_CTL_MAX"
    ERL_EPMD_PORT="$RMQ_EPMD_PORT"
    ERL_EPMD_ADDRESS=127.0.0.1
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  )
}

rmqctl() { env "${RMQ_ENV[@]}" "$RMQ_BIN/rabbitmqctl" -n "$RMQ_NODE" "$@"; }

rmq_pid() { live_pid "$RUN_DIR/rabbitmq.pid" rabbitmq; }

rmq_start() {
  RMQ_PASSWORD=$(secret_file "$SECRETS/rabbit-password")
  rmq_env
  local pid
  pid=$(rmq_pid)
  if [[ -n $pid ]]; then
    say "RabbitMQ already running (pid $pid, node $RMQ_NODE)"
  else
    rmq_ports_free
    rmq_configure
    say "starting RabbitMQ on 127.0.0.1:$RMQ_PORT (node $RMQ_NODE)"
    start_bg rabbitmq "$LOG_DIR/rabbitmq.log" "$RMQ_ROOT" env "${RMQ_ENV[@]}" "$RMQ_BIN/rabbitmq-server"
    pid=$(head -n1 "$RUN_DIR/rabbitmq.pid")
    if ! rmq_await pid_alive "$pid"; then
      run_tail "$LOG_DIR/rabbitmq.log" 40
      rmq_stop
      die "RabbitMQ did not start within 120s (log: $LOG_DIR/rabbitmq.log)"
    fi
  fi
  rmq_setup
}

rmq_ports_free() {
  local p
  reserve_ports "$RMQ_PORT" "$RMQ_DIST_PORT" "$RMQ_EPMD_PORT" "$RMQ_CTL_MIN-$RMQ_CTL_MAX"
  for p in "$RMQ_PORT" "$RMQ_DIST_PORT" "$RMQ_EPMD_PORT"; do
    await_time_wait "$p"
    if port_open "$p"; then
      die "port 127.0.0.1:$p (RabbitMQ amqp/dist/epmd) is taken by something this script did not start; choose another ORP_RABBIT_PORT/ORP_TEST_RABBIT_PORT/ORP_BENCH_RABBIT_PORT"
    fi
  done
}

# The node's directories and config, before it starts (start_bg, or supervisord).
rmq_configure() {
  RMQ_PASSWORD=$(secret_file "$SECRETS/rabbit-password")
  mkdir -p "$RMQ_ROOT/home" "$RMQ_ROOT/mnesia" "$RMQ_ROOT/log"
  chmod 700 "$RMQ_ROOT" "$RMQ_ROOT/home"
  : >"$RMQ_ROOT/rabbitmq-env.conf" # keeps /etc/rabbitmq/rabbitmq-env.conf out of it
  echo '[].' >"$RMQ_ROOT/enabled_plugins"
  # default_user/default_pass take effect when the node boots on an empty mnesia (no guest user then).
  (
    umask 077
    cat >"$RMQ_ROOT/rabbitmq.conf" <<EOF
# written by ./orp on every start
listeners.tcp.default = 127.0.0.1:$RMQ_PORT
default_user = orp
default_pass = $RMQ_PASSWORD
default_vhost = /
disk_free_limit.absolute = 100MB
EOF
  )
}

# Waits up to 120 s for the node to finish booting, as long as CHECK... (a command: is it still up?) holds.
rmq_await() {
  local deadline=$((SECONDS + 120))
  while ((SECONDS < deadline)); do
    "$@" || return 1
    if timeout 30 env "${RMQ_ENV[@]}" "$RMQ_BIN/rabbitmqctl" -n "$RMQ_NODE" -q await_startup --timeout 20 >/dev/null 2>&1; then
      return 0
    fi
    sleep 1
  done
  return 1
}

# Once the node runs: its settings for rmq_stop, then our user.
rmq_setup() {
  RMQ_PASSWORD=$(secret_file "$SECRETS/rabbit-password")
  printf 'RMQ_ROOT=%q\nRMQ_NODE=%q\nRMQ_PORT=%q\nRMQ_DIST_PORT=%q\nRMQ_EPMD_PORT=%q\nRMQ_CTL_MIN=%q\nRMQ_CTL_MAX=%q\n' \
    "$RMQ_ROOT" "$RMQ_NODE" "$RMQ_PORT" "$RMQ_DIST_PORT" "$RMQ_EPMD_PORT" "$RMQ_CTL_MIN" "$RMQ_CTL_MAX" >"$RUN_DIR/rabbitmq.env"

  # The user is made at first boot from the config; this repairs it if the password file changed since.
  if ! rmqctl -q authenticate_user -- orp "$RMQ_PASSWORD" >/dev/null 2>&1; then
    say "setting up RabbitMQ user orp"
    rmqctl -q add_user -- orp "$RMQ_PASSWORD" >/dev/null 2>&1 || rmqctl -q change_password -- orp "$RMQ_PASSWORD" >/dev/null
    rmqctl -q set_permissions -p / orp '.*' '.*' '.*' >/dev/null
    rmqctl -q authenticate_user -- orp "$RMQ_PASSWORD" >/dev/null || die "cannot authenticate to RabbitMQ as orp"
  fi
  rmqctl -q delete_user guest >/dev/null 2>&1 || true
  RMQ_USER=orp
}

rmq_stop() {
  local env=$RUN_DIR/rabbitmq.env pid
  pid=$(rmq_pid)
  if [[ -s $env ]]; then
    # shellcheck disable=SC1090
    source "$env"
  fi
  rmq_env
  if [[ -n $pid ]]; then
    say "stopping RabbitMQ (node $RMQ_NODE, pid $pid)"
    timeout 60 env "${RMQ_ENV[@]}" "$RMQ_BIN/rabbitmqctl" -n "$RMQ_NODE" -q stop >/dev/null 2>&1 || true
    wait_exit "$pid" 30 || stop_pid rabbitmq "$pid" 30
  fi
  # The epmd that our node started (on our own epmd port) goes too; one with live nodes refuses to die.
  if [[ -n ${RMQ_EPMD_PORT:-} ]] && port_open "$RMQ_EPMD_PORT"; then
    ERL_EPMD_PORT=$RMQ_EPMD_PORT epmd -kill >/dev/null 2>&1 || true
  fi
  rm -f "$RUN_DIR/rabbitmq.pid"
}
