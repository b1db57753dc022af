#!/usr/bin/env bash
# Wall mode (the default clock): no command waits for background work (DESIGN.md, second set of
# targets: `invoke --invocation-type Event` < 100 ms whatever the function does).
#
# 1. `invoke --invocation-type Event` of a Python function that sleeps 2 s, side by side with
#    a sync invoke of a builtin function (the cheapest command that writes nothing).
# 2. `list-functions` while the background runner works through due retries of a Python
#    function that takes 1 s per attempt (3 events, each retried), side by side with the same
#    command on an idle state.
# Usage: bench/wall-mode.sh   (SKIP_BUILD=1 to reuse .build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)" >&2; exit 1; }
if [ "${SKIP_BUILD:-0}" != 1 ]; then swift build -c release --static-swift-stdlib >/dev/null; fi
bin=$PWD/.build/release/lambda-sim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir idle busy code
printf 'import time\ndef handler(event, context):\n    time.sleep(2)\n    return event\n' > code/slow.py
printf 'import time\ndef handler(event, context):\n    time.sleep(1)\n    raise Exception("boom")\n' > code/fail.py
export HOME=$work
# 1. Event invoke of a 2-second function.
export LAMBDA_SIM_STATE=$work/busy/state.json
"$bin" create-function --function-name slow --runtime python3.12 --handler slow.handler --code-path code >/dev/null
"$bin" create-function --function-name echo --runtime builtin --handler echo >/dev/null
hyperfine --warmup 3 --runs "${RUNS:-30}" -N \
  "$bin invoke --function-name slow --invocation-type Event --payload {} out.json" \
  "$bin invoke --function-name echo --payload {} out.json"
# 2. list-functions while due real-runtime retries run in the background.
export LAMBDA_SIM_STATE=$work/idle/state.json
"$bin" create-function --function-name f --runtime python3.12 --handler fail.handler --code-path code >/dev/null
export LAMBDA_SIM_STATE=$work/busy/state.json
"$bin" create-function --function-name fail --runtime python3.12 --handler fail.handler --code-path code >/dev/null
for i in 1 2 3; do "$bin" invoke --function-name fail --invocation-type Event --payload "{\"n\":$i}" out.json >/dev/null; done
sleep 4
# Move the clock 2 minutes on, so both retries of every event are due now, and wake the runner.
"$bin" simulate --for 0s >/dev/null
jq '.clock.offsetMs += 180000' busy/state.json > busy/s.tmp && mv busy/s.tmp busy/state.json
"$bin" sqs create-queue --queue-name wake >/dev/null
hyperfine --warmup 2 --runs "${RUNS:-30}" -N \
  "env LAMBDA_SIM_STATE=$work/busy/state.json $bin list-functions" \
  "env LAMBDA_SIM_STATE=$work/idle/state.json $bin list-functions"
echo "background attempts logged when list-functions finished: $("$bin" logs --function-name fail | grep -c START)"
sleep 8
echo "and 8 s later (3 first attempts + 6 retries expected): $("$bin" logs --function-name fail | grep -c START)"
