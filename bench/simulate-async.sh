#!/usr/bin/env bash
# `simulate` over 100,000 asynchronous events with retries and destinations (builtin handlers;
# target: <= 5 s, DESIGN.md "Performance targets").
#
# The workload, a scenario file played on a fresh private state (manual clock, fixed seed):
#   - 50,000 events to `charge` (builtin `fail`, default policy): 3 attempts each at +0 s,
#     +60 s, +180 s, then the invocation record to the on-failure SQS queue;
#   - 50,000 events to `ingest` (builtin `flaky:1`): a failed attempt, a retry at +60 s that
#     succeeds, then the record to the on-success SQS queue;
# i.e. 250,000 attempts, 100,000 retries scheduled, 100,000 destination deliveries, 250,000
# function log entries, and a timeline of 650,000 lines written to /dev/null.
#
# Reported: the whole `simulate --scenario` (setup + queueing the events + the run), and the
# run alone (`simulate` on a state prepared with the same events), median of RUNS (default 3).
# Usage: bench/simulate-async.sh [EVENTS]   (builds release with a static Swift stdlib first;
#        SKIP_BUILD=1 to reuse .build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-100000}
runs=${RUNS:-3}
half=$((events / 2))
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  swift build -c release --static-swift-stdlib >/dev/null
fi
bin=${LAMBDA_SIM_BIN:-$PWD/.build/release/lambda-sim}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/bench.json" <<EOF
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
EOF

# The same scenario without the final `simulate` (setup and queueing only), to subtract.
sed 's/^  "steps": \[/  "simulate": "none",\n  "steps": [/' "$work/bench.json" > "$work/setup-only.json"

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() {
  local t0 t1
  t0=$(now_ns)
  "$@" > "$work/out.txt"
  t1=$(now_ns)
  echo $(( (t1 - t0) / 1000000 ))
}

full=()
setup=()
for _ in $(seq "$runs"); do
  full+=("$(time_ms "$bin" simulate --scenario "$work/bench.json")")
  cp "$work/out.txt" "$work/timeline.txt"
  setup+=("$(time_ms "$bin" simulate --scenario "$work/setup-only.json")")
done
full_ms=$(printf '%s\n' "${full[@]}" | median)
setup_ms=$(printf '%s\n' "${setup[@]}" | median)
lines=$(wc -l < "$work/timeline.txt")
attempts=$(grep -c '  invoke  ' "$work/timeline.txt" || true)
deliveries=$(grep -c '  destination  ' "$work/timeline.txt" || true)
echo "events: $events  attempts: $attempts  destination deliveries: $deliveries  timeline lines: $lines"
echo "simulate --scenario, whole (setup + queueing + run + printing), median of $runs: $full_ms ms"
echo "  of which setup + queueing $events events (scenario without the final simulate): $setup_ms ms"
echo "  the simulate run itself: $((full_ms - setup_ms)) ms   (target: <= 5000 ms)"
