/* libFuzzer: an initramfs (concatenated cpio newc archives, raw or gzip/xz/lzma/zstd/lz4). */
#include <stdint.h>

#include "inspect/initramfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct initramfs_info info;
	char err[256];

	/* a small unpack cap keeps compressed bombs inside the fuzzer's memory limit */
	if (initramfs_parse(data, size, 64u << 20, &info, err, sizeof err) == 0) {
		initramfs_has_module(&info, "ata_piix");
		initramfs_info_free(&info);
	}
	return 0;
}
