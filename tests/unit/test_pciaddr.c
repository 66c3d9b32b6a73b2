/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <check.h>
#include <errno.h>

#include "core/util/pciaddr.h"

START_TEST(test_parse_full_and_short)
{
	struct pciaddr a;
	char buf[PCIADDR_STRLEN];

	ck_assert_int_eq(pciaddr_parse("0000:41:00.0", &a), 0);
	ck_assert_str_eq(pciaddr_format(&a, buf), "0000:41:00.0");
	ck_assert_int_eq(pciaddr_parse("41:00.0", &a), 0);
	ck_assert_str_eq(pciaddr_format(&a, buf), "0000:41:00.0");
	ck_assert_int_eq(pciaddr_parse("0000:0A:1F.7", &a), 0);
	ck_assert_str_eq(pciaddr_format(&a, buf), "0000:0a:1f.7");
}
END_TEST

START_TEST(test_vmd_domain)
{
	struct pciaddr a, b;
	char buf[PCIADDR_STRLEN];

	ck_assert_int_eq(pciaddr_parse("10000:e1:00.0", &a), 0);
	ck_assert_uint_eq(a.domain, 0x10000);
	ck_assert_str_eq(pciaddr_format(&a, buf), "10000:e1:00.0");
	ck_assert_int_eq(pciaddr_parse("0000:ff:1f.7", &b), 0);
	ck_assert_int_lt(pciaddr_cmp(&b, &a), 0);
}
END_TEST

START_TEST(test_reject_garbage)
{
	static const char *const bad[] = {
		"", "41:00", "41:00.8", "41:20.0", "g1:00.0", "0:41:00.0", "000:41:00.0",
		"0000:41:00.0 ", "0000:41:00.00", "123456789:00:00.0", "41-00.0", ":41:00.0",
	};
	struct pciaddr a = { .domain = 7 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(pciaddr_parse(bad[i], &a) == -EINVAL, "accepted '%s'", bad[i]);
		ck_assert_uint_eq(a.domain, 7); /* untouched on failure */
	}
	ck_assert_int_eq(pciaddr_parse(NULL, &a), -EINVAL);
}
END_TEST

START_TEST(test_same_slot)
{
	struct pciaddr a, b, c;

	ck_assert_int_eq(pciaddr_parse("01:00.0", &a), 0);
	ck_assert_int_eq(pciaddr_parse("01:00.1", &b), 0);
	ck_assert_int_eq(pciaddr_parse("02:00.1", &c), 0);
	ck_assert(pciaddr_same_slot(&a, &b));
	ck_assert(!pciaddr_same_slot(&a, &c));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pciaddr");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_parse_full_and_short);
	tcase_add_test(tc, test_vmd_domain);
	tcase_add_test(tc, test_reject_garbage);
	tcase_add_test(tc, test_same_slot);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
