/* The msdos label convert writes, byte by byte, with CHS values worked out by hand for the 255/63 geometry. */
#include <stdint.h>

#include "../tap.h"
#include "convert/internal.h"

static unsigned le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (unsigned)p[3] << 24; }

int main(void)
{
	uint8_t m[512];

	/* 97 MiB disk: partition 1 from LBA 2048, 96 MiB. */
	disk_mbr_build(m, 2048, 96 * 2048, 0x11223344);
	TAP_OK(m[510] == 0x55 && m[511] == 0xAA, "boot signature 55 AA");
	TAP_OK(le32(m + 0x1B8) == 0x11223344, "disk identifier at 0x1B8");
	TAP_OK(m[0x1BE] == 0x80, "partition 1 is active (bootable)");
	TAP_OK(m[0x1BE + 4] == 0x83, "partition 1 type 83 (Linux)");
	TAP_OK(le32(m + 0x1BE + 8) == 2048, "starts at LBA 2048 (1 MiB)");
	TAP_OK(le32(m + 0x1BE + 12) == 96 * 2048, "length in sectors");
	/* LBA 2048 = C 0 H 32 S 33 with 255/63 geometry: bytes 20 21 00, as sfdisk writes. */
	TAP_OK(m[0x1BF] == 0x20 && m[0x1C0] == 0x21 && m[0x1C1] == 0x00, "start CHS 0/32/33");
	/* Last LBA 198655 = C 12 H 93 S 17 (198655 = (12*255 + 93)*63 + 16) -> 5D 11 0C. */
	TAP_OK(m[0x1C3] == 0x5D && m[0x1C4] == 0x11 && m[0x1C5] == 0x0C, "end CHS 12/93/17");
	int empty = 1;
	for (int i = 0x1CE; i < 0x1FE; i++)
		empty &= m[i] == 0;
	TAP_OK(empty, "partitions 2-4 empty");
	int code = 1;
	for (int i = 0; i < 0x1B8; i++)
		code &= m[i] == 0;
	TAP_OK(code, "no boot code yet (GRUB's boot.img goes there)");

	/* 20 GiB: the end is beyond cylinder 1023, so CHS says "use LBA". */
	disk_mbr_build(m, 2048, 20ULL * 2097152 - 2048, 1);
	TAP_OK(m[0x1C3] == 0xFE && m[0x1C4] == 0xFF && m[0x1C5] == 0xFF, "end CHS FE FF FF past cylinder 1023");
	TAP_OK(le32(m + 0x1BE + 12) == 20u * 2097152 - 2048, "20 GiB length");
	return tap_done();
}
