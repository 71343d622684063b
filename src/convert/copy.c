/* Copying a filesystem's used blocks, the way e2image -ra does: walk the block bitmap, read runs of
 * blocks in use, write them at the same place in the output, and leave everything else as holes, so
 * the time and the output's allocated size follow the used data, not the filesystem's size. */
#include "convert/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/output.h"

#define COPY_CHUNK (8u << 20) /* bytes per read: large enough to stream, small enough for progress */

static bool copy_is_zero(const uint8_t *p, size_t n)
{
	/* Compare the buffer with itself shifted by 16 bytes after checking the first 16. */
	for (size_t i = 0; i < 16 && i < n; i++)
		if (p[i])
			return false;
	return n <= 16 || !memcmp(p, p + 16, n - 16);
}

static int copy_pwrite_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w, n -= (size_t)w, off += (uint64_t)w;
	}
	return 0;
}

/* Writes the non-zero blocks of buf (count blocks starting at blk), coalescing neighbours. */
static int copy_write_nonzero(int fd, const uint8_t *buf, blk64_t blk, size_t count, unsigned bs,
			      uint64_t out_offset, uint64_t *written)
{
	size_t i = 0;

	while (i < count) {
		while (i < count && copy_is_zero(buf + i * bs, bs))
			i++;
		size_t j = i;
		while (j < count && !copy_is_zero(buf + j * bs, bs))
			j++;
		if (j > i) {
			int r = copy_pwrite_all(fd, buf + i * bs, (j - i) * bs, out_offset + (blk + i) * (uint64_t)bs);
			if (r < 0)
				return r;
			*written += (j - i) * (uint64_t)bs;
		}
		i = j;
	}
	return 0;
}

int copy_used_blocks(ext2_filsys src, int outfd, uint64_t out_offset, bool progress, uint64_t *written)
{
	unsigned bs = src->blocksize;
	blk64_t end = ext2fs_blocks_count(src->super), first = src->super->s_first_data_block;
	blk64_t per_chunk = COPY_CHUNK / bs, done_used = 0;
	blk64_t used = ext2fs_blocks_count(src->super) - ext2fs_free_blocks_count(src->super);
	uint8_t *buf = malloc(COPY_CHUNK);
	int r = 0;

	if (!buf)
		return -ENOMEM;
	*written = 0;
	/* Block 0 is outside the bitmap on 1 KiB-block filesystems and holds the boot sector; the
	 * superblock lives at byte 1024 of it on 4 KiB filesystems. Copy it always. */
	for (blk64_t b = 0; b < first; b++) {
		errcode_t ec = io_channel_read_blk64(src->io, b, 1, buf);
		if (ec) {
			r = fsedit_errno(ec);
			goto out;
		}
		if ((r = copy_write_nonzero(outfd, buf, b, 1, bs, out_offset, written)) < 0)
			goto out;
	}
	blk64_t blk = first;
	while (blk < end) {
		blk64_t start, stop;
		if (ext2fs_find_first_set_block_bitmap2(src->block_map, blk, end - 1, &start))
			break; /* no used block left */
		if (ext2fs_find_first_zero_block_bitmap2(src->block_map, start, end - 1, &stop))
			stop = end;
		for (blk64_t b = start; b < stop; b += per_chunk) {
			size_t n = (size_t)(stop - b < per_chunk ? stop - b : per_chunk);
			errcode_t ec = io_channel_read_blk64(src->io, b, (int)n, buf);
			if (ec) {
				r = fsedit_errno(ec);
				goto out;
			}
			if ((r = copy_write_nonzero(outfd, buf, b, n, bs, out_offset, written)) < 0)
				goto out;
			/* Start writing this chunk back now, so the disk works while we read the next one
			 * and the final fsync has little left to wait for. (Only a hint: errors ignored.) */
			sync_file_range(outfd, (off64_t)(out_offset + b * (uint64_t)bs), (off64_t)n * bs,
					SYNC_FILE_RANGE_WRITE);
			done_used += n;
			if (progress)
				output_progress("copying", done_used < used ? done_used : used, used);
		}
		blk = stop;
	}
	if (progress)
		output_progress("copying", used, used);
out:
	free(buf);
	return r;
}
