#pragma once
/* What the modules of libconvert use from each other; the CLI uses only convert.h. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ext2fs/ext2fs.h>

/* disk.c: the msdos label we write: one bootable Linux (0x83) partition. */
void disk_mbr_build(uint8_t mbr[512], uint64_t start_lba, uint64_t sectors, uint32_t disk_id);

/* copy.c: copies the blocks src marks in use to outfd at out_offset + block * block_size, reading
 * through src's io channel and leaving all-zero blocks as holes. Bitmaps must be loaded.
 * Returns 0 (and the bytes written) or a negative errno. */
int copy_used_blocks(ext2_filsys src, int outfd, uint64_t out_offset, bool progress, uint64_t *written);

/* fsedit.c: changes to a filesystem opened read-write, through libext2fs, never by mounting. */
int fsedit_read(ext2_filsys fs, const char *path, char **buf, size_t *len);
/* Replaces the content of an existing regular file in place: same inode, owner, mode, xattrs. */
int fsedit_rewrite(ext2_filsys fs, const char *path, const void *data, size_t len);
/* Creates a new regular file (fails with -EEXIST when PATH exists); like_ino != 0 copies owner, mode
 * and times from that inode, else root:root with mode. */
int fsedit_create(ext2_filsys fs, const char *path, const void *data, size_t len, unsigned mode,
		  ext2_ino_t like_ino);
/* Copies PATH to COPY (a new file with PATH's owner, mode and times). */
int fsedit_keep_copy(ext2_filsys fs, const char *path, const char *copy);
/* mkdir -p, mode 0755 root:root for directories it makes. */
int fsedit_mkdirs(ext2_filsys fs, const char *path);
int fsedit_symlink(ext2_filsys fs, const char *path, const char *target);
int fsedit_unlink(ext2_filsys fs, const char *path);
int fsedit_errno(errcode_t ec);

/* grub.c: GRUB 2 for BIOS boot. */
struct grub_boot {
	uint8_t boot_img[512];
	uint8_t *core_img;
	size_t core_len;
};
/* Builds core.img with grub-mkimage (prefix (hd0,msdos1)/boot/grub) and reads boot.img; why names the
 * failing step. */
int grub_build(const char *grub_dir, struct grub_boot *gb, char *why, size_t whylen);
void grub_free(struct grub_boot *gb);
/* Patches boot.img the way GRUB's setup does and writes it (bytes 0..439) and core.img (LBA 1..)
 * into the disk at fd, keeping the partition table. core must fit below first_part_lba. */
int grub_write_boot(int fd, struct grub_boot *gb, uint64_t first_part_lba, char *why, size_t whylen);
/* Copies *.mod, *.lst (and fonts when present) into /boot/grub/i386-pc. Returns the file count or -errno. */
int grub_copy_modules(ext2_filsys fs, const char *grub_dir, char *why, size_t whylen);
