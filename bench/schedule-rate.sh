#!/usr/bin/env bash
# A scheduled rule at rate(1 minute) simulated for 30 days: 43,200 firings, each an
# asynchronous invocation of a builtin `echo` function (target: <= 2 s, DESIGN.md
# "Performance targets, second set"), timed with hyperfine side by side with a baseline:
# `simulate` of 43,200 events queued with `invoke --invocation-type Event` semantics (a
# scenario's `enqueue` step), i.e. the same number of async invocations without EventBridge.
#
# Each run starts from a copy of a prepared state (manual clock, fixed seed) and writes the
# timeline (about 130,000 lines) to /dev/null.
# Usage: bench/schedule-rate.sh   (builds release with a static Swift stdlib first;
#        SKIP_BUILD=1 to reuse .build/release; RUNS=N, default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  swift build -c release --static-swift-stdlib >/dev/null
fi
bin=${LAMBDA_SIM_BIN:-$PWD/.build/release/lambda-sim}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work

# The schedule: put-rule rate(1 minute) + put-targets, on a manual clock.
export LAMBDA_SIM_STATE=$work/sched/state.json
mkdir -p "$work/sched"
"$bin" state reset --clock manual --start 2026-01-01T00:00:00Z --seed 7 >/dev/null
"$bin" create-function --function-name tick --runtime builtin --handler echo >/dev/null
"$bin" events put-rule --name every-minute --schedule-expression 'rate(1 minute)' >/dev/null
"$bin" events put-targets --rule every-minute --targets Id=1,Arn=arn:aws:lambda:us-east-1:123456789012:function:tick >/dev/null
cp -a "$work/sched" "$work/sched.orig"
count=$("$bin" simulate --for 30d --format json | grep -c '"event":"invoke"')
echo "schedule: $count invocations in 30 simulated days"

# The baseline: 43,200 async events queued at once (the scenario's enqueue step), then simulate.
cat > "$work/base.json" <<JSON
{"start": "2026-01-01T00:00:00Z", "seed": 7,
 "resources": [["create-function", "--function-name", "tick", "--runtime", "builtin", "--handler", "echo"]],
 "steps": [{"enqueue": {"function": "tick", "count": 43200}}]}
JSON

rm -rf "$work/sched" && cp -a "$work/sched.orig" "$work/sched"
hyperfine --runs "$runs" --export-markdown "$work/result.md" \
  --prepare "rm -rf '$work/sched' && cp -a '$work/sched.orig' '$work/sched'" \
  -n "schedule rate(1 minute), simulate --for 30d (43,200 invocations)" \
  "LAMBDA_SIM_STATE='$work/sched/state.json' '$bin' simulate --for 30d --format json > /dev/null" \
  -n "baseline: simulate --scenario with 43,200 enqueued async events" \
  "'$bin' simulate --scenario '$work/base.json' --format json > /dev/null"
cat "$work/result.md"
