/* The used-block copy on hostile filesystems: any superblock, group descriptors and block bitmaps
 * libext2fs accepts must be copied without a crash, an out-of-range write or unbounded output. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "convert/internal.h"
#include "inspect/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int in = memfd_create("fuzz-in", MFD_CLOEXEC), out = memfd_create("fuzz-out", MFD_CLOEXEC);
	char path[64];
	ext2_filsys fs = NULL;

	if (in < 0 || out < 0 || write(in, data, size) != (ssize_t)size)
		goto done;
	snprintf(path, sizeof path, "/proc/self/fd/%d", in);
	if (ext2fs_open2(path, NULL, EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &fs))
		goto done;
	/* What image_open() refuses before convert ever reads a bitmap. */
	if (image_check_geometry(fs, NULL) < 0)
		goto done;
	/* Keep the output bounded: a forged block count must not make us write gigabytes. */
	if (ext2fs_blocks_count(fs->super) * (uint64_t)fs->blocksize > (64u << 20))
		goto done;
	if (!ext2fs_read_block_bitmap(fs)) {
		uint64_t written = 0;
		if (!copy_used_blocks(fs, out, 1 << 20, false, &written) &&
		    written > ext2fs_blocks_count(fs->super) * (uint64_t)fs->blocksize)
			__builtin_trap(); /* wrote more than the filesystem holds */
	}
done:
	if (fs)
		ext2fs_close_free(&fs);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return 0;
}
