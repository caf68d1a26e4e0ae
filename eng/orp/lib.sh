# shellcheck shell=bash
# eng/orp/lib.sh — Small helpers every part uses: messages, secrets, ports and processes by pid.
# Sourced by ./orp (which sets the configuration first); defines functions only.

say()  { printf 'orp: %s\n' "$*"; }
warn() { printf 'orp: warning: %s\n' "$*" >&2; }
die()  { printf 'orp: error: %s\n' "$*" >&2; exit 1; }
is_root() { [[ $(id -u) -eq 0 ]]; }

# A secret of 32 url-safe characters from the kernel's CSPRNG (safe inside URIs and connection strings).
new_secret() { head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }

# Reads the secret stored in FILE, creating it (mode 600) on first use.
secret_file() {
  local file=$1
  if [[ ! -s $file ]]; then
    mkdir -p "$(dirname "$file")"
    (umask 077; new_secret >"$file.tmp") && mv "$file.tmp" "$file"
  fi
  chmod 600 "$file"
  tr -d '\n' <"$file"
}

# True when something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Keeps PORTS out of the kernel's choice of ephemeral ports (net.ipv4.ip_local_reserved_ports), which they sit in
# (32768-60999): a client connection given one of them as its own port leaves it in TIME-WAIT for a minute after it
# closes, and RabbitMQ will not start its distribution listener on a port in that state. Only as root and where
# /proc/sys is writable (not in most containers); the setting lasts until reboot and changes nothing else. The kernel
# keeps it as a bitmap, so writing back what is there plus PORTS (ranges as LOW-HIGH) merges any repeats.
reserve_ports() {
  local file=/proc/sys/net/ipv4/ip_local_reserved_ports current
  is_root && [[ -w $file ]] || return 0
  current=$(tr -d ' \n' <"$file")
  (IFS=,; echo "${current:+$current,}$*") >"$file" 2>/dev/null || true
}

# Waits (at most 65 s, TIME-WAIT's 60 and a margin) until no closed connection still holds 127.0.0.1:PORT as its own
# port: the leftover of a client connection that was given it as an ephemeral port before reserve_ports could.
await_time_wait() {
  local port=$1 hex i
  hex=$(printf '%04X' "$port")
  for ((i = 0; i < 65; i++)); do
    # /proc/net/tcp: local address "0100007F:PORT" in hex, state 06 = TIME_WAIT.
    awk -v p=":$hex" '$2 ~ p"$" && $4 == "06" { found = 1 } END { exit !found }' /proc/net/tcp 2>/dev/null || return 0
    ((i)) || say "waiting for closed connections on port $port to leave TIME-WAIT (up to a minute)"
    sleep 1
  done
}

pid_alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }

# The pid recorded in FILE if that process is still alive and its command line contains NEEDLE (guards against
# a recycled pid); empty otherwise.
live_pid() {
  local file=$1 needle=$2 pid
  [[ -s $file ]] || return 0
  pid=$(head -n1 "$file")
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  pid_alive "$pid" || return 0
  if [[ -r /proc/$pid/cmdline ]] && ! grep -qaF -- "$needle" "/proc/$pid/cmdline"; then
    return 0
  fi
  printf '%s' "$pid"
}

# Waits up to SECONDS for PID to exit; true when it did.
wait_exit() {
  local pid=$1 seconds=$2 i
  for ((i = 0; i < seconds * 5; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.2
  done
  ! pid_alive "$pid"
}

# Sends TERM to PID, then KILL after SECONDS.
stop_pid() {
  local name=$1 pid=$2 seconds=${3:-20}
  pid_alive "$pid" || return 0
  say "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_exit "$pid" "$seconds"; then
    warn "$name did not stop within ${seconds}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    wait_exit "$pid" 5 || true
  fi
}
