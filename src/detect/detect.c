/* detect_run: gather → classify; the result keeps both so reporting and tests can look. */
#include "detect/detect.h"

#include <errno.h>
#include <stdlib.h>

#include "detect/classify.h"
#include "detect/gather.h"
#include "detect/report.h"

struct detect_result {
	struct evidence ev;
	struct verdict v;
};

int detect_run(const char *root, struct detect_result **out)
{
	struct rootfs *r;
	int e = rootfs_open(root, &r);

	if (e < 0)
		return e;
	struct detect_result *res = calloc(1, sizeof *res);
	if (!res) {
		rootfs_close(r);
		return -ENOMEM;
	}
	gather_all(r, &res->ev);
	rootfs_close(r);
	classify(&res->ev, &res->v);
	*out = res;
	return 0;
}

struct json_object *detect_result_to_json(const struct detect_result *r)
{
	return report_json(&r->v);
}

void detect_result_free(struct detect_result *r)
{
	free(r);
}

void detect_result_print(const struct detect_result *r, FILE *out, bool color, bool explain)
{
	report_text(&r->v, out, color, explain);
}

void detect_result_print_prometheus(const struct detect_result *r, FILE *out)
{
	report_prometheus(&r->v, out);
}

const char *detect_result_vm(const struct detect_result *r)
{
	/* A Xen dom0 is "none" to systemd-detect-virt; we say xen on purpose (see the man page). */
	return vocab_hypervisor_to_string(r->v.hypervisor);
}

const char *detect_result_container(const struct detect_result *r)
{
	return vocab_container_to_string(r->v.container);
}
