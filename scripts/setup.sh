#!/usr/bin/env bash
# Installs every Debian 12 package QuantScope needs to build, test and run. Does nothing
# when they are all present. Run as root or with sudo available.
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config
    qt6-base-dev qt6-charts-dev qt6-svg-dev libgl-dev
    libeigen3-dev nlohmann-json3-dev libtbb-dev zlib1g-dev libonnx-dev libprotobuf-dev
    libflatbuffers-dev flatbuffers-compiler
    clang libclang-rt-14-dev
    libgtest-dev libgmock-dev libbenchmark-dev libdnnl-dev
    xvfb xauth
)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
        missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "setup: installing ${missing[*]}"
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
