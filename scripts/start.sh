#!/usr/bin/env bash
# Quick start: install what is missing, build, and open the bundled sample model in the
# GUI. Without a display, say so and print the CLI analysis of that model instead.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target quantscope quantscope-cli

sample="$root/resources/models/ppocrv4_rec_svtr_neck.safetensors"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    exec build/release/app/gui/quantscope "$sample"
fi
echo "No display found (DISPLAY and WAYLAND_DISPLAY are unset): printing the CLI analysis"
echo "of the sample model instead. Run this script in a desktop session to see the GUI."
echo
exec build/release/app/cli/quantscope-cli analyze "$sample" --granularity channel:1
