#!/usr/bin/env bash
# Whole-process `lambda-sim invoke` of a Python handler (a cold start every time: a new
# lambda-sim process spawns a new Python runtime) against a bare `python3 -c` that imports
# and calls the same handler. Target (DESIGN.md): lambda-sim ≤ 1.3× the bare python3.
#
# Usage: bench/python-invoke.sh [ROUNDS] [RUNS_PER_ROUND]   (default 30 rounds of 4 runs)
#   LAMBDA_SIM=path/to/lambda-sim  (default: builds .build/release with --static-swift-stdlib)
#   PYTHON=path/to/python3         (default: the real interpreter behind `python3` on PATH,
#                                   so a pyenv shim is not timed on either side)
# Needs hyperfine (apt-get install -y hyperfine). Each round runs both commands with
# hyperfine, the two in alternating order; the individual run times of all rounds are pooled
# per command and the headline ratio is median(lambda-sim) / median(python3). Many short,
# alternating rounds keep a busy machine from favouring whichever command ran in a quiet
# moment. The CPU-time ratio (user + system of the process and its children) is printed
# too: it moves much less with load than wall time does.
set -euo pipefail

ROUNDS="${1:-30}"
RUNS="${2:-4}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

command -v hyperfine >/dev/null || { echo "hyperfine is required (apt-get install -y hyperfine)" >&2; exit 1; }

if [ -z "${LAMBDA_SIM:-}" ]; then
  (cd "$ROOT" && swift build -c release --static-swift-stdlib >/dev/null)
  LAMBDA_SIM="$ROOT/.build/release/lambda-sim"
fi
PYTHON="${PYTHON:-$(python3 -c 'import sys; print(sys.executable)')}"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/fn"
cat > "$WORK/fn/app.py" <<'EOF'
def handler(event, context):
    return {"ok": True, "event": event}
EOF

export LAMBDA_SIM_STATE="$WORK/state.json" LAMBDA_SIM_PYTHON="$PYTHON"
"$LAMBDA_SIM" create-function --function-name bench-py --runtime python3.12 --handler app.handler \
  --code-path "$WORK/fn" >/dev/null
# One invoke up front: writes the bootstrap to the runtime cache and app's __pycache__.
"$LAMBDA_SIM" invoke --function-name bench-py "$WORK/out.json" >/dev/null
grep -q '"ok": true' "$WORK/out.json" || { echo "the invoke did not return the handler's result" >&2; exit 1; }

SIM="$LAMBDA_SIM invoke --function-name bench-py $WORK/out.json"
BARE="$PYTHON -c \"import sys; sys.path.insert(0, '$WORK/fn'); import app; app.handler({}, None)\""

echo "lambda-sim: $LAMBDA_SIM"
echo "python:     $PYTHON ($("$PYTHON" --version 2>&1))"
echo "rounds: $ROUNDS x $RUNS runs per command"
ratios=()
cpu_ratios=()
sims=()
bares=()
for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then order=("$SIM" "$BARE"); else order=("$BARE" "$SIM"); fi
  hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$WORK/round.json" "${order[@]}" >/dev/null 2>>"$WORK/hyperfine.log"
  line="$(python3 - "$WORK/round.json" "$SIM" <<'EOF'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
sim = next(r for r in results if r["command"] == sys.argv[2])
bare = next(r for r in results if r["command"] != sys.argv[2])
cpu = lambda r: r["user"] + r["system"]
print("%.2f %.2f %.3f %.2f %.2f %.3f" % (sim["median"] * 1000, bare["median"] * 1000, sim["median"] / bare["median"],
                                         cpu(sim) * 1000, cpu(bare) * 1000, cpu(sim) / cpu(bare)))
with open(sys.argv[1] + ".sim", "a") as f:
    f.writelines("%f\n" % (t * 1000) for t in sim["times"])
with open(sys.argv[1] + ".bare", "a") as f:
    f.writelines("%f\n" % (t * 1000) for t in bare["times"])
EOF
)"
  read -r sim_ms bare_ms ratio sim_cpu bare_cpu cpu_ratio <<<"$line"
  printf 'round %2d: median wall: lambda-sim %6.2f ms, python3 %6.2f ms, ratio %.3f | mean cpu: %6.2f ms vs %6.2f ms, ratio %.3f\n' \
    "$round" "$sim_ms" "$bare_ms" "$ratio" "$sim_cpu" "$bare_cpu" "$cpu_ratio"
  ratios+=("$ratio")
  cpu_ratios+=("$cpu_ratio")
  sims+=("$sim_ms")
  bares+=("$bare_ms")
done
median() { sort -n | awk '{a[NR]=$1} END {printf "%.3f", (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
sim_median="$(median < "$WORK/round.json.sim")"
bare_median="$(median < "$WORK/round.json.bare")"
echo "pooled medians ($((ROUNDS * RUNS)) runs each): lambda-sim invoke $sim_median ms, bare python3 $bare_median ms"
echo "wall-time ratio (pooled medians):   $(awk -v a="$sim_median" -v b="$bare_median" 'BEGIN {printf "%.3f", a / b}')   (target <= 1.30)"
echo "wall-time ratio (median of rounds): $(printf '%s\n' "${ratios[@]}" | median)"
echo "cpu-time ratio (median of rounds):  $(printf '%s\n' "${cpu_ratios[@]}" | median)"
