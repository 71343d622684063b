#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

/* Human output conventions shared by every command. */

/* True when colour may be used on this stream: it is a TTY and NO_COLOR is unset. */
bool output_use_color(FILE *stream);

/* The one error line a command prints: "virtmode: WHAT: MESSAGE". */
void output_error(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void output_warning(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Progress on stderr, only when stderr is a TTY; done=total ends the line. */
void output_progress(const char *label, unsigned long long done, unsigned long long total);
