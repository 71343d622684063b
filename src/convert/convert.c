/* virtmode convert: inspect -> plan -> write -> (verify). This module owns the output file: it is built
 * as an unnamed (O_TMPFILE) or hidden temporary file in the output's directory and only linked to the
 * output path once complete, so an interrupted run never leaves a file at the output path. */
#include "convert/convert.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "convert/internal.h"
#include "inspect/image.h"

#define MIB (1ULL << 20)

extern char **environ;

struct out_file {
	int fd;
	bool anonymous;   /* O_TMPFILE: nothing to remove on failure */
	char tmp[4096];   /* named temporary (fallback), or the name we link the anonymous file to */
	char path[4096];  /* how libext2fs and resize2fs open it */
	char dir[4096];
};

/* The one piece of global state, for signal handlers only: the name of a named temporary output (used
 * when the output's filesystem has no O_TMPFILE, and for the moment between link and rename with
 * --force), so that SIGINT/SIGTERM/SIGHUP remove it before we die. SIGKILL cannot be caught; the file is
 * then hidden (.NAME.virtmode-XXXXXX) but never at the output path. */
static char cleanup_path[4096];
static volatile sig_atomic_t cleanup_armed;

static void cleanup_on_signal(int sig)
{
	if (cleanup_armed)
		unlink(cleanup_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void cleanup_arm(const char *path)
{
	cleanup_armed = 0;
	snprintf(cleanup_path, sizeof cleanup_path, "%s", path);
	cleanup_armed = 1;
}

static void cleanup_install(void)
{
	struct sigaction sa = { .sa_handler = cleanup_on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int fail(struct convert_error *err, int code, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct convert_error *err, int code, const char *file, const char *fmt, ...)
{
	va_list ap;

	err->code = code < 0 ? -code : code;
	snprintf(err->file, sizeof err->file, "%s", file);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return code < 0 ? code : -code;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* What went wrong with a write, in the user's words: no space and file-size limits are the usual. */
static const char *write_problem(int r)
{
	switch (-r) {
	case ENOSPC: return "no space left on the output's filesystem";
	case EFBIG:  return "file too large for the output's filesystem or the file-size limit (ulimit -f)";
	case EDQUOT: return "disk quota exceeded";
	default:     return strerror(-r);
	}
}

/* Refusals that need no work: input == output, existing output without --force. */
static int check_paths(const struct convert_opts *o, struct convert_error *err)
{
	struct stat in, out;

	if (stat(o->input, &in))
		return fail(err, -errno, o->input, "%s", strerror(errno));
	if (!S_ISREG(in.st_mode) && !S_ISBLK(in.st_mode))
		return fail(err, -EINVAL, o->input, "not a regular file or block device");
	if (!stat(o->output, &out)) {
		if (out.st_dev == in.st_dev && out.st_ino == in.st_ino)
			return fail(err, -EINVAL, o->output, "is the input image; the output must be a new file");
		if (!o->force)
			return fail(err, -EEXIST, o->output, "already exists (use --force to replace it)");
		if (!S_ISREG(out.st_mode))
			return fail(err, -EINVAL, o->output, "exists and is not a regular file; not replacing it");
	} else if (errno != ENOENT) {
		return fail(err, -errno, o->output, "%s", strerror(errno));
	}
	return 0;
}

static int out_open(struct out_file *f, const char *output, struct convert_error *err)
{
	char *copy = strdup(output), *copy2 = strdup(output);

	if (!copy || !copy2) {
		free(copy);
		free(copy2);
		return fail(err, -ENOMEM, output, "out of memory");
	}
	snprintf(f->dir, sizeof f->dir, "%s", dirname(copy));
	int n = snprintf(f->tmp, sizeof f->tmp, "%s/.%s.virtmode-XXXXXX", f->dir, basename(copy2));
	free(copy);
	free(copy2);
	if (n < 0 || (size_t)n >= sizeof f->tmp)
		return fail(err, -ENAMETOOLONG, output, "path too long");
	/* Not O_CLOEXEC: resize2fs reaches the anonymous file through /proc/PID/fd. */
	f->fd = open(f->dir, O_TMPFILE | O_RDWR, 0644);
	if (f->fd >= 0) {
		f->anonymous = true;
		snprintf(f->path, sizeof f->path, "/proc/%d/fd/%d", (int)getpid(), f->fd);
		return 0;
	}
	f->anonymous = false;
	f->fd = mkstemp(f->tmp);
	if (f->fd < 0)
		return fail(err, -errno, output, "cannot create a file in %s: %s", f->dir, strerror(errno));
	cleanup_arm(f->tmp);
	fchmod(f->fd, 0644);
	snprintf(f->path, sizeof f->path, "%s", f->tmp);
	return 0;
}

static void out_discard(struct out_file *f)
{
	if (f->fd < 0)
		return;
	close(f->fd);
	f->fd = -1;
	if (!f->anonymous)
		unlink(f->tmp);
	cleanup_armed = 0;
}

/* Makes the finished file appear at the output path in one step. */
static int out_commit(struct out_file *f, const struct convert_opts *o, struct convert_error *err)
{
	if (fsync(f->fd))
		return fail(err, -errno, o->output, "%s", write_problem(-errno));
	if (f->anonymous) {
		if (!o->force) {
			/* linkat fails with EEXIST if someone created the output meanwhile. */
			if (!linkat(AT_FDCWD, f->path, AT_FDCWD, o->output, AT_SYMLINK_FOLLOW))
				goto done;
			if (errno == EEXIST)
				return fail(err, -EEXIST, o->output, "already exists (use --force to replace it)");
		}
		for (int tries = 0; tries < 100; tries++) {
			char *x = f->tmp + strlen(f->tmp) - 6;
			for (int k = 0, v = (getpid() * 7919 + tries * 104729) & 0x7fffffff; k < 6; k++, v /= 10)
				x[k] = (char)('0' + v % 10);
			cleanup_arm(f->tmp);
			if (!linkat(AT_FDCWD, f->path, AT_FDCWD, f->tmp, AT_SYMLINK_FOLLOW))
				break;
			cleanup_armed = 0;
			if (errno != EEXIST)
				return fail(err, -errno, o->output, "cannot link the new image: %s", strerror(errno));
		}
		f->anonymous = false; /* now it has a name to remove on failure */
	}
	if (!o->force) {
		if (renameat2(AT_FDCWD, f->tmp, AT_FDCWD, o->output, RENAME_NOREPLACE))
			return fail(err, -errno, o->output, errno == EEXIST ? "already exists (use --force to replace it)"
							   : "cannot rename the new image into place: %s", strerror(errno));
	} else if (rename(f->tmp, o->output)) {
		return fail(err, -errno, o->output, "cannot rename the new image into place: %s", strerror(errno));
	}
done:
	cleanup_armed = 0;
	close(f->fd);
	f->fd = -1;
	int dfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

/* resize2fs is the only way to grow an ext filesystem: libext2fs has no resize API. It runs on the
 * partition through the "?offset=" syntax, on our file, never on the input.
 * resize2fs sizes a regular file as if the filesystem started at byte 0 (1.47.0 ignores the offset):
 * it truncates the file to the new fs size when the file is larger, which would cut off the last
 * 1 MiB of the partition. So it runs on a file exactly that long (it then only writes one byte at
 * its end, in the new free space since we grow by more than 1 MiB), and the disk is resized after. */
static int grow_fs_run(char *dev, char *size, char *log, char *why, size_t whylen);
static int grow_fs(const struct out_file *f, uint64_t fs_new_bytes, uint64_t disk_bytes, char *why, size_t whylen)
{
	char dev[4200], size[32], log[4200];
	snprintf(dev, sizeof dev, "%s?offset=%llu", f->path, CONVERT_PART_OFFSET);
	snprintf(size, sizeof size, "%lluK", (unsigned long long)(fs_new_bytes / 1024));
	if (ftruncate(f->fd, (off_t)fs_new_bytes)) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -errno;
	}
	int r0 = grow_fs_run(dev, size, log, why, whylen);
	if (!r0 && ftruncate(f->fd, (off_t)disk_bytes)) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -errno;
	}
	return r0;
}

static int grow_fs_run(char *dev, char *size, char *log, char *why, size_t whylen)
{
	/* resize2fs's output, kept only to quote its last line: unnamed, so a kill leaves nothing. */
	const char *dir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	int lfd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (lfd < 0) {
		snprintf(log, 4200, "%s/virtmode-resize-XXXXXX", dir);
		if ((lfd = mkstemp(log)) >= 0)
			unlink(log);
	}
	if (lfd < 0) {
		snprintf(why, whylen, "cannot create a temporary file in %s: %s", dir, strerror(errno));
		return -errno;
	}
	char *argv[] = { "resize2fs", "-f", dev, size, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status = 0, r;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, lfd, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, lfd, STDERR_FILENO);
	r = posix_spawnp(&pid, "resize2fs", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (!r) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (r) {
		close(lfd);
		snprintf(why, whylen, "cannot run resize2fs: %s (install e2fsprogs)", strerror(r));
		return -r;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		close(lfd);
		return 0;
	}
	/* Its last non-empty line says why. */
	char buf[4096] = "";
	ssize_t n = pread(lfd, buf, sizeof buf - 1, 0);
	close(lfd);
	buf[n > 0 ? n : 0] = 0;
	char *end = buf + strlen(buf);
	while (end > buf && (end[-1] == '\n' || end[-1] == ' '))
		*--end = 0;
	char *last = strrchr(buf, '\n');
	snprintf(why, whylen, "resize2fs failed: %.400s", last ? last + 1 : *buf ? buf : "no message");
	return strstr(buf, "No space") ? -ENOSPC : -EIO;
}

/* Step 3 of plan.h: edits, mkdirs, creates, links, label. */
static int apply_plan(ext2_filsys fs, const struct plan *p, char *why, size_t whylen)
{
	int r;

	for (size_t i = 0; i < p->n_edits; i++) {
		const struct plan_edit *e = &p->edits[i];
		if ((r = fsedit_keep_copy(fs, e->path, e->orig_path)) ||
		    (r = fsedit_rewrite(fs, e->path, e->content, e->len))) {
			snprintf(why, whylen, "cannot rewrite %s in the filesystem: %s", e->path, strerror(-r));
			return r;
		}
	}
	for (size_t i = 0; i < p->n_mkdirs; i++)
		if ((r = fsedit_mkdirs(fs, p->mkdirs[i]))) {
			snprintf(why, whylen, "cannot create directory %s: %s", p->mkdirs[i], strerror(-r));
			return r;
		}
	for (size_t i = 0; i < p->n_creates; i++) {
		const struct plan_create *c = &p->creates[i];
		if ((r = fsedit_create(fs, c->path, c->content, c->len, c->mode, 0))) {
			snprintf(why, whylen, "cannot create %s: %s", c->path, strerror(-r));
			return r;
		}
	}
	for (size_t i = 0; i < p->n_link_removes; i++)
		if ((r = fsedit_unlink(fs, p->link_removes[i].path))) {
			snprintf(why, whylen, "cannot remove %s: %s", p->link_removes[i].path, strerror(-r));
			return r;
		}
	for (size_t i = 0; i < p->n_link_adds; i++)
		if ((r = fsedit_symlink(fs, p->link_adds[i].path, p->link_adds[i].target))) {
			snprintf(why, whylen, "cannot create link %s: %s", p->link_adds[i].path, strerror(-r));
			return r;
		}
	if (p->set_label) {
		memset(fs->super->s_volume_name, 0, sizeof fs->super->s_volume_name);
		memcpy(fs->super->s_volume_name, p->set_label,
		       strnlen(p->set_label, sizeof fs->super->s_volume_name));
		ext2fs_mark_super_dirty(fs);
	}
	return 0;
}

/* Everything inside partition 1 after the copy: edits and GRUB's files. */
static int edit_output_fs(const struct out_file *f, const struct plan *p, const char *grub_dir,
			  struct convert_result *res, char *why, size_t whylen)
{
	char opts[64];
	ext2_filsys fs = NULL;

	snprintf(opts, sizeof opts, "offset=%llu", CONVERT_PART_OFFSET);
	errcode_t ec = ext2fs_open2(f->path, opts, EXT2_FLAG_RW | EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &fs);
	if (ec) {
		snprintf(why, whylen, "cannot open the copied filesystem: %s", error_message(ec));
		return fsedit_errno(ec);
	}
	if ((ec = ext2fs_read_bitmaps(fs))) {
		snprintf(why, whylen, "cannot read the copied filesystem's bitmaps: %s", error_message(ec));
		ext2fs_close_free(&fs);
		return fsedit_errno(ec);
	}
	int r = apply_plan(fs, p, why, whylen);
	if (!r) {
		r = grub_copy_modules(fs, grub_dir, why, whylen);
		if (r >= 0) {
			res->grub_files = (unsigned)r;
			r = 0;
		}
	}
	if (r == -ENOSPC) {
		/* The guest's own filesystem is full (not the output's): --size grows it before the edits. */
		size_t n = strlen(why);
		snprintf(why + n, whylen - n, " (the guest filesystem is full: give it room with --size)");
	}
	res->fs_bytes_after = ext2fs_blocks_count(fs->super) * (uint64_t)fs->blocksize;
	/* Closing writes the bitmaps, group descriptors and superblock with their checksums. */
	ec = ext2fs_close_free(&fs);
	if (!r && ec) {
		r = fsedit_errno(ec);
		snprintf(why, whylen, "cannot write the filesystem: %s", write_problem(r));
	}
	return r;
}

static int sizes(const struct convert_opts *o, const struct image *img, struct convert_result *res,
		 struct convert_error *err)
{
	uint64_t need = (img->fs_bytes + MIB - 1) / MIB * MIB;

	res->fs_bytes_before = img->fs_bytes;
	res->part_size = need;
	res->disk_size = CONVERT_PART_OFFSET + need;
	if (o->disk_size) {
		uint64_t disk = o->disk_size / CONVERT_SECTOR * CONVERT_SECTOR;
		if (disk < res->disk_size)
			return fail(err, -EINVAL, o->input,
				    "--size %llu is smaller than the filesystem plus 1 MiB (%llu bytes); "
				    "virtmode does not shrink filesystems", (unsigned long long)o->disk_size,
				    (unsigned long long)res->disk_size);
		res->disk_size = disk;
		res->part_size = disk - CONVERT_PART_OFFSET;
		/* Grow when it gains more than 2 MiB (see grow_fs for why not less); a smaller gain stays
		 * unused at the end of the partition. */
		res->grown = res->part_size > img->fs_bytes + 2 * MIB;
	}
	if (res->part_size / CONVERT_SECTOR > 0xFFFFFFFFULL)
		return fail(err, -EFBIG, o->output, "disk larger than 2 TiB: an msdos label cannot describe it");
	return 0;
}

static int write_disk(const struct convert_opts *o, struct image *img, struct out_file *f,
		      struct convert_result *res, struct convert_error *err)
{
	const char *grub_dir = o->grub_dir ? o->grub_dir : "/usr/lib/grub/i386-pc";
	char why[1024] = "";
	uint8_t mbr[512];
	struct grub_boot gb;
	int r;

	/* Build the boot code first: a missing GRUB fails before any copying. */
	if ((r = grub_build(grub_dir, &gb, why, sizeof why)))
		return fail(err, r, o->output, "%s", why);
	if (ftruncate(f->fd, (off_t)res->disk_size)) {
		r = -errno;
		grub_free(&gb);
		return fail(err, r, o->output, "cannot size the new disk to %llu bytes: %s",
			    (unsigned long long)res->disk_size, write_problem(r));
	}
	disk_mbr_build(mbr, CONVERT_PART_START_LBA, res->part_size / CONVERT_SECTOR, (uint32_t)time(NULL) ^ (uint32_t)getpid());
	if (pwrite(f->fd, mbr, 512, 0) != 512) {
		r = -errno;
		grub_free(&gb);
		return fail(err, r, o->output, "%s", write_problem(r));
	}

	double t0 = now_s();
	errcode_t ec = ext2fs_read_block_bitmap(img->fs);
	if (ec) {
		grub_free(&gb);
		return fail(err, fsedit_errno(ec), o->input, "cannot read the block bitmap: %s", error_message(ec));
	}
	r = copy_used_blocks(img->fs, f->fd, CONVERT_PART_OFFSET, o->progress, &res->copied_bytes);
	res->seconds_copy = now_s() - t0;
	if (r) {
		grub_free(&gb);
		return fail(err, r, r == -EIO ? o->input : o->output, "copying the filesystem failed: %s",
			    write_problem(r));
	}
	if (res->grown && (r = grow_fs(f, res->part_size / img->block_size * img->block_size, res->disk_size, why,
				       sizeof why))) {
		grub_free(&gb);
		return fail(err, r, o->output, "%s", why);
	}
	if ((r = edit_output_fs(f, res->plan, grub_dir, res, why, sizeof why))) {
		grub_free(&gb);
		return fail(err, r, o->output, "%s", why);
	}
	r = grub_write_boot(f->fd, &gb, CONVERT_PART_START_LBA, why, sizeof why);
	res->core_sectors = (unsigned)((gb.core_len + 511) / 512);
	grub_free(&gb);
	if (r)
		return fail(err, r, o->output, "installing GRUB failed: %s", *why ? why : write_problem(r));
	return 0;
}

int convert_run(const struct convert_opts *o, struct convert_result *res, struct convert_error *err)
{
	struct image *img = NULL;
	struct image_error ierr = { 0 };
	struct out_file f = { .fd = -1 };
	double t0 = now_s();
	int r;

	memset(res, 0, sizeof *res);
	memset(err, 0, sizeof *err);
	/* A file-size limit must give EFBIG from write(), not kill us with SIGXFSZ mid-copy. */
	signal(SIGXFSZ, SIG_IGN);
	cleanup_install();
	if ((r = check_paths(o, err)))
		return r;
	if ((r = image_open(o->input, &img, &ierr)))
		return fail(err, r, o->input, "%s", ierr.message);
	if ((r = plan_build(img, &o->plan, &res->plan))) {
		image_close(img);
		return fail(err, r, o->input, "cannot inspect the image: %s", strerror(-r));
	}
	if (res->plan->n_blockers) {
		image_close(img);
		return fail(err, -EPERM, o->input, "cannot be converted: %s", res->plan->blockers[0].reason);
	}
	if ((r = sizes(o, img, res, err)) || (r = out_open(&f, o->output, err))) {
		image_close(img);
		return r;
	}
	r = write_disk(o, img, &f, res, err);
	image_close(img);
	if (!r)
		r = out_commit(&f, o, err);
	if (r)
		out_discard(&f);
	res->seconds_total = now_s() - t0;
	return r;
}

void convert_result_free(struct convert_result *res)
{
	if (res->plan)
		plan_free(res->plan);
	res->plan = NULL;
}
