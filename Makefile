# bouncewatch: the two quick-start commands are `make run` and `make test`.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CONFIG ?= dist/demo.toml

.PHONY: all deps build run test bench format clean

all: build

deps:
	@scripts/install-deps

$(BUILD_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Starts the server on 127.0.0.1:8080 with the embedded SQLite store and the demo configuration.
run: build
	$(BUILD_DIR)/bouncewatch serve --config $(CONFIG)

# Builds, then runs every test (unit, integration, fuzz-corpus replay, end-to-end scripts).
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

bench: build
	scripts/bench-e2e

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD_DIR)
