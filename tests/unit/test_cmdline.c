/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel command line: tokenizer, editor and comparison. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/cmdline.h"
#include "tests/unit/testbed.h"

/* Parse LINE, apply OP ('+' add, '-' remove) with ARG, return the new line
 * and the return code in *rc. */
static char *edit(const char *line, char op, const char *arg, int *rc)
{
	struct cmdline *c;
	char *out;

	ck_assert_int_eq(cmdline_parse(line, &c), 0);
	*rc = op == '+' ? cmdline_add(c, arg) : cmdline_remove(c, arg);
	out = cmdline_format(c);
	cmdline_free(c);
	return out;
}

#define EDIT_EQ(line, op, arg, want, want_rc) do { \
	int rc_; \
	char *got_ = edit(line, op, arg, &rc_); \
	ck_assert_str_eq(got_, want); \
	ck_assert_int_eq(rc_, want_rc); \
	free(got_); \
} while (0)

START_TEST(tokenize_kernel_rules)
{
	struct cmdline *c;

	ck_assert_int_eq(cmdline_parse("  root=/dev/sda1 ro dyndbg=\"file x +p\" \"a=b c\"\tquiet -- single foo=bar\n", &c), 0);
	ck_assert_uint_eq(cmdline_n_args(c), 5);
	ck_assert_str_eq(cmdline_arg(c, 0), "root=/dev/sda1");
	ck_assert_str_eq(cmdline_arg(c, 2), "dyndbg=\"file x +p\"");
	ck_assert_str_eq(cmdline_arg(c, 3), "\"a=b c\"");
	ck_assert_str_eq(cmdline_arg(c, 4), "quiet");
	ck_assert_str_eq(cmdline_tail(c), "-- single foo=bar\n");
	ck_assert(cmdline_has_key(c, "dyndbg"));
	ck_assert(cmdline_has_key(c, "a"));
	ck_assert(!cmdline_has_key(c, "single"));     /* after --: init's */
	ck_assert(cmdline_contains(c, "\"dyndbg=file x +p\""));
	/* untouched: byte for byte */
	char *s = cmdline_format(c);
	ck_assert_str_eq(s, "  root=/dev/sda1 ro dyndbg=\"file x +p\" \"a=b c\"\tquiet -- single foo=bar\n");
	ck_assert_uint_eq(cmdline_length(c), strlen(s));
	free(s);
	cmdline_free(c);

	/* unbalanced quote runs to the end, as in the kernel */
	ck_assert_int_eq(cmdline_parse("a \"b c d", &c), 0);
	ck_assert_uint_eq(cmdline_n_args(c), 2);
	ck_assert_str_eq(cmdline_arg(c, 1), "\"b c d");
	cmdline_free(c);
	ck_assert_int_eq(cmdline_parse("", &c), 0);
	ck_assert_uint_eq(cmdline_n_args(c), 0);
	ck_assert_ptr_null(cmdline_tail(c));
	cmdline_free(c);
}
END_TEST

/* The one tokenizer also answers the running line's questions (the checks
 * used to split it a second way): the argument the kernel acts on, by key. */
START_TEST(find_by_key)
{
	struct cmdline *c;

	ck_assert_int_eq(cmdline_parse(" a=\"x y\"  b -- c d", &c), 0);
	ck_assert_uint_eq(cmdline_n_args(c), 2);
	ck_assert_str_eq(cmdline_arg(c, 0), "a=\"x y\"");
	ck_assert_str_eq(cmdline_arg(c, 1), "b");
	ck_assert_str_eq(cmdline_tail(c), "-- c d");
	ck_assert(cmdline_contains(c, "a=x y"));
	ck_assert_ptr_null(cmdline_find(c, "c"));     /* after --: init's */
	cmdline_free(c);

	ck_assert_int_eq(cmdline_parse("intel_iommu=on quiet intel-iommu=off,sm_on iommu=pt", &c), 0);
	ck_assert_str_eq(cmdline_find(c, "intel_iommu"), "intel-iommu=off,sm_on");   /* the last wins */
	ck_assert_str_eq(cmdline_find(c, "quiet"), "quiet");
	ck_assert_str_eq(cmdline_find(c, "iommu"), "iommu=pt");
	ck_assert_ptr_null(cmdline_find(c, "amd_iommu"));
	cmdline_free(c);
}
END_TEST

