# shellcheck shell=bash
# eng/orp/instance.sh — Instances: the `up`, test and bench sets of servers, each with its own ports and directories.
# Sourced by ./orp (which sets the configuration first); defines functions only.

# Instances: `up` runs one set of servers under $ORP_DATA_DIR, `test` another under $ORP_DATA_DIR/test-servers,
# `bench` a third (servers and its own Api and workers) under $ORP_DATA_DIR/bench.

select_instance() {
  INSTANCE=$1
  case $INSTANCE in
    up)
      INST_DIR=$ORP_DATA_DIR
      PG_PORT=$ORP_PG_PORT RMQ_PORT=$ORP_RABBIT_PORT
      PG_ROLE=orp PG_DB=orp PG_SUPERUSER=0
      ;;
    test)
      INST_DIR=$ORP_DATA_DIR/test-servers
      PG_PORT=$ORP_TEST_PG_PORT RMQ_PORT=$ORP_TEST_RABBIT_PORT
      PG_ROLE=orp PG_DB=postgres PG_SUPERUSER=1
      ;;
    bench)
      INST_DIR=$ORP_DATA_DIR/bench
      PG_PORT=$ORP_BENCH_PG_PORT RMQ_PORT=$ORP_BENCH_RABBIT_PORT
      PG_ROLE=orp PG_DB=orp PG_SUPERUSER=0
      ;;
  esac
  LOG_DIR=$INST_DIR/logs RUN_DIR=$INST_DIR/run SECRETS=$INST_DIR/secrets
  RMQ_ROOT=$INST_DIR/rabbitmq
  # RabbitMQ's own ports, all derived from the AMQP port so that two instances never share one.
  RMQ_DIST_PORT=$((RMQ_PORT + 10)) RMQ_EPMD_PORT=$((RMQ_PORT + 20))
  RMQ_CTL_MIN=$((RMQ_PORT + 30)) RMQ_CTL_MAX=$((RMQ_PORT + 39))
  if [[ $INSTANCE == up ]]; then
    RMQ_DIST_PORT=${ORP_RABBIT_DIST_PORT:-$RMQ_DIST_PORT} RMQ_EPMD_PORT=${ORP_RABBIT_EPMD_PORT:-$RMQ_EPMD_PORT}
  fi
  RMQ_NODE=orp-$RMQ_PORT@localhost
  pg_locate
  sup_paths
}

# PostgreSQL refuses to run as root: as root we run it as the `postgres` OS user, which must be able to reach the
# data directory. When it cannot (say the repository lives under /root), its files go to /var/tmp instead.
PG_OS_USER=
pg_locate() {
  PG_ROOT=$INST_DIR/postgres
  if is_root; then
    PG_OS_USER=postgres
    # We create the missing part of the path with mode 755; the existing part must let `postgres` through.
    local d=$INST_DIR
    while [[ ! -d $d ]]; do d=$(dirname "$d"); done
    if id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
      PG_ROOT=/var/tmp/orp-$(printf '%s' "$INST_DIR" | sha256sum | cut -c1-12)/postgres
    fi
  fi
  PGDATA_DIR=$PG_ROOT/data PG_SOCK=$PG_ROOT/run PG_LOG=$PG_ROOT/postgres.log
}

as_pg() {
  if [[ -n $PG_OS_USER ]]; then runuser -u "$PG_OS_USER" -- "$@"; else "$@"; fi
}

prepare_dirs() {
  mkdir -p "$ORP_DATA_DIR" "$INST_DIR" "$LOG_DIR" "$RUN_DIR" "$SECRETS"
  chmod 755 "$ORP_DATA_DIR" "$INST_DIR"
  chmod 700 "$SECRETS"
}
