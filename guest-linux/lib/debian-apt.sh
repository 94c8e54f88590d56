# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Shared helpers for guest-linux/fetch-debian-kernel and build-initramfs:
# resolve Debian package versions with apt-cache and fetch .deb files with
# `apt-get download` into Shale's cache, without installing anything on the
# host. Sourced (not run) by those scripts, which set -euo pipefail. Runs:
# host.
#
# Packages of the host's own architecture come through the host's apt lists.
# Packages of another architecture (i386, for the 686-pae kernel and its
# busybox) come through a private apt state in "$SHALE_CACHE_DIR/apt-ARCH",
# made with the host's sources.list and keyrings, so the host's apt
# configuration is never changed (no `dpkg --add-architecture`).

SHALE_CACHE_DIR=${SHALE_CACHE:-${HOME:?HOME is not set}/.cache/shale}
HOST_ARCH=$(dpkg --print-architecture)

# die MESSAGE...: prints "PROG: MESSAGE" on stderr and exits 1.
die() {
	echo "${PROG:-guest-linux}: error: $*" >&2
	exit 1
}

# note MESSAGE...: progress line on stderr.
note() {
	echo "${PROG:-guest-linux}: $*" >&2
}

# need_tools TOOL...: fails naming the tools that are not on PATH.
need_tools() {
	local t missing=()
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || missing+=("$t")
	done
	[[ ${#missing[@]} -eq 0 ]] ||
		die "missing host tools: ${missing[*]} (run tools/install-deps)"
}

# deb_escape VERSION: the version as apt spells it in .deb file names and as
# the cache spells it in directory names (':' of an epoch becomes %3a).
deb_escape() {
	printf '%s' "${1//:/%3a}"
}

# as_root CMD...: runs CMD as root (directly, or with non-interactive sudo).
as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		sudo -n "$@"
	else
		die "need root for: $* (run it yourself, then try again)"
	fi
}

# APT_OPTS: the options that point apt-get/apt-cache at the apt state for
# the architecture chosen with apt_use. Empty for the host's own.
APT_OPTS=()
APT_ARCH=
APT_PRIVATE=

# apt_use ARCH: choose the apt state that knows packages of ARCH, making and
# refreshing the private one if ARCH is not the host's. The private lists
# are refreshed when missing, when APT_REFRESH=1, or when the host's lists
# are newer (someone ran `apt-get update` since): a Debian point release
# then reaches both architectures at the same time.
apt_use() {
	APT_ARCH=$1
	# apt-cache parses all package lists (about a second) unless it may
	# keep its binary cache, which Debian's container images turn off
	# (Dir::Cache::pkgcache ""). Keep ours in Shale's cache: a cached run
	# then takes milliseconds. apt rebuilds it when the lists change.
	if [[ "$APT_ARCH" == "$HOST_ARCH" ]]; then
		mkdir -p "$SHALE_CACHE_DIR/apt-host"
		APT_OPTS=(
			-o "Dir::Cache::pkgcache=$SHALE_CACHE_DIR/apt-host/pkgcache.bin"
			-o "Dir::Cache::srcpkgcache="
		)
		APT_PRIVATE=
		return 0
	fi
	local d="$SHALE_CACHE_DIR/apt-$APT_ARCH"
	APT_PRIVATE=$d
	mkdir -p "$d/state/lists/partial" "$d/cache/archives/partial"
	[[ -e "$d/state/status" ]] || : >"$d/state/status"
	APT_OPTS=(
		-o "APT::Architecture=$APT_ARCH"
		-o "APT::Architectures::=$APT_ARCH"
		-o "Dir::State=$d/state"
		-o "Dir::State::status=$d/state/status"
		-o "Dir::Cache=$d/cache"
		-o "Dir::Cache::pkgcache=$d/cache/pkgcache.bin"
		-o "Dir::Cache::srcpkgcache="
	)
	# As root, apt drops to the _apt user to download, and _apt cannot
	# enter a cache under /root: it then warns and downloads as root
	# anyway. Tell it to stay root from the start (what it fetches is
	# still checked against the signed index).
	if [[ $(id -u) -eq 0 ]]; then
		APT_OPTS+=(-o "APT::Sandbox::User=root")
	fi
	local stamp="$d/updated" refresh=${APT_REFRESH:-0}
	if [[ ! -e "$stamp" ]]; then
		refresh=1
	elif [[ -n $(find /var/lib/apt/lists -maxdepth 1 -name '*Release' \
		-newer "$stamp" -print -quit 2>/dev/null) ]]; then
		refresh=1
	fi
	if [[ "$refresh" == 1 ]]; then
		note "updating the private apt lists for $APT_ARCH in $d"
		# One private state, one updater at a time.
		if flock "$d/lock" apt-get "${APT_OPTS[@]}" -q update >"$d/update.log" 2>&1; then
			rm -f "$d/update-errors"
		else
			# apt-get update fails as a whole when one index fails (a
			# mirror mid-sync); the others are still used. Go on with
			# what we have and say so; the next host `apt-get update`
			# or APT_REFRESH=1 tries again.
			note "warning: 'apt-get update' for $APT_ARCH reported errors (see $d/update.log):"
			grep -E '^(E|W):' "$d/update.log" | sed 's/^/    /' >&2 || true
			grep -E '^E:' "$d/update.log" | head -n 1 >"$d/update-errors" || true
		fi
		touch "$stamp"
	fi
}

# apt_index_errors: prints the first error of the last private `apt-get
# update` that had one (for the record in the .txt files), else nothing.
apt_index_errors() {
	if [[ -n "$APT_PRIVATE" && -s "$APT_PRIVATE/update-errors" ]]; then
		cat "$APT_PRIVATE/update-errors"
	fi
}

# apt_host_lists_ok PKG: makes sure the host's apt lists know PKG, running
# `apt-get update` once (as root) if they know nothing about it.
apt_host_lists_ok() {
	local pkg=$1
	if [[ -n "$APT_PRIVATE" ]]; then
		return 0
	fi
	if [[ -n $(apt_candidate "$pkg") ]]; then
		return 0
	fi
	note "the host's apt lists do not know $pkg; running 'apt-get update'"
	as_root apt-get -q update >&2 || die "'apt-get update' failed"
}

# apt_candidate PKG: prints the version apt would pick for PKG, or nothing.
apt_candidate() {
	LC_ALL=C apt-cache "${APT_OPTS[@]}" policy "$1" 2>/dev/null |
		sed -n 's/^  Candidate: //p' | grep -v '^(none)$' || true
}

# apt_depends_on PKG VERSION PATTERN: prints "NAME VERSION" of the first
# dependency of PKG=VERSION whose name matches the extended regex PATTERN
# (anchored), taking the version from its "(= VERSION)" constraint when it
# has one.
apt_depends_on() {
	local pkg=$1 ver=$2 pattern=$3 depends
	depends=$(LC_ALL=C apt-cache "${APT_OPTS[@]}" show "$pkg=$ver" 2>/dev/null |
		sed -n 's/^Depends: //p' | head -n 1) ||
		true
	[[ -n "$depends" ]] || die "apt-cache show $pkg=$ver has no Depends line"
	# "a (= 1), b | c (>= 2), d" -> one alternative per line.
	# shellcheck disable=SC2020 # two characters, two newlines
	tr ',|' '\n\n' <<<"$depends" | sed 's/^ *//; s/ *$//' |
		awk -v pat="^($pattern)\$" '
			$1 ~ pat {
				v = ""
				if ($2 == "(=") { v = $3; sub(/\)$/, "", v) }
				print $1, v
				exit
			}'
}

# apt_fetch PKG VERSION DIR: downloads PKG=VERSION for APT_ARCH into DIR
# (unless it is there already) and prints the .deb's path.
apt_fetch() {
	local pkg=$1 ver=$2 dir=$3 pkgarch deb tmp
	pkgarch=$(LC_ALL=C apt-cache "${APT_OPTS[@]}" show "$pkg=$ver" 2>/dev/null |
		sed -n 's/^Architecture: //p' | head -n 1) || true
	[[ -n "$pkgarch" ]] || die "apt does not know $pkg=$ver for $APT_ARCH"
	deb="$dir/${pkg}_$(deb_escape "$ver")_$pkgarch.deb"
	if [[ -s "$deb" ]]; then
		printf '%s\n' "$deb"
		return 0
	fi
	mkdir -p "$dir"
	tmp=$(mktemp -d "$dir/.download.XXXXXX")
	note "downloading $pkg $ver ($pkgarch)"
	# As root, apt downloads as _apt, who cannot write under /root; tell
	# it to stay root rather than warn (hashes are checked either way).
	local -a sandbox=()
	if [[ $(id -u) -eq 0 ]]; then
		sandbox=(-o "APT::Sandbox::User=root")
	fi
	if ! (cd "$tmp" && apt-get "${APT_OPTS[@]}" "${sandbox[@]}" -q download "$pkg=$ver" >&2); then
		rm -rf "$tmp"
		die "'apt-get download $pkg=$ver' failed (is the Debian archive reachable?)"
	fi
	if [[ ! -s "$tmp/${deb##*/}" ]]; then
		ls -l "$tmp" >&2
		rm -rf "$tmp"
		die "apt-get download did not produce ${deb##*/}"
	fi
	mv "$tmp/${deb##*/}" "$deb"
	rm -rf "$tmp"
	printf '%s\n' "$deb"
}

# install_if_changed SRC DST: copies SRC to DST unless DST already has the
# same bytes, so DST's timestamp moves only when its contents change.
install_if_changed() {
	local src=$1 dst=$2
	if [[ -f "$dst" && ! -L "$dst" ]] && cmp -s "$src" "$dst"; then
		return 0
	fi
	rm -f "$dst"
	cp "$src" "$dst.tmp.$$"
	chmod 0644 "$dst.tmp.$$"
	mv "$dst.tmp.$$" "$dst"
	note "wrote $dst"
}

# write_if_changed DST: stores standard input in DST unless DST has it.
write_if_changed() {
	local dst=$1 tmp
	tmp=$(mktemp "$dst.tmp.XXXXXX")
	cat >"$tmp"
	if [[ -f "$dst" ]] && cmp -s "$tmp" "$dst"; then
		rm -f "$tmp"
		return 0
	fi
	chmod 0644 "$tmp"
	mv "$tmp" "$dst"
}
