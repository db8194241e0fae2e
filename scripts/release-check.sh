#!/usr/bin/env bash
# Checks the release configuration where goreleaser is installed: goreleaser
# check, then a snapshot build (static binaries, archives, checksums, deb and
# rpm), then a look inside the results. Works on a copy of the checkout, so
# the checkout and its git state stay as they are; says so and exits 0 when
# goreleaser is missing.
#
#   scripts/release-check.sh            check and build, then discard
#   KEEP_DIST=1 scripts/release-check.sh  also copy dist/ into the checkout
#
# goreleaser v2.16.0 builds with this project's Go:
#   go install github.com/goreleaser/goreleaser/v2@v2.16.0
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

gr=$(command -v goreleaser || true)
if [ -z "$gr" ] && command -v go >/dev/null && [ -x "$(go env GOPATH)/bin/goreleaser" ]; then
	gr=$(go env GOPATH)/bin/goreleaser
fi
if [ -z "$gr" ]; then
	echo "release-check: goreleaser not installed, skipped"
	echo "release-check: (go install github.com/goreleaser/goreleaser/v2@v2.16.0)"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A copy with the working tree as it is (uncommitted files included) and a
# git remote, which goreleaser check wants.
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$tmp" 2>/dev/null || true
cp -a .git "$tmp/.git"
cd "$tmp"
git remote get-url origin >/dev/null 2>&1 || git remote add origin https://github.com/cttop/cttop.git

echo "release-check: goreleaser check"
"$gr" check
echo "release-check: goreleaser release --snapshot"
"$gr" release --snapshot --clean --skip=publish >"$tmp/release.log" 2>&1 || {
	cat "$tmp/release.log"
	exit 1
}

fail() { echo "release-check: FAIL: $*" >&2; exit 1; }
for arch in amd64 arm64; do
	bin=$(find dist -path "*linux_${arch}*" -name cttop -type f | head -1)
	[ -n "$bin" ] || fail "no linux/$arch binary"
	file "$bin" | grep -q "statically linked" || fail "$bin is not static: $(file "$bin")"
	ls dist/cttop_*_linux_"$arch".tar.gz >/dev/null || fail "no linux/$arch archive"
done
[ -s dist/checksums.txt ] || fail "no checksums.txt"
(cd dist && sha256sum --quiet -c checksums.txt) || fail "checksums do not match"
if [ "$(uname -m)" = x86_64 ]; then
	v=$("$(find dist -path "*linux_amd64*" -name cttop -type f | head -1)" --version)
	case $v in "cttop "*-next) ;; *) fail "--version says '$v', want the snapshot version" ;; esac
fi
deb=$(ls dist/*.deb | head -1)
[ -n "$deb" ] || fail "no deb"
if command -v dpkg-deb >/dev/null; then
	list=$(dpkg-deb -c "$deb")
	for f in ./usr/bin/cttop ./usr/share/man/man1/cttop.1 ./usr/lib/systemd/system/cttop.service; do
		grep -q " $f\$" <<<"$list" || fail "$deb lacks $f"
	done
fi
ls dist/*.rpm >/dev/null || fail "no rpm"
if command -v rpm >/dev/null; then
	rpm -qlp dist/*x86_64.rpm | grep -qx /usr/share/man/man1/cttop.1 || fail "rpm lacks the man page"
fi
if [ "${KEEP_DIST:-}" = 1 ]; then
	rm -rf "$root/dist"
	cp -a dist "$root/dist"
	echo "release-check: artifacts in $root/dist"
fi
echo "release-check: ok ($(ls dist/*.tar.gz dist/*.deb dist/*.rpm | wc -l) archives and packages)"
