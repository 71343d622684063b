/* libFuzzer: a guest disk image (superblock, partition tables, directories, symlinks, config files,
 * initramfs) read the way check reads it. The input is written to a memfd and opened by path. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "inspect/image.h"
#include "inspect/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64];
	struct image *img;
	struct image_error err;

	if (fd < 0 && (fd = memfd_create("fuzz-image", 0)) < 0)
		return 0;
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (image_open(path, &img, &err) < 0)
		return 0;
	struct plan_opts opts = { .target = PLAN_TARGET_XEN_HVM, .console = "ttyS0" };
	struct plan *p;
	if (plan_build(img, &opts, &p) == 0) {
		json_object_put(plan_to_json(p));
		FILE *null = fopen("/dev/null", "w");
		if (null) {
			plan_print_human(p, path, null, false);
			fclose(null);
		}
		plan_free(p);
	}
	image_close(img);
	return 0;
}
