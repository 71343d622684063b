/* The verdict, three ways. */
#include "detect/report.h"

#include <string.h>

#include "detect/tables.h"

static struct json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *json_xen(const struct verdict *v)
{
	struct json_object *x = json_object_new_object(), *f = json_object_new_array(), *d = json_object_new_array();
	char raw[16];

	json_object_object_add(x, "mode", json_object_new_string(vocab_xen_mode_to_string(v->xen_mode)));
	json_object_object_add(x, "domain", json_object_new_string(vocab_xen_domain_to_string(v->xen_domain)));
	json_object_object_add(x, "version", v->xen_version[0] ? json_object_new_string(v->xen_version) : NULL);
	for (unsigned b = 0; v->xen_features_known && b < 32; b++)
		if (v->xen_features & (1u << b)) {
			const char *name = tables_xen_feature(b);
			char unnamed[16];
			snprintf(unnamed, sizeof unnamed, "bit%u", b);
			json_object_array_add(f, json_object_new_string(name ? name : unnamed));
		}
	json_object_object_add(x, "features", f);
	snprintf(raw, sizeof raw, "%08x", v->xen_features);
	json_object_object_add(x, "features_raw", v->xen_features_known ? json_object_new_string(raw) : NULL);
	for (int i = 0; i < v->n_xen_pv_drivers; i++)
		json_object_array_add(d, json_object_new_string(v->xen_pv_drivers[i]));
	json_object_object_add(x, "pv_drivers", d);
	return x;
}

struct json_object *report_json(const struct verdict *v)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "hypervisor", json_object_new_string(vocab_hypervisor_to_string(v->hypervisor)));
	json_object_object_add(o, "container", json_object_new_string(vocab_container_to_string(v->container)));
	json_object_object_add(o, "cloud", json_object_new_string(vocab_cloud_to_string(v->cloud)));
	json_object_object_add(o, "platform", str_or_null(v->platform));

	struct json_object *layers = json_object_new_array();
	for (int i = 0; i < v->n_layers; i++) {
		struct json_object *l = json_object_new_object();
		json_object_object_add(l, "kind", json_object_new_string(v->layers[i].container ? "container" : "vm"));
		json_object_object_add(l, "name", json_object_new_string(v->layers[i].container
			? vocab_container_to_string(v->layers[i].id) : vocab_hypervisor_to_string(v->layers[i].id)));
		json_object_array_add(layers, l);
	}
	json_object_object_add(o, "layers", layers);

	json_object_object_add(o, "xen", v->xen ? json_xen(v) : NULL);

	struct json_object *sp = json_object_new_object();
	for (int c = 0; c < COL_COUNT; c++)
		json_object_object_add(sp, vocab_column_to_string(c), str_or_null(vocab_cell_to_string(v->spectrum[c])));
	json_object_object_add(o, "spectrum", sp);

	struct json_object *clk = json_object_new_object(), *avail = json_object_new_array();
	json_object_object_add(clk, "current", v->clock_current[0] ? json_object_new_string(v->clock_current) : NULL);
	for (int i = 0; i < v->n_clock_available; i++)
		json_object_array_add(avail, json_object_new_string(v->clock_available[i]));
	json_object_object_add(clk, "available", avail);
	json_object_object_add(clk, "faster", str_or_null(v->clock_faster));
	json_object_object_add(o, "clocksource", clk);

	struct json_object *devs = json_object_new_array();
	for (int i = 0; i < v->n_devices; i++) {
		const struct v_device *d = &v->devices[i];
		struct json_object *j = json_object_new_object();
		json_object_object_add(j, "name", json_object_new_string(d->name));
		json_object_object_add(j, "class", json_object_new_string(vocab_dev_class_to_string(d->cls)));
		json_object_object_add(j, "driver", d->driver[0] ? json_object_new_string(d->driver) : NULL);
		json_object_object_add(j, "cell", str_or_null(vocab_cell_to_string(d->cell)));
		json_object_object_add(j, "native", json_object_new_boolean(d->native));
		json_object_object_add(j, "description", str_or_null(d->what));
		json_object_array_add(devs, j);
	}
	json_object_object_add(o, "devices", devs);

	struct json_object *ev = json_object_new_array();
	for (int i = 0; i < v->n_why; i++) {
		struct json_object *j = json_object_new_object();
		json_object_object_add(j, "source", json_object_new_string(v->why[i].source));
		json_object_object_add(j, "says", json_object_new_string(v->why[i].text));
		json_object_object_add(j, "supports", json_object_new_string(v->why[i].supports));
		json_object_array_add(ev, j);
	}
	json_object_object_add(o, "evidence", ev);

	struct json_object *adv = json_object_new_array();
	for (int i = 0; i < v->n_advice; i++) {
		struct json_object *j = json_object_new_object();
		json_object_object_add(j, "id", json_object_new_string(v->advice[i].id));
		json_object_object_add(j, "text", json_object_new_string(v->advice[i].text));
		json_object_array_add(adv, j);
	}
	json_object_object_add(o, "advice", adv);

	json_object_object_add(o, "confidence", json_object_new_string(vocab_confidence_to_string(v->confidence)));
	struct json_object *un = json_object_new_array();
	for (int i = 0; i < v->n_problems; i++) {
		struct json_object *j = json_object_new_object();
		json_object_object_add(j, "path", json_object_new_string(v->problems[i].path));
		json_object_object_add(j, "error", json_object_new_string(strerror(v->problems[i].error)));
		json_object_array_add(un, j);
	}
	json_object_object_add(o, "unreadable", un);
	json_object_object_add(o, "dmesg_truncated", json_object_new_boolean(v->dmesg_truncated));
	return o;
}