START_TEST(add_replace_noop_order)
{
	EDIT_EQ("root=UUID=x ro quiet", '+', "intel_iommu=on", "root=UUID=x ro quiet intel_iommu=on", 1);
	EDIT_EQ("root=UUID=x foo=0 quiet", '+', "foo=1", "root=UUID=x foo=1 quiet", 1);
	EDIT_EQ("root=UUID=x foo=1 quiet", '+', "foo=1", "root=UUID=x foo=1 quiet", 0);
	EDIT_EQ("quiet", '+', "quiet", "quiet", 0);
	/* duplicates collapse to one, in the first one's place */
	EDIT_EQ("a foo=0 b foo=2 c foo=1", '+', "foo=1", "a foo=1 b c", 1);
	EDIT_EQ("a foo=1 foo=1", '+', "foo=1", "a foo=1", 1);
	/* '-' and '_' are one character in keys */
	EDIT_EQ("vfio-pci.ids=10de:1b80 quiet", '+', "vfio_pci.ids=10de:1db4", "vfio_pci.ids=10de:1db4 quiet", 1);
	/* quoted values */
	EDIT_EQ("root=/dev/sda1 dyndbg=\"file x +p\"", '+', "dyndbg=\"file y +p\"", "root=/dev/sda1 dyndbg=\"file y +p\"", 1);
	EDIT_EQ("root=/dev/sda1 dyndbg=\"file x +p\"", '+', "\"dyndbg=file x +p\"", "root=/dev/sda1 dyndbg=\"file x +p\"", 0);
	/* before --, never after */
	EDIT_EQ("root=/dev/sda1 -- quiet=1", '+', "quiet=2", "root=/dev/sda1 quiet=2 -- quiet=1", 1);
	EDIT_EQ("-- single", '+', "iommu=pt", "iommu=pt -- single", 1);
	/* accumulating keys append */
	EDIT_EQ("console=tty0", '+', "console=ttyS0,115200", "console=tty0 console=ttyS0,115200", 1);
	EDIT_EQ("video=efifb:off", '+', "video=vesafb:off", "video=efifb:off video=vesafb:off", 1);
	EDIT_EQ("video=efifb:off", '+', "video=efifb:off", "video=efifb:off", 0);
	/* separators and trailing newline kept */
	EDIT_EQ("root=x  ro\tquiet\n", '+', "iommu=pt", "root=x  ro\tquiet iommu=pt\n", 1);
	EDIT_EQ("", '+', "iommu=pt", "iommu=pt", 1);
	/* a quote never closed runs to the end: the new argument goes before
	 * it, not inside its quotes */
	EDIT_EQ("\tquiet  splash \"unbalanced -- x", '+', "iommu=pt",
		"\tquiet  splash iommu=pt \"unbalanced -- x", 1);
	EDIT_EQ("\tquiet  splash iommu=pt \"unbalanced -- x", '+', "iommu=pt",
		"\tquiet  splash iommu=pt \"unbalanced -- x", 0);
	EDIT_EQ(" \"a b", '+', "iommu=pt", " iommu=pt \"a b", 1);
}
END_TEST

START_TEST(add_rejects_bad_args)
{
	struct cmdline *c;
	struct gv_error err = { 0 };

	ck_assert_int_eq(cmdline_parse("root=/dev/sda1 ro", &c), 0);
	ck_assert_int_eq(cmdline_add(c, "a b"), -EINVAL);
	ck_assert_int_eq(cmdline_add(c, ""), -EINVAL);
	ck_assert_int_eq(cmdline_add(c, "--"), -EINVAL);
	ck_assert_int_eq(cmdline_add(c, "dyndbg=\"x"), -EINVAL);
	ck_assert_int_eq(cmdline_add(c, "=x"), -EINVAL);
	ck_assert_int_eq(cmdline_check_arg("a b", &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "more than one"));
	char *s = cmdline_format(c);
	ck_assert_str_eq(s, "root=/dev/sda1 ro");
	free(s);
	cmdline_free(c);
}
END_TEST

