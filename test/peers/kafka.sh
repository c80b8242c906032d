#!/usr/bin/env bash
# Real Apache Kafka 3.9.1 broker (KRaft, single combined broker+controller node)
# used as a test peer. No Docker: the jars come from Maven Central via
# test/peers/kafka/pom.xml, everything else is generated under .peers/kafka/.
#
#   test/peers/kafka.sh install   # jars -> .peers/kafka/libs (cached), kcat via apt if missing
#   test/peers/kafka.sh start     # idempotent; certs+config+storage, launch, wait until ready
#   test/peers/kafka.sh stop      # SIGTERM (controlled shutdown), SIGKILL after a timeout
#   test/peers/kafka.sh kill9     # SIGKILL the broker (crash tests)
#   test/peers/kafka.sh status    # exit 0 ready, 1 stopped, 2 running but not ready
#   test/peers/kafka.sh wipe      # kill + delete .peers/kafka/run (data, certs, logs); --all also drops libs
#
# Listeners (fixed):  PLAINTEXT 127.0.0.1:19092, CONTROLLER 127.0.0.1:19093,
#   SASL_PLAINTEXT 127.0.0.1:19094 (SCRAM-SHA-256, SCRAM-SHA-512, PLAIN), SSL 127.0.0.1:19095.
# Users: outrigger-256/secret-256 (SCRAM-SHA-256), outrigger-512/secret-512 (SCRAM-SHA-512),
#   outrigger-plain/secret-plain (PLAIN).  TLS: CA at .peers/kafka/run/tls/ca.pem.
#
# Env: OUTRIGGER_PEERS_DIR (default <repo>/.peers), KAFKA_PEER_PORT_BASE (default 19092: listeners
#      are base, base+1 controller, base+2 SASL, base+3 SSL; for running two checkouts side by side),
#      KAFKA_PEER_START_TIMEOUT (s, default 90), KAFKA_PEER_STOP_TIMEOUT (s, default 30),
#      KAFKA_PEER_SKIP_KCAT=1 (install: do not apt-get kcat). kafka-peer.mjs reads the same variables.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PROBE="$HERE/kafka-peer.mjs"
PEERS_DIR="${OUTRIGGER_PEERS_DIR:-$ROOT/.peers}"
# Symlinks resolved: the JVM's command line names this path, and finding our running broker matches on it
# (a worktree whose .peers links to another checkout's must recognise the broker that checkout started).
PEERS_DIR="$(realpath -m "$PEERS_DIR")"
PEER="$PEERS_DIR/kafka"
RUN="$PEER/run"
TLS="$RUN/tls"
DATA="$RUN/data"
PIDF="$RUN/broker.pid"
LOG="$RUN/broker.log"
PROPS="$RUN/server.properties"
LOG4J="$RUN/log4j.properties"

CLUSTER_ID=MkU3OEVBNTcwNTJENDM2Qk # fixed: must not change while $DATA is reused
HOST=127.0.0.1
PORT_BASE="${KAFKA_PEER_PORT_BASE:-19092}"
if ! [[ "$PORT_BASE" =~ ^[0-9]+$ ]] || ((PORT_BASE < 1 || PORT_BASE > 65532)); then
  echo "kafka-peer: bad KAFKA_PEER_PORT_BASE=$PORT_BASE" >&2
  exit 64
fi
PORT_PLAINTEXT=$PORT_BASE
PORT_CONTROLLER=$((PORT_BASE + 1))
PORT_SASL=$((PORT_BASE + 2))
PORT_SSL=$((PORT_BASE + 3))
PORTS=("$PORT_PLAINTEXT" "$PORT_CONTROLLER" "$PORT_SASL" "$PORT_SSL")
STORE_PASS=outrigger-test
START_TIMEOUT="${KAFKA_PEER_START_TIMEOUT:-90}"
STOP_TIMEOUT="${KAFKA_PEER_STOP_TIMEOUT:-30}"

PEER_NAME=kafka-peer
# shellcheck source=lib.sh
. "$HERE/lib.sh"
# shellcheck source=kafka-lib.sh
. "$HERE/kafka-lib.sh"
kafka_java_opts 128m 512m "$LOG4J"

lock() {
  mkdir -p "$PEER"
  exec 9>"$PEER/.lock"
  flock -w 600 9 || die "could not lock $PEER/.lock"
}

