# Shared by opensearch.sh and elasticsearch.sh (sourced after lib.sh, not run): both peers are a
# search engine embedded by one of codelibs' "runner" jars from Maven Central, started from the
# jars of a dependency-only POM, and both take the same commands.
#
# The sourcing script sets:
#   PEER_NAME      prefix of log lines (lib.sh)
#   POM            the dependency-only POM
#   BASE           state directory (libs/, run/, the pid file)
#   MAIN_CLASS     the runner's main class
#   RUNNER_JAR     glob (inside libs/) of the runner jar, to tell a complete install
#   YML            config file name inside run/node_1/config (opensearch.yml, elasticsearch.yml)
#   HTTP_PORT      the node's HTTP port (the runner uses baseHttpPort + node number 1)
#   CLUSTER_NAME   kept stable: the data directory belongs to it
#   HEAP_MIN, HEAP_MAX, START_TIMEOUT (seconds)
# and defines:
#   peer_ready     runs once the node answers (cluster settings, templates); may be a no-op
# then ends with: runner_main "$@".

LIBS="$BASE/libs"
RUN="$BASE/run"
PIDFILE="$BASE/$PEER_NAME.pid"
LOG="$RUN/runner.log"
NODE_CONF_DIR="$RUN/node_1/config"
URL="http://127.0.0.1:$HTTP_PORT"
# The runner's HTTP port scan stops at 9299: a base at or above it fails ("The http port ... is unavailable").
if ! [[ "$HTTP_PORT" =~ ^[0-9]+$ ]] || ((HTTP_PORT < 1025 || HTTP_PORT > 9299)); then
  die "HTTP port $HTTP_PORT is out of range (the runner accepts 1025..9299)"
fi

# The node config, written on every start: the same for both engines.
peer_yml() {
  cat <<YML
# Written by test/peers/$PEER_NAME.sh on every start.
network.host: 127.0.0.1
discovery.type: single-node
# Never flip indices to read-only because the CI disk is nearly full.
cluster.routing.allocation.disk.threshold_enabled: false
action.auto_create_index: true
YML
}

pom_hash() { sha256sum "$POM" | cut -d' ' -f1; }

installed() { ls "$LIBS"/$RUNNER_JAR >/dev/null 2>&1; }

cmd_install() {
  local stamp="$LIBS/.pom.sha256"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(pom_hash)" ] && installed; then
    log "libs cached in $LIBS ($(ls "$LIBS"/*.jar | wc -l) jars)"
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found"
  command -v java >/dev/null || die "java not found"
  mkdir -p "$BASE"
  local tmp="$BASE/libs.tmp.$$"
  rm -rf "$tmp"
  log "resolving jars with maven from Maven Central"
  # Maven 3.8 -q still emits bare ANSI resets; strip them. pipefail keeps mvn's exit status.
  mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$tmp" 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d' >&2 \
    || { rm -rf "$tmp"; die "mvn copy-dependencies failed"; }
  pom_hash > "$tmp/.pom.sha256"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  log "installed $(ls "$LIBS"/*.jar | wc -l) jars into $LIBS"
}

read_pid() { [ -f "$PIDFILE" ] && cat "$PIDFILE" 2>/dev/null || true; }

# Alive and really this peer's JVM (the pid file could name a reused pid).
is_running() {
  local pid; pid="$(read_pid)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -qa "$MAIN_CLASS" "/proc/$pid/cmdline" 2>/dev/null
}

healthy() { curl -fsS --max-time 5 "$URL/_cluster/health?wait_for_status=yellow&timeout=2s" >/dev/null 2>&1; }

cmd_start() {
  if is_running; then
    if healthy; then
      log "already running (pid $(read_pid))"
      echo "$HTTP_PORT"
      return 0
    fi
    log "process $(read_pid) is running but not healthy yet; waiting"
  else
    installed || cmd_install
    if port_in_use "$HTTP_PORT"; then
      die "port $HTTP_PORT is already in use by another process (not our pid file); refusing to start (the runner would silently pick another port)"
    fi
    # The runner copies its own (empty) yml only when none exists, so this one is kept. http.port,
    # cluster.name, node.name and the paths are injected by the runner and override the yml.
    mkdir -p "$NODE_CONF_DIR"
    peer_yml > "$NODE_CONF_DIR/$YML"
    [ -s "$LOG" ] && mv -f "$LOG" "$LOG.1"   # keep the previous run's log (e.g. after kill9)
    : > "$LOG"
    log "starting (heap $HEAP_MIN-$HEAP_MAX), log: $LOG"
    # setsid: own session, so the test runner's Ctrl-C / process-group kills do not reach it.
    nohup setsid java -Xms"$HEAP_MIN" -Xmx"$HEAP_MAX" -XX:+UseG1GC -Djava.awt.headless=true \
      -Dfile.encoding=UTF-8 -Dlog4j2.formatMsgNoLookups=true \
      -cp "$LIBS/*" "$MAIN_CLASS" \
      -basePath "$RUN" -numOfNode 1 -baseHttpPort "$((HTTP_PORT - 1))" -clusterName "$CLUSTER_NAME" \
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
    sleep 0.5
  done
  peer_ready
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

runner_main() {
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
}
