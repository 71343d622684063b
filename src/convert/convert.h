#pragma once
/* virtmode convert: executes a conversion plan (inspect/plan.h) on a copy of a PV guest's disk image.
 * inspect -> plan -> write -> verify: this library does write and verify. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "inspect/plan.h"

#define CONVERT_PART_START_LBA 2048ULL /* partition 1 at 1 MiB */
#define CONVERT_SECTOR 512ULL
#define CONVERT_PART_OFFSET (CONVERT_PART_START_LBA * CONVERT_SECTOR)

struct convert_opts {
	const char *input, *output;
	uint64_t disk_size;  /* --size: whole output disk in bytes; 0 = 1 MiB + fs rounded up to 1 MiB */
	bool force;          /* replace an existing output file */
	bool progress;       /* progress bar on stderr (when it is a TTY) */
	const char *grub_dir; /* GRUB i386-pc directory; NULL = /usr/lib/grub/i386-pc */
	struct plan_opts plan;
};

/* The one error line to print, and for tests which step failed. */
struct convert_error {
	int code;            /* positive errno */
	char file[512];      /* what the message is about: usually the input or output path */
	char message[512];
};

struct convert_result {
	struct plan *plan;   /* the plan executed (owned; convert_result_free releases it) */
	uint64_t disk_size, part_size, fs_bytes_before, fs_bytes_after;
	uint64_t copied_bytes; /* data read from the input and written (zero blocks left as holes) */
	unsigned core_sectors; /* core.img length in sectors, at LBA 1 */
	unsigned grub_files;   /* modules and lists copied into /boot/grub/i386-pc */
	double seconds_copy, seconds_total;
	bool grown;
};

/* Converts opts->input to opts->output. On success returns 0 and fills *res. On failure returns a
 * negative errno, fills *err, and leaves nothing at the output path (nor a temporary file).
 * When the plan has blockers it returns -EPERM with res->plan set so the caller can print them. */
int convert_run(const struct convert_opts *opts, struct convert_result *res, struct convert_error *err);
void convert_result_free(struct convert_result *res);

/* The summary: every change, then the steps outside the image per platform. */
void summary_print(const struct convert_result *res, const struct convert_opts *opts, FILE *out, bool color);
struct json_object *summary_json(const struct convert_result *res, const struct convert_opts *opts);

/* --verify: boots IMAGE in qemu-system-x86_64 with a serial console to a log and a hard timeout. */
struct verify_result {
	bool kvm;            /* accelerated with KVM (else TCG) */
	bool kernel_started; /* "Linux version" on the console */
	bool root_mounted;   /* "EXT4-fs (sda1): mounted filesystem" / "VFS: Mounted root" */
	bool init_started;   /* "Run /init as init process" or "Run /sbin/init ..." */
	bool timed_out;
	double seconds;      /* power-on to the root mount (or to the end) */
	char log_path[512];  /* serial log, kept for the user */
	char last_line[256]; /* last console line, for a failure report */
};
int verify_boot(const char *image, unsigned timeout_s, struct verify_result *v, struct convert_error *err);
struct json_object *verify_to_json(const struct verify_result *v);
void verify_print(const struct verify_result *v, FILE *out, bool color);