running_pid() { kafka_pid "$PIDF" "$PROPS"; }

cmd_install() {
  install_libs
  log "jars in ${KAFKA_LIBS#"$ROOT"/}"
  install_kcat
}

# --- generated files ------------------------------------------------------------------------

gen_tls() {
  local f ok=1
  for f in ca.pem ca-key.pem server.pem server.p12 client.pem client-key.pem; do
    [[ -s "$TLS/$f" ]] || ok=0
  done
  if ((ok)) && openssl x509 -noout -checkend 86400 -in "$TLS/server.pem" >/dev/null \
    && openssl x509 -noout -checkend 86400 -in "$TLS/client.pem" >/dev/null; then
    return
  fi
  command -v openssl >/dev/null || die "openssl not found"
  log "generating test CA, server and client certificates in ${TLS#"$ROOT"/}"
  rm -rf "$TLS"
  mkdir -p "$TLS"
  cat >"$TLS/openssl.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
[client_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
EOF
  (
    cd "$TLS"
    exec 2>openssl.log
    openssl req -x509 -config openssl.cnf -extensions ca_ext -newkey rsa:2048 -nodes -sha256 -days 3650 \
      -subj "/CN=Outrigger Test CA" -keyout ca-key.pem -out ca.pem
    local who ext cn
    for who in server client; do
      if [[ $who == server ]]; then cn=localhost; else cn=outrigger-client; fi
      ext="${who}_ext"
      openssl req -new -config openssl.cnf -newkey rsa:2048 -nodes -subj "/CN=$cn" \
        -keyout "$who-key.pem" -out "$who.csr"
      openssl x509 -req -in "$who.csr" -CA ca.pem -CAkey ca-key.pem -set_serial "0x$(openssl rand -hex 16)" \
        -days 825 -sha256 -extfile openssl.cnf -extensions "$ext" -out "$who.pem"
      rm -f "$who.csr"
    done
    # Broker keystore: server key + cert + CA chain.
    openssl pkcs12 -export -in server.pem -inkey server-key.pem -certfile ca.pem -name kafka \
      -passout "pass:$STORE_PASS" -out server.p12
    openssl verify -CAfile ca.pem server.pem client.pem >/dev/null
  ) || die "certificate generation failed (see ${TLS#"$ROOT"/}/openssl.log)"
}

write_config() {
  mkdir -p "$RUN"
  cat >"$PROPS" <<EOF
# Generated by test/peers/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$PORT_CONTROLLER
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$HOST:$PORT_PLAINTEXT,CONTROLLER://$HOST:$PORT_CONTROLLER,SASL_PLAINTEXT://$HOST:$PORT_SASL,SSL://$HOST:$PORT_SSL
advertised.listeners=PLAINTEXT://$HOST:$PORT_PLAINTEXT,SASL_PLAINTEXT://$HOST:$PORT_SASL,SSL://$HOST:$PORT_SSL
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA

# SASL (SCRAM users are created by StorageTool format --add-scram; PLAIN users live in JAAS).
sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512,PLAIN
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_outrigger-plain="secret-plain";

# TLS
ssl.keystore.type=PKCS12
ssl.keystore.location=$TLS/server.p12
ssl.keystore.password=$STORE_PASS
ssl.key.password=$STORE_PASS
ssl.truststore.type=PEM
ssl.truststore.location=$TLS/ca.pem
ssl.client.auth=requested

# Single node, small and fast.
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
# After kill -9 the restarted controller keeps the dead broker's registration until its
# session expires (DUPLICATE_BROKER_REGISTRATION, default 9 s + backoff = ~14 s restart).
# 3 s keeps crash-test restarts around 4 s; heartbeats are local, so fencing is unlikely.
broker.session.timeout.ms=3000
broker.heartbeat.interval.ms=500
auto.create.topics.enable=true
delete.topic.enable=true
num.network.threads=2
num.io.threads=2
background.threads=2
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216
log.segment.bytes=67108864
log.retention.hours=24
log.segment.delete.delay.ms=1000
EOF
  write_log4j "$LOG4J"
}

format_broker_storage() {
  [[ -f "$DATA/meta.properties" ]] && return
  local t0
  t0="$(now)"
  format_storage "$PROPS" "$DATA" "$CLUSTER_ID" "$RUN/format.log" \
    --add-scram 'SCRAM-SHA-256=[name=outrigger-256,password=secret-256]' \
    --add-scram 'SCRAM-SHA-512=[name=outrigger-512,password=secret-512]'
  log "storage formatted with SCRAM users ($(since "$t0"))"
}

print_ports() {
  cat <<EOF
kafka peer ready: pid $1
  PLAINTEXT       $HOST:$PORT_PLAINTEXT
  SASL_PLAINTEXT  $HOST:$PORT_SASL  SCRAM-SHA-256 outrigger-256/secret-256, SCRAM-SHA-512 outrigger-512/secret-512, PLAIN outrigger-plain/secret-plain
  SSL             $HOST:$PORT_SSL  CA ${TLS#"$ROOT"/}/ca.pem, client cert ${TLS#"$ROOT"/}/client.pem + client-key.pem (ssl.client.auth=requested)
  CONTROLLER      $HOST:$PORT_CONTROLLER
  log             ${LOG#"$ROOT"/}
EOF
}

# --- commands -------------------------------------------------------------------------------

cmd_start() {
  local pid t0 p
  t0="$(now)"
  if pid="$(running_pid)"; then
    node "$PROBE" wait-ready --pid "$pid" --timeout "$START_TIMEOUT" \
      || die "broker pid $pid is running but not ready; try: $0 stop"
    log "already running"
    print_ports "$pid"
    return
  fi
  rm -f "$PIDF"
  command -v node >/dev/null || die "node not found"
  install_libs # cheap when cached (compares the pom hash)
  # A broker killed by someone else may need a moment to release its sockets.
  if ! wait_ports_free 5 "${PORTS[@]}"; then
    for p in $(busy_ports "${PORTS[@]}"); do ss -ltnp "sport = :$p" >&2 2>/dev/null || true; done
    die "port(s) $(busy_ports "${PORTS[@]}") on $HOST already in use (another Kafka peer, from another checkout?)"
  fi
  gen_tls
  write_config
  format_broker_storage

  pid="$(launch_kafka "$PROPS" "$PIDF" "$LOG")"
  log "broker launched (pid $pid), waiting for PLAINTEXT, SASL_PLAINTEXT and SSL ..."
  if ! node "$PROBE" wait-ready --pid "$pid" --timeout "$START_TIMEOUT"; then
    log "--- last lines of ${LOG#"$ROOT"/} ---"
    tail -n 40 "$LOG" >&2 || true
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$PIDF"
    die "broker failed to become ready"
  fi
  log "ready in $(since "$t0")"
  print_ports "$pid"
}

cmd_stop() {
  local pid t0
  if ! pid="$(running_pid)"; then
    rm -f "$PIDF"
    log "not running"
    return
  fi
  t0="$(now)"
  stop_pid "$pid" "$STOP_TIMEOUT" "${PORTS[@]}"
  rm -f "$PIDF"
  log "stopped (pid $pid, $(since "$t0"))"
}

cmd_kill9() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PIDF"
    log "not running"
    return
  fi
  kill9_pid "$pid" "${PORTS[@]}"
  rm -f "$PIDF"
  log "killed -9 (pid $pid)"
}

cmd_status() {
  local pid
  if ! pid="$(running_pid)"; then
    echo "kafka peer: stopped"
    return 1
  fi
  echo "kafka peer: running, pid $pid"
  if node "$PROBE" check; then
    print_ports "$pid"
    return 0
  fi
  echo "kafka peer: running but not ready"
  return 2
}

cmd_wipe() {
  cmd_kill9
  rm -rf "$RUN"
  log "removed ${RUN#"$ROOT"/}"
  if [[ "${1:-}" == --all ]]; then
    rm -rf "$KAFKA_LIBS" "$PEER"/libs.tmp.*
    log "removed ${KAFKA_LIBS#"$ROOT"/}"
  fi
}

usage() {
  sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 64
}

main() {
  local cmd="${1:-}"
  shift || true
  case "$cmd" in
    install) lock; cmd_install ;;
    start) lock; cmd_start ;;
    stop) lock; cmd_stop ;;
    kill9) lock; cmd_kill9 ;;
    status) cmd_status ;;
    wipe) lock; cmd_wipe "$@" ;;
    *) usage ;;
  esac
}

main "$@"
