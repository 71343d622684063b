#!/bin/sh
# libxl's hotplug script in the test dom0, instead of Debian's bash ones (an initramfs has no bash).
# For a disk (a block device such as /dev/loop0) it tells blkback which device to serve, as Xen's
# 'block' script does; for a vif there is nothing to wire up: the guest only needs netfront to bind.
# libxl runs it with the action (add/remove) as $1 and the backend's xenstore path in XENBUS_PATH.
[ "$1" = add ] || exit 0
case "$XENBUS_PATH" in
*/vbd/*)
	dev=$(xenstore-read "$XENBUS_PATH/params") || exit 1
	mm=$(stat -L -c '%t:%T' "$dev") || exit 1
	xenstore-write "$XENBUS_PATH/physical-device" "$mm" "$XENBUS_PATH/physical-device-path" "$dev" ;;
esac
exit 0
