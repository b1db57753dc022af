#!/usr/bin/env bash
# Whole-process sync invoke of a builtin function (target: <= 10 ms median), side by side with
# the cheapest possible baseline on the same machine: a process that only starts and exits
# (`true`), and, when moto is installed, `aws lambda invoke` against a local moto server.
# Usage: bench/invoke-builtin.sh            (builds release with a static Swift stdlib first)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)" >&2; exit 1; }
swift build -c release --static-swift-stdlib >/dev/null || { echo "release build failed" >&2; exit 1; }
bin=$PWD/.build/release/lambda-sim
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "${moto_pid:-}" ] && kill "$moto_pid" 2>/dev/null || true' EXIT
export LAMBDA_SIM_STATE=$work/state.json HOME=$work
cd "$work"
"$bin" create-function --function-name bench --runtime builtin --handler echo >/dev/null
runs=${RUNS:-200}
invoke="$bin invoke --function-name bench --payload '{\"a\":1}' out.json"
# 1. lambda-sim against a process that does nothing (the floor of a whole-process measurement).
hyperfine --warmup 20 --runs "$runs" -N "$invoke" "true"
# 2. lambda-sim against the AWS CLI talking to a local moto server (DESIGN.md: at least 40x).
if command -v moto_server >/dev/null && command -v aws >/dev/null; then
  port=$((20000 + RANDOM % 10000))
  moto_server -p "$port" >/dev/null 2>&1 &
  moto_pid=$!
  sleep 2
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
  ep=http://127.0.0.1:$port
  curl -s -X POST -H 'Content-Type: application/json' -d '{"lambda": {"use_docker": false}}' "$ep/moto-api/config" >/dev/null
  printf 'def handler(e, c):\n    return e\n' > h.py && python3 -m zipfile -c fn.zip h.py
  aws --endpoint-url "$ep" iam create-role --role-name r --assume-role-policy-document \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
  aws --endpoint-url "$ep" lambda create-function --function-name bench --runtime python3.12 \
    --role arn:aws:iam::123456789012:role/r --handler h.handler --zip-file fileb://fn.zip >/dev/null
  hyperfine --warmup 3 --runs 20 -N "$invoke" \
    "aws --endpoint-url $ep lambda invoke --function-name bench --payload '{\"a\":1}' out2.json"
else
  echo "moto_server or aws not installed: skipping the comparison with aws lambda invoke" >&2
fi
