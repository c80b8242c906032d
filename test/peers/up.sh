#!/usr/bin/env bash
# Installs (if missing) and starts every real peer the test suite needs:
# Debian packages (PHP, phpunit, pymodbus, libmodbus, mbpoll, kcat), Kafka 3.9.1 (one broker and
# a cluster of three), OpenSearch 2.19.1, Elasticsearch 7.10.2, the libmodbus server binary and the Go
# reference peers.
# Idempotent: peers already running are left as they are.
set -euo pipefail
cd "$(dirname "$0")/../.."

step() { printf '\n== peers: %s\n' "$*"; }

step "Debian packages"
bash test/peers/install-debian.sh

step "Kafka 3.9.1"
bash test/peers/kafka.sh start

# Four more JVMs (three brokers, one controller): started in the background, from the jars the
# single broker's start just made sure of, while OpenSearch and Elasticsearch start.
step "Kafka 3.9.1 cluster (3 brokers), in the background"
cluster_log="$(mktemp)"
bash test/peers/kafka-cluster.sh start >"$cluster_log" 2>&1 &
cluster_pid=$!

step "OpenSearch 2.19.1"
bash test/peers/opensearch.sh start

step "Elasticsearch 7.10.2"
bash test/peers/elasticsearch.sh start

step "Kafka 3.9.1 cluster (3 brokers)"
if ! wait "$cluster_pid"; then
  cat "$cluster_log"
  rm -f "$cluster_log"
  exit 1
fi
tail -n 2 "$cluster_log"
rm -f "$cluster_log"

step "libmodbus server build"
bash test/peers/modbus.sh build

step "Go reference peers (goridge v3.8.3)"
(cd bench/peers && go build -o bin/ ./...)

echo
echo "peers ready"
