# Shared by the Kafka peer scripts (kafka.sh: one broker; kafka-cluster.sh: three brokers and a
# controller); sourced after lib.sh, not run. The caller sets HERE (test/peers), ROOT and PEERS_DIR.
# Both run the same jars (test/peers/kafka/pom.xml, resolved once into .peers/kafka/libs).

KAFKA_VERSION=3.9.1
KAFKA_POM="$HERE/kafka/pom.xml"
KAFKA_LIBS="$PEERS_DIR/kafka/libs"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1fs", b-a}'; }

# JVM flags for one Kafka process: kafka_java_opts HEAP_MIN HEAP_MAX LOG4J_FILE sets JAVA_OPTS.
# SerialGC and C1 only: small, fast to start, enough for test traffic.
kafka_java_opts() {
  JAVA_OPTS=(
    "-Xms$1" "-Xmx$2" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData
    -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true
    "-Dlog4j.configuration=file:$3"
  )
}

# --- install --------------------------------------------------------------------------------

# The jars, resolved once. Its own lock, because both scripts (possibly started at the same time by
# up.sh) call it and share the directory.
install_libs() {
  local stamp="$KAFKA_LIBS/.pom.sha256" want tmp t0
  want="$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)"
  mkdir -p "$PEERS_DIR/kafka"
  exec 8>"$PEERS_DIR/kafka/.libs.lock"
  flock -w 600 8 || die "could not lock $PEERS_DIR/kafka/.libs.lock"
  if [[ -f "$stamp" && "$(<"$stamp")" == "$want" && -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]]; then
    exec 8>&-
    return
  fi
  command -v mvn >/dev/null || die "mvn not found (apt-get install -y maven)"
  command -v java >/dev/null || die "java not found (apt-get install -y openjdk-17-jre-headless)"
  t0="$(now)"
  log "fetching kafka_2.13:$KAFKA_VERSION runtime jars from Maven Central ..."
  tmp="$PEERS_DIR/kafka/libs.tmp.$$"
  rm -rf "$tmp"
  # Maven 3.8 -q still emits bare ANSI resets; strip them. pipefail keeps mvn's exit status.
  mvn -q -B -Dstyle.color=never -f "$KAFKA_POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" 2>&1 \
    | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d' >&2 \
    || { rm -rf "$tmp"; die "mvn dependency:copy-dependencies failed"; }
  echo "$want" >"$tmp/.pom.sha256"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  exec 8>&-
  log "jars ready in ${KAFKA_LIBS#"$ROOT"/} ($(find "$KAFKA_LIBS" -name "*.jar" | wc -l) jars, $(du -sh "$KAFKA_LIBS" | cut -f1), $(since "$t0"))"
}

install_kcat() {
  if command -v kcat >/dev/null; then return; fi
  if [[ "${KAFKA_PEER_SKIP_KCAT:-0}" == 1 ]]; then
    log "kcat missing (skipped: KAFKA_PEER_SKIP_KCAT=1)"
    return
  fi
  local sudo=()
  [[ "$(id -u)" == 0 ]] || sudo=(sudo -n)
  log "installing kcat from Debian ..."
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get install -y -qq kcat >&2 \
    || { "${sudo[@]}" apt-get update -qq >&2 && "${sudo[@]}" apt-get install -y -qq kcat >&2; } \
    || die "could not apt-get install kcat (set KAFKA_PEER_SKIP_KCAT=1 to skip)"
}

# --- processes ------------------------------------------------------------------------------

# Alive and really the Kafka JVM started with this properties file (guards against pid reuse and zombies).
is_kafka_pid() { # pid properties-file
  local pid="$1" state cmd
  [[ -r "/proc/$pid/stat" ]] || return 1
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" || return 1
  [[ "$state" != Z && "$state" != X ]] || return 1
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *kafka.Kafka*"$2"* ]]
}

