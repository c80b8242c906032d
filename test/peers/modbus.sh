#!/usr/bin/env bash
# Real Modbus/TCP peers for tests and benches (no Docker). Needs test/peers/install-debian.sh first.
#
#   test/peers/modbus.sh build                       # gcc libmodbus_server.c -> .peers/modbus/libmodbus_server
#   test/peers/modbus.sh start-pymodbus PORT [UNIT]  # pymodbus 3.0 server (/usr/bin/python3), background
#   test/peers/modbus.sh start-libmodbus PORT [--unit N] [--rtu-over-tcp]
#                                                    # libmodbus C server, many concurrent connections
#   test/peers/modbus.sh stop PORT                   # SIGTERM, SIGKILL after 10 s
#   test/peers/modbus.sh kill9 PORT                  # SIGKILL (crash simulation)
#   test/peers/modbus.sh status PORT                 # exit 0 if running
#   test/peers/modbus.sh stop-all                    # stop every server started from this checkout
#
# Servers listen on 127.0.0.1 only. Starts are idempotent for the same kind on the same port, and
# fail loudly if the port is taken by anything else. Both servers share one deterministic layout
# (see the header of test/peers/modbus/pymodbus_server.py): HR[i]=100+i, IR[i]=30000+i,
# coil[i]=(i%3==0), DI[i]=(i%2==1), addresses 0..9999, zero-based.
# Files: .peers/modbus/<PORT>.pid, <PORT>.kind, <PORT>.log. Env: OUTRIGGER_PEERS_DIR.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
PEERS_DIR="${OUTRIGGER_PEERS_DIR:-$ROOT/.peers}"
BASE="$PEERS_DIR/modbus"
SRC_DIR="$SCRIPT_DIR/modbus"
BIN="$BASE/libmodbus_server"
PY=/usr/bin/python3   # Debian's python3-pymodbus lives here; a pyenv/venv python3 on PATH lacks it.

PEER_NAME=modbus
# shellcheck source=lib.sh
. "$SCRIPT_DIR/lib.sh"

