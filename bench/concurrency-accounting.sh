#!/usr/bin/env bash
# The 100,000-event simulate of bench/simulate-async.sh with concurrency accounting on (every
# attempt counted against its function's reservation and the account's unreserved pool, the
# async throttle rules applied; `--cost` adds up the bill), side by side with a baseline binary
# built from a commit before the accounting (hyperfine, same machine, same run).
# Target (DESIGN.md, second set): <= 5 s, and no slower than the baseline beyond noise.
#
# Usage: BASELINE_BIN=/path/to/old/lambda-sim bench/concurrency-accounting.sh [EVENTS]
#   (builds release with a static Swift stdlib first; SKIP_BUILD=1 to reuse .build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-100000}
half=$((events / 2))
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  swift build -c release --static-swift-stdlib >/dev/null
fi
bin=${LAMBDA_SIM_BIN:-$PWD/.build/release/lambda-sim}
base=${BASELINE_BIN:?set BASELINE_BIN to a lambda-sim built before the accounting}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/bench.json" <<JSON
{
  "description": "bench: $events async events with retries and destinations",
  "start": "2026-01-01T00:00:00Z",
  "seed": 7,
  "resources": [
    ["sqs", "create-queue", "--queue-name", "charge-failed"],
    ["sqs", "create-queue", "--queue-name", "ingest-done"],
    ["create-function", "--function-name", "charge", "--runtime", "builtin", "--handler", "fail:PaymentError:card declined"],
    ["create-function", "--function-name", "ingest", "--runtime", "builtin", "--handler", "flaky:1"]
  ],
  "steps": [
    ["put-destination", "--function-name", "charge", "--on-failure", "arn:aws:sqs:us-east-1:123456789012:charge-failed"],
    ["put-destination", "--function-name", "ingest", "--on-success", "arn:aws:sqs:us-east-1:123456789012:ingest-done"],
    {"enqueue": {"function": "charge", "payload": {"order": 1, "amount": 42.5}, "count": $half}},
    {"enqueue": {"function": "ingest", "payload": {"file": "data.csv"}, "count": $half}}
  ]
}
JSON
# The same events with a raised account limit (a quota increase): nothing is throttled, so the
# work is the baseline's and the difference is the accounting itself. With the default limit of
# 1,000 the 50,000 events due at the same instant are throttled as AWS throttles them (back-off
# from 1 s), which is more work, not overhead.
sed 's/^  "seed": 7,/  "seed": 7,\n  "accountConcurrency": 200000,/' "$work/bench.json" > "$work/raised.json"
"$bin" simulate --scenario "$work/bench.json" --format json | grep -c '"event":"throttle"' | sed 's/^/throttle lines with the default limit: /' || true
hyperfine --warmup 1 --runs "${RUNS:-5}" \
  -n baseline "$base simulate --scenario $work/bench.json > /dev/null" \
  -n "accounting, limit raised" "$bin simulate --scenario $work/raised.json > /dev/null" \
  -n "accounting, limit raised, --cost" "$bin simulate --scenario $work/raised.json --cost > /dev/null" \
  -n "accounting, default limit (throttles)" "$bin simulate --scenario $work/bench.json > /dev/null"
