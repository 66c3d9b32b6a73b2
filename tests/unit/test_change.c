/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CHANGE arguments: the syntax of every kind, and the errors people hit. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/propose/change.h"

static struct change parse_ok(enum change_kind kind, const char *arg)
{
	struct change c;
	struct gv_error err = { 0 };
	int r = change_parse(kind, arg, &c, &err);

	ck_assert_msg(r == 0, "%s %s: %d %s", change_kind_option(kind), arg ? arg : "", r, err.msg);
	return c;
}

static void parse_bad(enum change_kind kind, const char *arg, const char *msg_part)
{
	struct change c = { .kind = CHANGE_IOMMU, .arg = (char *)"untouched" };
	struct gv_error err = { 0 };
	int r = change_parse(kind, arg, &c, &err);

	ck_assert_int_eq(r, -EINVAL);
	ck_assert_str_eq(c.arg, "untouched");
	ck_assert_msg(strstr(err.msg, msg_part), "'%s' not in '%s'", msg_part, err.msg);
	ck_assert(!strchr(err.msg, '\n'));
}

START_TEST(vfio_full_short_and_vmd)
{
	struct change c = parse_ok(CHANGE_VFIO, "41:00.0");
	ck_assert_str_eq(c.address, "0000:41:00.0");
	ck_assert_ptr_null(c.arg);
	c = parse_ok(CHANGE_VFIO, "0000:41:00.1");
	ck_assert_str_eq(c.address, "0000:41:00.1");
	c = parse_ok(CHANGE_VFIO, "10000:01:00.0");
	ck_assert_str_eq(c.address, "10000:01:00.0");
	ck_assert_uint_eq(c.addr.domain, 0x10000);
	c = parse_ok(CHANGE_VFIO, "0000:AF:1f.7");
	ck_assert_str_eq(c.address, "0000:af:1f.7");
	parse_bad(CHANGE_VFIO, "41:00", "41:00");
	parse_bad(CHANGE_VFIO, "41:20.0", "not a PCI address");
	parse_bad(CHANGE_VFIO, "0000:41:00.8", "0000:41:00.8");
	parse_bad(CHANGE_VFIO, "", "not a PCI address");
	parse_bad(CHANGE_VFIO, NULL, "needs an argument");
}
END_TEST

START_TEST(blacklist_names)
{
	struct change c = parse_ok(CHANGE_BLACKLIST, "nouveau");
	ck_assert_str_eq(c.arg, "nouveau");
	change_clear(&c);
	c = parse_ok(CHANGE_BLACKLIST, "nvidia-drm");
	ck_assert_str_eq(c.arg, "nvidia_drm");
	change_clear(&c);
	parse_bad(CHANGE_BLACKLIST, "", "empty module name");
	parse_bad(CHANGE_BLACKLIST, "nou veau", "' '");
	parse_bad(CHANGE_BLACKLIST, "../x", "'.'");
	parse_bad(CHANGE_BLACKLIST, "a\nb", "control character");
	parse_bad(CHANGE_BLACKLIST, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "at most");
}
END_TEST

START_TEST(cmdline_args)
{
	struct change c = parse_ok(CHANGE_CMDLINE_ADD, "iommu=pt");
	ck_assert_str_eq(c.arg, "iommu=pt");
	change_clear(&c);
	c = parse_ok(CHANGE_CMDLINE_ADD, "dyndbg=\"file x +p\"");
	ck_assert_str_eq(c.arg, "dyndbg=\"file x +p\"");
	change_clear(&c);
	c = parse_ok(CHANGE_CMDLINE_REMOVE, "quiet");
	change_clear(&c);
	parse_bad(CHANGE_CMDLINE_ADD, "a b", "one kernel argument at a time");
	parse_bad(CHANGE_CMDLINE_ADD, "x=\"open", "unbalanced");
	parse_bad(CHANGE_CMDLINE_ADD, "--", "init");
	parse_bad(CHANGE_CMDLINE_ADD, "", "empty");
	parse_bad(CHANGE_CMDLINE_REMOVE, "x=\"y\"", "no quotes");
	/* written to the boot loader's file and into plan --json: UTF-8 only */
	parse_bad(CHANGE_CMDLINE_ADD, "foo=\xff", "not valid UTF-8");
	parse_bad(CHANGE_CMDLINE_ADD, "foo=\xc0\xaf", "not valid UTF-8");
	c = parse_ok(CHANGE_CMDLINE_ADD, "label=caf\xc3\xa9");
	change_clear(&c);
	c = parse_ok(CHANGE_IOMMU, NULL);
	ck_assert_int_eq(c.kind, CHANGE_IOMMU);
	parse_bad(CHANGE_IOMMU, "on", "takes no argument");
}
END_TEST

