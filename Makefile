# OpenICCS: the two commands.
#   make demo   install what is missing, build, run a single-node control room
#   make check  install what is missing, build with sanitizers, run every test
#   make bench  build the release build with bench/, run the benchmarks
#
# Builds: build/ (gcc, optimised) for the demo; build-check/ (clang, ASan +
# UBSan, libFuzzer targets) for the tests.

BUILD       ?= build
CHECK_BUILD ?= build-check
MESON       ?= meson
NINJA       ?= ninja

.PHONY: all setup build build-check check bench demo demo-reset fuzz clean

all: build

setup:
	@scripts/setup

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD) --buildtype=release -Dwerror=true

build: setup $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

$(CHECK_BUILD)/build.ninja:
	CC=clang $(MESON) setup $(CHECK_BUILD) --buildtype=debug \
		-Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true

build-check: setup $(CHECK_BUILD)/build.ninja
	$(NINJA) -C $(CHECK_BUILD)

# The demo's gcc build is built too: its warnings (-O3 sees others than
# clang -O0) must not first show up when someone runs make demo.
check: build-check build
	@ICCS_BUILD=$(CURDIR)/$(CHECK_BUILD) tests/run

# Benchmarks (bench/README.md): by hand, never part of make check
bench: setup $(BUILD)/build.ninja
	$(MESON) configure $(BUILD) -Dbench=true
	$(NINJA) -C $(BUILD)
	@ICCS_BUILD=$(abspath $(BUILD)) bench/run

demo: build
	@ICCS_BUILD=$(CURDIR)/$(BUILD) scripts/demo

# Forget the demo's store, operators and certificates
demo-reset:
	rm -rf var/demo

# Run every fuzz target for FUZZ_SECONDS each (default 60), growing corpora
fuzz: build-check
	@for t in $(CHECK_BUILD)/fuzz/fuzz_*; do \
		n=$$(basename $$t); mkdir -p fuzz/corpus/$${n#fuzz_}; \
		$$t -max_total_time=$${FUZZ_SECONDS:-60} \
			fuzz/corpus/$${n#fuzz_} || exit 1; done

clean:
	rm -rf $(BUILD) $(CHECK_BUILD)
