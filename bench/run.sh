#!/usr/bin/env bash
# `make bench`: every figure of docs/benchmarks.md, with its ratio, in one run.
#
#   bash bench/run.sh [BUILD_DIR]        (default build-release)
#
# Environment:
#   BENCH_RUNS=3                      runs of each repeated figure (medians are reported)
#   BENCH_GROWTH="10000 1000000 10000000"   state sizes (accounts) for the growth figure
#   BENCH_MEMORY_POSITIONS=1000000    accounts and positions for the memory figure
#   BENCH_WRK_SECONDS=10              duration of each wrk run
#   BENCH_SKIP_ANVIL=1                skip the side-by-side with anvil
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${1:-build-release}
BIN=$BUILD/bin
RUNS=${BENCH_RUNS:-3}
GROWTH=${BENCH_GROWTH:-"10000 1000000 10000000"}
MEMORY_N=${BENCH_MEMORY_POSITIONS:-1000000}
WRK_SECONDS=${BENCH_WRK_SECONDS:-10}
OUT=$BUILD/bench
mkdir -p "$OUT"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

declare -A FIG

# show: copies its input to stderr (the log) and to stdout (the caller's variable).
show() { local out; out=$(cat); echo "$out" >&2; echo "$out"; }

say() { printf '\n== %s\n' "$*"; }

