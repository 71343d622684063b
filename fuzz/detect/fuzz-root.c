/* A whole snapshot root: the real xen-pvhvm-domu capture, with files (including sysfs link files) replaced by
 * the input, then detect end to end: reader, every file parser, classification, JSON, text, Prometheus.
 * Input: records of [file index][length, 2 bytes little-endian][bytes]. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect/detect.h"

static const char *const files[] = {
	"proc/cpuinfo", "proc/interrupts", "proc/modules", "sys/hypervisor/properties/features",
	"sys/hypervisor/guest_type", "proc/xen/capabilities", "dmesg.txt", "cpuid.txt", "cpuid-xen-forced.txt",
	"sys/devices/system/clocksource/clocksource0/available_clocksource",
	"sys/devices/system/clocksource/clocksource0/current_clocksource", "sys/devices/virtual/dmi/id/sys_vendor",
	"proc/self/status", "proc/1/environ", "proc/1/cgroup", "sys/class/net/eth0", "sys/block/xvda",
	"sys/devices/vbd-768/driver", ".errors.txt", "proc/version", "proc/cmdline", "sys/hypervisor/type",
	"sys/bus/xen/devices/vif-0", "sys/class/dmi/id",
};
#define NFILES (sizeof files / sizeof files[0])

static char root[] = "/tmp/virtmode-fuzz-root-XXXXXX";
static char *original[NFILES];
static size_t original_len[NFILES];
static FILE *devnull;

static void put(int i, const uint8_t *data, size_t len)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", root, files[i]);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return;
	if (len && write(fd, data, len) < 0)
		perror(p);
	close(fd);
}

static void cleanup(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fputs("fuzz-root: could not remove the temporary root\n", stderr);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	char cmd[1024];
	if (!mkdtemp(root))
		abort();
	snprintf(cmd, sizeof cmd, "cp -a '%s'/. '%s'/ && chmod -R u+w '%s'", VIRTMODE_FUZZ_ROOT, root, root);
	if (system(cmd) != 0)
		abort();
	for (size_t i = 0; i < NFILES; i++) {
		char p[512];
		snprintf(p, sizeof p, "%s/%s", root, files[i]);
		FILE *f = fopen(p, "rb");
		if (!f)
			continue;
		original[i] = malloc(1 << 16);
		original_len[i] = fread(original[i], 1, 1 << 16, f);
		fclose(f);
	}
	devnull = fopen("/dev/null", "w");
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool touched[NFILES] = { 0 };
	size_t pos = 0;

	while (pos + 3 <= size) {
		unsigned i = data[pos] % NFILES;
		size_t len = (size_t)data[pos + 1] | (size_t)data[pos + 2] << 8;
		pos += 3;
		if (len > size - pos)
			len = size - pos;
		put((int)i, data + pos, len);
		touched[i] = true;
		pos += len;
	}

	struct detect_result *r;
	if (detect_run(root, &r) == 0) {
		struct json_object *j = detect_result_to_json(r);
		const char *s = json_object_to_json_string(j);
		if (!s || !*s)
			__builtin_trap();
		json_object_put(j);
		detect_result_print(r, devnull, true, true);
		detect_result_print_prometheus(r, devnull);
		detect_result_free(r);
	}
	for (size_t i = 0; i < NFILES; i++)
		if (touched[i]) {
			if (original[i])
				put((int)i, (const uint8_t *)original[i], original_len[i]);
			else {
				char p[512];
				snprintf(p, sizeof p, "%s/%s", root, files[i]);
				unlink(p);
			}
		}
	return 0;
}
