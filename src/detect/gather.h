#pragma once
/* Gathering: reads every piece of evidence under a root into a struct evidence, and decides nothing. */
#include "detect/evidence.h"
#include "detect/rootfs.h"

/* Never fails: what is absent stays empty, what exists but cannot be read is listed in ev->problems. */
void gather_all(const struct rootfs *r, struct evidence *ev);

/* The caps gathering reads under: a kernel log beyond DMESG_CAP is not read. */
#define GATHER_DMESG_CAP (8u << 20)
#define GATHER_FILE_CAP (1u << 20)

/* The live kernel log (klogctl: no process spawned), in dmesg's "[  0.000000] text" format. Returns 0 or a
 * negative errno (-EPERM when dmesg_restrict forbids it). Caller frees *out. */
int gather_live_dmesg(char **out, size_t *len);