START_TEST(remove_by_key)
{
	EDIT_EQ("root=/dev/sda1 ro quiet iommu=soft splash iommu=pt", '-', "iommu", "root=/dev/sda1 ro quiet splash", 2);
	EDIT_EQ("quiet root=/dev/sda1", '-', "quiet", "root=/dev/sda1", 1);
	EDIT_EQ("  quiet root=/dev/sda1", '-', "quiet", "  root=/dev/sda1", 1);
	EDIT_EQ("root=/dev/sda1 ro", '-', "quiet", "root=/dev/sda1 ro", 0);
	EDIT_EQ("console=tty0 console=ttyS0", '-', "console=ttyS0", "console=tty0", 1);
	EDIT_EQ("a dyndbg=\"file x +p\" b", '-', "dyndbg", "a b", 1);
	EDIT_EQ("a iommu=pt -- iommu=pt", '-', "iommu", "a -- iommu=pt", 1);
	EDIT_EQ("root=ZFS=rpool/ROOT/pve-1 boot=zfs", '-', "root", "boot=zfs", 1);
}
END_TEST

START_TEST(length_limit)
{
	struct cmdline *c;
	char *big = malloc(CMDLINE_SIZE + 16);

	memset(big, 'a', CMDLINE_SIZE - 10);
	big[CMDLINE_SIZE - 10] = '\0';
	ck_assert_int_eq(cmdline_parse(big, &c), 0);
	ck_assert_int_eq(cmdline_add(c, "iommu=pt"), 1);                  /* 2047 bytes: fits */
	ck_assert_uint_eq(cmdline_length(c), CMDLINE_SIZE - 1);
	ck_assert_int_eq(cmdline_add(c, "q"), -E2BIG);
	ck_assert_uint_eq(cmdline_length(c), CMDLINE_SIZE - 1);            /* untouched */
	ck_assert_int_eq(cmdline_add(c, "iommu=nopt"), -E2BIG);            /* replacement grows it */
	ck_assert_int_eq(cmdline_add(c, "iommu=no"), 1);                   /* ... shrinks it */
	cmdline_free(c);
	free(big);
}
END_TEST

START_TEST(compare_pending)
{
	struct cmdline_diff *d;

	ck_assert_int_eq(cmdline_compare("root=/dev/sda1 ro quiet intel_iommu=on iommu=pt",
					 "BOOT_IMAGE=/vmlinuz-6.8 root=/dev/sda1 ro quiet", &d), 0);
	ck_assert_uint_eq(d->n_missing, 2);
	ck_assert_str_eq(d->missing[0], "intel_iommu=on");
	ck_assert_str_eq(d->missing[1], "iommu=pt");
	ck_assert_uint_eq(d->n_extra, 0);
	ck_assert(!cmdline_diff_empty(d));
	cmdline_diff_free(d);

	/* same arguments, other order, other quoting, initrd= from systemd-boot */
	ck_assert_int_eq(cmdline_compare("root=ZFS=rpool/ROOT/pve-1 boot=zfs dyndbg=\"a b\" vfio-pci.ids=1:2",
					 "initrd=\\EFI\\proxmox\\initrd.img \"dyndbg=a b\" vfio_pci.ids=1:2 boot=zfs root=ZFS=rpool/ROOT/pve-1", &d), 0);
	ck_assert(cmdline_diff_empty(d));
	cmdline_diff_free(d);

	/* a removed argument still in effect; duplicates count */
	ck_assert_int_eq(cmdline_compare("quiet", "quiet quiet pcie_acs_override=downstream -- single", &d), 0);
	ck_assert_uint_eq(d->n_missing, 0);
	ck_assert_uint_eq(d->n_extra, 3);
	ck_assert_str_eq(d->extra[0], "quiet");
	ck_assert_str_eq(d->extra[1], "pcie_acs_override=downstream");
	ck_assert_str_eq(d->extra[2], "-- single");
	cmdline_diff_free(d);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cmdline");
	TCase *tc = tcase_create("cmdline");

	tcase_add_test(tc, tokenize_kernel_rules);
	tcase_add_test(tc, find_by_key);
	tcase_add_test(tc, add_replace_noop_order);
	tcase_add_test(tc, add_rejects_bad_args);
	tcase_add_test(tc, remove_by_key);
	tcase_add_test(tc, length_limit);
	tcase_add_test(tc, compare_pending);
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
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
