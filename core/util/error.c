/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/util/error.h"

int gv_error_set(struct gv_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void gv_error_clear(struct gv_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}
