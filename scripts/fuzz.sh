#!/usr/bin/env bash
# Builds the readers' libFuzzer targets (clang, ASan + UBSan) and runs each for SECONDS
# (default 20), seeded with the real and broken files of its format. Findings (crash-*,
# leak-*, timeout-*, oom-*) are written to build/fuzz/findings/<target>/ and fail the run.
# QS_FUZZ_SEED fixes libFuzzer's random seed (the CI run uses 1, to be repeatable).
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${1:-20}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(safetensors npy npz gguf pytorch_zip pytorch_legacy onnx tflite model)
fi

# QS_FUZZ_BIN: run already-built targets from that folder (long runs beside ongoing work).
bin="${QS_FUZZ_BIN:-build/fuzz/tests/fuzz}"
if [ -z "${QS_FUZZ_BIN:-}" ]; then
    cmake --preset fuzz >/dev/null
    cmake --build --preset fuzz
fi

data=tests/data
shared=../shared/models
seeds_of() {
    case "$1" in
    safetensors) echo "$data/safetensors $data/corrupt/safetensors" ;;
    npy) echo "$data/numpy $data/corrupt/numpy" ;;
    npz) echo "$data/numpy $data/corrupt/numpy $shared/ppocrv4_rec_svtr_neck.npz" ;;
    gguf) echo "$data/gguf $shared/ppocrv4_rec_svtr_neck.f16.gguf" ;;
    pytorch_zip | pytorch_legacy) echo "$data/pytorch $data/corrupt/pytorch" ;;
    onnx) echo "$data/onnx $data/corrupt/onnx $data/fuzz_regressions/onnx $shared/ch_ppocr_mobile_v2.0_cls_infer.onnx" ;;
    tflite) echo "$data/tflite $data/corrupt/tflite" ;;
    model) echo "$data/safetensors $data/numpy $data/gguf $data/pytorch $data/onnx $data/tflite" ;;
    esac
}

status=0
for target in "${targets[@]}"; do
    corpus="build/fuzz/corpus/$target"
    findings="build/fuzz/findings/$target"
    mkdir -p "$corpus" "$findings"
    # Seeds are copied flat (model files only, no larger than 1 MiB) into a seed folder.
    seeds="build/fuzz/seeds/$target"
    rm -rf "$seeds" && mkdir -p "$seeds"
    for source in $(seeds_of "$target"); do
        find "$source" -type f -size -1025k ! -name '*.md' ! -name '*.json' ! -name '*.py' \
            -exec sh -c 'cp "$1" "$2/$(echo "$1" | tr / _)"' _ {} "$seeds" \;
    done
    echo "== fuzz_$target for ${seconds}s ($(ls "$seeds" | wc -l) seeds)"
    if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$bin/fuzz_$target" "$corpus" "$seeds" \
        -max_total_time="$seconds" -max_len=1048576 -timeout=10 -rss_limit_mb=2048 \
        ${QS_FUZZ_SEED:+-seed="$QS_FUZZ_SEED"} \
        -artifact_prefix="$findings/" -print_final_stats=1 >"build/fuzz/$target.log" 2>&1; then
        echo "fuzz_$target: FOUND A PROBLEM, see build/fuzz/$target.log and $findings/"
        tail -40 "build/fuzz/$target.log"
        status=1
    fi
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "build/fuzz/$target.log" || true
done
exit $status
