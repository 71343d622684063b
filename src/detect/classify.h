#pragma once
/* Classification: pure functions from evidence to a verdict. No I/O. */
#include "detect/evidence.h"
#include "detect/verdict.h"

void classify(const struct evidence *ev, struct verdict *v);

/* The pieces, exposed for unit tests. */
enum hypervisor classify_hypervisor(const struct evidence *ev, struct verdict *v);
enum container classify_container(const struct evidence *ev, struct verdict *v);
enum cloud classify_cloud(const struct evidence *ev, enum hypervisor hv);
enum xen_mode classify_xen_mode(const struct evidence *ev, struct verdict *v);
enum xen_domain classify_xen_domain(const struct evidence *ev, struct verdict *v);
/* The spectrum row Xen's diagram gives a mode (before devices refine the disk & network cell). */
void classify_xen_row(enum xen_mode m, enum cell row[COL_COUNT]);
