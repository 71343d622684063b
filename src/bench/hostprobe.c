/* Seen on this project's 2-vCPU AMD EPYC guest, with no steal at all and the other vCPU idle or
 * busy alike: a null syscall flipped between 213 and 280-430 ns every second or two, page faults
 * and fork with it, while a register-only loop stayed within 3%. A chain of dependent loads and
 * stores through one memory word flipped with them, 0.7 against 1.6-2.2 ns a step: the core's
 * load/store side is what a busy sibling hyperthread takes away, and what kernel entry and
 * page-table work lean on. The fast state came back about a quarter of the time. */
#include "bench/hostprobe.h"

#include "bench/clock.h"

#define HOSTPROBE_STEPS 40000

static volatile uint64_t hostprobe_word = 1;

double hostprobe_ns(void)
{
	uint64_t t0 = clock_now_ns();
	for (unsigned i = 0; i < HOSTPROBE_STEPS; i++)
		hostprobe_word = hostprobe_word * 3 + 1; /* each step loads what the last one stored */
	return (double)(clock_now_ns() - t0) / HOSTPROBE_STEPS;
}

void hostprobe_note(struct hostprobe_gate *g, double probe)
{
	if (probe > 0 && (g->baseline == 0 || probe < g->baseline))
		g->baseline = probe;
}

void hostprobe_gate_init(struct hostprobe_gate *g, uint64_t budget_ns, uint64_t wait_cap_ns, uint64_t seed_ns)
{
	uint64_t t0 = clock_now_ns();

	*g = (struct hostprobe_gate){ .budget_ns = budget_ns, .wait_cap_ns = wait_cap_ns };
	do
		hostprobe_note(g, hostprobe_ns());
	while (clock_now_ns() - t0 < seed_ns);
	g->waited_ns = clock_now_ns() - t0;
	g->budget_ns = g->budget_ns > g->waited_ns ? g->budget_ns - g->waited_ns : 0;
}

double hostprobe_await(struct hostprobe_gate *g)
{
	double p = hostprobe_ns();
	/* The first probe is every sample's price, not a wait. */
	uint64_t t0 = clock_now_ns(), cap = g->wait_cap_ns < g->budget_ns ? g->wait_cap_ns : g->budget_ns;

	hostprobe_note(g, p);
	while (hostprobe_shared(p, g->baseline) && clock_now_ns() - t0 < cap) {
		p = hostprobe_ns();
		hostprobe_note(g, p);
	}
	uint64_t waited = clock_now_ns() - t0;
	g->waited_ns += waited;
	g->budget_ns = g->budget_ns > waited ? g->budget_ns - waited : 0;
	return p;
}

size_t hostprobe_keep_quiet(double *samples, double *probes, size_t n, double baseline, size_t min_quiet,
			    size_t *shared, bool *dropped)
{
	size_t quiet = 0, w = 0;

	for (size_t k = 0; k < n; k++)
		quiet += !hostprobe_shared(probes[k], baseline);
	*shared = n - quiet;
	*dropped = *shared && quiet >= min_quiet;
	if (!*dropped)
		return n;
	for (size_t k = 0; k < n; k++) {
		if (hostprobe_shared(probes[k], baseline))
			continue;
		samples[w] = samples[k];
		probes[w++] = probes[k];
	}
	return w;
}
