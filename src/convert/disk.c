/* The msdos partition table of the output disk. */
#include "convert/internal.h"

#include <string.h>

/* CHS for an LBA with the 255-head, 63-sector geometry every BIOS assumes; beyond cylinder 1023 the
 * conventional "use LBA" marker FE FF FF. */
static void disk_chs(uint8_t chs[3], uint64_t lba)
{
	uint64_t c = lba / (255 * 63), h = (lba / 63) % 255, s = lba % 63 + 1;

	if (c > 1023) {
		chs[0] = 0xFE, chs[1] = 0xFF, chs[2] = 0xFF;
		return;
	}
	chs[0] = (uint8_t)h;
	chs[1] = (uint8_t)(s | ((c >> 2) & 0xC0));
	chs[2] = (uint8_t)c;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void disk_mbr_build(uint8_t mbr[512], uint64_t start_lba, uint64_t sectors, uint32_t disk_id)
{
	uint8_t *e = mbr + 0x1BE;

	memset(mbr, 0, 512);
	put_le32(mbr + 0x1B8, disk_id); /* NT disk signature; 0x1BC..0x1BD stay 0 */
	e[0] = 0x80;                    /* bootable: some BIOSes refuse a disk without an active partition */
	disk_chs(e + 1, start_lba);
	e[4] = 0x83;                    /* Linux */
	disk_chs(e + 5, start_lba + sectors - 1);
	put_le32(e + 8, (uint32_t)start_lba);
	put_le32(e + 12, (uint32_t)sectors);
	mbr[510] = 0x55;
	mbr[511] = 0xAA;
}
