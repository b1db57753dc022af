#!/usr/bin/env bash
# The long version of Tests/EndToEndTests/Hardening/FuzzTests: COUNT fuzzed command lines per
# seed (default 2500) over SEEDS (default 1,2,3,4: 10,000 inputs), plus COUNT/10 scenario files
# and COUNT/15 truncated state files. Prints the totals and fails on any violation.
# Usage: bench/fuzz-soak.sh [COUNT] [SEEDS]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-2500}
seeds=${2:-1,2,3,4}
swift build --build-tests >/dev/null
LAMBDA_SIM_FUZZ_COUNT=$count LAMBDA_SIM_FUZZ_SEEDS=$seeds swift test --skip-build --filter FuzzTests 2>&1 \
  | grep -E "FuzzTests: |error:|Executed .* tests" | sort -u
