#!/usr/bin/env bash
# Runs libFuzzer targets one after the other, each for SECONDS, and stops at
# the first that finds a crash, leak, undefined behaviour or timeout (exit 1).
#   scripts/fuzz.sh BUILD_DIR SECONDS TARGET...
# New inputs go to BUILD_DIR/fuzz-corpus/<target> (the committed seeds in
# tests/fuzz/corpus/<target> are read, never written); a failing input is
# saved as BUILD_DIR/fuzz-artifacts/<target>-crash-... and the log of each run
# is BUILD_DIR/fuzz-logs/<target>.log.
set -euo pipefail

build=$1
seconds=$2
shift 2
seeds=tests/fuzz/corpus

# Longest input per target: a little above the largest valid one.
max_len() {
  case $1 in
    genesis) echo 16384 ;;
    jsonrpc_request | block_decode | p2p_message) echo 8192 ;;
    keystore) echo 4096 ;;
    rpc_params) echo 2048 ;;
    *) echo 4096 ;;
  esac
}

mkdir -p "$build/fuzz-artifacts" "$build/fuzz-logs"
for target in "$@"; do
  bin="$build/bin/fuzz_$target"
  if [ ! -x "$bin" ]; then
    echo "no fuzz target $target (expected $bin)" >&2
    exit 2
  fi
  mkdir -p "$build/fuzz-corpus/$target"
  log="$build/fuzz-logs/$target.log"
  echo "fuzz_$target: ${seconds}s, log in $log"
  dict=()
  if [ -f "tests/fuzz/$target.dict" ]; then dict=(-dict="tests/fuzz/$target.dict"); fi
  status=0
  "$bin" -max_total_time="$seconds" -max_len="$(max_len "$target")" -timeout=10 -rss_limit_mb=2560 \
    -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$target-" "${dict[@]}" \
    "$build/fuzz-corpus/$target" "$seeds/$target" >"$log" 2>&1 || status=$?
  # The last status line: executions, coverage, features, corpus, exec/s.
  grep -E '^#[0-9]+' "$log" | tail -n 1 || true
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" || true
  if [ "$status" -ne 0 ]; then
    echo "fuzz_$target failed (exit $status); see $log and $build/fuzz-artifacts/" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
done
