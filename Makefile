# perch: `make demo`, `make test`, `make bench`. Each installs what is missing first.
SHELL := /bin/bash
export NODE_PATH := /usr/share/nodejs
JOBS ?= $(shell nproc)
# Debian's python (numpy, sentencepiece, torch live there), whatever python3 is first on PATH.
PYTHON := /usr/bin/python3
WASM_VARIANTS := simd-threads simd baseline

.PHONY: setup build build-native build-asan build-wasm test test-cpp test-python test-js \
        test-browser bench demo clean

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

# Every test: C++ natively, under ASan/UBSan and as wasm in Node (three builds), then Python,
# JS (Node) and browser suites.
test: build
	@$(MAKE) --no-print-directory test-cpp test-python test-js test-browser
	@echo "make test: all suites passed"

test-cpp:
	@for p in native native-asan $(addprefix wasm-,$(WASM_VARIANTS)); do \
	  echo "== C++ tests: $$p"; ctest --preset $$p || exit 1; \
	done

test-python:
	@echo "== Python tests"; $(PYTHON) -m unittest discover -s tests/python -t . -v 2>&1 | tail -n 25; \
	  exit $${PIPESTATUS[0]}

test-js:
	@if [ -f js-bindings/package.json ]; then echo "== JS tests (Node)"; \
	  (cd js-bindings && npm test); fi

test-browser:
	@if [ -f tests/browser/package.json ]; then echo "== Browser tests (Chromium)"; \
	  (cd tests/browser && npm test); fi

bench: build
	@mkdir -p build/bench
	@for b in tools/bench/*.bench.mjs; do [ -f "$$b" ] && node "$$b" || exit 1; done

demo: build
	@echo "demo: not built yet"

clean:
	rm -rf build
