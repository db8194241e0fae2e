# cttop: build, run, test.
GO ?= go
GOBIN := $(shell $(GO) env GOPATH)/bin

.PHONY: build run demo test check deps bench

build:
	$(GO) build -trimpath -o cttop .

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
# The incident scenario runs on its own, verbose, so each step it passed
# is printed.
test: deps check
	CTTOP_KERNEL_TESTS=1 $(GO) test -race -count=1 -timeout 20m -skip '^TestIncident$$' ./...
	CTTOP_KERNEL_TESTS=1 $(GO) test -count=1 -timeout 5m -v -run '^TestIncident$$' .

check:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GOBIN)/staticcheck ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./model/ ./source/
