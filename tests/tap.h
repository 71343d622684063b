#pragma once
/* A few TAP helpers for C tests; meson runs them with protocol 'tap'. */
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define TAP_OK(cond, ...)                                                               \
	do {                                                                            \
		int tap_c_ = !!(cond);                                                  \
		printf("%s %d - ", tap_c_ ? "ok" : "not ok", ++tap_n);                 \
		printf(__VA_ARGS__);                                                    \
		putchar('\n');                                                          \
		if (!tap_c_) {                                                          \
			tap_failed++;                                                   \
			printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);    \
		}                                                                       \
	} while (0)

#define TAP_STR_EQ(got, want, ...)                                                      \
	do {                                                                            \
		const char *tap_g_ = (got), *tap_w_ = (want);                           \
		int tap_e_ = (tap_g_ && tap_w_) ? !strcmp(tap_g_, tap_w_) : tap_g_ == tap_w_; \
		TAP_OK(tap_e_, __VA_ARGS__);                                            \
		if (!tap_e_)                                                            \
			printf("#   got '%s', want '%s'\n", tap_g_ ? tap_g_ : "(null)",     \
			       tap_w_ ? tap_w_ : "(null)");                                 \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
