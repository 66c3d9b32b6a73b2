/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Allocation that cannot fail. gpuvirt's allocations are small (a host
 * snapshot, a plan, a preview); when they fail there is no sane way to go on,
 * so these abort rather than make every caller handle NULL (git's xmalloc).
 */
#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
/* realloc; a zero size still returns a valid pointer */
void *xrealloc(void *p, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
/* strdup; NULL gives NULL */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* asprintf that cannot fail */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* vasprintf that cannot fail; AP is consumed as by vasprintf */
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* N bytes of S and a terminating NUL */
char *xmemdup(const char *s, size_t n);
