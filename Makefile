# gopreempt: a preemptible teaching kernel in Go.
#
#   make run    build the kernel and boot the demo in QEMU
#   make test   run every test: host tests, kernel-mode tests, system tests
#   make ktest PKG=./kernel RUN=TestPreemptNesting   one kernel-mode test
#   make debug  the demo (or PKG=... RUN=TestX) under gdb: docs/debugging.md
#
# Both install what they need on a fresh Debian machine (QEMU through
# apt-get when it is missing, Go modules through the module proxy).

GO      ?= go
KGOENV  := GOOS=linux GOARCH=amd64 CGO_ENABLED=0
# The kernel's entry point and load address (see boot/start.go).
KLDFLAGS := -ldflags='-E=gopreempt/boot.entry32 -T=0x400000'
QEMURUN := $(CURDIR)/bin/qemurun

# Packages whose tests run on the host, and packages whose tests run
# inside the kernel under QEMU (each imports gopreempt/internal/ktest).
HOST_PKGS   := ./boot/... ./rtc ./acpi ./arch/amd64 ./internal/... ./cmd/... ./tests/... ./fs/dirent ./linux ./trace/format
KERNEL_PKGS := ./kernel ./percpu ./fpu ./mm ./fs/tmpfs ./vdso ./signals ./linux/fuzz ./timerlat

# Command line for `make run` and for kernel-mode tests.
CMDLINE      ?= loglevel=6 demo=percpu
KTEST_CMDLINE ?= loglevel=5 panic=exit

.PHONY: all deps build run test vet hosttest kerneltest kerneltest-smp ktest bench bench-latency clean soak debug deps-gdb fuzz-syscalls

all: build

deps:
	@command -v qemu-system-x86_64 >/dev/null 2>&1 || { \
		echo "installing QEMU (qemu-system-x86) with apt-get"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q qemu-system-x86; }
	$(GO) mod download

# gdb, for make debug and the gdb system test (tests/system/gdb_test.go).
deps-gdb:
	@command -v gdb >/dev/null 2>&1 || { \
		echo "installing gdb with apt-get"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q gdb; }

# Headless Chromium, for the trace timeline's browser test
# (cmd/tracetool/chromium_test.go) and make trace's screenshot.
deps-chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing chromium with apt-get"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

bin/qemurun: deps $(shell find cmd/qemurun internal -name '*.go')
	$(GO) build -o $@ ./cmd/qemurun

bin/mkimage: $(shell find cmd/mkimage internal -name '*.go')
	$(GO) build -o $@ ./cmd/mkimage

bin/gopreempt.elf: FORCE
	$(KGOENV) $(GO) build $(KLDFLAGS) -o $@ ./cmd/gopreempt

bin/gopreempt.img: bin/gopreempt.elf bin/mkimage
	bin/mkimage -o $@ bin/gopreempt.elf

build: bin/qemurun bin/gopreempt.img

# The demo boots on four CPUs (per-CPU counters mean more with several);
# GOPREEMPT_SMP=1 make run for one.
run: build
	GOPREEMPT_SMP=$${GOPREEMPT_SMP:-4} GOPREEMPT_CMDLINE="$(CMDLINE)" $(QEMURUN) -i bin/gopreempt.elf

# The per-CPU demo with the event tracer on (docs/tracing.md): the trace
# comes out of the second serial port into bin/trace.bin, and tracetool
# turns it into bin/trace.json (ui.perfetto.dev, chrome://tracing) and
# bin/trace.html (a timeline for any browser), and bin/trace.png, the
# page as headless Chromium draws it. TRACE=classes chooses the events.
.PHONY: trace deps-chromium
TRACE ?= all
trace: build deps-chromium
	$(GO) build -o bin/tracetool ./cmd/tracetool
	rm -f bin/trace.bin
	GOPREEMPT_SMP=$${GOPREEMPT_SMP:-4} GOPREEMPT_TRACE=$(CURDIR)/bin/trace.bin \
		GOPREEMPT_CMDLINE="loglevel=6 demo=percpu trace=$(TRACE)" $(QEMURUN) -i bin/gopreempt.elf
	bin/tracetool -summary -elf bin/gopreempt.elf -json bin/trace.json -html bin/trace.html bin/trace.bin
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,420 \
		--screenshot=$(CURDIR)/bin/trace.png "file://$(CURDIR)/bin/trace.html$(TRACE_VIEW)" 2>/dev/null
	@echo "trace: bin/trace.json, bin/trace.html, bin/trace.png"

# make vet: go vet, gofmt and staticcheck (honnef.co/go/tools, built into
# bin/ from the module proxy; staticcheck.conf says what it checks).
STATICCHECK_VERSION := v0.8.2
vet:
	$(KGOENV) $(GO) vet ./...
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	GOBIN=$(CURDIR)/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(KGOENV) bin/staticcheck ./...

hosttest: bin/qemurun deps-gdb deps-chromium
	$(GO) test -p 1 -count=1 $(HOST_PKGS)

