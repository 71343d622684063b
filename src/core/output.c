#include "core/output.h"

#include <stdlib.h>
#include <unistd.h>

bool output_use_color(FILE *stream)
{
	const char *no_color = getenv("NO_COLOR");

	if (no_color && *no_color)
		return false;
	return isatty(fileno(stream));
}

static void output_line(const char *kind, const char *what, const char *fmt, va_list ap)
{
	fputs("virtmode: ", stderr);
	if (kind)
		fprintf(stderr, "%s: ", kind);
	if (what && *what)
		fprintf(stderr, "%s: ", what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void output_error(const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	output_line(NULL, what, fmt, ap);
	va_end(ap);
}

void output_warning(const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	output_line("warning", what, fmt, ap);
	va_end(ap);
}

void output_progress(const char *label, unsigned long long done, unsigned long long total)
{
	if (!isatty(STDERR_FILENO) || total == 0)
		return;
	unsigned pct = (unsigned)(done * 100 / total);
	int width = 30, filled = (int)(done * width / total);

	fprintf(stderr, "\r%-12s [", label);
	for (int i = 0; i < width; i++)
		fputc(i < filled ? '#' : ' ', stderr);
	fprintf(stderr, "] %3u%%", pct);
	if (done >= total)
		fputc('\n', stderr);
	fflush(stderr);
}
