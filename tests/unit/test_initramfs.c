/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Initramfs tools: detection from evidence under the root, the module lists
 * in each tool's syntax (judged by the shell that reads them), and the
 * regeneration commands. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/propose/initramfs.h"
#include "core/scan/sysconf.h"
#include "core/util/log.h"

static char root[256];
static char logged[2048];
static const char *const vfio[] = { "vfio", "vfio_iommu_type1", "vfio_pci" };

static void capture(void *ud, enum gv_log_level level, const char *msg)
{
	(void)ud;
	snprintf(logged + strlen(logged), sizeof(logged) - strlen(logged), "%d:%s\n", (int)level, msg);
}

static void mk(const char *rel, const char *content)
{
	char cmd[1024];

	if (content)
		snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s/%s')\" && printf '%%s' '%s' > '%s/%s'", root, rel,
			 content, root, rel);
	else
		snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", root, rel);
	ck_assert_int_eq(system(cmd), 0);
}

static void setup(void)
{
	snprintf(root, sizeof(root), "%s/gv-initramfs.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(root));
	logged[0] = '\0';
	gv_log_set(capture, NULL);
}

static void teardown(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	(void)system(cmd);
}

/* The tool the configuration snapshot of the root finds; *EV (when EV is
 * not NULL) is its evidence, valid until the next call. */
static enum initramfs_tool detect(const char **ev)
{
	static struct sysconf *sc;
	struct gv_error err = { 0 };

	sysconf_free(sc);
	ck_assert_msg(sysconf_load(root, NULL, &sc, &err) == 0, "%s", err.msg);
	return sysconf_initramfs(sc, ev);
}

START_TEST(detect_each_tool)
{
	const char *ev = "x";

	ck_assert_int_eq(detect(&ev), INITRAMFS_NONE);
	ck_assert_ptr_null(ev);
	ck_assert_ptr_null(initramfs_regen_argv(INITRAMFS_NONE));

	mk("etc/initramfs-tools", NULL);
	ck_assert_int_eq(detect(&ev), INITRAMFS_TOOLS);
	ck_assert_str_eq(ev, "etc/initramfs-tools");
	teardown();
	setup();
	mk("etc/dracut.conf.d", NULL);
	ck_assert_int_eq(detect(&ev), INITRAMFS_DRACUT);
	ck_assert_str_eq(ev, "etc/dracut.conf.d");
	teardown();
	setup();
	mk("etc/mkinitcpio.conf", "MODULES=()\n");
	ck_assert_int_eq(detect(&ev), INITRAMFS_MKINITCPIO);
	ck_assert_str_eq(ev, "etc/mkinitcpio.conf");
	ck_assert_str_eq(logged, "");

	/* Both left configuration: the installed program decides, and we say so. */
	mk("etc/initramfs-tools", NULL);
	mk("usr/sbin/update-initramfs", "#!/bin/sh\n");
	ck_assert_int_eq(detect(NULL), INITRAMFS_TOOLS);
	ck_assert_msg(strstr(logged, "using initramfs-tools, the one installed"), "%s", logged);
}
END_TEST

START_TEST(regen_commands)
{
	const char *const *a = initramfs_regen_argv(INITRAMFS_TOOLS);
	ck_assert_str_eq(a[0], "update-initramfs");
	ck_assert_str_eq(a[1], "-u");
	ck_assert_str_eq(a[2], "-k");
	ck_assert_str_eq(a[3], "all");
	ck_assert_ptr_null(a[4]);
	a = initramfs_regen_argv(INITRAMFS_DRACUT);
	ck_assert_str_eq(a[0], "dracut");
	ck_assert_str_eq(a[1], "-f");
	ck_assert_str_eq(a[2], "--regenerate-all");
	ck_assert_ptr_null(a[3]);
	a = initramfs_regen_argv(INITRAMFS_MKINITCPIO);
	ck_assert_str_eq(a[0], "mkinitcpio");
	ck_assert_str_eq(a[1], "-P");
	ck_assert_ptr_null(a[2]);
	ck_assert_str_eq(initramfs_modules_file(INITRAMFS_TOOLS), "etc/initramfs-tools/modules");
	ck_assert_str_eq(initramfs_modules_file(INITRAMFS_DRACUT), "etc/dracut.conf.d/gpuvirt.conf");
	ck_assert_str_eq(initramfs_modules_file(INITRAMFS_MKINITCPIO), "etc/mkinitcpio.conf.d/gpuvirt.conf");
	ck_assert_str_eq(sysconf_initramfs_name(INITRAMFS_DRACUT), "dracut");
}
END_TEST

START_TEST(initramfs_tools_lines_added)
{
	const char *orig = "# List of modules\n# syntax: module_name [args]\nraid1\nnvme  \n";
	char *out = NULL, *again = NULL;
	struct gv_error err = { 0 };

	ck_assert_int_eq(initramfs_add_modules(INITRAMFS_TOOLS, orig, vfio, 3, &out, &err), 1);
	ck_assert_msg(!strncmp(out, orig, strlen(orig)), "others' lines changed: %s", out);
	ck_assert_msg(strstr(out, "gpuvirt"), "%s", out);
	ck_assert_msg(strstr(out, "\nvfio\nvfio_iommu_type1\nvfio_pci\n"), "%s", out);
	ck_assert_int_eq(initramfs_add_modules(INITRAMFS_TOOLS, out, vfio, 3, &again, &err), 0);
	ck_assert_str_eq(again, out);
	free(again);
	free(out);

	/* One already there (vfio-pci spelled with a dash): only the rest. */
	ck_assert_int_eq(initramfs_add_modules(INITRAMFS_TOOLS, "vfio-pci\nvfio", vfio, 3, &out, &err), 1);
	ck_assert_str_eq(out, "vfio-pci\nvfio\n# Added by gpuvirt for vfio-pci at boot; `gpuvirt undo` removes them.\n"
			      "vfio_iommu_type1\n");
	free(out);
	ck_assert_int_eq(initramfs_add_modules(INITRAMFS_TOOLS, NULL, vfio, 3, &out, &err), 1);
	ck_assert_msg(strstr(out, "\nvfio_pci\n"), "%s", out);
	free(out);
	ck_assert_int_eq(initramfs_add_modules(INITRAMFS_NONE, NULL, vfio, 3, &out, &err), -EINVAL);
}
END_TEST

/* dracut reads its configuration with bash: source ours and look. */
START_TEST(dracut_dropin_sourced)
{
	char *out = NULL, *again = NULL, cmd[1024];
	struct gv_error err = { 0 };
	FILE *p;
	char got[256] = "";

	ck_assert_int_eq(initramfs_add_modules(INITRAMFS_DRACUT, NULL, vfio, 3, &out, &err), 1);
	ck_assert_msg(!strncmp(out, "# Written by gpuvirt", 20), "%s", out);
	ck_assert_msg(strstr(out, "force_drivers+=\" vfio vfio_iommu_type1 vfio_pci \"\n"), "%s", out);
	ck_assert_int_eq(initramfs_add_modules(INITRAMFS_DRACUT, out, vfio, 3, &again, &err), 0);
	ck_assert_str_eq(again, out);
	free(again);
	const char *more[] = { "vfio_virqfd" };
	ck_assert_int_eq(initramfs_add_modules(INITRAMFS_DRACUT, out, more, 1, &again, &err), 1);
	ck_assert_msg(strstr(again, "force_drivers+=\" vfio vfio_iommu_type1 vfio_pci vfio_virqfd \"\n"), "%s", again);
	free(again);

	mk("etc/dracut.conf.d/gpuvirt.conf", out);
	free(out);
	snprintf(cmd, sizeof(cmd), "bash -c 'force_drivers=\" nvme \"; . %s/etc/dracut.conf.d/gpuvirt.conf && echo $force_drivers' 2>&1",
		 root);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(fgets(got, sizeof(got), p));
	pclose(p);
	ck_assert_str_eq(got, "nvme vfio vfio_iommu_type1 vfio_pci\n");
}
END_TEST

/* mkinitcpio sources mkinitcpio.conf, then the drop-ins: ours prepends. */
START_TEST(mkinitcpio_dropin_sourced)
{
	const char *order[] = { "vfio_pci", "vfio", "vfio_iommu_type1" };
	char *out = NULL, *again = NULL, cmd[1024];
	struct gv_error err = { 0 };
	FILE *p;
	char got[256] = "";

	ck_assert_int_eq(initramfs_add_modules(INITRAMFS_MKINITCPIO, NULL, order, 3, &out, &err), 1);
	ck_assert_msg(strstr(out, "\nMODULES=(vfio_pci vfio vfio_iommu_type1 \"${MODULES[@]}\")\n"), "%s", out);
	ck_assert_int_eq(initramfs_add_modules(INITRAMFS_MKINITCPIO, out, vfio, 3, &again, &err), 0);
	ck_assert_str_eq(again, out);
	free(again);
	mk("etc/mkinitcpio.conf.d/gpuvirt.conf", out);
	free(out);
	snprintf(cmd, sizeof(cmd), "bash -c 'MODULES=(amdgpu); . %s/etc/mkinitcpio.conf.d/gpuvirt.conf && echo \"${MODULES[*]}\"' 2>&1",
		 root);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(fgets(got, sizeof(got), p));
	pclose(p);
	ck_assert_str_eq(got, "vfio_pci vfio vfio_iommu_type1 amdgpu\n");
}
END_TEST

static Suite *initramfs_suite(void)
{
	Suite *s = suite_create("initramfs");
	TCase *tc = tcase_create("initramfs");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, detect_each_tool);
	tcase_add_test(tc, regen_commands);
	tcase_add_test(tc, initramfs_tools_lines_added);
	tcase_add_test(tc, dracut_dropin_sourced);
	tcase_add_test(tc, mkinitcpio_dropin_sourced);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(initramfs_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
