# perch: `make demo`, `make test`, `make bench`. Each installs what is missing first.
SHELL := /bin/bash
export NODE_PATH := /usr/share/nodejs
JOBS ?= $(shell nproc)
# Debian's python (numpy, sentencepiece, torch live there), whatever python3 is first on PATH.
PYTHON := /usr/bin/python3
WASM_VARIANTS := simd-threads simd baseline

.PHONY: setup build build-native build-asan build-wasm test test-cpp test-python test-js \
        test-browser test-demo test-server test-fuzz test-source fuzz bench demo clean

setup:
	@bash tools/setup.sh

build-native: setup
	@cmake --preset native >/dev/null && cmake --build --preset native -j$(JOBS)

build-asan: setup
	@cmake --preset native-asan >/dev/null && cmake --build --preset native-asan -j$(JOBS)

build-wasm: setup
	@for v in $(WASM_VARIANTS); do \
	  cmake --preset wasm-$$v >/dev/null && cmake --build --preset wasm-$$v -j$(JOBS) || exit 1; \
	done

build: build-native build-asan build-wasm

# Every test: source rules first (seconds), then C++ natively, under ASan/UBSan and as wasm in
# Node (three builds), then Python, JS (Node) and browser suites.
test: build
	@$(MAKE) --no-print-directory test-source test-cpp test-fuzz test-python test-js test-server test-browser test-demo
	@echo "make test: all suites passed"

# Source rules (issue 17): no function in src/ over 100 lines (split long ones into named steps);
# C++ follows .clang-format (tools/check_format.sh --fix applies it).
test-source:
	@echo "== Source rules"; $(PYTHON) tools/check_function_length.py src && bash tools/check_format.sh

test-cpp:
	@for p in native native-asan $(addprefix wasm-,$(WASM_VARIANTS)); do \
	  echo "== C++ tests: $$p"; ctest --preset $$p || exit 1; \
	done

# libFuzzer targets (tests/fuzz/, built by the native-asan preset with clang): in make test each
# runs 8 s on its seeds (under a minute in all, startup included); `make fuzz FUZZ_SECONDS=N` for long
# runs (FUZZ_RUNS=N stops each target after N executions).
FUZZ_TEST_TARGETS := model_load tokenizer ngram_utf8 server_request text_suggester json
FUZZ_TARGETS := $(FUZZ_TEST_TARGETS)
FUZZ_TEST_SECONDS ?= 8
FUZZ_SECONDS ?= 300
test-fuzz:
	@echo "== Fuzz targets ($(FUZZ_TEST_SECONDS) s each)"; tests/fuzz/run.sh $(FUZZ_TEST_SECONDS) $(FUZZ_TEST_TARGETS)

fuzz: build-asan
	@FUZZ_RUNS=$(FUZZ_RUNS) tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

test-python:
	@echo "== Python tests"; $(PYTHON) -m unittest discover -s tests/python -t . -v 2>&1 | tail -n 25; \
	  exit $${PIPESTATUS[0]}

# Lint first (ESLint, Prettier --check, the worker protocol's type checks: seconds), then the suite.
test-js:
	@if [ -f js-bindings/package.json ]; then echo "== JS lint and tests (Node)"; \
	  (cd js-bindings && npm run --silent lint && npm test); fi

test-browser:
	@if [ -f tests/browser/package.json ]; then echo "== Browser tests (Chromium)"; \
	  (cd tests/browser && npm test); fi

test-server:
	@if [ -f tests/server/package.json ]; then echo "== Server tests (perch-server on loopback)"; \
	  (cd tests/server && npm test); fi

test-demo:
	@if [ -f tests/demo/package.json ]; then echo "== Demo tests (Chromium + perch-server)"; \
	  (cd tests/demo && npm test); fi

bench: build
	@mkdir -p build/bench
	@for b in tools/bench/*.bench.mjs; do [ -f "$$b" ] && node "$$b" || exit 1; done

# The demo: perch-server on loopback serves the built page (COOP/COEP, so wasm threads are on)
# and the fallback API. Runs in the foreground; Ctrl-C stops it. `make demo PORT=9000`.
PORT ?= 8080
demo: build-native build-wasm
	@cd demo-web && node build.mjs
	@echo "perch demo: open http://127.0.0.1:$(PORT)/  (Ctrl-C stops it; requests are logged to build/demo-access.log)"
	@exec build/native/perch-server --models models --static build/demo-web --port $(PORT) --host 127.0.0.1 \
	  --access-log build/demo-access.log

clean:
	rm -rf build
