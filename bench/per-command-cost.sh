#!/usr/bin/env bash
# A command's cost does not grow with unrelated state (issue 13, item 5): a whole-process builtin
# sync `invoke` and a `create-function` on wall-clock states holding 1, 1,000 and 10,000
# functions, side by side in one hyperfine run. Targets: invoke at 10,000 <= 1.5x invoke at 1;
# create-function at 10,000 <= 2x create-function at 1.
# The other functions are written straight into their record files (docs/state.md, "Functions"),
# copies of one that `create-function` made, since 10,000 `create-function` commands would time
# the setup, not the command. Then 1,000 `create-function`s in a row are timed on the
# 10,000-function state (the issue's "2,000 create-functions took 3 min 52 s").
# Usage: bench/per-command-cost.sh [SIZES...]   (default 1 1000 10000; SKIP_BUILD=1 reuses .build/release;
#        RUNS=N runs per command, default 40; ROW=N create-functions in a row, default 1000, 0 skips)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1 1000 10000)
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)" >&2; exit 1; }
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  swift build -c release --static-swift-stdlib >/dev/null || { echo "release build failed" >&2; exit 1; }
fi
bin=$PWD/.build/release/lambda-sim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work
for n in "${sizes[@]}"; do
  mkdir -p "$work/s$n"
  LAMBDA_SIM_STATE=$work/s$n/state.json "$bin" create-function --function-name bench --runtime builtin --handler echo >/dev/null
  python3 - "$work/s$n" "$n" <<'PY'
import os, sys
work, count = sys.argv[1], int(sys.argv[2])
directory = os.path.join(work, "functions", "us-east-1")
template = open(os.path.join(directory, "bench.json")).read()
assert template.count('"name" : "bench"') == 1
for i in range(1, count):
    name = "other-%05d" % i
    with open(os.path.join(directory, name + ".json"), "w") as f:
        f.write(template.replace('"name" : "bench"', '"name" : "%s"' % name))
PY
  got=$(ls "$work/s$n/functions/us-east-1" | wc -l)
  [ "$got" = "$n" ] || { echo "state s$n holds $got functions, expected $n" >&2; exit 1; }
  if [ "$n" -gt 1 ]; then
    LAMBDA_SIM_STATE=$work/s$n/state.json "$bin" get-function --function-name "$(printf 'other-%05d' $((n - 1)))" >/dev/null
  fi
done
runs=${RUNS:-40}
# `delete-function` of a missing function fails: create it once so every prepare succeeds.
for n in "${sizes[@]}"; do
  LAMBDA_SIM_STATE=$work/s$n/state.json "$bin" create-function --function-name fresh --runtime builtin --handler echo >/dev/null
done
invokes=() creates=() prepares=()
for n in "${sizes[@]}"; do
  state="env LAMBDA_SIM_STATE=$work/s$n/state.json $bin"
  invokes+=(-n "invoke, $n functions" "$state invoke --function-name bench --payload '{\"a\":1}' $work/out.json")
  prepares+=(--prepare "$state delete-function --function-name fresh")
  creates+=(-n "create-function, $n functions" "$state create-function --function-name fresh --runtime builtin --handler echo")
done
hyperfine -N --warmup 5 --runs "$runs" "${invokes[@]}"
# One --prepare per command, in order: the function is deleted (not timed) before each create.
hyperfine -N --warmup 3 --runs "$runs" "${prepares[@]}" "${creates[@]}"
row=${ROW:-1000}
if [ "$row" -gt 0 ]; then
  last=${sizes[${#sizes[@]}-1]}
  export LAMBDA_SIM_STATE=$work/s$last/state.json
  start=$(date +%s.%N)
  for ((i = 0; i < row; i++)); do
    "$bin" create-function --function-name "row-$i" --runtime builtin --handler echo >/dev/null
  done
  end=$(date +%s.%N)
  echo "$row create-functions in a row on the $last-function state: $(python3 -c "print(f'{$end - $start:.1f} s')")"
fi
