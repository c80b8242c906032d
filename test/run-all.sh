#!/usr/bin/env bash
# The whole suite, as README and .ci/run give it: start the real peers, run
# every test file, then print the plain "N passed, N failed" closing line.
set -uo pipefail
cd "$(dirname "$0")/.."
bash test/peers/up.sh || exit 1
results=.vitest-results.json
rm -f "$results"
npx vitest run --reporter=default --reporter=json --outputFile="$results"
code=$?
node -e '
  const fs = require("node:fs");
  if (!fs.existsSync(process.argv[1])) { console.log("0 passed, 1 failed"); process.exit(0); }
  const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$results"
exit $code
