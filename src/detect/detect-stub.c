/* Placeholder until the detect engine lands: the API of detect.h with an empty verdict. */
#include <errno.h>
#include <stdlib.h>

#include "detect/detect.h"

struct detect_result {
	int unused;
};

int detect_run(const char *root, struct detect_result **out)
{
	(void)root;
	*out = calloc(1, sizeof **out);
	return *out ? 0 : -ENOMEM;
}

struct json_object *detect_result_to_json(const struct detect_result *r)
{
	(void)r;
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "hypervisor", json_object_new_string("unknown"));
	return o;
}

void detect_result_free(struct detect_result *r)
{
	free(r);
}
