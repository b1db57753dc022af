#!/usr/bin/env bash
# Command latency grows no faster than the work it does (DESIGN.md "Performance targets"):
# a whole-process builtin `invoke` with 100,000 messages waiting in an SQS queue, against the
# same invoke with an empty queue (target: no more than 2x). Wall-clock state, as users run it.
# The backlog is written straight into the queue's message journal (docs/state.md), since
# 100,000 `send-message` commands would time the CLI, not the invoke.
# Usage: bench/invoke-with-backlog.sh [MESSAGES]   (SKIP_BUILD=1 to reuse .build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-100000}
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)" >&2; exit 1; }
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  swift build -c release --static-swift-stdlib >/dev/null || { echo "release build failed" >&2; exit 1; }
fi
bin=$PWD/.build/release/lambda-sim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for side in empty backlog; do
  mkdir -p "$work/$side"
  export LAMBDA_SIM_STATE=$work/$side/state.json
  "$bin" sqs create-queue --queue-name waiting >/dev/null
  "$bin" create-function --function-name bench --runtime builtin --handler echo >/dev/null
done
python3 - "$work/backlog" "$messages" <<'PY'
import hashlib, json, os, sys, time
work, count = sys.argv[1], int(sys.argv[2])
state = json.load(open(os.path.join(work, "state.json")))
storage = next(q["storageId"] for q in state["resources"]["queues"].values() if q["name"] == "waiting")
os.makedirs(os.path.join(work, "sqs"), exist_ok=True)
t = int(time.time() * 1000)
with open(os.path.join(work, "sqs", storage + ".jsonl"), "a") as f:
    for i in range(count):
        body = '{"order": %d}' % i
        f.write(json.dumps({"op": "send", "messageId": "00000000-0000-4000-8000-%012d" % i, "seq": i + 1, "body": body,
                            "md5OfBody": hashlib.md5(body.encode()).hexdigest(), "senderId": "AIDAIENQZJOLO23YVJ4VO",
                            "sentTimestamp": t, "visibleAt": t}, separators=(",", ":")) + "\n")
PY
export LAMBDA_SIM_STATE=$work/backlog/state.json
left=$("$bin" sqs get-queue-attributes --queue-url https://sqs.us-east-1.amazonaws.com/123456789012/waiting \
  --attribute-names ApproximateNumberOfMessages --query Attributes.ApproximateNumberOfMessages --output text)
echo "messages waiting in the backlog state: $left"
cd "$work"
hyperfine --warmup 10 --runs "${RUNS:-100}" -N \
  -n "invoke, empty queue" "env LAMBDA_SIM_STATE=$work/empty/state.json $bin invoke --function-name bench out.json" \
  -n "invoke, $messages messages waiting" "env LAMBDA_SIM_STATE=$work/backlog/state.json $bin invoke --function-name bench out.json"
