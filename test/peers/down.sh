#!/usr/bin/env bash
# Stops every peer test/peers/up.sh started (and any Modbus servers tests left).
set -uo pipefail
cd "$(dirname "$0")/../.."
bash test/peers/kafka.sh stop || true
bash test/peers/kafka-cluster.sh stop || true
bash test/peers/opensearch.sh stop || true
bash test/peers/elasticsearch.sh stop || true
bash test/peers/modbus.sh stop-all || true