# The kernel-mode suite runs on one CPU and on four: some tests only mean
# something with several CPUs (bring-up, migration, per-CPU sums across
# CPUs), others check that the one-CPU rules still hold. The four-CPU
# packages run one at a time (-p 1): two machines of four virtual CPUs
# each on a two-core host would starve each other's timers.
kerneltest: bin/qemurun
	GOPREEMPT_SMP=1 GOPREEMPT_CMDLINE="$(KTEST_CMDLINE)" $(KGOENV) $(GO) test -count=1 $(KLDFLAGS) \
		-exec $(QEMURUN) -timeout=10m $(KERNEL_PKGS)

kerneltest-smp: bin/qemurun
	GOPREEMPT_SMP=4 GOPREEMPT_CMDLINE="$(KTEST_CMDLINE)" $(KGOENV) $(GO) test -p 1 -count=1 $(KLDFLAGS) \
		-exec $(QEMURUN) -timeout=10m $(KERNEL_PKGS)

test: vet hosttest kerneltest kerneltest-smp

# The suites that boot the kernel (kerneltest, kerneltest-smp,
# tests/system), N times, with a CPU hog on every host core; prints the
# failures per test (tests/soak.sh). make soak N=10 [REV=HEAD]
N ?= 3
soak:
	N=$(N) REV="$(REV)" MAKE="$(MAKE)" GO="$(GO)" tests/soak.sh

# The system-call fuzzer (linux/fuzz) for long: make fuzz-syscalls
# [N=1000000] [SEED=...] [SMP=4]. It prints the seed and calls per second.
# (N here defaults to a million, not to soak's 3.)
FUZZ_N = $(if $(filter command line,$(origin N)),$(N),1000000)
SEED ?= 0
fuzz-syscalls: bin/qemurun
	GOPREEMPT_SMP=$(SMP) GOPREEMPT_CMDLINE="$(KTEST_CMDLINE)" $(KGOENV) $(GO) test -count=1 -v -timeout=6h $(KLDFLAGS) \
		-exec '$(QEMURUN) -timeout=6h' -run TestFuzzSyscalls ./linux/fuzz -args -fuzz.n=$(FUZZ_N) -fuzz.seed=$(SEED) -fuzz.tmpfs-strict

# One kernel-mode test: make ktest PKG=./kernel RUN=TestName
PKG ?= ./kernel
RUN ?= .
ktest: bin/qemurun
	GOPREEMPT_SMP=$(SMP) GOPREEMPT_CMDLINE="$(KTEST_CMDLINE)" $(KGOENV) $(GO) test -count=1 -v $(KLDFLAGS) \
		-exec $(QEMURUN) -run '$(RUN)' $(PKG)

# The demo under gdb, stopped before its first instruction: make debug
# [SMP=4] [CMDLINE=...]. With RUN, one kernel-mode test instead: make
# debug PKG=./kernel RUN=TestName. GDBFLAGS adds gdb options, for example
# GDBFLAGS='-batch -x session.gdb'. See gdb/debug.sh, docs/debugging.md.
GDBFLAGS ?=
DEBUG_TEST := $(filter-out .,$(RUN))
DEBUG_ELF  := $(if $(DEBUG_TEST),bin/debug.test,bin/gopreempt.elf)
bin/debug.test: FORCE
	$(KGOENV) $(GO) test -c $(KLDFLAGS) -o $@ $(PKG)
debug: bin/qemurun deps-gdb $(DEBUG_ELF)
	GOPREEMPT_SMP=$(SMP) GOPREEMPT_CMDLINE="$(if $(DEBUG_TEST),$(KTEST_CMDLINE),$(CMDLINE))" QEMURUN=$(QEMURUN) \
		exec gdb/debug.sh $(GDBFLAGS) -- $(DEBUG_ELF) $(if $(DEBUG_TEST),-test.run='$(RUN)' -test.v)

clean:
	rm -rf bin

FORCE:

# Kernel-mode benchmarks: make bench [SMP=4]. One package at a time
# (-p 1): two machines at once would time each other.
SMP ?= 1
bench: bin/qemurun
	GOPREEMPT_SMP=$(SMP) GOPREEMPT_CMDLINE="loglevel=4" $(KGOENV) $(GO) test -p 1 -count=1 -run '^$$' -bench . \
		$(KLDFLAGS) -exec $(QEMURUN) ./percpu ./vdso ./signals

# The wake-up latency benchmark (timerlat, docs/sched.md): p50, p99 and max
# of a 1 ms sleeper's lateness, alone and next to a 100 ms kernel hog, per
# preemption model. make bench-latency [SMP=4] [BENCH_HZ=250] [SAMPLES=200]
BENCH_HZ ?= 1000
SAMPLES  ?= 200
bench-latency: bin/qemurun
	GOPREEMPT_SMP=$(SMP) GOPREEMPT_CMDLINE="loglevel=4 hz=$(BENCH_HZ)" $(KGOENV) $(GO) test -count=1 -run '^$$' \
		-bench WakeupLatency -benchtime=$(SAMPLES)x -timeout=20m $(KLDFLAGS) -exec $(QEMURUN) ./timerlat
