/* CPUID, from the instruction or from `cpuid -r -1` text. */
#include "detect/cpuid.h"

#include <ctype.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#if defined(__i386__) || defined(__x86_64__)
#include <cpuid.h>
#define CPUID_X86 1
#endif

static bool parse_hex(const char **p, const char *end, uint32_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	int digits = 0;

	if (end - s < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return false;
	s += 2;
	while (s < end && isxdigit((unsigned char)*s)) {
		if (++digits > 8)
			return false;
		x = x * 16 + (uint64_t)(isdigit((unsigned char)*s) ? *s - '0' : (tolower((unsigned char)*s) - 'a' + 10));
		s++;
	}
	if (!digits)
		return false;
	*v = (uint32_t)x;
	*p = s;
	return true;
}

static bool expect(const char **p, const char *end, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(end - *p) < n || memcmp(*p, lit, n))
		return false;
	*p += n;
	return true;
}

static void skip_spaces(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
}

/* "   0x40000000 0x00: eax=0x40000005 ebx=0x566e6558 ecx=0x65584d4d edx=0x4d4d566e" */
static bool parse_line(const char *s, const char *end, struct cpuid_leaf *l)
{
	skip_spaces(&s, end);
	if (!parse_hex(&s, end, &l->leaf))
		return false;
	skip_spaces(&s, end);
	if (!parse_hex(&s, end, &l->subleaf) || !expect(&s, end, ":"))
		return false;
	static const char *const regs[] = { "eax=", "ebx=", "ecx=", "edx=" };
	uint32_t *dst[] = { &l->eax, &l->ebx, &l->ecx, &l->edx };
	for (int i = 0; i < 4; i++) {
		skip_spaces(&s, end);
		if (!expect(&s, end, regs[i]) || !parse_hex(&s, end, dst[i]))
			return false;
	}
	return true;
}

int cpuid_parse(const char *text, size_t len, struct cpuid_dump *out)
{
	const char *p = text, *end = text + len;
	int cpus = 0, skipped = 0;

	memset(out, 0, sizeof *out);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *s = p;
		skip_spaces(&s, le);
		if (s < le && *s == '#') {
			/* Our own note for a faulting instruction: "# ... not available (SIGILL) ..." */
			if (memmem(s, (size_t)(le - s), "SIGILL", 6) && out->n == 0)
				out->state = CPUID_UNAVAILABLE;
		} else if (le - s >= 3 && !memcmp(s, "CPU", 3)) {
			/* "CPU:" or "CPU 0:": only the first CPU is used (the others repeat it but for APIC ids). */
			if (++cpus > 1)
				break;
		} else if (s < le) {
			struct cpuid_leaf l;
			if (parse_line(s, le, &l) && out->n < CPUID_MAX_LEAVES) {
				if (!cpuid_find(out, l.leaf, l.subleaf))
					out->leaves[out->n++] = l;
				out->state = CPUID_OK;
			} else {
				skipped++;
			}
		}
		p = nl ? nl + 1 : end;
	}
	return skipped;
}

size_t cpuid_format(const struct cpuid_dump *d, char *buf, size_t size)
{
	size_t n = 0;
#define OUT(...) do { int w_ = snprintf(buf + (n < size ? n : size), n < size ? size - n : 0, __VA_ARGS__); if (w_ > 0) n += (size_t)w_; } while (0)
	OUT("CPU:\n");
	if (d->state == CPUID_UNAVAILABLE)
		OUT("# xen forced-emulation cpuid not available (SIGILL): not a Xen PV guest\n");
	else if (d->state == CPUID_ABSENT)
		OUT("# cpuid not available on this architecture\n");
	for (size_t i = 0; i < d->n; i++) {
		const struct cpuid_leaf *l = &d->leaves[i];
		OUT("   0x%08x 0x%02x: eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x\n", l->leaf, l->subleaf, l->eax,
		    l->ebx, l->ecx, l->edx);
	}
#undef OUT
	return n;
}

