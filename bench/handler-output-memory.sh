#!/usr/bin/env bash
# lambda-sim's own peak memory for one invocation whatever the handler prints: an exec function
# prints SIZE bytes to stdout (the answer; above 6 MB it is Function.ResponseSizeTooLarge) or to
# stderr (the log; kept up to 1 MiB), and `/usr/bin/time -v` reports lambda-sim's maximum
# resident set size (the printing `head | tr` children are a few MB and are counted with it).
# Usage: bench/handler-output-memory.sh [SIZES...]   (default: 0 1000000 100000000 1000000000;
# SKIP_BUILD=1 to reuse .build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(0 1000000 100000000 1000000000)
if [ "${SKIP_BUILD:-0}" != 1 ]; then swift build -c release --static-swift-stdlib >/dev/null; fi
bin=${LAMBDA_SIM_BIN:-$PWD/.build/release/lambda-sim}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export HOME=$work LAMBDA_SIM_STATE=$work/state.json
mkdir code
printf '#!/bin/sh\nhead -c "$SIZE" /dev/zero | tr "\\0" a >&"$TO"\nprintf "{}"\n' > code/fn.sh
chmod +x code/fn.sh
printf '%-8s %12s %16s  %s\n' stream bytes "max RSS (KiB)" "outcome"
worst=0
for to in 1 2; do
  for size in "${sizes[@]}"; do
    name=f$to-$size
    "$bin" create-function --function-name "$name" --runtime exec --handler fn.sh --code-path code \
      --timeout 300 --environment "Variables={SIZE=$size,TO=$to}" >/dev/null
    /usr/bin/time -v -o time.txt "$bin" invoke --function-name "$name" out.json > summary.json
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' time.txt)
    outcome=$(grep -o '"errorType": *"[^"]*"' out.json 2>/dev/null | head -1 || true)
    [ -n "$outcome" ] || outcome="ok ($(wc -c < out.json) bytes answered)"
    [ "$to" = 1 ] && stream=stdout || stream=stderr
    printf '%-8s %12s %16s  %s\n' "$stream" "$size" "$rss" "$outcome"
    [ "$rss" -gt "$worst" ] && worst=$rss
  done
done
echo "worst: $worst KiB (ceiling 65536 KiB)"
[ "$worst" -le 65536 ]
