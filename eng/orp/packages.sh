# shellcheck shell=bash
# eng/orp/packages.sh — Installing what is missing: Debian packages (PostgreSQL, RabbitMQ, supervisor, Node.js), the .NET SDK, Chromium for the browser tests.
# Sourced by ./orp (which sets the configuration first); defines functions only.

# Packages

APT_UPDATED=0
apt_run() {
  if is_root; then "$@"; else
    command -v sudo >/dev/null || die "installing packages needs root or sudo: $*"
    sudo "$@"
  fi
}

# Installs Debian packages. Package scripts must not start system services (policy-rc.d answers 101 for the
# duration of the install, if the machine has no policy of its own): we start our own servers, on our own ports.
apt_install() {
  say "installing $* with apt-get (one time; this can take a few minutes)"
  (
    local policy=/usr/sbin/policy-rc.d added=0
    if [[ ! -e $policy ]]; then
      printf '#!/bin/sh\n# temporary, from OrProject ./orp: no service starts during the install\nexit 101\n' |
        apt_run tee "$policy" >/dev/null
      apt_run chmod 755 "$policy"
      added=1
    fi
    trap '[[ $added == 1 ]] && apt_run rm -f "$policy"' EXIT
    export DEBIAN_FRONTEND=noninteractive
    local install=(apt_run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confold)
    if [[ $APT_UPDATED == 0 ]] && ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
      say "apt-get update"
      apt_run apt-get update -q
      APT_UPDATED=1
    fi
    if ! "${install[@]}" "$@"; then
      [[ $APT_UPDATED == 0 ]] || exit 1
      say "install failed; running apt-get update and trying once more"
      apt_run apt-get update -q
      "${install[@]}" "$@"
    fi
  ) || die "could not install $*"
  APT_UPDATED=1
}

pg_bin_dir() {
  local d
  d=$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n1 || true)
  [[ -n $d ]] && dirname "$d"
}

RMQ_BIN=/usr/lib/rabbitmq/bin

ensure_packages() {
  local want=()
  [[ -n $(pg_bin_dir) ]] || want+=(postgresql)
  [[ -x $RMQ_BIN/rabbitmq-server && -x $RMQ_BIN/rabbitmqctl ]] || want+=(rabbitmq-server)
  command -v curl >/dev/null || want+=(curl)
  ((${#want[@]} == 0)) || apt_install "${want[@]}"
  PGBIN=$(pg_bin_dir) || true
  [[ -n $PGBIN ]] || die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin after installing"
  [[ -x $RMQ_BIN/rabbitmq-server ]] || die "RabbitMQ not found at $RMQ_BIN after installing rabbitmq-server"
  pg_locate # the postgres OS user may only exist now
}

# The browser tests (tests/OrProject.Admin.Tests) drive Debian's Chromium; they fail, never skip, without it.
ensure_chromium() {
  [[ ${ORP_BROWSER_TESTS:-1} != 0 ]] || return 0
  [[ -x /usr/bin/chromium ]] && return 0
  apt_install chromium
  [[ -x /usr/bin/chromium ]] || die "chromium was installed but /usr/bin/chromium is missing; the browser tests need it"
}

# The admin pages' Chart.js comes from npm at build time (Admin/package-lock.json; the build runs `npm ci`).
ensure_npm() {
  command -v npm >/dev/null && return 0
  apt_install nodejs npm
  command -v npm >/dev/null || die "npm is missing after installing it; the Admin project's build needs it for Chart.js"
}

ensure_dotnet() {
  command -v dotnet >/dev/null || die "the .NET SDK is missing: install the .NET 10 SDK (global.json) and run this again"
}
