/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <check.h>
#include <stdlib.h>

#include "tui/layout.h"

static void assert_inside(const struct layout *l, const struct layout_rect *r)
{
	ck_assert_int_ge(r->y, 0);
	ck_assert_int_ge(r->x, 0);
	ck_assert_int_gt(r->h, 0);
	ck_assert_int_gt(r->w, 0);
	ck_assert_int_le(r->y + r->h, l->rows);
	ck_assert_int_le(r->x + r->w, l->cols);
}

static bool overlap(const struct layout_rect *a, const struct layout_rect *b)
{
	return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

START_TEST(vt100_size)
{
	struct layout l;

	layout_compute(80, 24, &l);
	ck_assert(!l.too_small);
	ck_assert_int_eq(l.header.y, 0);
	ck_assert_int_eq(l.header.w, 80);
	ck_assert_int_eq(l.status.y, 23);
	ck_assert_int_eq(l.status.w, 80);
	/* tree and details share the body, split by the divider column */
	ck_assert_int_eq(l.tree.x, 0);
	ck_assert_int_eq(l.tree.x + l.tree.w, l.divider_x);
	ck_assert_int_eq(l.details.x, l.divider_x + 1);
	ck_assert_int_eq(l.details.x + l.details.w, 80);
	ck_assert_int_eq(l.tree.h, l.details.h);
	/* the log rule sits between the body and the log */
	ck_assert_int_eq(l.tree.y + l.tree.h, l.log_rule_y);
	ck_assert_int_eq(l.log.y, l.log_rule_y + 1);
	ck_assert_int_eq(l.log.y + l.log.h, l.status.y);
	ck_assert_int_ge(l.log.h, 4);
	/* at least a dozen device rows at the smallest size */
	ck_assert_int_ge(l.tree.h - 1, 12);
	ck_assert_int_ge(l.tree.w, 40);
	ck_assert_int_ge(l.details.w, 30);
}
END_TEST

START_TEST(too_small)
{
	struct layout l;

	layout_compute(79, 24, &l);
	ck_assert(l.too_small);
	layout_compute(80, 23, &l);
	ck_assert(l.too_small);
	layout_compute(0, 0, &l);
	ck_assert(l.too_small);
	layout_compute(-5, 3, &l);
	ck_assert(l.too_small);
}
END_TEST

/* Every size from the minimum to a wall display tiles the screen: panes
 * inside the screen, no two overlap, every row is used. */
START_TEST(all_sizes_tile)
{
	for (int cols = 80; cols <= 400; cols += 7)
		for (int rows = 24; rows <= 150; rows += 5) {
			struct layout l;
			const struct layout_rect *r[5];

			layout_compute(cols, rows, &l);
			ck_assert(!l.too_small);
			r[0] = &l.header, r[1] = &l.tree, r[2] = &l.details, r[3] = &l.log, r[4] = &l.status;
			for (int i = 0; i < 5; i++) {
				assert_inside(&l, r[i]);
				for (int j = i + 1; j < 5; j++)
					ck_assert_msg(!overlap(r[i], r[j]), "%dx%d: panes %d and %d overlap",
						      cols, rows, i, j);
			}
			ck_assert_int_eq(l.header.h + l.tree.h + 1 + l.log.h + l.status.h, rows);
			ck_assert_int_eq(l.tree.w + 1 + l.details.w, cols);
			ck_assert_int_le(l.log.h, 12);
			ck_assert(layout_contains(&l.tree, l.tree.y, 0));
			ck_assert(!layout_contains(&l.tree, l.tree.y, l.divider_x));
		}
}
END_TEST

/* The layout is a pure function of the size. */
START_TEST(pure)
{
	struct layout a, b;

	layout_compute(132, 43, &a);
	layout_compute(80, 24, &b);
	layout_compute(132, 43, &b);
	ck_assert(a.too_small == b.too_small);
	ck_assert_int_eq(a.divider_x, b.divider_x);
	ck_assert_int_eq(a.log_rule_y, b.log_rule_y);
	ck_assert_mem_eq(&a.tree, &b.tree, sizeof(a.tree));
	ck_assert_mem_eq(&a.details, &b.details, sizeof(a.details));
	ck_assert_mem_eq(&a.log, &b.log, sizeof(a.log));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("layout");
	TCase *tc = tcase_create("compute");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, vt100_size);
	tcase_add_test(tc, too_small);
	tcase_add_test(tc, all_sizes_tile);
	tcase_add_test(tc, pure);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
