/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <check.h>
#include <string.h>

#include <stdlib.h>

#include "core/util/text.h"

/* The first row of S at WIDTH: its text, and where the next one starts. */
#define ck_row(s, width, flags, want, want_next)                                  \
	do {                                                                      \
		const char *s_ = (s), *next_ = NULL;                              \
		size_t n_ = text_wrap_row(s_, (width), (flags), &next_);          \
		ck_assert_int_eq((int)n_, (int)strlen(want));                     \
		ck_assert(!strncmp(s_, (want), n_));                              \
		ck_assert_str_eq(next_, (want_next));                             \
	} while (0)

START_TEST(control_characters_visible)
{
	char *v = text_visible("a\033[2Kb\tc\nd\x7f\x01");

	ck_assert_str_eq(v, "a^[[2Kb\tc\nd^?^A");
	free(v);
}
END_TEST

START_TEST(utf8_validity)
{
	ck_assert(text_utf8_valid(""));
	ck_assert(text_utf8_valid("plain ascii"));
	ck_assert(text_utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
	ck_assert(!text_utf8_valid("\xff"));
	ck_assert(!text_utf8_valid("\xc0\xaf"));           /* overlong '/' */
	ck_assert(!text_utf8_valid("\xed\xa0\x80"));       /* a surrogate */
	ck_assert(!text_utf8_valid("\xf4\x90\x80\x80"));   /* above U+10FFFF */
	ck_assert(!text_utf8_valid("\xe2\x82"));           /* cut short */
}
END_TEST

START_TEST(fits_whole)
{
	ck_row("hello world", 20, 0, "hello world", "");
	ck_row("hello world", 11, 0, "hello world", "");
	/* an empty text is one empty row */
	ck_row("", 8, 0, "", "");
}
END_TEST

START_TEST(breaks_at_the_last_blank)
{
	/* a blank right after WIDTH bytes ends a full row */
	ck_row("hello world foo", 11, 0, "hello world", "foo");
	ck_row("hello world", 8, 0, "hello", "world");
	/* blanks before the break stay, those after it go */
	ck_row("ab   cd", 4, 0, "ab  ", "cd");
	ck_row("ab cd   ef", 5, 0, "ab cd", "ef");
}
END_TEST

START_TEST(long_word_is_cut)
{
	ck_row("abcdefghij", 4, 0, "abcd", "efghij");
	/* leading blanks are a row of their own before a word too long */
	ck_row("   abcdefghij", 5, 0, "  ", "abcdefghij");
	/* less than one byte is one */
	ck_row("abc", 0, 0, "a", "bc");
}
END_TEST

START_TEST(long_word_breaks_after_punctuation)
{
	ck_row("etc/default/grub.d/zz.cfg", 14, TEXT_WRAP_PUNCT, "etc/default/", "grub.d/zz.cfg");
	ck_row("etc/default/grub.d/zz.cfg", 14, 0, "etc/default/gr", "ub.d/zz.cfg");
	ck_row("a:b,cdefghijkl", 6, TEXT_WRAP_PUNCT, "a:b,", "cdefghijkl");
	/* a blank still comes first */
	ck_row("etc/x etc/default/grub", 14, TEXT_WRAP_PUNCT, "etc/x", "etc/default/grub");
	/* nothing to break after: cut at the edge */
	ck_row("abcdefghij", 4, TEXT_WRAP_PUNCT, "abcd", "efghij");
}
END_TEST

START_TEST(never_inside_utf8)
{
	/* "äääää": two bytes each; 3 bytes would end inside the second */
	ck_row("\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4", 3, 0, "\xc3\xa4", "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4");
	/* a three-byte character (the euro sign) at the edge */
	ck_row("ab\xe2\x82\xac", 4, 0, "ab", "\xe2\x82\xac");
	ck_row("ab\xe2\x82\xac", 5, TEXT_WRAP_PUNCT, "ab\xe2\x82\xac", "");
}
END_TEST

START_TEST(rows_cover_the_text)
{
	const char *text = "The IOMMU translates the host's own DMA (DMA): iommu=pt is recommended; "
			   "/sys/kernel/iommu_groups/0/type says DMA";

	for (size_t width = 1; width < 40; width++) {
		const char *p = text, *next;
		size_t rows = 0, bytes = 0;

		do {
			size_t n = text_wrap_row(p, width, TEXT_WRAP_PUNCT, &next);

			ck_assert_uint_le(n, width);
			ck_assert_uint_gt(n, 0);
			ck_assert(next >= p + n);
			bytes += (size_t)(next - p);
			p = next;
			rows++;
		} while (*p && rows < 1000);
		ck_assert_uint_eq(bytes, strlen(text));
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("wrap");

	tcase_add_test(tc, fits_whole);
	tcase_add_test(tc, utf8_validity);
	tcase_add_test(tc, control_characters_visible);
	tcase_add_test(tc, breaks_at_the_last_blank);
	tcase_add_test(tc, long_word_is_cut);
	tcase_add_test(tc, long_word_breaks_after_punctuation);
	tcase_add_test(tc, never_inside_utf8);
	tcase_add_test(tc, rows_cover_the_text);
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
