#!/usr/bin/env bash
# The cost of the caller check: a builtin sync invoke as a local IAM user whose policies are
# evaluated (AWSLambda_FullAccess attached, plus an inline Deny with a condition), side by side
# with the same invoke as the account's root user (no evaluation), pair by pair.
# Usage: bench/invoke-as-iam-user.sh [BINARY]   (default: .build/release/lambda-sim, built first)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ge 1 ]; then bin=$1; else swift build -c release --static-swift-stdlib >/dev/null; bin=$PWD/.build/release/lambda-sim; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LAMBDA_SIM_STATE=$work/state.json HOME=$work
mkdir -p "$work/.aws" && printf '[profile alice]\nregion = us-east-1\n' > "$work/.aws/config"
"$bin" create-function --function-name f --runtime builtin --handler echo >/dev/null
"$bin" iam create-user --user-name alice >/dev/null
"$bin" iam attach-user-policy --user-name alice --policy-arn arn:aws:iam::aws:policy/AWSLambda_FullAccess
"$bin" iam put-user-policy --user-name alice --policy-name d --policy-document \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"lambda:DeleteFunction","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"123456789012"}}}]}'
cd "$work"
if command -v farm-bench >/dev/null; then
  farm-bench -n "${RUNS:-30}" --vs "$bin invoke --function-name f $work/b.json" -- "$bin" --profile alice invoke --function-name f "$work/a.json"
else
  hyperfine --warmup 5 --runs "${RUNS:-30}" -N "$bin --profile alice invoke --function-name f a.json" "$bin invoke --function-name f b.json"
fi
