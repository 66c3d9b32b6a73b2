/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "core/util/log.h"

static gv_log_fn log_fn;
static void *log_userdata;

void gv_log_set(gv_log_fn fn, void *userdata)
{
	log_fn = fn;
	log_userdata = userdata;
}

void gv_log_get(gv_log_fn *ret_fn, void **ret_userdata)
{
	*ret_fn = log_fn;
	*ret_userdata = log_userdata;
}

void gv_logv(enum gv_log_level level, const char *fmt, va_list ap)
{
	char buf[1024];

	if (!log_fn)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	log_fn(log_userdata, level, buf);
}

void gv_log(enum gv_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gv_logv(level, fmt, ap);
	va_end(ap);
}
