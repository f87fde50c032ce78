#!/usr/bin/env bash
# Builds and runs the whole test suite: the development build (core, CLI and GUI tests
# under the offscreen platform), the core and CLI tests under ASan + UBSan, then every
# reader's fuzz target for a short fixed time (QS_FUZZ_SECONDS, default 20).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/setup.sh

cmake --preset dev
cmake --build --preset dev
QT_QPA_PLATFORM=offscreen ctest --preset dev --timeout 600

cmake --preset asan
cmake --build --preset asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --preset asan -j2 --timeout 900

QS_FUZZ_SEED=1 scripts/fuzz.sh "${QS_FUZZ_SECONDS:-20}"
