#!/usr/bin/env bash
# `make testnet`: four validators and a full node on 127.0.0.1, in the foreground.
#
#   scripts/testnet.sh [BIN_DIR] [NET_DIR]     (defaults: build/bin build/testnet)
#
# Writes the network with `vestd testnet` into NET_DIR the first time and reuses
# it afterwards (chain, keys and all); starts every node of NET_DIR from its
# vestd.toml, validators first, each log line prefixed with the node's name.
# Ctrl-C stops all of them; so does any node stopping on its own.
# BASE_PORT=9000 picks other ports for a new NET_DIR (default 8700: docs/operations.md).
set -euo pipefail

bin=${1:-build/bin}
dir=${2:-build/testnet}

if [ ! -f "$dir/testnet.json" ]; then
  "$bin/vestd" testnet --validators 4 --full-nodes 1 --dir "$dir" --base-port "${BASE_PORT:-8700}" \
    --genesis-template genesis/devnet.json
else
  echo "Reusing the test network in $dir (delete the folder for a new one); its README.md says how to use it."
fi

pids=()
stop_all() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait
}
trap stop_all INT TERM EXIT

for config in "$dir"/validator*/vestd.toml "$dir"/full*/vestd.toml; do
  [ -f "$config" ] || continue
  name=$(basename "$(dirname "$config")")
  # The prefixer ignores Ctrl-C and ends when its node does, so a node's last lines are not lost.
  "$bin/vestd" --config "$config" > >(trap '' INT TERM; exec sed -u "s/^/[$name] /") 2>&1 &
  pids+=("$!")
done

# Returns when the first node exits (Ctrl-C reaches the trap first).
wait -n "${pids[@]}"
