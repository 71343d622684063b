# Shared by the live test bed scripts: where things are cached and built, and how Debian packages are
# fetched. Source it; it sets LIVE_SRC, LIVE_CACHE, LIVE_WORK, LIVE_X and defines the helpers below.
# Downloads are cached under ${XDG_CACHE_HOME:-$HOME/.cache}/virtmode/live; everything built from them
# (static virtmode, initramfs files, boot logs) lives in LIVE_WORK, a build directory, never in git.

LIVE_SRC=${SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LIVE_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/virtmode/live
if [ -n "${LIVE_WORK:-}" ]; then :
elif [ -n "${BUILDDIR:-}" ]; then LIVE_WORK=$BUILDDIR/tests/live/work
else LIVE_WORK=$LIVE_SRC/build-live
fi
LIVE_X=$LIVE_CACHE/x # every fetched package unpacked into one tree, as dpkg -x lays it out

live_log() { echo "live: $*" >&2; }
live_die() { echo "live: $*" >&2; exit 1; }

# The Debian packages a guest image is made of. The kernel is whatever linux-image-amd64 points at
# when first fetched (then cached); the rest are named exactly.
LIVE_XEN_PKGS="xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common libxencall1 libxenevtchn1
 libxenforeignmemory1 libxengnttab1 libxenmisc4.17 libxenstore4 libxentoollog1 libxendevicemodel1
 libxenhypfs1 libxentoolcore1 libyajl2"
# Only the HVM domUs need these: the device model and its firmware, inside dom0.
LIVE_HVM_PKGS="qemu-system-xen qemu-system-data seabios ipxe-qemu"

# live_fetch PKG...: makes sure a .deb of each package is in the cache (apt-get download otherwise).
live_fetch() {
	mkdir -p "$LIVE_CACHE/debs"
	local p missing=()
	for p in "$@"; do
		compgen -G "$LIVE_CACHE/debs/${p}_*.deb" >/dev/null || missing+=("$p")
	done
	[ ${#missing[@]} = 0 ] && return 0
	live_log "downloading ${missing[*]}"
	(cd "$LIVE_CACHE/debs" && apt-get download -q "${missing[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed') ||
		live_die "apt-get download ${missing[*]} failed"
	for p in "${missing[@]}"; do
		compgen -G "$LIVE_CACHE/debs/${p}_*.deb" >/dev/null || live_die "apt-get download $p left no .deb"
	done
}

# live_kernel_pkg: the linux-image package name, from the cache if one was fetched before.
live_kernel_pkg() {
	local f
	f=$(compgen -G "$LIVE_CACHE/debs/linux-image-6.1.*-amd64_*.deb" | sort -V | tail -1)
	if [ -n "$f" ]; then basename "$f" | cut -d_ -f1; return; fi
	apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-6/ { print $2; exit }'
}

# live_unpack: unpacks every cached .deb into LIVE_X (again only when the set of .debs changed).
live_unpack() {
	local stamp=$LIVE_X/.debs list
	list=$(cd "$LIVE_CACHE/debs" && ls -1 ./*.deb)
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$list" ] && return 0
	live_log "unpacking $(echo "$list" | wc -l) packages into $LIVE_X"
	rm -rf "$LIVE_X" && mkdir -p "$LIVE_X"
	local d
	for d in "$LIVE_CACHE"/debs/*.deb; do dpkg -x "$d" "$LIVE_X" || live_die "dpkg -x $d failed"; done
	echo "$list" >"$stamp"
}

# live_kver: the kernel version unpacked into LIVE_X.
live_kver() { basename "$(compgen -G "$LIVE_X/lib/modules/6.1.*-amd64" | sort -V | tail -1)"; }

# live_guest_field GUEST COLUMN: one cell of guests.tsv (COLUMN by its header name).
live_guest_field() {
	awk -F'\t' -v g="$1" -v c="$2" '
		/^#/ { next }
		!hdr { for (i = 1; i <= NF; i++) col[$i] = i; hdr = 1; next }
		$1 == g { print $col[c]; found = 1 }
		END { exit !found }' "$LIVE_SRC/tests/live/guests.tsv"
}
