#!/usr/bin/env bash
# Installs what the test suite needs when it is missing: Debian packages
# (tmux for the end-to-end test, conntrack, nftables, iptables, iproute2 for
# kernel tests) and staticcheck. Idempotent; needs root for apt.
set -euo pipefail

need=()
for pair in tmux:tmux conntrack:conntrack nft:nftables iptables:iptables ip:iproute2; do
	cmd=${pair%%:*} pkg=${pair#*:}
	command -v "$cmd" >/dev/null 2>&1 || need+=("$pkg")
done
if ((${#need[@]})); then
	echo "deps: installing ${need[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing ${need[*]}; run as root or install them" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

STATICCHECK_VERSION=v0.7.0
gobin=$(go env GOPATH)/bin
if ! "$gobin/staticcheck" -version 2>/dev/null | grep -q "${STATICCHECK_VERSION#v}"; then
	echo "deps: installing staticcheck $STATICCHECK_VERSION"
	GOFLAGS= go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi
go mod download
