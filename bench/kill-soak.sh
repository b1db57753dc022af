#!/usr/bin/env bash
# The long version of Tests/EndToEndTests/KillRecoveryTests: SIGKILL `simulate` at random points,
# ROUNDS times (default 1000), over async events and SQS messages handled by an exec function,
# then check from what the function logged that every item was processed at least once, and
# report how much a kill repeated (docs/background.md: at most ~250 ms of async attempts and the
# batches in flight).
# Usage: bench/kill-soak.sh [ROUNDS]   (SKIP_BUILD=1 to reuse .build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-1000}
if [ "${SKIP_BUILD:-0}" != 1 ]; then swift build -c release --static-swift-stdlib >/dev/null; fi
bin=${LAMBDA_SIM_BIN:-$PWD/.build/release/lambda-sim}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export HOME=$work LAMBDA_SIM_STATE=$work/state.json LAMBDA_SIM_CLOCK=manual LAMBDA_SIM_START=2026-01-01T00:00:00Z
mkdir code
printf '#!/bin/sh\nsleep 0.01\ninput=$(cat)\nprintf "%%s\\n" "$input" >> %s/handled.log\nprintf "%%s" "$input"\n' "$work" > code/fn.sh
chmod +x code/fn.sh
q=https://sqs.us-east-1.amazonaws.com/123456789012/in
"$bin" create-function --function-name fn --runtime exec --handler fn.sh --code-path code >/dev/null
"$bin" sqs create-queue --queue-name in >/dev/null
"$bin" create-event-source-mapping --function-name fn --batch-size 1 --event-source-arn arn:aws:sqs:us-east-1:123456789012:in >/dev/null
items=0 kills=0 killed_handled=0
: > handled.log
for ((r = 0; r < rounds; r++)); do
  # Keep work waiting: 20 events and 20 messages more every round.
  for ((i = 0; i < 20; i++)); do
    "$bin" invoke --function-name fn --invocation-type Event --payload "{\"event\":$items}" /dev/null >/dev/null
    "$bin" sqs send-message --queue-url "$q" --message-body "message-$items" >/dev/null
    items=$((items + 1))
  done
  before=$(wc -l < handled.log 2>/dev/null || echo 0)
  "$bin" simulate --format json >/dev/null 2>&1 &
  pid=$!
  sleep "0.$(printf '%03d' $((RANDOM % 800)))"
  if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
  wait "$pid" 2>/dev/null || true
  after=$(wc -l < handled.log 2>/dev/null || echo 0)
  killed_handled=$((killed_handled + after - before))
done
"$bin" simulate --format json >/dev/null
"$bin" state show >/dev/null   # the state parses
[ -n "${KEEP:-}" ] && cp -r "$work" "$KEEP"
python3 - "$work/handled.log" "$items" "$kills" "$killed_handled" <<'PY'
import json, sys, collections
path, items, kills, killed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
events, messages = collections.Counter(), collections.Counter()
lines = open(path).read().splitlines()
torn = 0
for line in lines:
    try:
        j = json.loads(line)
    except ValueError:
        torn += 1   # a handler killed with its simulate mid-write
        continue
    if "event" in j: events[j["event"]] += 1
    for r in j.get("Records", []): messages[r["body"]] += 1
lost = [n for n in range(items) if events[n] == 0] + [n for n in range(items) if messages["message-%d" % n] == 0]
repeated = len(lines) - 2 * items
print(f"rounds with a kill: {kills}; items: {2*items}; handled: {len(lines)}; lost: {len(lost)}; "
      f"repeated: {repeated} ({repeated / max(kills, 1):.1f} per kill; the killed runs had handled {killed}); "
      f"torn handler log lines: {torn}")
sys.exit(1 if lost else 0)
PY
