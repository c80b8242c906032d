#!/usr/bin/env bash
# Runs bench/es/run.ts from two checkouts in turns (A, B, A, B, ...) against the same peers, so a change to the
# pipeline is measured against its parent in one run on one box state. Prints each round and the mean
# pipeline/direct ratio and pipeline docs/s per checkout.
#
#   bench/es/compare.sh DIR_A DIR_B [turns] [-- run.ts options]
#   e.g. git worktree add /tmp/es-before <commit>; bench/es/compare.sh /tmp/es-before . 4 -- --docs 100000
#
# Both checkouts need node_modules; ES_TEST_KAFKA / ES_TEST_OPENSEARCH point both at the same peers.
set -euo pipefail
a="$(cd "$1" && pwd)"; b="$(cd "$2" && pwd)"; turns="${3:-3}"
shift $(( $# >= 3 ? 3 : $# )); [ "${1:-}" = "--" ] && shift
out="$(mktemp)"; turn="$(mktemp)"
for ((i = 1; i <= turns; i++)); do
  for side in A B; do
    dir="$a"; [ "$side" = B ] && dir="$b"
    echo "== turn $i, $side ($dir), load $(cut -d' ' -f1-3 /proc/loadavg)"
    (cd "$dir" && node bin/run-ts.mjs bench/es/run.ts --rounds 1 --warmup "$([ "$i" = 1 ] && echo 1 || echo 0)" "$@") > "$turn" 2>&1
    grep -v '"level"' "$turn" || true
    sed -n "s/^round 1 .*direct bulk \([0-9]*\) docs\/s .* \([0-9]*\) docs\/s | ratio \([0-9.]*\).*/$side \1 \2 \3/p" "$turn" >> "$out"
  done
done
awk '{ n[$1]++; d[$1] += $2; p[$1] += $3; r[$1] += $4 }
  END { for (s in n) printf "%s: %d turns, direct %.0f docs/s, pipeline %.0f docs/s, mean ratio %.3f\n", s, n[s], d[s] / n[s], p[s] / n[s], r[s] / n[s] }' "$out" | sort
awk '{ r[$1] += $4; n[$1]++ } END { if (n["A"] && n["B"]) printf "B/A ratio of ratios: %.3f\n", (r["B"] / n["B"]) / (r["A"] / n["A"]) }' "$out"
rm -f "$out" "$turn"
