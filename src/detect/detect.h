#pragma once
/* The detect engine's public face: gather evidence under a root, classify, hand back a verdict. */
#include <json-c/json.h>

struct detect_result;

/* root: NULL or "/" for the live machine, else a snapshot root. Returns 0 or a negative errno;
 * a piece of evidence that cannot be read never fails the run, it is recorded in the result. */
int detect_run(const char *root, struct detect_result **out);

/* The verdict as the JSON object `virtmode detect --json` prints (new reference, caller puts it). */
struct json_object *detect_result_to_json(const struct detect_result *r);

void detect_result_free(struct detect_result *r);
