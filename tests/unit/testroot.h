/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Temporary configuration roots for unit tests that write files: a fresh
 * directory with the log captured into LOGBUF, and files put under it.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/util/buf.h"
#include "core/util/fsutil.h"
#include "core/util/log.h"

static struct buf logbuf;

static inline void capture(void *u, enum gv_log_level level, const char *msg)
{
	(void)u;
	buf_printf(&logbuf, "%d %s\n", (int)level, msg);
}

/* A new empty /tmp/gv-NAME.XXXXXX (owned), the log captured into logbuf. */
static inline char *testroot_new(const char *name)
{
	char *d = NULL;

	ck_assert_int_ge(asprintf(&d, "/tmp/gv-%s.XXXXXX", name), 0);
	ck_assert_ptr_nonnull(mkdtemp(d));
	gv_log_set(capture, NULL);
	buf_reset(&logbuf);
	return d;
}

/* ROOT/REL holds the N bytes of S (its directories made); MODE when not 0. */
static inline void testroot_put(const char *root, const char *rel, const char *s, size_t n, mode_t mode)
{
	char *p = fsutil_join(root, rel), *slash = strrchr(p, '/');
	FILE *f;

	*slash = '\0';
	ck_assert_int_eq(fsutil_mkdir_p(p, 0755, NULL), 0);
	*slash = '/';
	f = fopen(p, "w");
	ck_assert_msg(f != NULL, "%s: %s", p, strerror(errno));
	ck_assert_uint_eq(fwrite(s, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
	if (mode)
		ck_assert_int_eq(chmod(p, mode), 0);
	free(p);
}
