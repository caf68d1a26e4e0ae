# shellcheck shell=bash
# eng/orp/postgres.sh — PostgreSQL: our own cluster per instance, on loopback.
# Sourced by ./orp (which sets the configuration first); defines functions only.

# PostgreSQL

pg_running() { [[ -s $PGDATA_DIR/PG_VERSION ]] && as_pg "$PGBIN/pg_ctl" status -D "$PGDATA_DIR" >/dev/null 2>&1; }

pg_psql() { as_pg "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres "$@"; }

pg_start() {
  PG_PASSWORD=$(secret_file "$SECRETS/pg-password")
  if pg_running; then
    say "PostgreSQL already running (data $PGDATA_DIR)"
  else
    if port_open "$PG_PORT"; then
      die "port 127.0.0.1:$PG_PORT is taken by a server this script did not start; choose another (ORP_PG_PORT, ORP_TEST_PG_PORT, ORP_BENCH_PG_PORT)"
    fi
    pg_configure
    say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    [[ -z $PG_OS_USER ]] || chown "$PG_OS_USER:" "$PG_LOG"
    as_pg "$PGBIN/pg_ctl" start -D "$PGDATA_DIR" -l "$PG_LOG" -w -t 90 >/dev/null ||
      { tail -n 30 "$PG_LOG" >&2; die "PostgreSQL did not start (log: $PG_LOG)"; }
  fi
  pg_setup
}

# The data directory (initdb on first use) and our settings, before the server starts (pg_ctl, or supervisord).
pg_configure() {
  mkdir -p "$PG_ROOT" "$PG_SOCK"
  [[ -z $PG_OS_USER ]] || chown "$PG_OS_USER:" "$PG_ROOT" "$PG_SOCK"
  chmod 700 "$PG_SOCK"
  if [[ ! -s $PGDATA_DIR/PG_VERSION ]]; then
    say "initialising PostgreSQL data in $PGDATA_DIR"
    rm -rf "$PGDATA_DIR"
    # Local socket: trust, but the socket lives in a mode-700 directory of the server's user. TCP: scram.
    as_pg "$PGBIN/initdb" -D "$PGDATA_DIR" -U postgres -E UTF8 --locale=C \
      --auth-local=trust --auth-host=scram-sha-256 >"$LOG_DIR/postgres-initdb.log" 2>&1 ||
      { tail -n 20 "$LOG_DIR/postgres-initdb.log" >&2; die "initdb failed"; }
    echo "include_if_exists = 'orp.conf'" | as_pg tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null
  fi
  # Rewritten on every start, so a changed port takes effect.
  {
    echo "# written by ./orp on every start"
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $PG_PORT"
    echo "unix_socket_directories = '$PG_SOCK'"
    echo "max_connections = 300"
    # The gateway's hot data (key ledgers, holds, the newest events) is a few MB; the default 128 MB of buffers only
    # fills with event pages read once, and counts in the memory a single host gives the whole system. The operating
    # system's page cache still holds what replays read. A large deployment sizes its own database server.
    echo "shared_buffers = 32MB"
    echo "password_encryption = 'scram-sha-256'"
    if [[ $INSTANCE == test ]]; then
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } | as_pg tee "$PGDATA_DIR/orp.conf" >/dev/null
  : >>"$PG_LOG"
}

# Once the server answers: its pid and settings for pg_stop, then our role and database.
pg_setup() {
  PG_PASSWORD=$(secret_file "$SECRETS/pg-password")
  ln -sfn "$PG_LOG" "$LOG_DIR/postgres.log"
  head -n1 "$PGDATA_DIR/postmaster.pid" >"$RUN_DIR/postgres.pid"
  printf 'PGBIN=%q\nPGDATA_DIR=%q\nPG_SOCK=%q\nPG_PORT=%q\nPG_OS_USER=%q\n' \
    "$PGBIN" "$PGDATA_DIR" "$PG_SOCK" "$PG_PORT" "$PG_OS_USER" >"$RUN_DIR/postgres.env"

  # Role and database; the password is (re)set from the file each time so the two can never drift apart.
  local attrs="LOGIN NOSUPERUSER CREATEDB"
  [[ $PG_SUPERUSER == 1 ]] && attrs="LOGIN SUPERUSER"
  pg_psql -d postgres -v role="$PG_ROLE" <<SQL
\\set pw '$PG_PASSWORD'
SELECT format('CREATE ROLE %I', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I WITH $attrs PASSWORD %L', :'role', :'pw') \gexec
SQL
  if [[ $PG_DB != postgres ]]; then
    pg_psql -d postgres -v role="$PG_ROLE" -v db="$PG_DB" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
  fi
  PGPASSWORD=$PG_PASSWORD "$PGBIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_ROLE" -d "$PG_DB" -Atc 'select 1' >/dev/null ||
    die "cannot log in to PostgreSQL as $PG_ROLE on 127.0.0.1:$PG_PORT"
  pg_conn
}

# The apps' connection string (the password is the instance's, whether or not the server runs yet).
pg_conn() {
  PG_PASSWORD=$(secret_file "$SECRETS/pg-password")
  PG_CONN="Host=127.0.0.1;Port=$PG_PORT;Username=$PG_ROLE;Password=$PG_PASSWORD;Database=$PG_DB"
}

pg_stop() {
  local env=$RUN_DIR/postgres.env
  [[ -s $env ]] || return 0
  (
    # shellcheck disable=SC1090
    source "$env"
    as_pg "$PGBIN/pg_ctl" status -D "$PGDATA_DIR" >/dev/null 2>&1 || exit 0
    say "stopping PostgreSQL (127.0.0.1:$PG_PORT)"
    as_pg "$PGBIN/pg_ctl" stop -D "$PGDATA_DIR" -m fast -w -t 60 >/dev/null ||
      as_pg "$PGBIN/pg_ctl" stop -D "$PGDATA_DIR" -m immediate -w -t 30 >/dev/null
  ) || warn "PostgreSQL did not stop cleanly"
  rm -f "$RUN_DIR/postgres.pid"
}
