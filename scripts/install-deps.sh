#!/usr/bin/env bash
# Installs the Debian 12 packages vestchain builds with, when any is missing.
# With the argument "fuzz", also what the fuzz preset needs (clang and its
# libFuzzer and sanitizer runtimes; `make fuzz`). libjs-chart.js is embedded
# into vestd's web page; chromium runs the page's browser test in `make test`. Runs apt-get as root (or
# through sudo). Safe to run again: it does nothing when everything is present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libsecp256k1-dev
  libboost1.81-all-dev libboost-json1.81-dev
  libleveldb-dev libsnappy-dev
  libssl-dev
  catch2 libcli11-dev libtomlplusplus-dev
  faketime
  libjs-chart.js chromium
)
fuzz_packages=(clang libclang-rt-14-dev)
if [ "${1:-}" = "fuzz" ]; then
  packages+=("${fuzz_packages[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "installing missing packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
