/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The core never prints. Everything it has to say goes through one callback
 * that the front end installs: the CLI sends it to stderr, the TUI to its log
 * pane (kconfig's conf_set_message_callback).
 */
#include <stdarg.h>

enum gv_log_level { GV_LOG_ERR, GV_LOG_WARN, GV_LOG_INFO, GV_LOG_DEBUG };

typedef void (*gv_log_fn)(void *userdata, enum gv_log_level level, const char *msg);

/* Install the sink for core messages; NULL drops them. Not thread-safe. */
void gv_log_set(gv_log_fn fn, void *userdata);
/* The sink installed now, for a caller that silences it for a while. */
void gv_log_get(gv_log_fn *ret_fn, void **ret_userdata);

/* Report one line (no trailing newline needed). */
void gv_log(enum gv_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gv_logv(enum gv_log_level level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