START_TEST(vfs_and_mdev)
{
	struct change c = parse_ok(CHANGE_VFS, "00:02.0=3");
	ck_assert_str_eq(c.address, "0000:00:02.0");
	ck_assert_uint_eq(c.count, 3);
	c = parse_ok(CHANGE_VFS, "10000:01:00.0=0");
	ck_assert_str_eq(c.address, "10000:01:00.0");
	ck_assert_uint_eq(c.count, 0);
	parse_bad(CHANGE_VFS, "00:02.0", "ADDRESS=N");
	parse_bad(CHANGE_VFS, "00:02.0=x", "not a number");
	parse_bad(CHANGE_VFS, "00:02.0=-1", "not a number");
	parse_bad(CHANGE_VFS, "00:02.0=99999999999", "not a number");

	c = parse_ok(CHANGE_MDEV, "0000:41:00.0:nvidia-300=2");
	ck_assert_str_eq(c.address, "0000:41:00.0");
	ck_assert_str_eq(c.arg, "nvidia-300");
	ck_assert_uint_eq(c.count, 2);
	change_clear(&c);
	c = parse_ok(CHANGE_MDEV, "41:00.0:i915-GVTg_V5_4");
	ck_assert_str_eq(c.address, "0000:41:00.0");
	ck_assert_str_eq(c.arg, "i915-GVTg_V5_4");
	ck_assert_uint_eq(c.count, 1);
	change_clear(&c);
	c = parse_ok(CHANGE_MDEV, "10000:01:00.0:nvidia-300");
	ck_assert_str_eq(c.address, "10000:01:00.0");
	change_clear(&c);
	parse_bad(CHANGE_MDEV, "41:00.0", "PARENT:TYPE");
	parse_bad(CHANGE_MDEV, "41:00.0:", "empty mdev type");
	/* =0: gpuvirt's own instances of the type go */
	c = parse_ok(CHANGE_MDEV, "41:00.0:nvidia-300=0");
	ck_assert_uint_eq(c.count, 0);
	change_clear(&c);
	parse_bad(CHANGE_MDEV, "41:00.0:nvidia-300=-1", "not a number");
	parse_bad(CHANGE_MDEV, "41:00.0:nvidia-300=two", "not a number");
	parse_bad(CHANGE_MDEV, "41:00.0:a/b", "'/'");
}
END_TEST

