#!/usr/bin/env bash
# A short smoke run of every libFuzzer target (fuzz/run.sh, 30 s each, about 7 minutes in all):
# fails if a target does not build or any input crashes a parser. The long runs are
# `fuzz/run.sh` with its default of 600 s per target; see fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "check-fuzz: fuzz/run.sh ${CHECK_FUZZ_SECONDS:-30}"
if ./fuzz/run.sh "${CHECK_FUZZ_SECONDS:-30}"; then
    echo "check-fuzz: ok"
else
    echo "check-fuzz: FAIL: a fuzz target crashed or did not build (see above; inputs in fuzz/crashes/)" >&2
    exit 1
fi
