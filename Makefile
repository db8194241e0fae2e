# cttop: build, run, test.
GO ?= go
GOBIN := $(shell $(GO) env GOPATH)/bin

.PHONY: build run demo test check deps bench release-check

# The commit goes into cttop --version (the release stamps its version too).
COMMIT := $(shell git rev-parse HEAD 2>/dev/null)

build:
	$(GO) build -trimpath -ldflags "-X main.commit=$(COMMIT)" -o cttop .

# Reading the table needs root (CAP_NET_ADMIN): sudo unless already root.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

run: build
	$(SUDO) ./cttop

demo: build
	./cttop --demo

deps:
	./scripts/deps.sh

# The whole suite, as CI runs it: formatting, vet, staticcheck, and every
# test under the race detector with the kernel tests forced on (a kernel
# test that cannot run fails instead of skipping).
# Kernel tests serialise global settings through a machine-wide lock
# (internal/netnstest), so the packages run in parallel as plain
# `go test ./...` runs them.
test: deps check
	CTTOP_KERNEL_TESTS=1 $(GO) test -race -count=1 -timeout 20m ./...

check:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GOBIN)/staticcheck ./...

# The release, proven: goreleaser v2.15.1 (installed into GOPATH/bin when
# missing), goreleaser check, a snapshot release, the deb installed in a
# throwaway root and checked, the rpm's file list (scripts/release-check.sh).
# CI runs it after make test.
release-check: deps
	./scripts/release-check.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./model/ ./filter/ ./source/ ./source/replay/