START_TEST(mdev_remove_and_vgpu)
{
	struct change c = parse_ok(CHANGE_MDEV_REMOVE, "634FC146-50a3-4960-AC30-f09e5cedc674");
	char *s;

	ck_assert_str_eq(c.arg, "634fc146-50a3-4960-ac30-f09e5cedc674");
	ck_assert_str_eq(c.address, "");
	s = change_to_string(&c);
	ck_assert_str_eq(s, "--mdev-remove 634fc146-50a3-4960-ac30-f09e5cedc674");
	free(s);
	change_clear(&c);
	parse_bad(CHANGE_MDEV_REMOVE, "634fc146-50a3-4960-ac30-f09e5cedc67", "not an mdev UUID");
	parse_bad(CHANGE_MDEV_REMOVE, "634fc146-50a3-4960-ac30-f09e5cedc6745", "not an mdev UUID");
	parse_bad(CHANGE_MDEV_REMOVE, "634fc146x50a3-4960-ac30-f09e5cedc674", "not an mdev UUID");
	parse_bad(CHANGE_MDEV_REMOVE, "g34fc146-50a3-4960-ac30-f09e5cedc674", "not an mdev UUID");
	parse_bad(CHANGE_MDEV_REMOVE, "", "not an mdev UUID");

	c = parse_ok(CHANGE_VGPU, "17:00.4=1145");
	ck_assert_str_eq(c.address, "0000:17:00.4");
	ck_assert_uint_eq(c.count, 1145);
	s = change_to_string(&c);
	ck_assert_str_eq(s, "--vgpu 0000:17:00.4=1145");
	free(s);
	c = parse_ok(CHANGE_VGPU, "0000:17:00.4=0");
	ck_assert_uint_eq(c.count, 0);
	parse_bad(CHANGE_VGPU, "17:00.4", "VF=TYPE_ID");
	parse_bad(CHANGE_VGPU, "17:00.4=-3", "not a vGPU type id");
	parse_bad(CHANGE_VGPU, "17:00.4=nvidia-300", "not a vGPU type id");
	parse_bad(CHANGE_VGPU, "17:00.4=99999999999", "not a vGPU type id");
	parse_bad(CHANGE_VGPU, "17:00=1", "not a PCI address");

	enum change_kind k;
	ck_assert_int_eq(change_kind_from_option("--mdev-remove", &k), 0);
	ck_assert_int_eq(k, CHANGE_MDEV_REMOVE);
	ck_assert_int_eq(change_kind_from_option("vgpu", &k), 0);
	ck_assert_int_eq(k, CHANGE_VGPU);
}
END_TEST

START_TEST(argv_mixed)
{
	char *argv[] = { "--vfio", "41:00.0", "--blacklist=nouveau", "--iommu", "--vfs", "00:02.0=3" };
	struct change *a = NULL;
	size_t n = 0;
	struct gv_error err = { 0 };

	ck_assert_int_eq(change_parse_argv(6, argv, &a, &n, &err), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(a[0].kind, CHANGE_VFIO);
	ck_assert_str_eq(a[0].address, "0000:41:00.0");
	ck_assert_int_eq(a[1].kind, CHANGE_BLACKLIST);
	ck_assert_str_eq(a[1].arg, "nouveau");
	ck_assert_int_eq(a[2].kind, CHANGE_IOMMU);
	ck_assert_int_eq(a[3].kind, CHANGE_VFS);

	char *s = change_to_string(&a[3]);
	ck_assert_str_eq(s, "--vfs 0000:00:02.0=3");
	free(s);
	s = change_to_string(&a[0]);
	ck_assert_str_eq(s, "--vfio 0000:41:00.0");
	free(s);
	change_array_free(a, n);

	char *bad1[] = { "--vfio" };
	a = NULL;
	n = 7;
	ck_assert_int_eq(change_parse_argv(1, bad1, &a, &n, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "--vfio needs an argument");
	ck_assert_ptr_null(a);
	ck_assert_uint_eq(n, 7);
	char *bad2[] = { "--blacklist", "nouveau", "--frobnicate" };
	ck_assert_int_eq(change_parse_argv(3, bad2, &a, &n, &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, "--frobnicate"), "%s", err.msg);
	char *bad3[] = { "41:00.0" };
	ck_assert_int_eq(change_parse_argv(1, bad3, &a, &n, &err), -EINVAL);

	enum change_kind k;
	ck_assert_int_eq(change_kind_from_option("--mdev", &k), 0);
	ck_assert_int_eq(k, CHANGE_MDEV);
	ck_assert_int_eq(change_kind_from_option("cmdline-remove", &k), 0);
	ck_assert_int_eq(k, CHANGE_CMDLINE_REMOVE);
	ck_assert_int_eq(change_kind_from_option("--yes", &k), -ENOENT);
}
END_TEST

static Suite *change_suite(void)
{
	Suite *s = suite_create("change");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, vfio_full_short_and_vmd);
	tcase_add_test(tc, blacklist_names);
	tcase_add_test(tc, mdev_remove_and_vgpu);
	tcase_add_test(tc, cmdline_args);
	tcase_add_test(tc, vfs_and_mdev);
	tcase_add_test(tc, argv_mixed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(change_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
