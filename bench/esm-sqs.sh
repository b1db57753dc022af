#!/usr/bin/env bash
# 1,000,000 SQS messages through an event source mapping with a builtin echo function inside
# one `simulate` (target: <= 30 s, DESIGN.md "Performance targets").
#
# Setup (not timed): a fresh private state (manual clock, fixed seed), a queue, the function
# and the mapping (BatchSize 10, no window) made with the CLI; the queue's message journal
# (`sqs/<storageId>.jsonl`, docs/state.md) is written directly with MESSAGES `send` lines,
# since a million `send-message` commands would time the CLI, not the pollers.
# Timed: `simulate` until idle, timeline to /dev/null: MESSAGES/10 batches, each a receive,
# an invocation (1 ms simulated) and a delete; the pollers scale from 5 concurrent batches.
# Usage: bench/esm-sqs.sh [MESSAGES]   (builds release with a static Swift stdlib first;
#        SKIP_BUILD=1 to reuse .build/release, LAMBDA_SIM_BIN to time another binary)
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-1000000}
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  swift build -c release --static-swift-stdlib >/dev/null
fi
bin=${LAMBDA_SIM_BIN:-$PWD/.build/release/lambda-sim}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LAMBDA_SIM_STATE=$work/state.json LAMBDA_SIM_CLOCK=manual LAMBDA_SIM_START=2026-01-01T00:00:00Z
"$bin" sqs create-queue --queue-name bench >/dev/null
"$bin" create-function --function-name sink --runtime builtin --handler echo >/dev/null
"$bin" create-event-source-mapping --function-name sink \
  --event-source-arn arn:aws:sqs:us-east-1:123456789012:bench --batch-size 10 >/dev/null
python3 - "$work" "$messages" <<'PY'
import hashlib, json, os, sys
work, count = sys.argv[1], int(sys.argv[2])
state = json.load(open(os.path.join(work, "state.json")))
queues = state["resources"]["queues"]
storage = next(q["storageId"] for q in queues.values() if q["name"] == "bench")
os.makedirs(os.path.join(work, "sqs"), exist_ok=True)
t = 1767225600000
with open(os.path.join(work, "sqs", storage + ".jsonl"), "w") as f:
    for i in range(count):
        body = '{"order": %d}' % i
        f.write(json.dumps({"op": "send", "messageId": "00000000-0000-4000-8000-%012d" % i, "seq": i + 1, "body": body,
                            "md5OfBody": hashlib.md5(body.encode()).hexdigest(), "senderId": "AIDAIENQZJOLO23YVJ4VO",
                            "sentTimestamp": t, "visibleAt": t}, separators=(",", ":")) + "\n")
PY
t0=$(date +%s%N)
"$bin" simulate --format json > "$work/timeline.jsonl"
t1=$(date +%s%N)
invokes=$(grep -c '"event":"invoke"' "$work/timeline.jsonl" || true)
left=$("$bin" sqs get-queue-attributes --queue-url https://sqs.us-east-1.amazonaws.com/123456789012/bench \
  --attribute-names ApproximateNumberOfMessages --query Attributes.ApproximateNumberOfMessages --output text)
echo "messages: $messages  invocations: $invokes  left in queue: $left"
echo "simulate: $(( (t1 - t0) / 1000000 )) ms"
