#pragma once
/* CPUID leaves: parsed from `cpuid -r -1` text (snapshots) or read with the instruction (live, x86 only). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPUID_MAX_LEAVES 96

struct cpuid_leaf {
	uint32_t leaf, subleaf, eax, ebx, ecx, edx;
};

enum cpuid_state {
	CPUID_ABSENT,      /* no file / not x86: nothing known */
	CPUID_OK,          /* leaves below */
	CPUID_UNAVAILABLE, /* the instruction faulted (forced form outside Xen PV: SIGILL) */
};

struct cpuid_dump {
	enum cpuid_state state;
	size_t n;
	struct cpuid_leaf leaves[CPUID_MAX_LEAVES];
};

/* Parses the first CPU of `cpuid -r -1` output. A file that says the instruction faulted (a "#" comment
 * naming SIGILL, as virtmode collect and the captures write) gives CPUID_UNAVAILABLE. Never fails: what
 * cannot be parsed is skipped; returns the number of lines skipped. */
int cpuid_parse(const char *text, size_t len, struct cpuid_dump *out);

/* Writes DUMP in `cpuid -r -1` format into BUF; returns the length (snprintf semantics). */
size_t cpuid_format(const struct cpuid_dump *dump, char *buf, size_t size);

/* Live: the leaves detect uses (0, 1, 0x80000000, 0x80000007, hypervisor ranges 0x40000000+0x100*k).
 * FORCED: through Xen's forced-emulation prefix, which only a Xen PV guest survives. x86 only; elsewhere
 * the state is CPUID_ABSENT. */
void cpuid_read_live(bool forced, struct cpuid_dump *out);

/* The leaf, or NULL. */
const struct cpuid_leaf *cpuid_find(const struct cpuid_dump *d, uint32_t leaf, uint32_t subleaf);

/* The 12-character signature of hypervisor leaf BASE (ebx, ecx, edx), printable or '.'; false if absent. */
bool cpuid_signature(const struct cpuid_dump *d, uint32_t base, char sig[13]);
