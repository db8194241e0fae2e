#!/usr/bin/env bash
# Proves the release configuration (make release-check; CI runs it after
# make test):
#  1. installs goreleaser $GORELEASER_VERSION into $(go env GOPATH)/bin
#     unless that exact version is there already;
#  2. goreleaser check, then a snapshot release (static linux/amd64 and
#     arm64 binaries, archives, checksums, deb and rpm) in a clone of the
#     checkout with its uncommitted changes, so the checkout stays as it is;
#  3. installs the amd64 deb into a throwaway root (dpkg -x; the package
#     has no maintainer scripts, checked, so unpacking is all dpkg -i does)
#     and checks what a user gets: cttop --version says the snapshot version
#     and the commit, the deb's Version is the snapshot's, the man page is
#     gzip-compressed in man1, and every file sits at the path README's
#     Install section names, no more;
#  4. checks that the rpm holds the files README names for it, and its
#     licence, homepage and version.
# Any missing tool is a failure, never a skip (scripts/deps.sh installs
# them).
#
#   scripts/release-check.sh
#   KEEP_DIST=1 scripts/release-check.sh   also copy dist/ into the checkout
set -euo pipefail

# The pinned goreleaser builds with this project's Go (1.26); so does
# v2.16.0, while v2.18.2 and newer need a newer Go. Building it from source
# takes about 2.5 to 4 minutes on a clean GOPATH here. The Makefile and
# CONTRIBUTING.md name this version too (TestReleasePinAgrees).
GORELEASER_VERSION=v2.15.1

cd "$(dirname "$0")/.."
root=$PWD
start=$SECONDS
say() { echo "release-check: $*"; }
fail() { echo "release-check: FAIL: $*" >&2; exit 1; }

for tool in go git dpkg-deb rpm file sha256sum gzip tar; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/deps.sh installs what this needs)"
done

# 1. goreleaser, pinned.
gr=$(go env GOPATH)/bin/goreleaser
installed() {
	[ -x "$gr" ] && go version -m "$gr" 2>/dev/null |
		awk -v v="$GORELEASER_VERSION" '$1 == "mod" && $2 == "github.com/goreleaser/goreleaser/v2" && $3 == v { ok = 1 } END { exit !ok }'
}
if ! installed; then
	say "installing goreleaser $GORELEASER_VERSION"
	GOFLAGS= go install "github.com/goreleaser/goreleaser/v2@$GORELEASER_VERSION"
	installed || fail "$gr is not goreleaser $GORELEASER_VERSION after go install"
	say "goreleaser installed in $((SECONDS - start))s"
fi

# 2. A clone with the working tree's changes (tracked and untracked files
# that are not ignored) and a GitHub remote, which goreleaser check wants.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$tmp/src
git clone -q --no-checkout "$root" "$src"
git -C "$src" fetch -q "$root" HEAD
git -C "$src" checkout -q --detach FETCH_HEAD
git -C "$src" remote set-url origin https://github.com/cttop/cttop.git
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do
		if [ -e "$f" ]; then cp --parents -a "$f" "$src"; else rm -f "$src/$f"; fi
	done
commit=$(git rev-parse HEAD)
cd "$src"

t=$SECONDS
say "goreleaser check"
"$gr" check
say "goreleaser release --snapshot"
"$gr" release --snapshot --clean --skip=publish >"$tmp/release.log" 2>&1 || {
	cat "$tmp/release.log"
	fail "goreleaser release --snapshot"
}
say "snapshot built in $((SECONDS - t))s"
version=$(sed -n 's/.*"version":"\([^"]*\)".*/\1/p' dist/metadata.json)
case $version in *-next) ;; *) fail "snapshot version '$version' from dist/metadata.json, want *-next" ;; esac

for arch in amd64 arm64; do
	bin=$(find dist -path "*linux_${arch}*" -name cttop -type f | head -1)
	[ -n "$bin" ] || fail "no linux/$arch binary"
	[[ $(file "$bin") == *"statically linked"* ]] || fail "$bin is not static: $(file "$bin")"
	archive=dist/cttop_${version}_linux_$arch.tar.gz
	[ -f "$archive" ] || fail "no $archive"
	listing=$(tar -tzf "$archive")
	for f in cttop LICENSE README.md cttop.1 contrib/cttop.service contrib/completions/_cttop; do
		grep -qx "$f" <<<"$listing" || fail "$archive lacks $f"
	done