void report_headline(const struct verdict *v, char *buf, size_t size)
{
	size_t n = 0;
#define ADD(...) do { int w_ = snprintf(buf + n, n < size ? size - n : 0, __VA_ARGS__); if (w_ > 0) n += (size_t)w_; if (n >= size) n = size - 1; } while (0)
	buf[0] = 0;
	if (v->container != CT_NONE)
		ADD("%s container %s ", vocab_container_to_string(v->container), v->hypervisor != HV_NONE ? "in a" : "on");
	if (v->hypervisor == HV_NONE) {
		ADD("bare metal");
	} else {
		ADD("%s", vocab_hypervisor_to_human(v->hypervisor));
		if (v->xen)
			ADD(" %s %s", v->xen_mode == XEN_MODE_HVM_PV_DRIVERS ? "HVM with PV drivers"
				     : v->xen_mode == XEN_MODE_PVHVM ? "PVHVM"
				     : v->xen_mode == XEN_MODE_PVH ? "PVH"
				     : v->xen_mode == XEN_MODE_PV ? "PV"
				     : v->xen_mode == XEN_MODE_HVM ? "HVM (fully emulated devices)" : "(mode unknown)",
			    vocab_xen_domain_to_string(v->xen_domain));
		else
			ADD(" guest");
		if (v->platform)
			ADD(" (%s)", v->platform);
		for (int i = 0; i < v->n_layers; i++)
			if (!v->layers[i].container && v->layers[i].id != (int)v->hypervisor)
				ADD(", on %s", vocab_hypervisor_to_human(v->layers[i].id));
	}
	if (v->cloud != CLOUD_NONE)
		ADD(", cloud %s", vocab_cloud_to_string(v->cloud));
#undef ADD
}

static const char *cell_color(enum cell c)
{
	switch (c) {
	case CELL_VS: return "\033[1;37;41m"; /* red, as Xen's diagram */
	case CELL_P: return "\033[1;30;43m";  /* yellow */
	case CELL_VH: return "\033[1;37;42m"; /* green */
	default: return "";
	}
}

static void print_cell(FILE *out, enum cell c, bool color, int width)
{
	const char *s = vocab_cell_to_string(c);
	char cell[32];
	snprintf(cell, sizeof cell, " %s ", s ? s : "-");
	if (color && s)
		fprintf(out, "%s%s\033[0m%*s", cell_color(c), cell, width - (int)strlen(cell), "");
	else
		fprintf(out, "%-*s", width, cell);
}

/* TEXT wrapped at WIDTH: FIRST before the first line, INDENT before the others. */
static void wrap(FILE *out, const char *first, const char *indent, const char *text, int width)
{
	const char *p = text;
	int col = 0;
	fputs(first, out);
	while (*p) {
		size_t w = strcspn(p, " ");
		if (col && col + (int)w + 1 > width) {
			fprintf(out, "\n%s", indent);
			col = 0;
		} else if (col) {
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, w, out);
		col += (int)w;
		p += w;
		while (*p == ' ')
			p++;
	}
	fputc('\n', out);
}

