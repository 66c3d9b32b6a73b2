/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * A failing core call returns -errno and, when the caller passed a
 * struct gv_error, fills it with one human line that names the file, line or
 * device at fault ("etc/default/grub:12: unbalanced quote"). The front end
 * prints that line as is.
 */
#include <stddef.h>

struct gv_error {
	int code;          /* the -errno returned, 0 when unset */
	char msg[512];     /* one line, no trailing newline */
};

/* Record an error; err may be NULL. Returns code (a negative errno) so that
 * callers can write `return gv_error_set(err, -EINVAL, "...")`. */
int gv_error_set(struct gv_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Clear an error record; err may be NULL. */
void gv_error_clear(struct gv_error *err);
