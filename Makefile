# proc-sentry: build, run, test and install.
#   make run            install dependencies, build release binaries, run sentry-top
#   make run-exporter   the same, running the exporter on :9105
#   make test           the tests: unit and end to end, man pages, the builds Swift users run,
#                       install, deployment files, the container image (podman); about 4
#                       minutes after the first build
#   make test-all       make test, then the slower checks (CI runs this): the end-to-end
#                       suites that burn CPU or wait out timeouts, the benchmark's and the
#                       fuzzers' smoke runs; about 25 minutes
#   make bench          the benchmark (bench/run.sh; long, not part of the tests)
#   make install        install both programs and their man pages under $(DESTDIR)$(PREFIX)
#   make uninstall      remove exactly what install installed

SWIFT ?= swift
ARGS ?=
PREFIX ?= /usr/local
DESTDIR ?=

BINDIR := $(DESTDIR)$(PREFIX)/bin
MANDIR := $(DESTDIR)$(PREFIX)/share/man/man1
PROGRAMS := sentry-exporter sentry-top
# Release builds are static executables (Package.swift says why, and holds the link flags), so
# they run on any x86-64 Linux, with or without a Swift toolchain or the C libraries they were
# built with. The build is a plain `swift build -c release`, as Swift users run it.
# RELEASE_FLAGS adds to it for one build (the benchmark's scratch path, symbol-order.sh's link map).
RELEASE := $(SWIFT) build -c release
RELEASE_FLAGS ?=

.PHONY: all deps build run run-exporter test test-all bench install uninstall clean

all: build

deps:
	./scripts/install-deps.sh

# Products only: a plain `swift build` would also build the test-only TestSupport target.
build:
	for program in $(PROGRAMS); do $(RELEASE) $(RELEASE_FLAGS) --product $$program || exit 1; done

run: deps build
	.build/release/sentry-top $(ARGS)

run-exporter: deps build
	.build/release/sentry-exporter $(ARGS)

# One test at a time: the end-to-end tests time exits, timeouts and CPU shares on a 2-core
# machine, which other tests running beside them would distort. The suites in SLOW_TESTS
# (a minute and more together) run in test-all only.
SLOW_TESTS := ExitedWorkTests|HTTPLimitsTests|SelectionRulesEndToEndTests
test:
	$(SWIFT) test --no-parallel --skip '$(SLOW_TESTS)'
	./scripts/check-man.sh
	./scripts/check-install.sh
	./scripts/check-deploy.sh
	./scripts/check-image.sh

test-all: test
	$(SWIFT) test --no-parallel --filter '$(SLOW_TESTS)'
	./scripts/check-bench.sh
	./scripts/check-fuzz.sh

bench: build
	./bench/run.sh $(ARGS)

install: build
	install -d $(BINDIR) $(MANDIR)
	for program in $(PROGRAMS); do \
		install -m 0755 .build/release/$$program $(BINDIR)/$$program && \
		install -m 0644 man/$$program.1 $(MANDIR)/$$program.1 || exit 1; \
	done

uninstall:
	for program in $(PROGRAMS); do \
		rm -f $(BINDIR)/$$program $(MANDIR)/$$program.1; \
	done

clean:
	rm -rf .build
