#pragma once
/* The detect engine's public face: gather evidence under a root, classify, hand back a verdict. */
#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

struct detect_result;

/* root: NULL or "/" for the live machine, else a snapshot root. Returns 0 or a negative errno;
 * a piece of evidence that cannot be read never fails the run, it is recorded in the result. */
int detect_run(const char *root, struct detect_result **out);

/* The verdict as the JSON object `virtmode detect --json` prints (new reference, caller puts it). */
struct json_object *detect_result_to_json(const struct detect_result *r);

void detect_result_free(struct detect_result *r);

/* Human text (COLOR: ANSI colours for the spectrum; EXPLAIN: every piece of evidence). */
void detect_result_print(const struct detect_result *r, FILE *out, bool color, bool explain);
/* node_exporter textfile-collector format. */
void detect_result_print_prometheus(const struct detect_result *r, FILE *out);

/* systemd-detect-virt's words for the innermost VM and the container: "none" when there is none. */
const char *detect_result_vm(const struct detect_result *r);
const char *detect_result_container(const struct detect_result *r);

/* collect: writes a snapshot root of the evidence under ROOT (NULL = live) into DIR, which must not exist
 * or be empty. INCLUDE_IDS keeps serial numbers and UUIDs. Returns 0 or a negative errno; *what names the
 * path that failed. */
int detect_collect(const char *root, const char *dir, bool include_ids, const char **what);
/* The same snapshot as a gzipped tar archive FILE (made with tar(1) from a temporary directory). */
int detect_collect_archive(const char *root, const char *file, bool include_ids, const char **what);
