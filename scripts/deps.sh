#!/usr/bin/env bash
# Installs what the test suite and the release check need when it is
# missing: Debian packages (tmux for the end-to-end test; conntrack,
# nftables, iptables, iproute2 for kernel tests; prometheus for promtool and
# the test against a real Prometheus server; openssh-server and
# openssh-client for the guard's test over a real SSH session; zsh and fish
# for the completion tests; rpm and file for the release check) and
# staticcheck. Idempotent; needs root for apt. goreleaser is installed by
# scripts/release-check.sh, which alone needs it.
set -euo pipefail

need=()
for pair in tmux:tmux conntrack:conntrack nft:nftables iptables:iptables ip:iproute2 \
	prometheus:prometheus promtool:prometheus rpm:rpm file:file zsh:zsh fish:fish \
	/usr/sbin/sshd:openssh-server ssh:openssh-client; do
	cmd=${pair%%:*} pkg=${pair#*:}
	if ! command -v "$cmd" >/dev/null 2>&1 && [[ " ${need[*]} " != *" $pkg "* ]]; then
		need+=("$pkg")
	fi
done
if ((${#need[@]})); then
	echo "deps: installing ${need[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing ${need[*]}; run as root or install them" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	# Packages with a daemon (prometheus, sshd) must not start it: the
	# tests start their own, on loopback or in a test namespace. policy-rc.d answering 101 tells
	# invoke-rc.d not to start services; add one for the install if the
	# machine has none.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	fi
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
