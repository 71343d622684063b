/* The comparison as a bar chart: one horizontal bar per metric, the change in percent from a
 * centre line, red where B is slower, green where faster, pale where not significant. */
#include "bench/bench.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void svg_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

int bench_svg_write(FILE *f, const struct bench_comparison *c)
{
	const int row_h = 22, label_w = 170, bar_w = 460, top = 50;
	double max = 10;

	for (size_t i = 0; i < c->n_rows; i++)
		if (fabs(c->rows[i].change_pct) > max)
			max = fabs(c->rows[i].change_pct);
	if (max > 400)
		max = 400; /* beyond 5x the bar saturates and the label says the number */
	int h = top + (int)c->n_rows * row_h + 46, w = label_w + bar_w + 90, mid = label_w + bar_w / 2;
	/* The title names both files in full: widen the picture rather than cut a path off
	 * (7 px a character covers 14 px sans-serif). */
	size_t title = strlen(c->name_a) + 2 * strlen(c->name_b) + 40;
	if (title < 2000 && 20 + 7 * (int)title > w)
		w = 20 + 7 * (int)title;

	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", w, h);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n<text x=\"10\" y=\"20\" font-size=\"14\">change from ");
	svg_text(f, c->name_a);
	fputs(" to ", f);
	svg_text(f, c->name_b);
	fputs(" (right = slower on ", f);
	svg_text(f, c->name_b);
	fputs(")</text>\n", f);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", mid, top - 8, mid, h - 41);
	for (size_t i = 0; i < c->n_rows; i++) {
		const struct bench_comparison_row *r = &c->rows[i];
		/* Bars show slowdown direction, so "right" always means worse whatever the unit. */
		double worse_pct = (r->slowdown - 1) * 100;
		double len = fmin(fabs(worse_pct), max) / max * (bar_w / 2);
		int y = top + (int)i * row_h;
		const char *fill = !r->significant ? "#cccccc" : worse_pct > 0 ? "#d9534f" : "#5cb85c";
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w - 8, y + 14);
		svg_text(f, r->name);
		fprintf(f, "</text>\n<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n",
			worse_pct > 0 ? mid : mid - len, y + 3, len, row_h - 6, fill);
		fprintf(f, "<text x=\"%d\" y=\"%d\">%+.1f%%%s</text>\n", label_w + bar_w + 5, y + 14, worse_pct,
			r->significant ? "" : " (n.s.)");
	}
	fprintf(f, "<text x=\"10\" y=\"%d\" fill=\"#555\">bars: slowdown in %%; grey = not significant: rank test p &gt;= 0.01,</text>\n", h - 24);
	fprintf(f, "<text x=\"10\" y=\"%d\" fill=\"#555\">95%% intervals that overlap, or a change within the metric's run-to-run drift</text>\n", h - 8);
	fputs("</svg>\n", f);
	return ferror(f) ? -1 : 0;
}
