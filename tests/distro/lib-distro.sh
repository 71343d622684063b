# Shared by the real-distribution test bed (issue 6). Source it. Sets DISTRO_SRC, DISTRO_CACHE,
# DISTRO_WORK and defines the helpers below. Downloads and the debootstrapped trees are cached under
# ${XDG_CACHE_HOME:-$HOME/.cache}/virtmode/distro/; images and boot logs go to DISTRO_WORK (a build
# directory), never into git.

DISTRO_SRC=${SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
DISTRO_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/virtmode/distro
if [ -n "${DISTRO_WORK:-}" ]; then :
elif [ -n "${BUILDDIR:-}" ]; then DISTRO_WORK=$BUILDDIR/tests/distro/work
else DISTRO_WORK=$DISTRO_SRC/build-distro/tests/distro/work
fi
DISTRO_SUITE=bookworm
DISTRO_MIRROR=${VIRTMODE_DEBIAN_MIRROR:-http://deb.debian.org/debian}

distro_log() { echo "distro: $*" >&2; }
distro_die() { echo "distro: $*" >&2; exit 1; }

# The packages of each guest kind, on top of debootstrap's minbase. Changing a list changes the
# cache key, so the tree is rebuilt.
distro_packages() { # KIND
	local common=linux-image-amd64,initramfs-tools,udev,kmod
	case $1 in
	systemd)  echo "$common,systemd,systemd-sysv" ;;
	sysvinit) echo "$common,sysvinit-core,sysv-rc,initscripts" ;;
	*) return 1 ;;
	esac
}

# TAP skip, for a test whose command is not written yet: only when the command itself says so,
# so a command that exists but is broken fails instead of skipping.
distro_skip_unless_implemented() { # COMMAND
	local out
	out=$("$VIRTMODE" "$1" --help 2>&1)
	if grep -qi 'not implemented' <<<"$out"; then
		echo "1..0 # SKIP $1 not implemented"
		exit 0
	fi
}

# distro_need_root: debootstrap and chroot need it (CI runs as root).
distro_need_root() {
	[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root (debootstrap)"; exit 0; }
	command -v debootstrap >/dev/null || distro_die "debootstrap is not installed (tools/ensure-packages)"
}
