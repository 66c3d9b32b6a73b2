/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util/buf.h"
#include "core/util/diff.h"
#include "testbed.h"

static char *dif(const char *a, const char *b)
{
	struct buf out = BUF_INIT;

	diff_unified(&out, "a/x", a, strlen(a), "b/x", b, strlen(b), DIFF_CONTEXT);
	if (!out.data)
		buf_append(&out, "", 0);
	return buf_steal(&out);
}

#define ck_diff(a, b, want)                                  \
	do {                                                 \
		char *got_ = dif(a, b);                      \
		ck_assert_str_eq(got_, want);                \
		free(got_);                                  \
	} while (0)

START_TEST(identical_is_empty)
{
	struct buf out = BUF_INIT;

	ck_assert_int_eq(diff_unified(&out, "a", "x\n", 2, "b", "x\n", 2, 3), 0);
	ck_assert_uint_eq(out.len, 0);
	ck_assert_int_eq(diff_unified(&out, "a", "", 0, "b", "", 0, 3), 0);
	ck_assert_uint_eq(out.len, 0);
}
END_TEST

START_TEST(one_line_changed)
{
	ck_diff("a\nb\nc\n", "a\nB\nc\n",
		"--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
}
END_TEST

START_TEST(created_and_removed)
{
	struct buf out = BUF_INIT;

	diff_unified(&out, "/dev/null", "", 0, "b/etc/x.conf", "l1\nl2\n", 6, 3);
	ck_assert_str_eq(buf_str(&out), "--- /dev/null\n+++ b/etc/x.conf\n@@ -0,0 +1,2 @@\n+l1\n+l2\n");
	buf_reset(&out);
	diff_unified(&out, "a/etc/x.conf", "only\n", 5, "/dev/null", "", 0, 3);
	ck_assert_str_eq(buf_str(&out), "--- a/etc/x.conf\n+++ /dev/null\n@@ -1 +0,0 @@\n-only\n");
	buf_free(&out);
}
END_TEST

START_TEST(no_newline_at_end)
{
	ck_diff("a\nb", "a\nb\n",
		"--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n");
}
END_TEST

START_TEST(context_and_hunks)
{
	struct buf a = BUF_INIT, b = BUF_INIT, c = BUF_INIT;
	char *d;

	for (int i = 1; i <= 20; i++) {
		buf_printf(&a, "%d\n", i);
		buf_printf(&b, "%d\n", i == 2 || i == 18 ? -i : i);
		buf_printf(&c, "%d\n", i == 2 || i == 8 ? -i : i);
	}
	d = dif(a.data, b.data);
	/* two changes 16 lines apart: two hunks with 3 lines of context */
	ck_assert_str_eq(d, "--- a/x\n+++ b/x\n"
			    "@@ -1,5 +1,5 @@\n 1\n-2\n+-2\n 3\n 4\n 5\n"
			    "@@ -15,6 +15,6 @@\n 15\n 16\n 17\n-18\n+-18\n 19\n 20\n");
	free(d);
	/* 5 unchanged lines between: one hunk */
	d = dif(a.data, c.data);
	ck_assert_ptr_nonnull(strstr(d, "@@ -1,11 +1,11 @@\n"));
	ck_assert_ptr_null(strstr(d + 17, "\n@@"));
	free(d);
	buf_free(&a);
	buf_free(&b);
	buf_free(&c);
}
END_TEST

START_TEST(insert_only_names_line_before)
{
	ck_diff("1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\n4\n4.5\n5\n6\n7\n8\n",
		"--- a/x\n+++ b/x\n@@ -2,6 +2,7 @@\n 2\n 3\n 4\n+4.5\n 5\n 6\n 7\n");
}
END_TEST

static unsigned long seed = 12345;
static unsigned rnd(unsigned n)
{
	seed = seed * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)((seed >> 33) % n);
}

static void write_str(const char *path, const char *s, size_t n)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(s, 1, n, f), n);
	fclose(f);
}

/* The real consumer: patch(1) turns A into B with our diff. */
START_TEST(patch_applies_random_diffs)
{
	char dir[] = "/tmp/gv-diff.XXXXXX", pa[64], pd[64], po[64], cmd[512];

	if (system("command -v patch >/dev/null 2>&1") != 0) {
		fprintf(stderr, "SKIP patch_applies_random_diffs: patch(1) not installed\n");
		return;
	}
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(pa, sizeof(pa), "%s/a", dir);
	snprintf(pd, sizeof(pd), "%s/d", dir);
	snprintf(po, sizeof(po), "%s/o", dir);
	for (int round = 0; round < 60; round++) {
		struct buf a = BUF_INIT, b = BUF_INIT, d = BUF_INIT;
		unsigned n = rnd(40);
		for (unsigned i = 0; i < n; i++) {
			unsigned v = rnd(8);
			buf_printf(&a, "line %u\n", v);
			switch (rnd(6)) {
			case 0: break;                                    /* deleted */
			case 1: buf_printf(&b, "new %u\n", rnd(5)); break; /* replaced */
			case 2: buf_printf(&b, "line %u\nins\n", v); break;
			default: buf_printf(&b, "line %u\n", v);
			}
		}
		if (rnd(4) == 0)
			buf_puts(&b, "tail without newline");
		buf_append(&a, "", 0);
		buf_append(&b, "", 0);
		if (!diff_unified(&d, "a/f", a.data, a.len, "b/f", b.data, b.len, DIFF_CONTEXT)) {
			ck_assert(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
			goto next;
		}
		write_str(pa, a.data, a.len);
		write_str(pd, d.data, d.len);
		snprintf(cmd, sizeof(cmd), "patch -s -o %s %s < %s", po, pa, pd);
		ck_assert_msg(system(cmd) == 0, "patch rejected round %d:\n%s", round, d.data);
		{
			FILE *f = fopen(po, "r");
			char got[8192];
			size_t k = fread(got, 1, sizeof(got), f);
			fclose(f);
			ck_assert_msg(k == b.len && memcmp(got, b.data, k) == 0, "round %d: patched file differs", round);
		}
		unlink(po);
next:
		buf_free(&a);
		buf_free(&b);
		buf_free(&d);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(large_input_stays_bounded)
{
	struct buf a = BUF_INIT, b = BUF_INIT, d = BUF_INIT;

	for (int i = 0; i < 6000; i++) {
		buf_printf(&a, "a%d\n", i);
		buf_printf(&b, "b%d\n", i);
	}
	ck_assert_int_eq(diff_unified(&d, "a", a.data, a.len, "b", b.data, b.len, 3), 1);
	ck_assert_ptr_nonnull(strstr(d.data, "@@ -1,6000 +1,6000 @@\n"));
	buf_free(&a);
	buf_free(&b);
	buf_free(&d);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("diff");
	TCase *tc = tcase_create("unified");

	tcase_add_test(tc, identical_is_empty);
	tcase_add_test(tc, one_line_changed);
	tcase_add_test(tc, created_and_removed);
	tcase_add_test(tc, no_newline_at_end);
	tcase_add_test(tc, context_and_hunks);
	tcase_add_test(tc, insert_only_names_line_before);
	tcase_add_test(tc, patch_applies_random_diffs);
	tcase_add_test(tc, large_input_stays_bounded);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
