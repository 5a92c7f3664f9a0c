# eddy: the two commands that matter are `make run` and `make test` (see README.md).
#
#   make run     install deps, build the release eddyd, run it on 127.0.0.1:11210 and TLS on 11207
#                (data in ./data; a self-signed development certificate in ./data/tls)
#   make test    install deps, format and include-boundary checks, release + ASan/UBSan + TSan builds
#                with ctest, clang-tidy on the changed sources, fuzz smoke (scripts/run-tests.sh)
#   make build   release build of everything
#   make format  apply clang-format to every C++ source
#   make tidy    clang-tidy over every source (scripts/run-tidy.sh: the clang build's
#                compile_commands.json, configuring the tsan preset if there is none)
#   make bench   release build, then eddyd vs Debian's memcached under memcaslap
#   make clean   remove the preset build trees (build/release, build/asan-ubsan, ...)
#
# Variables: HOST, PORT, TLS_PORT, THREADS (make run; 0 = one per core); BENCH_ARGS (make bench), e.g.
#   make bench BENCH_ARGS="--threads 2 --duration 20s"

HOST ?= 127.0.0.1
PORT ?= 11210
TLS_PORT ?= 11207
THREADS ?= 0
DATA_DIR ?= ./data
BENCH_ARGS ?=

EDDYD := build/release/programs/eddyd/eddyd
EDDYCTL := build/release/programs/eddyctl/eddyctl
TLS_DIR = $(DATA_DIR)/tls
PRESETS := release debug asan-ubsan tsan

.PHONY: run test build format check-format tidy bench clean deps

deps:
	scripts/install-deps.sh

run: deps
	cmake --preset release
	cmake --build --preset release --target eddyd eddyctl
	mkdir -p $(DATA_DIR)
	test -f $(TLS_DIR)/chain.pem || $(EDDYCTL) tls create-dev-certificate --dir $(TLS_DIR)
	exec $(EDDYD) --host $(HOST) --port $(PORT) --threads $(THREADS) --data-dir $(DATA_DIR) \
		--tls-port $(TLS_PORT) --tls-certificate-chain $(TLS_DIR)/chain.pem \
		--tls-private-key $(TLS_DIR)/pkey.pem

test:
	scripts/run-tests.sh

build: deps
	cmake --preset release
	cmake --build --preset release

format:
	scripts/check-format.sh --fix

check-format:
	scripts/check-format.sh

tidy:
	scripts/run-tidy.sh

bench: deps
	cmake --preset release
	cmake --build --preset release --target eddyd
	benchmarks/compare-memcached.sh --eddyd $(EDDYD) $(BENCH_ARGS)

clean:
	rm -rf $(addprefix build/,$(PRESETS)) build/logs
