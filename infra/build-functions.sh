#!/usr/bin/env bash
# build-functions.sh builds every function of stack.Firebreak for Lambda
# (provided.al2023 on arm64) into OUT/<name>/bootstrap, the layout the CDK
# app reads. OUT defaults to build/functions, relative to the repository root.
#
# usage: infra/build-functions.sh [OUT]
#
# The flags match buildFunctions in infra/firebreak_test.go. -trimpath and
# -buildvcs=false keep a binary, and so its asset hash, the same from one
# commit to the next unless its code changed.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/functions}

# the names come from the stack's description, not from a list of our own
names=$(go run ./infra/cmd/functions)

for name in $names; do
	if ! GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build \
		-tags lambda.norpc -trimpath -buildvcs=false -ldflags='-s -w' \
		-o "$out/$name/bootstrap" "./functions/$name"; then
		echo "build-functions: cannot build function $name (./functions/$name)" >&2
		exit 1
	fi
done