# Installs wrk from Debian when missing.
if ! command -v wrk >/dev/null; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk
fi

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
# field NAME: the value of NAME=... on the RESULT line of stdin.
field() { grep '^RESULT' | tr ' ' '\n' | sed -n "s/^$1=//p" | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# start_vestd GENESIS DATADIR: a dev node on a free port; sets URL and NODE_PID.
start_vestd() {
  local log="$OUT/vestd-$RANDOM.log"
  "$BIN/vestd" --dev --genesis "$1" --datadir "$2" --rpc 127.0.0.1:0 >"$log" 2>&1 &
  NODE_PID=$!
  PIDS+=("$NODE_PID")
  for _ in $(seq 600); do
    local port
    port=$(sed -n 's/.*RPC listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
    if [ -n "$port" ]; then URL="http://127.0.0.1:$port"; return; fi
    sleep 0.1
  done
  echo "vestd did not start:"; cat "$log"; exit 1
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# wrk_post NAME URL BODY: requests/s and latency percentiles of one JSON-RPC call.
wrk_post() {
  local name=$1 url=$2 body=$3 out
  if curl -s -X POST -H 'Content-Type: application/json' -d "$body" "$url" | grep -q '"error"'; then
    echo "$name: the request fails: $body"; exit 1
  fi
  out=$(BODY="$body" wrk -t2 -c64 -d"${WRK_SECONDS}s" --latency -s bench/post.lua "$url")
  echo "$out" | sed 's/^/    /'
  if echo "$out" | grep -q 'Non-2xx'; then echo "$name: non-2xx answers"; exit 1; fi
  FIG[$name]=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  FIG[$name.p50]=$(echo "$out" | awk '$1 == "50%" {print $2}')
  FIG[$name.p99]=$(echo "$out" | awk '$1 == "99%" {print $2}')
}

say "1. The ceiling: libsecp256k1 recovery"
r=$("$BIN/vest_bench" recover --count 20000 --runs 5 | show)
FIG[recover.one]=$(echo "$r" | field one)
FIG[recover.all]=$(echo "$r" | field all)

say "2. Block execution: 100000 pre-signed transfers, 10000 accounts ($RUNS runs)"
cold=(); warm=(); rec=()
for i in $(seq "$RUNS"); do
  r=$("$BIN/vest_bench" execute --datadir "$OUT/exec" --accounts 10000 --txs 100000 | show)
  cold+=("$(echo "$r" | field txs_per_s)"); rec+=("$(echo "$r" | field recover_all)")
  r=$("$BIN/vest_bench" execute --datadir "$OUT/exec" --accounts 10000 --txs 100000 --admitted | show)
  warm+=("$(echo "$r" | field txs_per_s)"); rec+=("$(echo "$r" | field recover_all)")
done
FIG[exec.cold]=$(median "${cold[@]}")
FIG[exec.warm]=$(median "${warm[@]}")
FIG[exec.recover]=$(median "${rec[@]}")
r=$("$BIN/vest_bench" execute --datadir "$OUT/exec" --accounts 10000 --txs 100000 --admitted --mix sale \
      --block-seconds 432000 | show)
FIG[exec.sale]=$(echo "$r" | field txs_per_s)

say "3. Growth: cost per transfer by accounts in state"
for n in $GROWTH; do
  r=$("$BIN/vest_bench" execute --datadir "$OUT/growth" --accounts "$n" --txs 50000 --admitted | show)
  FIG[growth.$n]=$(echo "$r" | field us_per_tx)
  FIG[growth.$n.rss]=$(echo "$r" | field rss_mib)
done
rm -rf "$OUT/growth"

say "4. Memory: vestd serving $MEMORY_N accounts and $MEMORY_N positions"
"$BIN/vest_bench" execute --datadir "$OUT/mem" --write-genesis "$OUT/mem.json" --accounts "$MEMORY_N" \
  --txs "$MEMORY_N" --mix purchase --admitted
start_vestd "$OUT/mem.json" "$OUT/mem"
BIG_URL=$URL; BIG_PID=$NODE_PID
sender0=$("$BIN/vest_bench" sender 0)   # holds BENCH_MEMORY_POSITIONS / 2000 positions
filler=$("$BIN/vest_bench" sender --filler 0)  # one balance, no positions

say "5. RPC reads under wrk (vestd with $MEMORY_N accounts and positions)"
wrk_post reads.account "$BIG_URL" '{"jsonrpc":"2.0","id":1,"method":"account_get","params":{"address":"'"$filler"'"}}'
wrk_post reads.account500 "$BIG_URL" '{"jsonrpc":"2.0","id":1,"method":"account_get","params":{"address":"'"$sender0"'"}}'
wrk_post reads.vesting "$BIG_URL" '{"jsonrpc":"2.0","id":1,"method":"vesting_list","params":{"address":"'"$sender0"'","limit":10}}'
FIG[mem.rss]=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$BIG_PID/status")
FIG[mem.peak]=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$BIG_PID/status")
stop "$BIG_PID"

say "6. RPC ingest: tx_submit from 8 keep-alive clients ($RUNS runs)"
"$BIN/vest_bench" genesis --senders 1000 --accounts 10000 --out "$OUT/ingest.json"
sub=(); com=()
for i in $(seq "$RUNS"); do
  rm -rf "$OUT/ingest"
  start_vestd "$OUT/ingest.json" "$OUT/ingest"
  r=$("$BIN/vest_bench" ingest --url "$URL" --txs 20000 --senders 1000 --clients 8 | show)
  sub+=("$(echo "$r" | field submit_per_s)"); com+=("$(echo "$r" | field committed_per_s)")
  stop "$NODE_PID"
done
FIG[ingest.submit]=$(median "${sub[@]}")
FIG[ingest.commit]=$(median "${com[@]}")
rm -rf "$OUT/ingest"

say "7. Side by side with anvil"
ANVIL=""
if [ -z "${BENCH_SKIP_ANVIL:-}" ] && command -v npm >/dev/null; then
  if [ ! -d "$OUT/anvil/node_modules/@foundry-rs" ]; then
    npm install --prefix "$OUT/anvil" --no-audit --no-fund --silent @foundry-rs/anvil@1 || true
  fi
  ANVIL=$(find "$OUT/anvil/node_modules/@foundry-rs" -path '*/bin/anvil' -type f 2>/dev/null | head -1)
fi
if [ -n "$ANVIL" ]; then
  echo "anvil: $("$ANVIL" --version | head -1)"
  # Small state on both sides for the comparison.
  rm -rf "$OUT/side"
  start_vestd "$OUT/ingest.json" "$OUT/side"
  wrk_post side.vest "$URL" '{"jsonrpc":"2.0","id":1,"method":"account_get","params":{"address":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"}}'
  vsub=(); vcom=(); asub=(); acom=()
  for i in $(seq "$RUNS"); do
    r=$("$BIN/vest_bench" ingest --url "$URL" --txs 20000 --senders 1000 --clients 8 | show)
    vcom+=("$(echo "$r" | field committed_per_s)")
  done
  stop "$NODE_PID"
  port=$(( 20000 + RANDOM % 20000 ))
  "$ANVIL" --port "$port" --silent >"$OUT/anvil.log" 2>&1 &
  ANVIL_PID=$!; PIDS+=("$ANVIL_PID")
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port" && break; sleep 0.1; done
  wrk_post side.anvil "http://127.0.0.1:$port" '{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266","latest"]}'
  for i in $(seq "$RUNS"); do
    r=$("$BIN/vest_bench" ingest --url "http://127.0.0.1:$port" --dialect eth --txs 20000 --senders 1000 --clients 8 | show)
    acom+=("$(echo "$r" | field committed_per_s)")
  done
  stop "$ANVIL_PID"
  FIG[side.vest.commit]=$(median "${vcom[@]}")
  FIG[side.anvil.commit]=$(median "${acom[@]}")
else
  echo "skipped: npm or the anvil package is not available (or BENCH_SKIP_ANVIL is set)"
fi

say "8. Block sync: a full node syncing 100000 signed transfers from a validator ($RUNS runs)"
# The chain is built in process (pre-signed transfers, executed and committed
# as a validator does, with the devnet validator's key); a vestd --dev
# validator then serves it to new full nodes, each synced from genesis.
sync_start=$SECONDS
build_seconds=0
for bt in 10000 1000; do
  t=$SECONDS
  "$BIN/vest_bench" execute --datadir "$OUT/sync-chain" --write-genesis "$OUT/sync.json" --accounts 10000 \
    --txs 100000 --block-txs "$bt" | show >/dev/null
  build_seconds=$((build_seconds + SECONDS - t))
  r=$("$BIN/vest_bench" sync --vestd "$BIN/vestd" --genesis "$OUT/sync.json" --chain "$OUT/sync-chain" \
        --datadir "$OUT/sync-full" --runs "$RUNS" | show)
  FIG[sync.$bt.tps]=$(echo "$r" | field txs_per_s)
  FIG[sync.$bt.bps]=$(echo "$r" | field blocks_per_s)
  FIG[sync.$bt.ratio]=$(echo "$r" | field ratio)
  FIG[sync.$bt.total]=$(echo "$r" | field total_s)
done
rm -rf "$OUT/sync-chain" "$OUT/sync-full"
FIG[sync.seconds]=$((SECONDS - sync_start))
FIG[sync.build]=$build_seconds

say "9. Gossip: tx_submit at a full node until committed there ($RUNS runs)"
for bt in 0 100; do
  r=$("$BIN/vest_bench" gossip --vestd "$BIN/vestd" --genesis "$OUT/ingest.json" --dir "$OUT/gossip" \
        --block-time-ms "$bt" --txs 100 --clients 4 --runs "$RUNS" | show)
  FIG[gossip.$bt.ms]=$(echo "$r" | field block_ms)
  FIG[gossip.$bt.p50]=$(echo "$r" | field p50_ms)
  FIG[gossip.$bt.p99]=$(echo "$r" | field p99_ms)
done
rm -rf "$OUT/gossip"

say "10. Consensus: 4 validators against one --dev node, same machine ($RUNS runs)"
r=$("$BIN/vest_bench" consensus --vestd "$BIN/vestd" --genesis "$OUT/ingest.json" --dir "$OUT/consensus" \
      --validators 4 --short-commit-ms 100 --runs "$RUNS" | show)
CONS_MS=$(echo "$r" | grep '^RESULT consensus' | tr ' ' '\n' | sed -n 's/^commit_ms=//p' | tr '\n' ' ')
for ms in $CONS_MS; do
  row=$(echo "$r" | grep "^RESULT consensus .* commit_ms=$ms ")
  for f in p50_ms p99_ms single_tps net_tps ratio blocks_per_min; do
    FIG[cons.$ms.$f]=$(echo "$row" | field "$f")
  done
done
rm -rf "$OUT/consensus"

say "Summary (medians; ratios from this run)"
line() { printf '  %-52s %14s  %s\n' "$1" "$2" "${3:-}"; }
line "recover, 1 thread" "${FIG[recover.one]} /s"
line "recover, all cores" "${FIG[recover.all]} /s"
line "block execution, admitted first (node path)" "${FIG[exec.warm]} tx/s" "x$(ratio "${FIG[exec.warm]}" "${FIG[exec.recover]}") of all-core recovery (target >= 0.7)"
line "block execution, verified in the block" "${FIG[exec.cold]} tx/s" "x$(ratio "${FIG[exec.cold]}" "${FIG[exec.recover]}") of all-core recovery"
line "block execution, sale mix, admitted first" "${FIG[exec.sale]} tx/s"
line "tx_submit accepted" "${FIG[ingest.submit]} tx/s" "(target >= 10000)"
line "tx_submit committed" "${FIG[ingest.commit]} tx/s"
line "account_get under wrk (no positions)" "${FIG[reads.account]} req/s" "p50 ${FIG[reads.account.p50]}, p99 ${FIG[reads.account.p99]} (target >= 30000)"
line "account_get, holder of 500 positions" "${FIG[reads.account500]} req/s" "p50 ${FIG[reads.account500.p50]}, p99 ${FIG[reads.account500.p99]}"
line "vesting_list under wrk" "${FIG[reads.vesting]} req/s" "p50 ${FIG[reads.vesting.p50]}, p99 ${FIG[reads.vesting.p99]}"
for bt in 10000 1000; do
  line "block sync, blocks of $bt transfers" "${FIG[sync.$bt.tps]} tx/s" "${FIG[sync.$bt.bps]} blocks/s, x$(printf '%.2f' "${FIG[sync.$bt.ratio]}") of all-core recovery (goal >= 0.5)"
done
line "block sync benchmark, whole" "${FIG[sync.seconds]} s" "of which building the two chains ${FIG[sync.build]} s"
for bt in 0 100; do
  line "tx_submit at a full node to its commit, ${FIG[gossip.$bt.ms]} ms blocks" "${FIG[gossip.$bt.p50]} ms" "p99 ${FIG[gossip.$bt.p99]} ms"
done
for ms in $CONS_MS; do
  line "4 validators, $ms ms timeout_commit: finality" "$(printf %.0f "${FIG[cons.$ms.p50_ms]}") ms" \
    "p99 $(printf %.0f "${FIG[cons.$ms.p99_ms]}") ms, light load"
  line "4 validators, $ms ms timeout_commit: committed" "$(printf %.0f "${FIG[cons.$ms.net_tps]}") tx/s" \
    "x$(printf %.2f "${FIG[cons.$ms.ratio]}") of one --dev node ($(printf %.0f "${FIG[cons.$ms.single_tps]}") tx/s), $(printf %.0f "${FIG[cons.$ms.blocks_per_min]}") blocks/min"
done
first=""
for n in $GROWTH; do
  [ -z "$first" ] && first=$n
  line "cost per transfer, $n accounts" "${FIG[growth.$n]} us" "x$(ratio "${FIG[growth.$n]}" "${FIG[growth.$first]}") of $first (target <= 1.5)"
done
line "vestd resident, $MEMORY_N accounts + positions" "${FIG[mem.rss]} MiB" "peak ${FIG[mem.peak]} MiB (target < 512)"
if [ -n "$ANVIL" ]; then
  line "balance reads: vestd / anvil" "x$(ratio "${FIG[side.vest]}" "${FIG[side.anvil]}")" "${FIG[side.vest]} vs ${FIG[side.anvil]} req/s"
  line "transfers committed: vestd / anvil" "x$(ratio "${FIG[side.vest.commit]}" "${FIG[side.anvil.commit]}")" "${FIG[side.vest.commit]} vs ${FIG[side.anvil.commit]} tx/s"
fi