done
[ -s dist/checksums.txt ] || fail "no checksums.txt"
(cd dist && sha256sum --quiet -c checksums.txt) || fail "checksums do not match"

# The paths README's Install section names, per package: rows of
# | `PATH` | deb, rpm | what |
readme_paths() {
	awk -v pkg="$1" '
		/^## / { in_install = ($0 == "## Install") }
		in_install && /^\| `\// {
			split($0, col, "|")
			path = col[2]; gsub(/[ `]/, "", path)
			if (col[3] ~ pkg) print path
		}' "$root/README.md" | sort
}
readme_deb=$(readme_paths deb)
readme_rpm=$(readme_paths rpm)
[ "$(wc -l <<<"$readme_deb")" -ge 8 ] || fail "README's Install section names too few deb paths:
$readme_deb"

# 3. The deb, installed into a throwaway root.
deb=$(ls dist/*_amd64.deb)
dpkg-deb -e "$deb" "$tmp/control"
for s in preinst postinst prerm postrm config triggers; do
	[ ! -e "$tmp/control/$s" ] || fail "$deb has a maintainer script ($s): dpkg -x no longer installs it as dpkg -i would"
done
for field in Maintainer Homepage; do
	[ -n "$(dpkg-deb -f "$deb" "$field")" ] || fail "$deb has no $field"
done
[ "$(dpkg-deb -f "$deb" Homepage)" = https://github.com/cttop/cttop ] || fail "deb Homepage: $(dpkg-deb -f "$deb" Homepage)"
dest=$tmp/root
dpkg -x "$deb" "$dest"
deb_files=$(cd "$dest" && find . ! -type d | sed 's/^\.//' | sort)
[ "$deb_files" = "$readme_deb" ] || fail "the deb's files differ from README's Install section (< deb, > README):
$(diff <(echo "$deb_files") <(echo "$readme_deb") || true)"

# The package carries the snapshot's version as Debian spells a
# pre-release (~ sorts before the release).
[ "$(dpkg-deb -f "$deb" Version)" = "${version/-/\~}" ] || fail "deb Version $(dpkg-deb -f "$deb" Version), want ${version/-/\~}"
got=$("$dest/usr/bin/cttop" --version)
case $got in
"cttop $version (commit $commit, go"*) ;;
*) fail "installed cttop --version says '$got', want 'cttop $version (commit $commit, go...)'" ;;
esac
man=$dest/usr/share/man/man1/cttop.1.gz
gzip -t "$man" || fail "$man is not gzip"
cmp -s <(gzip -dc "$man") cttop.1 || fail "$man is not cttop.1 compressed"
cmp -s "$dest/usr/lib/systemd/system/cttop.service" contrib/cttop.service || fail "the deb's unit is not contrib/cttop.service"
cmp -s "$dest/usr/share/doc/cttop/cttop-alerts.yml" contrib/cttop-alerts.yml || fail "the deb's alert rules are not contrib/cttop-alerts.yml"
cmp -s "$dest/usr/share/doc/cttop/copyright" LICENSE || fail "the deb's copyright is not LICENSE"
say "deb: $(wc -l <<<"$deb_files") files where README says, $got"

# 4. The rpm.
rpmf=$(ls dist/*.x86_64.rpm)
rpm_files=$(rpm -qpl "$rpmf" 2>/dev/null | sort)
[ "$rpm_files" = "$readme_rpm" ] || fail "the rpm's files differ from README's Install section (< rpm, > README):
$(diff <(echo "$rpm_files") <(echo "$readme_rpm") || true)"
info=$(rpm -qp --qf '%{LICENSE}|%{URL}|%{VERSION}' "$rpmf" 2>/dev/null)
[ "$info" = "Apache-2.0|https://github.com/cttop/cttop|${version/-/\~}" ] || fail "rpm license|url|version: $info, want Apache-2.0|https://github.com/cttop/cttop|${version/-/\~}"
say "rpm: $(wc -l <<<"$rpm_files") files where README says"

if [ "${KEEP_DIST:-}" = 1 ]; then
	rm -rf "$root/dist"
	cp -a dist "$root/dist"
	say "artifacts in $root/dist"
fi
say "ok in $((SECONDS - start))s ($(ls dist/*.tar.gz dist/*.deb dist/*.rpm | wc -l) archives and packages)"
