# Front door of the build. `make run` and `make test` are all a new machine needs.
JOBS ?= $(shell nproc)
BUILD := build
DEPS_STAMP := $(BUILD)/.deps-ok

FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= tx_decode block_decode rlp jsonrpc_request rpc_params genesis keystore p2p_frame p2p_message
FUZZ_DEPS_STAMP := build-fuzz/.deps-ok

.PHONY: all deps build run testnet test asan test-asan bench fuzz soak clean

all: build

# Installs the Debian packages when one is missing (scripts/install-deps.sh).
$(DEPS_STAMP): scripts/install-deps.sh
	@bash scripts/install-deps.sh
	@mkdir -p $(BUILD) && touch $@

deps: $(DEPS_STAMP)

build: $(DEPS_STAMP)
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev -j $(JOBS)

# A single-node development chain with genesis/devnet.json, RPC on 127.0.0.1:8645.
run: build
	$(BUILD)/bin/vestd --dev --genesis genesis/devnet.json --datadir $(BUILD)/devnet

# Four validators and a full node on 127.0.0.1 (RPC 8700, 8702, ... 8708), written
# by `vestd testnet` into $(BUILD)/testnet the first time (BASE_PORT=9100: other
# ports); Ctrl-C stops all five.
testnet: build
	@bash scripts/testnet.sh $(BUILD)/bin $(BUILD)/testnet

# The whole suite: unit tests, integration tests against real vestd processes.
test: build
	@cd $(BUILD) && ctest -j 2 --output-on-failure --timeout 600

# The same suite under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: test-asan
test-asan: $(DEPS_STAMP)
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@cd build-asan && ctest -j 2 --output-on-failure --timeout 900

bench: $(DEPS_STAMP)
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	@bash bench/run.sh build-release

# The crash test with many SIGKILLs (docs/reliability.md); VEST_CRASH_SEED replays a run.
VEST_CRASH_KILLS ?= 100
soak: build
	@VEST_CRASH_KILLS=$(VEST_CRASH_KILLS) $(BUILD)/bin/integration_test "[crash]"

# libFuzzer targets (clang, ASan + UBSan), each run FUZZ_SECONDS in turn; stops at
# the first failure. One target: make fuzz FUZZ_TARGETS=rlp FUZZ_SECONDS=60
$(FUZZ_DEPS_STAMP): scripts/install-deps.sh
	@bash scripts/install-deps.sh fuzz
	@mkdir -p build-fuzz && touch $@

fuzz: $(FUZZ_DEPS_STAMP)
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)
	@bash scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD) build-asan build-release build-fuzz