const struct cpuid_leaf *cpuid_find(const struct cpuid_dump *d, uint32_t leaf, uint32_t subleaf)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->leaves[i].leaf == leaf && d->leaves[i].subleaf == subleaf)
			return &d->leaves[i];
	return NULL;
}

bool cpuid_signature(const struct cpuid_dump *d, uint32_t base, char sig[13])
{
	const struct cpuid_leaf *l = cpuid_find(d, base, 0);
	uint32_t regs[3];

	sig[0] = 0;
	if (!l)
		return false;
	regs[0] = l->ebx;
	regs[1] = l->ecx;
	regs[2] = l->edx;
	for (int i = 0; i < 12; i++) {
		unsigned char c = (unsigned char)(regs[i / 4] >> (8 * (i % 4)));
		sig[i] = c == 0 ? 0 : (isprint(c) ? (char)c : '.');
	}
	sig[12] = 0;
	/* "KVMKVMKVM\0\0\0": trailing NULs end it; a NUL inside becomes '.'. */
	int last = -1;
	for (int i = 0; i < 12; i++)
		if (sig[i])
			last = i;
	for (int i = 0; i < last; i++)
		if (!sig[i])
			sig[i] = '.';
	sig[last + 1] = 0;
	return true;
}

#ifdef CPUID_X86
/* The one piece of global state in detect: sigsetjmp/siglongjmp need the jump buffer where the SIGILL
 * handler can reach it. Only cpuid_read_live() touches it, with SIGILL handled only around the probe. */
static sigjmp_buf cpuid_sigill_jump;

static void cpuid_on_sigill(int sig)
{
	(void)sig;
	siglongjmp(cpuid_sigill_jump, 1);
}

static void cpuid_forced(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	/* Xen's forced-emulation prefix: a PV guest's CPUID is not trapped unless prefixed with ud2a "xen". */
	__asm__ volatile("ud2a; .ascii \"xen\"; cpuid"
			 : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "0"(leaf), "2"(sub));
}

static bool probe(bool forced, uint32_t leaf, struct cpuid_leaf *l)
{
	l->leaf = leaf;
	l->subleaf = 0;
	if (forced)
		cpuid_forced(leaf, 0, &l->eax, &l->ebx, &l->ecx, &l->edx);
	else
		__cpuid_count(leaf, 0, l->eax, l->ebx, l->ecx, l->edx);
	return true;
}
#endif

void cpuid_read_live(bool forced, struct cpuid_dump *out)
{
	memset(out, 0, sizeof *out);
#ifdef CPUID_X86
	static const uint32_t fixed[] = { 0x0, 0x1, 0x80000000, 0x80000007 };
	uint32_t list[CPUID_MAX_LEAVES];
	size_t n = 0;

	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		list[n++] = fixed[i];
	for (uint32_t base = 0x40000000; base <= 0x40000100; base += 0x100)
		for (uint32_t k = 0; k <= 0x10; k++)
			list[n++] = base + k;

	struct sigaction sa = { 0 }, old;
	volatile bool faulted = false;
	if (forced) {
		sa.sa_handler = cpuid_on_sigill;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGILL, &sa, &old);
		if (sigsetjmp(cpuid_sigill_jump, 1))
			faulted = true;
	}
	if (!faulted) {
		for (size_t i = 0; i < n; i++) {
			struct cpuid_leaf l;
			probe(forced, list[i], &l);
			/* cpuid -r prints extended leaves only below the maximum leaf 0x80000000 reports. */
			if (list[i] == 0x80000007) {
				const struct cpuid_leaf *m = cpuid_find(out, 0x80000000, 0);
				if (!m || m->eax < 0x80000007)
					continue;
			}
			out->leaves[out->n++] = l;
		}
		out->state = CPUID_OK;
	} else {
		out->n = 0;
		out->state = CPUID_UNAVAILABLE;
	}
	if (forced)
		sigaction(SIGILL, &old, NULL);
#else
	(void)forced;
	out->state = CPUID_ABSENT;
#endif
}
