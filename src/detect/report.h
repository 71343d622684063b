#pragma once
/* Reporting: a verdict as JSON, human text or Prometheus metrics. Never looks at evidence files. */
#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

#include "detect/verdict.h"

struct json_object *report_json(const struct verdict *v);
void report_text(const struct verdict *v, FILE *out, bool color, bool explain);
void report_prometheus(const struct verdict *v, FILE *out);
/* One line: "xen pvhvm domU", "kvm docker", "none". */
void report_headline(const struct verdict *v, char *buf, size_t size);
