/* The spectrum cells as names: JSON keys (the same as detect's "spectrum" object), titles and the
 * kind of work a slowdown in that cell means. One table, so the three never drift apart. */
#include "bench/bench.h"

#include <string.h>

static const struct {
	const char *key, *title, *work;
} cell_names[BENCH_CELL_COUNT] = {
	[BENCH_CELL_CONTROL] = { "control", "control (no mode should move it)", "pure CPU and memory work" },
	[BENCH_CELL_DISK_NETWORK] = { "disk_network", "disk & network", "disk I/O" },
	[BENCH_CELL_INTERRUPTS_TIMERS] = { "interrupts_timers", "interrupts & timers", "timer and wake-up work" },
	[BENCH_CELL_MOTHERBOARD_BOOT] = { "motherboard_boot", "emulated motherboard & legacy boot", "boot work" },
	[BENCH_CELL_PRIVILEGED_PAGETABLES] = { "privileged_pagetables", "privileged instructions & page tables",
					       "page-table work" },
};

const char *bench_cell_to_string(enum bench_cell c)
{
	return c < BENCH_CELL_COUNT ? cell_names[c].key : "unknown";
}

int bench_cell_from_string(const char *s)
{
	for (int c = 0; c < BENCH_CELL_COUNT; c++)
		if (s && !strcmp(s, cell_names[c].key))
			return c;
	return -1;
}

const char *bench_cell_title(enum bench_cell c)
{
	return c < BENCH_CELL_COUNT ? cell_names[c].title : "unknown";
}

const char *bench_cell_work(enum bench_cell c)
{
	return c < BENCH_CELL_COUNT ? cell_names[c].work : "work";
}