# Prints the pid recorded in pid-file when that process is our Kafka JVM.
kafka_pid() { # pid-file properties-file
  local pid
  [[ -s "$1" ]] || return 1
  pid="$(<"$1")"
  [[ "$pid" =~ ^[0-9]+$ ]] && is_kafka_pid "$pid" "$2" || return 1
  echo "$pid"
}

# Fully exited: no /proc entry, or an unreaped zombie whose threads are all gone.
# (After SIGKILL the JVM's main thread turns Z while other threads are still exiting
# and the listening sockets are still open, so "state Z" alone is not enough.)
exited() {
  local pid="$1" tasks
  [[ -d "/proc/$pid" ]] || return 0
  [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]] || return 1
  tasks=("/proc/$pid/task/"*)
  ((${#tasks[@]} <= 1))
}

# The ports of the list that something on 127.0.0.1 accepts connections on.
busy_ports() { # port...
  local p out=()
  for p in "$@"; do
    if port_in_use "$p"; then out+=("$p"); fi
  done
  echo "${out[*]}"
}

wait_ports_free() { # seconds port...
  local deadline=$((SECONDS + $1))
  shift
  while [[ -n "$(busy_ports "$@")" ]]; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# The process fully exited and its ports are released.
wait_gone() { # pid seconds port...
  local pid="$1" deadline=$((SECONDS + $2))
  shift 2
  until exited "$pid"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
  wait_ports_free 5 "$@" || log "warning: ports still busy after pid $pid exited: $(busy_ports "$@")"
}

# SIGTERM (a broker's controlled shutdown hands its partition leadership over first), SIGKILL after
# `seconds`; returns once the process is gone and its ports are free.
stop_pid() { # pid seconds port...
  local pid="$1" seconds="$2"
  shift 2
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" "$seconds" "$@"; then
    log "no exit after ${seconds}s of SIGTERM, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 10 "$@" || die "pid $pid survived SIGKILL"
  fi
}

kill9_pid() { # pid port...
  local pid="$1"
  shift
  kill -KILL "$pid"
  wait_gone "$pid" 10 "$@" || die "pid $pid survived SIGKILL"
}

# --- files and launch -----------------------------------------------------------------------

write_log4j() { # file
  cat >"$1" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.kafka.common.config=WARN
log4j.logger.org.apache.kafka.common.utils.AppInfoParser=WARN
EOF
}

# Formats a log directory once (KRaft needs meta.properties before the first start).
# JAVA_OPTS must be set; extra arguments go to StorageTool (e.g. --add-scram).
format_storage() { # properties-file data-dir cluster-id format-log [StorageTool args...]
  local props="$1" data="$2" id="$3" flog="$4"
  shift 4
  [[ -f "$data/meta.properties" ]] && return
  mkdir -p "$data"
  java "${JAVA_OPTS[@]}" -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format \
    --config="$props" --cluster-id="$id" --ignore-formatted "$@" >"$flog" 2>&1 \
    || { cat "$flog" >&2; die "StorageTool format failed for ${data#"$ROOT"/}"; }
}

# Starts kafka.Kafka in the background with JAVA_OPTS and prints its pid once recorded.
# setsid: own session, so the caller's Ctrl-C / process-group kill does not take the broker along.
# fds 8 and 9 (the scripts' locks) must not leak into the JVM. The inner shell records the JVM's exact pid.
launch_kafka() { # properties-file pid-file log-file
  local props="$1" pidf="$2" logf="$3"
  rm -f "$pidf"
  [[ -f "$logf" ]] && mv -f "$logf" "$logf.1"
  printf '=== start %s ===\n' "$(date -Is)" >"$logf"
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidf" \
    java "${JAVA_OPTS[@]}" -cp "$KAFKA_LIBS/*" kafka.Kafka "$props" \
    </dev/null >>"$logf" 2>&1 8>&- 9>&- &
  for _ in $(seq 50); do [[ -s "$pidf" ]] && break; sleep 0.1; done
  [[ -s "$pidf" ]] || die "kafka process did not record its pid in ${pidf#"$ROOT"/}"
  cat "$pidf"
}
