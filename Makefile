# proc-sentry: build, run and test.
#   make run    install dependencies, build release binaries, run the exporter on :9105
#   make test   run every test (unit and end-to-end)

SWIFT ?= swift
ARGS ?=

.PHONY: all deps build run test clean

all: build

deps:
	./scripts/install-deps.sh

build:
	$(SWIFT) build -c release --product sentry-exporter

run: deps build
	.build/release/sentry-exporter $(ARGS)

test:
	$(SWIFT) test

clean:
	rm -rf .build
