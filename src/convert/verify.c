/* --verify: boot the converted disk in QEMU as an HVM guest would boot it (BIOS, MBR, emulated IDE
 * disk) and read the serial console until the kernel has mounted the root filesystem. */
#include "convert/convert.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/output.h"

extern char **environ;

/* Console lines that mark the stages of a boot, as the kernel and common inits print them. */
static const struct {
	const char *text;
	int stage; /* 0 kernel started, 1 root mounted, 2 init running */
} verify_markers[] = {
	{ "Linux version ", 0 },
	{ "VFS: Mounted root", 1 },
	{ "): mounted filesystem", 1 }, /* "EXT4-fs (sda1): mounted filesystem ..." (ext2/3/4 via ext4) */
	{ "Run /init as init process", 2 },
	{ "Run /sbin/init as init process", 2 },
	{ "systemd[1]: ", 2 },
	{ "INIT: version", 2 },
};

/* KVM is used only when it can really run a guest: /dev/kvm answers, a VM can be created, and the CPU
 * shows vmx/svm. (Nested setups expose /dev/kvm without the CPU flag; guests there hang.) */
static bool verify_kvm_usable(void)
{
	const char *env = getenv("VIRTMODE_VERIFY_ACCEL");

	if (env && *env)
		return !strcmp(env, "kvm");
	FILE *c = fopen("/proc/cpuinfo", "re");
	char line[4096];
	bool flag = false;
	while (c && !flag && fgets(line, sizeof line, c))
		if (!strncmp(line, "flags", 5) && (strstr(line, " vmx") || strstr(line, " svm")))
			flag = true;
	if (c)
		fclose(c);
	if (!flag)
		return false;
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = ioctl(fd, KVM_GET_API_VERSION, 0) == KVM_API_VERSION;
	int vm = ok ? ioctl(fd, KVM_CREATE_VM, 0) : -1;
	if (vm >= 0)
		close(vm);
	close(fd);
	return ok && vm >= 0;
}

static double verify_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Scans the whole log for the markers (GRUB's screen drawing leaves long lines full of escapes, so
 * no line-sized buffer) and remembers the last non-empty line for a failure report. */