void report_text(const struct verdict *v, FILE *out, bool color, bool explain)
{
	char head[256];
	const char *b = color ? "\033[1m" : "", *r = color ? "\033[0m" : "";

	report_headline(v, head, sizeof head);
	fprintf(out, "%s%s%s\n\n", b, head, r);
	fprintf(out, "  hypervisor   %s", vocab_hypervisor_to_string(v->hypervisor));
	if (v->xen)
		fprintf(out, "%s%s, mode %s, %s", v->xen_version[0] ? " " : "", v->xen_version,
			vocab_xen_mode_to_string(v->xen_mode), vocab_xen_domain_to_string(v->xen_domain));
	fputc('\n', out);
	fprintf(out, "  container    %s\n", vocab_container_to_string(v->container));
	fprintf(out, "  cloud        %s\n", vocab_cloud_to_string(v->cloud));
	if (v->n_layers > 1) {
		fputs("  layers       ", out);
		for (int i = 0; i < v->n_layers; i++)
			fprintf(out, "%s%s", i ? " < " : "", v->layers[i].container
				? vocab_container_to_string(v->layers[i].id) : vocab_hypervisor_to_string(v->layers[i].id));
		fputs("   (innermost first)\n", out);
	}

	if (v->hypervisor != HV_NONE) {
		fputs("\n  spectrum     ", out);
		for (int c = 0; c < COL_COUNT; c++)
			fprintf(out, "%-26s", vocab_column_to_human(c));
		fputs("\n               ", out);
		for (int c = 0; c < COL_COUNT; c++)
			print_cell(out, v->spectrum[c], color, 26);
		fputs("\n               ", out);
		print_cell(out, CELL_VS, color, 5);
		fputs("software virtualized (emulated)  ", out);
		print_cell(out, CELL_P, color, 4);
		fputs("paravirtualized  ", out);
		print_cell(out, CELL_VH, color, 5);
		fputs("hardware virtualized\n", out);
	}

	fputc('\n', out);
	if (v->clock_current[0]) {
		fprintf(out, "  clocksource  %s (available:", v->clock_current);
		for (int i = 0; i < v->n_clock_available; i++)
			fprintf(out, " %s", v->clock_available[i]);
		fputs(")", out);
		if (v->clock_faster)
			fprintf(out, "; faster here: %s", v->clock_faster);
		fputc('\n', out);
	}
	for (int i = 0; i < v->n_devices; i++) {
		const struct v_device *d = &v->devices[i];
		fprintf(out, "  %-12s %-8s %-4s %-12s ", i ? "" : "devices", d->name, vocab_dev_class_to_string(d->cls),
			d->driver[0] ? d->driver : "?");
		if (d->native)
			fputs("native hardware", out);
		else
			print_cell(out, d->cell, color, 4);
		if (d->what)
			fprintf(out, " %s", d->what);
		fputc('\n', out);
	}
	if (v->xen && v->xen_features_known) {
		char line[1024] = "";
		size_t n = 0;
		for (unsigned bit = 0; bit < 32; bit++)
			if (v->xen_features & (1u << bit)) {
				const char *name = tables_xen_feature(bit);
				int w = name ? snprintf(line + n, sizeof line - n, "%s ", name)
					     : snprintf(line + n, sizeof line - n, "bit%u ", bit);
				if (w > 0 && (size_t)w < sizeof line - n)
					n += (size_t)w;
			}
		fprintf(out, "  xen features %08x\n", v->xen_features);
		wrap(out, "               ", "               ", line, 90);
	}

	fprintf(out, "\n%swhy%s (confidence %s)\n", b, r, vocab_confidence_to_string(v->confidence));
	for (int i = 0; i < v->n_why; i++) {
		if (!explain && (!strcmp(v->why[i].supports, "devices") || !strcmp(v->why[i].supports, "interrupts")))
			continue;
		fprintf(out, "  %-22s %s: %s\n", v->why[i].supports, v->why[i].source, v->why[i].text);
	}
	if (v->n_problems) {
		fprintf(out, "  unreadable:");
		for (int i = 0; i < v->n_problems && (explain || i < 6); i++)
			fprintf(out, " %s (%s)%s", v->problems[i].path, strerror(v->problems[i].error),
				i + 1 < v->n_problems ? "," : "");
		if (!explain && v->n_problems > 6)
			fprintf(out, " ... (--explain for all)");
		fputc('\n', out);
	}
	if (v->dmesg_truncated)
		fputs("  the kernel log was longer than virtmode reads; only its start was scanned\n", out);
	if (v->n_advice) {
		fprintf(out, "\n%sadvice%s\n", b, r);
		for (int i = 0; i < v->n_advice; i++)
			wrap(out, "  - ", "    ", v->advice[i].text, 100);
	}
}

