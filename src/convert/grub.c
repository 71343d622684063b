/* GRUB 2 for BIOS boot, installed on a disk image file without grub-install (which needs the target
 * mounted): core.img from grub-mkimage, boot.img patched the way GRUB's util/setup.c patches it, both
 * written into the gap before partition 1, and the modules copied into the guest's /boot/grub. */
#include "convert/internal.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* include/grub/i386/pc/boot.h */
#define BOOT_KERNEL_SECTOR 0x5C /* u64: LBA of core.img's first sector */
#define BOOT_BOOT_DRIVE 0x64    /* u8: 0xFF = use the drive the BIOS passed in %dl */
#define BOOT_DRIVE_CHECK 0x66   /* "jmp 3f" over the %dl sanity check */
#define BOOT_CODE_END 0x1B8     /* NT disk signature and partition table follow: keep ours */
/* diskboot.img (core.img sector 0) ends with a blocklist: u64 start, u16 len, u16 segment. */
#define CORE_BLOCKLIST 0x1F4
#define CORE_LOAD_SEGMENT 0x820

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int grub_read_host(const char *path, uint8_t **buf, size_t *len, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || (size_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	uint8_t *b = malloc((size_t)st.st_size + 1);
	ssize_t got = b ? read(fd, b, (size_t)st.st_size) : -1;
	close(fd);
	if (got != st.st_size) {
		free(b);
		return b ? -EIO : -ENOMEM;
	}
	*buf = b;
	*len = (size_t)st.st_size;
	return 0;
}

/* A scratch file for grub-mkimage's output that a kill cannot leave behind: an unnamed O_TMPFILE in
 * $TMPDIR reached through /proc (not close-on-exec, so grub-mkimage can open it), else a named one. */
static int grub_scratch(char *path, size_t n, bool *named)
{
	const char *dir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	int fd = open(dir, O_TMPFILE | O_RDWR, 0600);

	*named = fd < 0;
	if (fd >= 0) {
		snprintf(path, n, "/proc/%d/fd/%d", (int)getpid(), fd);
		return fd;
	}
	if ((size_t)snprintf(path, n, "%s/virtmode-core-XXXXXX", dir) >= n)
		return -ENAMETOOLONG;
	fd = mkstemp(path);
	return fd < 0 ? -errno : fd;
}

static void grub_scratch_done(int fd, const char *path, bool named)
{
	close(fd);
	if (named)
		unlink(path);
}

int grub_build(const char *grub_dir, struct grub_boot *gb, char *why, size_t whylen)
{
	char bootimg[4096], core[4200];
	bool named;
	uint8_t *b;
	size_t len;
	int r;

	memset(gb, 0, sizeof *gb);
	snprintf(bootimg, sizeof bootimg, "%s/boot.img", grub_dir);
	if ((r = grub_read_host(bootimg, &b, &len, 512)) < 0 || len != 512) {
		snprintf(why, whylen, "%s: %s (install grub-pc-bin)", bootimg, r < 0 ? strerror(-r) : "not 512 bytes");
		if (!r)
			free(b);
		return r < 0 ? r : -EINVAL;
	}
	memcpy(gb->boot_img, b, 512);
	free(b);

	int fd = grub_scratch(core, sizeof core, &named);
	if (fd < 0) {
		snprintf(why, whylen, "cannot create a temporary file for core.img: %s", strerror(-fd));
		return fd;
	}
	char *argv[] = { "grub-mkimage", "-O", "i386-pc", "-d", (char *)grub_dir, "-p", "(hd0,msdos1)/boot/grub",
			 "-o", core, "biosdisk", "part_msdos", "ext2", NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status = 0;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	r = posix_spawnp(&pid, "grub-mkimage", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r) {
		grub_scratch_done(fd, core, named);
		snprintf(why, whylen, "cannot run grub-mkimage: %s (install grub-common)", strerror(r));
		return -r;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		grub_scratch_done(fd, core, named);
		snprintf(why, whylen, "grub-mkimage -d %s failed (exit status %d)", grub_dir,
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return -EIO;
	}
	r = grub_read_host(core, &gb->core_img, &gb->core_len, 1u << 20);
	grub_scratch_done(fd, core, named);
	if (r < 0 || gb->core_len < 1024) {
		snprintf(why, whylen, "grub-mkimage wrote no usable core.img");
		grub_free(gb);
		return r < 0 ? r : -EIO;
	}
	return 0;
}

void grub_free(struct grub_boot *gb)
{
	free(gb->core_img);
	gb->core_img = NULL;
}

int grub_write_boot(int fd, struct grub_boot *gb, uint64_t first_part_lba, char *why, size_t whylen)
{
	uint8_t mbr[512];
	size_t nsec = (gb->core_len + 511) / 512;

	if (nsec + 1 > first_part_lba) {
		snprintf(why, whylen, "core.img is %zu sectors; it does not fit before LBA %llu", nsec,
			 (unsigned long long)first_part_lba);
		return -ENOSPC;
	}
	/* Only GRUB 2's own layout is patched; anything else is a boot.img we do not know. */
	uint8_t *blk = gb->core_img + CORE_BLOCKLIST;
	if (gb->boot_img[BOOT_DRIVE_CHECK] != 0xEB || get_le(blk + 10, 2) != CORE_LOAD_SEGMENT) {
		snprintf(why, whylen, "boot.img/core.img do not have GRUB 2.0x's i386-pc layout");
		return -EINVAL;
	}
	if (pread(fd, mbr, 512, 0) != 512)
		return -EIO;
	memcpy(mbr, gb->boot_img, BOOT_CODE_END);
	put_le(mbr + BOOT_KERNEL_SECTOR, 1, 8); /* core.img starts right after the MBR */
	mbr[BOOT_BOOT_DRIVE] = 0xFF;
	/* setup.c nops the jump for hard disks so that a bogus %dl from a buggy BIOS is forced to 0x80. */
	mbr[BOOT_DRIVE_CHECK] = 0x90;
	mbr[BOOT_DRIVE_CHECK + 1] = 0x90;

	/* The rest of core.img follows its first sector contiguously: one blocklist entry. */
	put_le(blk, 2, 8);
	put_le(blk + 8, nsec - 1, 2);

	uint8_t *core = calloc(nsec, 512);
	if (!core)
		return -ENOMEM;
	memcpy(core, gb->core_img, gb->core_len);
	int r = 0;
	if (pwrite(fd, core, nsec * 512, 512) != (ssize_t)(nsec * 512) || pwrite(fd, mbr, 512, 0) != 512)
		r = errno ? -errno : -EIO;
	free(core);
	return r;
}

static bool grub_wanted(const char *name)
{
	size_t n = strlen(name);

	return (n > 4 && !strcmp(name + n - 4, ".mod")) || (n > 4 && !strcmp(name + n - 4, ".lst"));
}

int grub_copy_modules(ext2_filsys fs, const char *grub_dir, char *why, size_t whylen)
{
	DIR *d = opendir(grub_dir);
	int r = 0, count = 0;

	if (!d) {
		snprintf(why, whylen, "%s: %s", grub_dir, strerror(errno));
		return -errno;
	}
	if ((r = fsedit_mkdirs(fs, "/boot/grub/i386-pc"))) {
		snprintf(why, whylen, "cannot create /boot/grub/i386-pc: %s", strerror(-r));
		closedir(d);
		return r;
	}
	for (struct dirent *e; (e = readdir(d));) {
		if (!grub_wanted(e->d_name))
			continue;
		char host[4096], guest[512];
		uint8_t *buf;
		size_t len;
		snprintf(host, sizeof host, "%s/%s", grub_dir, e->d_name);
		snprintf(guest, sizeof guest, "/boot/grub/i386-pc/%s", e->d_name);
		if ((r = grub_read_host(host, &buf, &len, 16u << 20))) {
			snprintf(why, whylen, "%s: %s", host, strerror(-r));
			break;
		}
		r = fsedit_create(fs, guest, buf, len, 0644, 0);
		if (r == -EEXIST) /* modules of an older GRUB: they must match our core.img */
			r = fsedit_rewrite(fs, guest, buf, len);
		free(buf);
		if (r) {
			snprintf(why, whylen, "cannot write %s into the filesystem: %s", guest, strerror(-r));
			break;
		}
		count++;
	}
	closedir(d);
	if (!r && !count) {
		snprintf(why, whylen, "%s holds no GRUB modules (install grub-pc-bin)", grub_dir);
		return -ENOENT;
	}
	return r ? r : count;
}
