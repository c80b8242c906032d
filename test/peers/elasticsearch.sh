#!/usr/bin/env bash
# Real Elasticsearch 7.10.2 peer (single node, plain HTTP, no auth) for tests and benches: the last
# Apache-licensed release, OSS modules only (no x-pack). Embedded through
# org.codelibs:elasticsearch-cluster-runner:7.10.2.0 from Maven Central; no Docker, no tarball
# download. Needs java (17) and mvn on PATH. Same commands and behaviour as opensearch.sh.
#
#   test/peers/elasticsearch.sh install   # mvn copy-dependencies -> .peers/elasticsearch/libs (cached by POM hash)
#   test/peers/elasticsearch.sh start     # idempotent; background; waits for yellow; HTTP on 127.0.0.1:9260
#   test/peers/elasticsearch.sh stop      # SIGTERM, waits, SIGKILL after 30 s
#   test/peers/elasticsearch.sh kill9     # SIGKILL (crash simulation); data is kept
#   test/peers/elasticsearch.sh status    # exit 0 if running and healthy
#   test/peers/elasticsearch.sh wipe      # stop + delete .peers/elasticsearch/run (data, logs, config); keeps libs
#
# Env: OUTRIGGER_PEERS_DIR (default <repo>/.peers), ES_HTTP_PORT (9260; at most 9299, the runner's
#      limit), ES_HEAP_MIN (256m), ES_HEAP_MAX (512m), ES_START_TIMEOUT seconds (180).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
PEER_NAME=elasticsearch
POM="$SCRIPT_DIR/elasticsearch/pom.xml"
BASE="${OUTRIGGER_PEERS_DIR:-$ROOT/.peers}/elasticsearch"
MAIN_CLASS=org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner
RUNNER_JAR='elasticsearch-cluster-runner-*.jar'
YML=elasticsearch.yml
CLUSTER_NAME=outrigger-elasticsearch
HTTP_PORT="${ES_HTTP_PORT:-9260}"
HEAP_MIN="${ES_HEAP_MIN:-256m}"
HEAP_MAX="${ES_HEAP_MAX:-512m}"
START_TIMEOUT="${ES_START_TIMEOUT:-180}"

# shellcheck source=lib.sh
. "$SCRIPT_DIR/lib.sh"
# shellcheck source=search-runner.sh
. "$SCRIPT_DIR/search-runner.sh"

# Single node: new indices get 0 replicas so they can go green (explicit index settings still win).
# Elasticsearch has no cluster-wide default for it, so a lowest-order legacy template sets it.
peer_ready() {
  curl -fsS --max-time 10 -XPUT "$URL/_template/outrigger-peer-defaults" -H 'content-type: application/json' \
    -d '{"index_patterns":["*"],"order":-1,"settings":{"number_of_replicas":0}}' >/dev/null \
    || log "warning: could not install the number_of_replicas=0 template"
}

runner_main "$@"
