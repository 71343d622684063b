#include "bench/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static char *machine_read_line(const char *path)
{
	FILE *f = fopen(path, "re");
	char buf[512];

	if (!f)
		return NULL;
	char *r = fgets(buf, sizeof buf, f);
	fclose(f);
	if (!r)
		return NULL;
	buf[strcspn(buf, "\n")] = 0;
	return strdup(buf);
}

/* The value of the first "key<spaces>: value" line of a /proc file. */
static char *machine_proc_field(const char *path, const char *key)
{
	FILE *f = fopen(path, "re");
	char buf[1024];
	char *val = NULL;
	size_t kl = strlen(key);

	if (!f)
		return NULL;
	while (!val && fgets(buf, sizeof buf, f)) {
		if (strncmp(buf, key, kl) || (buf[kl] != ' ' && buf[kl] != '\t' && buf[kl] != ':'))
			continue;
		char *c = strchr(buf, ':');
		if (!c)
			continue;
		c++;
		c += strspn(c, " \t");
		c[strcspn(c, "\n")] = 0;
		val = strdup(c);
	}
	fclose(f);
	return val;
}

static void machine_loadavg(double l[3])
{
	FILE *f = fopen("/proc/loadavg", "re");

	l[0] = l[1] = l[2] = -1;
	if (!f)
		return;
	if (fscanf(f, "%lf %lf %lf", &l[0], &l[1], &l[2]) != 3)
		l[0] = l[1] = l[2] = -1;
	fclose(f);
}

void machine_describe(struct bench_machine *m)
{
	struct utsname u;
	char *mem;

	m->cpu_model = machine_proc_field("/proc/cpuinfo", "model name");
	if (uname(&u) == 0) {
		size_t len = strlen(u.release) + strlen(u.version) + 2;
		m->kernel = malloc(len);
		if (m->kernel)
			snprintf(m->kernel, len, "%s %s", u.release, u.version);
	}
	m->clocksource = machine_read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource");
	m->meltdown = machine_read_line("/sys/devices/system/cpu/vulnerabilities/meltdown");
	m->ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	mem = machine_proc_field("/proc/meminfo", "MemTotal");
	m->mem_total_kib = mem ? strtoull(mem, NULL, 10) : 0;
	free(mem);
	machine_loadavg(m->load_start);
}

int machine_cpu_times(struct machine_cpu_times *t)
{
	FILE *f = fopen("/proc/stat", "re");
	unsigned long long v[8] = { 0 };

	if (!f)
		return -1;
	/* cpu user nice system idle iowait irq softirq steal */
	int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		       &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 4)
		return -1;
	t->busy = v[0] + v[1] + v[2] + v[5] + v[6];
	t->idle = v[3] + v[4];
	t->steal = v[7];
	return 0;
}

bool machine_is_loaded(double others_busy_cpus, double steal_pct, int ncpu)
{
	/* Half a CPU busy elsewhere on a 2-CPU machine means the cross-CPU metrics share their second
	 * CPU part of the time; steal above 5% means the hypervisor took that much away. */
	(void)ncpu;
	return others_busy_cpus >= 0.5 || steal_pct >= 5;
}

void machine_account(struct bench_machine *m, const struct machine_cpu_times *before,
		     const struct machine_cpu_times *after, double wall_s, double own_cpu_s)
{
	double tick = (double)sysconf(_SC_CLK_TCK);
	double busy = (double)(after->busy - before->busy) / tick;
	double idle = (double)(after->idle - before->idle) / tick;
	double steal = (double)(after->steal - before->steal) / tick;
	double total = busy + idle + steal;
	double l[3];

	m->steal_pct = total > 0 ? steal / total * 100 : 0;
	m->others_busy_cpus = wall_s > 0 ? (busy - own_cpu_s) / wall_s : 0;
	if (m->others_busy_cpus < 0)
		m->others_busy_cpus = 0;
	machine_loadavg(l);
	m->load_end = l[0];
	m->loaded = machine_is_loaded(m->others_busy_cpus, m->steal_pct, m->ncpu);
}

void machine_free(struct bench_machine *m)
{
	free(m->cpu_model);
	free(m->kernel);
	free(m->clocksource);
	free(m->meltdown);
}
