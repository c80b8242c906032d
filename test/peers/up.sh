#!/usr/bin/env bash
# Installs (if missing) and starts every real peer the test suite needs:
# Debian packages (PHP, phpunit, pymodbus, libmodbus, mbpoll, kcat), Kafka 3.9.1,
# OpenSearch 2.19.1, Elasticsearch 7.10.2, the libmodbus server binary and the Go reference peers.
# Idempotent: peers already running are left as they are.
set -euo pipefail
cd "$(dirname "$0")/../.."

step() { printf '\n== peers: %s\n' "$*"; }

step "Debian packages"
bash test/peers/install-debian.sh

step "Kafka 3.9.1"
bash test/peers/kafka.sh start

step "OpenSearch 2.19.1 and Elasticsearch 7.10.2"
# Jars first, one Maven at a time (concurrent runs would share the local repository); then both JVMs start
# at once, so CI waits for the slower start rather than the sum.
bash test/peers/opensearch.sh install
bash test/peers/elasticsearch.sh install
bash test/peers/opensearch.sh start &
os_start=$!
es_rc=0
bash test/peers/elasticsearch.sh start || es_rc=$?
os_rc=0
wait "$os_start" || os_rc=$?
if [ "$os_rc" -ne 0 ] || [ "$es_rc" -ne 0 ]; then
  echo "peers: OpenSearch start exited $os_rc, Elasticsearch start exited $es_rc" >&2
  exit 1
fi

step "libmodbus server build"
bash test/peers/modbus.sh build

step "Go reference peers (goridge v3.8.3)"
(cd bench/peers && go build -o bin/ ./...)

echo
echo "peers ready"