check_port_arg() {
  [[ "${1:-}" =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ] && [ "$1" -le 65535 ] || die "PORT required (1-65535), got '${1:-}'"
}

pidfile() { echo "$BASE/$1.pid"; }
kindfile() { echo "$BASE/$1.kind"; }
logfile() { echo "$BASE/$1.log"; }

read_pid() { local f; f="$(pidfile "$1")"; [ -f "$f" ] && cat "$f" 2>/dev/null || true; }

is_running() { # port
  local pid; pid="$(read_pid "$1")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}


cmd_build() {
  local src="$SRC_DIR/libmodbus_server.c" stamp="$BASE/libmodbus_server.sha256" want
  command -v gcc >/dev/null || die "gcc missing (run test/peers/install-debian.sh)"
  pkg-config --exists libmodbus 2>/dev/null || die "libmodbus-dev missing (run test/peers/install-debian.sh)"
  want="$(sha256sum < "$src" | cut -d' ' -f1)-$(pkg-config --modversion libmodbus)"
  if [ -x "$BIN" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "libmodbus_server up to date ($BIN)"
    return 0
  fi
  mkdir -p "$BASE"
  # shellcheck disable=SC2046
  gcc -O2 -Wall -Wextra -o "$BIN.tmp" "$src" $(pkg-config --cflags --libs libmodbus)
  mv "$BIN.tmp" "$BIN"
  echo "$want" > "$stamp"
  log "built $BIN (libmodbus $(pkg-config --modversion libmodbus))"
}

start_common() { # kind port cmd...
  local kind="$1" port="$2"; shift 2
  mkdir -p "$BASE"
  if is_running "$port"; then
    local have; have="$(cat "$(kindfile "$port")" 2>/dev/null || echo '?')"
    [ "$have" = "$kind" ] || die "port $port already runs a '$have' server (pid $(read_pid "$port")); stop it first"
    log "$kind already running on 127.0.0.1:$port (pid $(read_pid "$port"))"
    echo "$port"
    return 0
  fi
  rm -f "$(pidfile "$port")" "$(kindfile "$port")"
  port_in_use "$port" && die "port $port is already in use by another process"
  local lf; lf="$(logfile "$port")"
  : > "$lf"
  nohup setsid "$@" </dev/null >>"$lf" 2>&1 &
  local pid=$!
  echo "$pid" > "$(pidfile "$port")"
  echo "$kind" > "$(kindfile "$port")"
  local i=0
  until grep -q "listening on" "$lf" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$lf" >&2 || true
      rm -f "$(pidfile "$port")" "$(kindfile "$port")"
      die "$kind server on port $port exited during startup (log: $lf)"
    fi
    i=$((i + 1))
    if [ "$i" -ge 150 ]; then
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$(pidfile "$port")" "$(kindfile "$port")"
      die "$kind server on port $port not listening after 15 s (log: $lf)"
    fi
    sleep 0.1
  done
  log "$kind listening on 127.0.0.1:$port (pid $pid, log $lf)"
  echo "$port"
}

cmd_start_pymodbus() {
  local port="${1:-}"; check_port_arg "$port"; shift
  [ -x "$PY" ] || die "$PY not found"
  "$PY" -c 'import pymodbus.server' 2>/dev/null || die "pymodbus not importable by $PY (run test/peers/install-debian.sh)"
  start_common pymodbus "$port" "$PY" "$SRC_DIR/pymodbus_server.py" "$port" "$@"
}

cmd_start_libmodbus() {
  local port="${1:-}"; check_port_arg "$port"; shift
  cmd_build
  local kind=libmodbus
  for a in "$@"; do [ "$a" = "--rtu-over-tcp" ] && kind=libmodbus-rtu; done
  start_common "$kind" "$port" "$BIN" "$@" "$port"
}

cmd_stop() {
  local port="${1:-}"; check_port_arg "$port"
  if ! is_running "$port"; then rm -f "$(pidfile "$port")" "$(kindfile "$port")"; log "nothing running on $port"; return 0; fi
  local pid; pid="$(read_pid "$port")"
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_pid_gone "$pid" 10; then
    log "pid $pid still alive after 10 s, SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_pid_gone "$pid" 5 || die "pid $pid did not die"
  fi
  rm -f "$(pidfile "$port")" "$(kindfile "$port")"
  log "stopped server on $port"
}

cmd_kill9() {
  local port="${1:-}"; check_port_arg "$port"
  if ! is_running "$port"; then rm -f "$(pidfile "$port")" "$(kindfile "$port")"; log "nothing running on $port"; return 0; fi
  local pid; pid="$(read_pid "$port")"
  kill -KILL "$pid" 2>/dev/null || true
  wait_pid_gone "$pid" 5 || die "pid $pid did not die"
  rm -f "$(pidfile "$port")" "$(kindfile "$port")"
  log "killed -9 server on $port (pid $pid)"
}

cmd_status() {
  local port="${1:-}"; check_port_arg "$port"
  if is_running "$port"; then
    log "$(cat "$(kindfile "$port")" 2>/dev/null) running on 127.0.0.1:$port (pid $(read_pid "$port"))"
    return 0
  fi
  log "nothing running on $port"
  return 3
}

cmd_stop_all() {
  local f port
  shopt -s nullglob
  for f in "$BASE"/*.pid; do
    port="$(basename "$f" .pid)"
    cmd_stop "$port"
  done
}

sub="${1:-}"; shift || true
case "$sub" in
  build) cmd_build ;;
  start-pymodbus) cmd_start_pymodbus "$@" ;;
  start-libmodbus) cmd_start_libmodbus "$@" ;;
  stop) cmd_stop "$@" ;;
  kill9) cmd_kill9 "$@" ;;
  status) cmd_status "$@" ;;
  stop-all) cmd_stop_all ;;
  *) echo "usage: $0 build | start-pymodbus PORT [UNIT] | start-libmodbus PORT [--unit N] [--rtu-over-tcp] | stop PORT | kill9 PORT | status PORT | stop-all" >&2; exit 2 ;;
esac
