/* The root-relative reader on hostile snapshot roots built at test time: links that loop or escape, FIFOs,
 * flattened link files, caps. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect/rootfs.h"
#include "tap.h"

static char dir[] = "/tmp/virtmode-rootfs-XXXXXX";

static void put(const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
}

static void mk(const char *rel)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	mkdir(p, 0755);
}

static void ln(const char *target, const char *rel)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	if (symlink(target, p) < 0)
		perror(p);
}

int main(void)
{
	struct rootfs *r;
	struct rootfs_data d;
	char buf[256];

	if (!mkdtemp(dir))
		return 1;
	mk("sys"); mk("sys/devices"); mk("sys/devices/vif-0"); mk("sys/class"); mk("sys/class/net"); mk("etc");
	put("sys/devices/vif-0/name", "vif\n");
	put("etc/secret", "outside\n");
	ln("../../devices/vif-0", "sys/class/net/eth0");     /* a real symlink */
	put("sys/class/net/eth1", "../../devices/vif-0");     /* a flattened one */
	ln("loop2", "sys/loop1");
	ln("loop1", "sys/loop2");
	ln("../../../../../../../etc", "sys/up");             /* climbs above the root: stays inside */
	ln("/etc/secret", "sys/abs");                          /* absolute: relative to the root */
	char fifo[512];
	snprintf(fifo, sizeof fifo, "%s/sys/fifo", dir);
	mkfifo(fifo, 0644);

	TAP_OK(rootfs_open(dir, &r) == 0, "open the root");
	TAP_OK(rootfs_read_line(r, "sys/class/net/eth0/name", buf, sizeof buf) == 0 && !strcmp(buf, "vif"),
	       "through a symlink");
	TAP_OK(rootfs_read_line(r, "sys/class/net/eth1/name", buf, sizeof buf) == 0 && !strcmp(buf, "vif"),
	       "through a flattened link file");
	TAP_OK(rootfs_readlink(r, "sys/class/net/eth1", buf, sizeof buf) == 0 && !strcmp(buf, "../../devices/vif-0"),
	       "readlink of a flattened link");
	TAP_OK(rootfs_realpath(r, "sys/class/net/eth0", buf, sizeof buf) == 0 && !strcmp(buf, "sys/devices/vif-0"),
	       "realpath (%s)", buf);
	TAP_OK(rootfs_read(r, "sys/loop1", 100, &d) == -ELOOP, "a symlink loop is ELOOP");
	TAP_OK(rootfs_read_line(r, "sys/up/secret", buf, sizeof buf) == 0 && !strcmp(buf, "outside"),
	       "\"..\" above the root stops at the root (reads DIR/etc/secret)");
	TAP_OK(rootfs_realpath(r, "sys/up", buf, sizeof buf) == 0 && !strcmp(buf, "etc"), "...and resolves inside (%s)", buf);
	TAP_OK(rootfs_realpath(r, "sys/abs", buf, sizeof buf) == 0 && !strcmp(buf, "etc/secret"),
	       "an absolute target starts at the root (%s)", buf);
	TAP_OK(rootfs_read(r, "sys/fifo", 100, &d) == -EINVAL, "a FIFO is refused, without blocking");
	TAP_OK(rootfs_read(r, "sys/devices", 100, &d) == -EINVAL, "a directory is refused");
	TAP_OK(rootfs_read(r, "sys/nothing", 100, &d) == -ENOENT, "absent is ENOENT");

	put("big", "0123456789abcdef");
	TAP_OK(rootfs_read(r, "big", 8, &d) == 0 && d.len == 8 && d.truncated, "the cap truncates and says so");
	rootfs_data_free(&d);
	TAP_OK(rootfs_read(r, "big", 16, &d) == 0 && d.len == 16 && !d.truncated, "exactly the cap is not truncated");
	rootfs_data_free(&d);

	char names[8][64];
	TAP_OK(rootfs_list(r, "sys/class/net", names, 8) == 2 && !strcmp(names[0], "eth0"), "list, sorted");
	rootfs_close(r);

	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