static void verify_scan(const char *log, struct verify_result *v, double t)
{
	FILE *f = fopen(log, "re");
	size_t cap = 8u << 20, len;
	char *buf = f ? malloc(cap + 1) : NULL;

	if (!buf) {
		if (f)
			fclose(f);
		return;
	}
	len = fread(buf, 1, cap, f);
	fclose(f);
	for (size_t i = 0; i < len; i++)
		if (!buf[i])
			buf[i] = ' ';
	buf[len] = 0;
	for (size_t i = 0; i < sizeof verify_markers / sizeof verify_markers[0]; i++) {
		if (!strstr(buf, verify_markers[i].text))
			continue;
		if (verify_markers[i].stage == 0)
			v->kernel_started = true;
		else if (verify_markers[i].stage == 1 && !v->root_mounted) {
			v->root_mounted = true;
			v->seconds = t;
		} else if (verify_markers[i].stage == 2)
			v->init_started = true;
	}
	char *end = buf + len;
	while (end > buf && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	char *start = end;
	while (start > buf && start[-1] != '\n' && start[-1] != '\r')
		start--;
	size_t n = (size_t)(end - start) < sizeof v->last_line - 1 ? (size_t)(end - start) : sizeof v->last_line - 1;
	memcpy(v->last_line, start, n);
	v->last_line[n] = 0;
	free(buf);
}

int verify_boot(const char *image, unsigned timeout_s, struct verify_result *v, struct convert_error *err)
{
	char drive[4200];
	int fd;

	memset(v, 0, sizeof *v);
	memset(err, 0, sizeof *err);
	snprintf(v->log_path, sizeof v->log_path, "%s/virtmode-verify-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if ((fd = mkstemp(v->log_path)) < 0) {
		err->code = errno;
		snprintf(err->file, sizeof err->file, "%s", v->log_path);
		snprintf(err->message, sizeof err->message, "cannot create the console log: %s", strerror(errno));
		return -err->code;
	}
	close(fd);
	v->kvm = verify_kvm_usable();
	char serial[600];
	snprintf(serial, sizeof serial, "file:%s", v->log_path);
	/* snapshot=on: the boot must not change the image it verifies (journal replay, fsck, logs). */
	snprintf(drive, sizeof drive, "file=%s,format=raw,if=ide,snapshot=on", image);
	char *argv[] = { "qemu-system-x86_64", "-accel", v->kvm ? "kvm" : "tcg", "-machine", "pc", "-m", "1024",
			 "-display", "none", "-no-reboot", "-monitor", "none", "-serial", serial,
			 "-drive", drive, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	int r = posix_spawnp(&pid, "qemu-system-x86_64", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r) {
		err->code = r;
		snprintf(err->file, sizeof err->file, "qemu-system-x86_64");
		snprintf(err->message, sizeof err->message, "cannot run: %s (install qemu-system-x86)", strerror(r));
		return -r;
	}
	double t0 = verify_now(), mounted_at = 0;
	int status = 0;
	bool exited = false;
	for (;;) {
		double t = verify_now() - t0;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			exited = true;
			verify_scan(v->log_path, v, t);
			break;
		}
		verify_scan(v->log_path, v, t);
		if (v->root_mounted && !mounted_at)
			mounted_at = t;
		/* Give init a few seconds after the mount, then stop: the question is answered. */
		if (mounted_at && (v->init_started || t - mounted_at > 5) && t - mounted_at > 2)
			break;
		if (t > timeout_s) {
			v->timed_out = true;
			break;
		}
		if ((unsigned)(t * 5) % 5 == 0)
			output_progress("booting", (unsigned long long)(t < timeout_s ? t : timeout_s), timeout_s);
		usleep(200000);
	}
	if (!exited) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	output_progress("booting", timeout_s, timeout_s);
	if (!v->root_mounted)
		v->seconds = verify_now() - t0;
	return 0;
}

struct json_object *verify_to_json(const struct verify_result *v)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "accelerator", json_object_new_string(v->kvm ? "kvm" : "tcg"));
	json_object_object_add(o, "kernel_started", json_object_new_boolean(v->kernel_started));
	json_object_object_add(o, "root_mounted", json_object_new_boolean(v->root_mounted));
	json_object_object_add(o, "init_started", json_object_new_boolean(v->init_started));
	json_object_object_add(o, "timed_out", json_object_new_boolean(v->timed_out));
	json_object_object_add(o, "seconds", json_object_new_double(v->seconds));
	json_object_object_add(o, "console_log", json_object_new_string(v->log_path));
	json_object_object_add(o, "last_console_line", json_object_new_string(v->last_line));
	return o;
}

void verify_print(const struct verify_result *v, FILE *out, bool color)
{
	const char *good = color ? "\033[32m" : "", *bad = color ? "\033[31m" : "", *off = color ? "\033[0m" : "";

	if (v->root_mounted)
		fprintf(out, "%sverify: booted%s (QEMU %s): the kernel mounted the root filesystem %.1f s after power-on%s\n",
			good, off, v->kvm ? "KVM" : "TCG", v->seconds, v->init_started ? ", init is running" : "");
	else
		fprintf(out, "%sverify: FAILED%s (QEMU %s, %.0f s%s): %s\n", bad, off, v->kvm ? "KVM" : "TCG",
			v->seconds, v->timed_out ? ", timed out" : "",
			!v->kernel_started ? "the kernel never printed on ttyS0 (boot loader or console problem)"
					   : "the kernel started but did not mount the root filesystem");
	if (!v->root_mounted && *v->last_line)
		fprintf(out, "  last console line: %s\n", v->last_line);
	fprintf(out, "  console log: %s\n", v->log_path);
}
