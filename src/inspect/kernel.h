#pragma once
/* The kernels of a guest: what is in /boot, what each can boot as, which disk drivers each initramfs holds. */
#include "inspect/image.h"
#include "inspect/plan.h"

/* Fills p->kernels from img's /boot (sorted newest first). -ENOMEM only; missing files are facts. */
int kernel_scan(const struct image *img, struct plan *p);

/* Whether kernel k can reach the root fs on the disk controller of target t; when not, *missing gets the
 * driver names it needs, human-readable ("ata_piix+sd_mod or ahci+sd_mod"). */
bool kernel_has_disk_driver(const struct plan_kernel *k, enum plan_target t, const char **missing);

/* Whether a kernel version names a Xen-only PV build ("2.6.18-398.el5xen", "2.6.32-5-xen-amd64"). */
bool kernel_version_is_xen_only(const char *version);