/* Label values: backslash, double quote and newline escaped (exposition format). */
static void label(FILE *out, const char *name, const char *value, bool comma)
{
	fprintf(out, "%s%s=\"", comma ? "," : "", name);
	for (const char *p = value ? value : ""; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', out);
		if (*p == '\n') {
			fputs("\\n", out);
			continue;
		}
		fputc(*p, out);
	}
	fputc('"', out);
}

void report_prometheus(const struct verdict *v, FILE *out)
{
	fputs("# HELP virtmode_info What virtmode detect found; the value is always 1.\n"
	      "# TYPE virtmode_info gauge\nvirtmode_info{", out);
	label(out, "hypervisor", vocab_hypervisor_to_string(v->hypervisor), false);
	label(out, "container", vocab_container_to_string(v->container), true);
	label(out, "cloud", vocab_cloud_to_string(v->cloud), true);
	label(out, "xen_mode", v->xen ? vocab_xen_mode_to_string(v->xen_mode) : "none", true);
	label(out, "xen_domain", v->xen ? vocab_xen_domain_to_string(v->xen_domain) : "none", true);
	label(out, "clocksource", v->clock_current, true);
	label(out, "confidence", vocab_confidence_to_string(v->confidence), true);
	fputs("} 1\n", out);

	fputs("# HELP virtmode_virtualized 1 when this machine runs in a VM or a container.\n"
	      "# TYPE virtmode_virtualized gauge\n", out);
	fprintf(out, "virtmode_virtualized %d\n", v->hypervisor != HV_NONE || v->container != CT_NONE);

	fputs("# HELP virtmode_spectrum_cell The virtualization spectrum: 1 for the cell each column is in.\n"
	      "# TYPE virtmode_spectrum_cell gauge\n", out);
	for (int c = 0; c < COL_COUNT; c++)
		for (int cell = CELL_VS; cell < CELL_COUNT; cell++) {
			fputs("virtmode_spectrum_cell{", out);
			label(out, "column", vocab_column_to_string(c), false);
			label(out, "cell", vocab_cell_to_string(cell), true);
			fprintf(out, "} %d\n", v->spectrum[c] == (enum cell)cell);
		}

	if (v->xen && v->xen_features_known) {
		fputs("# HELP virtmode_xen_feature Xen features the hypervisor offers (sys/hypervisor/properties/features).\n"
		      "# TYPE virtmode_xen_feature gauge\n", out);
		for (unsigned b = 0; b < 20; b++) {
			fputs("virtmode_xen_feature{", out);
			label(out, "name", tables_xen_feature(b), false);
			fprintf(out, "} %d\n", !!(v->xen_features & (1u << b)));
		}
	}
	fputs("# HELP virtmode_devices Disk and network devices by spectrum cell.\n"
	      "# TYPE virtmode_devices gauge\n", out);
	for (int cls = 0; cls < DEV_CLASS_COUNT; cls++)
		for (int i = 0; i < v->n_devices; i++)
			if ((int)v->devices[i].cls == cls) {
				fputs("virtmode_devices{", out);
				label(out, "device", v->devices[i].name, false);
				label(out, "class", vocab_dev_class_to_string(v->devices[i].cls), true);
				label(out, "driver", v->devices[i].driver, true);
				label(out, "cell", v->devices[i].native ? "native" : vocab_cell_to_string(v->devices[i].cell) ? vocab_cell_to_string(v->devices[i].cell) : "unknown", true);
				fputs("} 1\n", out);
			}
	fputs("# HELP virtmode_advice Number of pieces of advice virtmode detect gives.\n"
	      "# TYPE virtmode_advice gauge\n", out);
	fprintf(out, "virtmode_advice %d\n", v->n_advice);
	fputs("# HELP virtmode_evidence_unreadable Evidence files that exist but could not be read.\n"
	      "# TYPE virtmode_evidence_unreadable gauge\n", out);
	fprintf(out, "virtmode_evidence_unreadable %d\n", v->n_problems);
}
