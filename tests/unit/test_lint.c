/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lint of existing configuration under a root: the mistakes the guides'
 * readers make, each named by file and line.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/scan/sysconf.h"
#include "core/scan/host.h"
#include "core/verify/lint.h"
#include "tests/unit/testbed.h"

static struct findings *checks;

/* Lint ROOT on fixture host NAME. */
static void lint(const char *name, const char *root)
{
	struct gv_error err = { 0 };
	struct host *h = NULL;
	struct sysconf *sc = NULL;

	testbed_use(name);
	ck_assert_msg(host_scan(&h, &err) == 0, "host_scan: %s", err.msg);
	ck_assert_msg(sysconf_load(root, h, &sc, &err) == 0, "sysconf_load: %s", err.msg);
	findings_free(checks);
	checks = findings_new();
	lint_run(checks, h, sc, root);
	sysconf_free(sc);
	host_free(h);
}

static void finish(void)
{
	findings_free(checks);
	checks = NULL;
}

/* An empty temporary root. */
static const char *empty_root(void)
{
	static char dir[4096];

	snprintf(dir, sizeof(dir), "%s/gv-lint.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert(mkdtemp(dir) != NULL);
	return dir;
}

static void put(const char *root, const char *rel, const char *content)
{
	char path[4096], cmd[8192];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	ck_assert_int_eq(system(cmd), 0);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
}

/* The number of findings with ID and STATUS whose evidence contains NEEDLE
 * (NULL: any). */
static size_t count(const char *id, enum finding_status status, const char *needle)
{
	size_t n = 0;

	for (size_t i = 0; i < findings_n(checks); i++) {
		const struct finding *f = findings_get(checks, i);
		if (!strcmp(f->id, id) && f->status == status && (!needle || strstr(f->evidence, needle))) {
			ck_assert_int_eq(f->category, FINDING_LINT);
			n++;
		}
	}
	return n;
}

static const struct finding *find(const char *id, const char *needle)
{
	for (size_t i = 0; i < findings_n(checks); i++) {
		const struct finding *f = findings_get(checks, i);
		if (!strcmp(f->id, id) && strstr(f->evidence, needle))
			return f;
	}
	ck_abort_msg("no finding %s with evidence %s", id, needle);
	return NULL;
}

START_TEST(every_mistake_named_by_file_and_line)
{
	const char *root = testbed_root("check-lint");
	const struct finding *f;

	lint("check-lint", root);
	/* vfio_virqfd on 6.8 */
	ck_assert_uint_eq(count("vfio-virqfd", FINDING_FAIL, "etc/modules:4: vfio_virqfd"), 1);
	ck_assert_uint_eq(count("vfio-virqfd", FINDING_FAIL, "etc/initramfs-tools/modules:2: vfio_virqfd;"), 1);
	/* bare ids: a bad line for libkmod */
	f = find("modprobe-bad-line", "etc/modprobe.d/vfio.conf:2: 10de:1db4,10de:10f2");
	ck_assert_int_eq(f->status, FINDING_FAIL);
	ck_assert(strstr(f->fix, "options vfio-pci ids=10de:1db4,10de:10f2"));
	/* id= for ids= */
	f = find("module-parameter", "etc/modprobe.d/vfio.conf:3: id=10de:1db4");
	ck_assert_int_eq(f->status, FINDING_FAIL);
	ck_assert(strstr(f->title, "did you mean ids"));
	/* a vfio-pci id that is also the boot GPU, in modprobe.d and on the command line */
	ck_assert_uint_eq(count("vfio-ids-boot-gpu", FINDING_FAIL, "etc/modprobe.d/vfio.conf:4"), 1);
	ck_assert_uint_eq(count("vfio-ids-boot-gpu", FINDING_FAIL, "/proc/cmdline: vfio-pci.ids=8086:46d1"), 1);
	f = find("vfio-ids-boot-gpu", "/proc/cmdline");
	ck_assert(strstr(f->title, "console goes dark"));
	ck_assert(strstr(f->evidence, "0000:00:02.0/boot_vga: 1"));
	/* max_vfs above sriov_totalvfs (7): options, command line, sysfs.d */
	ck_assert_uint_eq(count("max-vfs", FINDING_FAIL, "etc/modprobe.d/i915.conf:1: max_vfs=8"), 1);
	ck_assert_uint_eq(count("max-vfs", FINDING_FAIL, "/proc/cmdline: i915.max_vfs=8"), 1);
	ck_assert_uint_eq(count("max-vfs", FINDING_FAIL, "etc/sysfs.d/sriov.conf:1: sriov_numvfs = 9"), 1);
	ck_assert(strstr(find("max-vfs", "/proc/cmdline")->fix, "i915.max_vfs=7"));
	ck_assert(strstr(find("max-vfs", "/proc/cmdline")->evidence, "sriov_totalvfs: 7"));
	/* files the loaders never read */
	ck_assert_uint_eq(count("ignored-file", FINDING_WARN, "etc/dracut.conf.d/vfio:"), 1);
	ck_assert_uint_eq(count("ignored-file", FINDING_WARN, "etc/modprobe.d/blacklist-nouveau:"), 1);
	ck_assert(strstr(find("ignored-file", "dracut")->fix, "etc/dracut.conf.d/vfio.conf"));
	/* sysfs.d without sysfs.conf */
	ck_assert_uint_eq(count("sysfs-conf", FINDING_WARN, "etc/sysfs.conf: absent"), 1);
	ck_assert_uint_eq(count("config-lint", FINDING_PASS, NULL), 0);
	ck_assert(findings_any_fail(checks));
	finish();
}
END_TEST

START_TEST(clean_root_passes)
{
	lint("check-good", testbed_root("check-good"));
	ck_assert_uint_eq(findings_n(checks), 1);
	ck_assert_uint_eq(count("config-lint", FINDING_PASS, "4 configuration files under"), 1);
	finish();

	/* nothing at all to read is fine too */
	lint("check-good", empty_root());
	ck_assert_uint_eq(count("config-lint", FINDING_PASS, "0 configuration files"), 1);
	finish();
}
END_TEST

START_TEST(virqfd_only_from_6_2)
{
	const char *root = empty_root();

	put(root, "etc/modules", "vfio\nvfio_virqfd\n");
	put(root, "etc/modules-load.d/vfio.conf", "; comment vfio_virqfd\nvfio-virqfd\n");
	put(root, "etc/mkinitcpio.conf", "HOOKS=(base udev)\nMODULES=(vfio_pci vfio vfio_iommu_type1 vfio_virqfd)\n");
	put(root, "etc/dracut.conf.d/10-vfio.conf", "force_drivers+=\" vfio_virqfd \"\n");
	put(root, "etc/modprobe.d/x.conf", "# vfio_virqfd in a comment\nsoftdep vfio pre: vfio_virqfd\n");
	put(root, "etc/modules-load.d/notvfio_virqfdx.conf", "vfio_virqfd2\n");

	lint("check-lint", root);        /* kernel 6.8 */
	ck_assert_uint_eq(count("vfio-virqfd", FINDING_FAIL, "etc/modules:2"), 1);
	ck_assert_uint_eq(count("vfio-virqfd", FINDING_FAIL, "etc/modules-load.d/vfio.conf:2"), 1);
	ck_assert_uint_eq(count("vfio-virqfd", FINDING_FAIL, "etc/mkinitcpio.conf:2"), 1);
	ck_assert_uint_eq(count("vfio-virqfd", FINDING_FAIL, "etc/dracut.conf.d/10-vfio.conf:1"), 1);
	ck_assert_uint_eq(count("vfio-virqfd", FINDING_FAIL, "etc/modprobe.d/x.conf:2"), 1);
	ck_assert_uint_eq(count("vfio-virqfd", FINDING_FAIL, NULL), 5);
	finish();

	lint("check-bios-off", root);    /* kernel 5.15: it is a module of its own there */
	ck_assert_uint_eq(count("vfio-virqfd", FINDING_FAIL, NULL), 0);
	finish();
}
END_TEST

START_TEST(modprobe_lines)
{
	const char *root = empty_root();

	/* continuation lines are one logical line, named by their first line */
	put(root, "etc/modprobe.d/a.conf",
	    "blacklist nouveau\n"
	    "options vfio-pci \\\n"
	    "  disable_vga=1 ids=8086:46d1\n"
	    "bind vfio-pci 10de:1db4\n"
	    "install nouveau /bin/false\n");
	lint("check-lint", root);
	ck_assert_uint_eq(count("vfio-ids-boot-gpu", FINDING_FAIL, "etc/modprobe.d/a.conf:2:"), 1);
	ck_assert_uint_eq(count("modprobe-bad-line", FINDING_WARN, "etc/modprobe.d/a.conf:4: bind vfio-pci"), 1);
	ck_assert_uint_eq(count("modprobe-bad-line", FINDING_FAIL, NULL), 0);
	ck_assert_uint_eq(count("module-parameter", FINDING_FAIL, NULL), 0);   /* disable_vga exists */
	finish();
}
END_TEST

START_TEST(command_lines)
{
	const char *root = empty_root();

	put(root, "etc/kernel/cmdline", "root=ZFS=rpool/ROOT/pve-1 boot=zfs intel_iommu=on 915.enable_guc=3 i915.max_vfs=7 nvproxy.enable=1\n");
	put(root, "etc/default/grub.d/x.cfg", "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT amd_iommu=on\"\n");
	put(root, "etc/default/grub", "# amd_iommu=on\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
	lint("check-lint", root);
	ck_assert_uint_eq(count("cmdline-unknown-module", FINDING_FAIL, "etc/kernel/cmdline:1: 915.enable_guc=3"), 1);
	ck_assert(strstr(find("cmdline-unknown-module", "915.enable_guc")->fix, "gpuvirt apply --cmdline-remove 915.enable_guc"));
	/* a module gpuvirt does not know and cannot check: said, but nothing to fix */
	ck_assert_uint_eq(count("cmdline-unknown-module", FINDING_INFO, "etc/kernel/cmdline:1: nvproxy.enable=1"), 1);
	ck_assert_ptr_null(find("cmdline-unknown-module", "nvproxy.enable")->fix);
	ck_assert_uint_eq(count("amd-iommu-on", FINDING_WARN, "etc/default/grub.d/x.cfg:1"), 1);
	ck_assert_uint_eq(count("amd-iommu-on", FINDING_WARN, NULL), 1);    /* not the comment */
	/* max_vfs=7 on a device with 7 is fine */
	ck_assert_uint_eq(count("max-vfs", FINDING_FAIL, "etc/kernel/cmdline"), 0);
	finish();
}
END_TEST

/* GRUB's configured next-boot line is linted like the others: the value
 * grub-mkconfig computes from etc/default/grub and its drop-ins, each
 * argument named by the file, line and variable that put it there. */
START_TEST(grub_configured_line)
{
	const char *root = empty_root();
	char big[2200];

	put(root, "etc/default/grub",
	    "GRUB_DEFAULT=0\n"
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet 915.enable_guc=3 amd_iommu=on\"\n"
	    "GRUB_CMDLINE_LINUX=\"i915.enable_gucc=3\"\n");
	put(root, "etc/default/grub.d/50-acs.cfg",
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT pcie_acs_override=downstream\"\n");
	lint("check-lint", root);
	ck_assert_uint_eq(count("cmdline-unknown-module", FINDING_FAIL,
				"etc/default/grub:3: GRUB_CMDLINE_LINUX_DEFAULT: 915.enable_guc=3"), 1);
	ck_assert(strstr(find("cmdline-unknown-module", "915.enable_guc")->fix, "--cmdline-remove 915.enable_guc"));
	ck_assert_uint_eq(count("cmdline-unknown-param", FINDING_FAIL,
				"etc/default/grub:4: GRUB_CMDLINE_LINUX: i915.enable_gucc=3"), 1);
	ck_assert_uint_eq(count("cmdline-acs-override", FINDING_WARN,
				"etc/default/grub.d/50-acs.cfg:1: GRUB_CMDLINE_LINUX_DEFAULT: pcie_acs_override=downstream"), 1);
	/* once, from where it is configured */
	ck_assert_uint_eq(count("amd-iommu-on", FINDING_WARN, NULL), 1);
	ck_assert_uint_eq(count("amd-iommu-on", FINDING_WARN, "etc/default/grub:3: GRUB_CMDLINE_LINUX_DEFAULT: amd_iommu=on"), 1);
	finish();

	/* a drop-in that replaces the value: what it replaced is not linted */
	root = empty_root();
	put(root, "etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"915.enable_guc=3\"\n");
	put(root, "etc/default/grub.d/zz.cfg", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
	lint("check-lint", root);
	ck_assert_uint_eq(count("cmdline-unknown-module", FINDING_FAIL, NULL), 0);
	finish();

	/* the whole line is too long for the kernel: named by its files */
	root = empty_root();
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	{
		char content[2400];
		snprintf(content, sizeof(content), "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet foo=%s\"\n", big);
		put(root, "etc/default/grub", content);
	}
	lint("check-lint", root);
	ck_assert_uint_eq(count("cmdline-too-long", FINDING_FAIL, "etc/default/grub"), 1);
	finish();

	/* a file core/grub cannot evaluate: amd_iommu=on is still found, line by line */
	root = empty_root();
	put(root, "etc/default/grub", "X=1\nGRUB_CMDLINE_LINUX_DEFAULT=\"$(echo quiet) amd_iommu=on\"\n");
	lint("check-lint", root);
	ck_assert_uint_eq(count("amd-iommu-on", FINDING_WARN, "etc/default/grub:2"), 1);
	finish();
}
END_TEST

/* The options lines of Boot Loader Specification entries are command lines
 * too; what grubby keeps in step with etc/default/grub is said once. */
START_TEST(bls_entries)
{
	const char *root = empty_root();

	put(root, "etc/os-release", "NAME=Fedora\nID=fedora\n");
	put(root, "etc/default/grub", "GRUB_CMDLINE_LINUX=\"rhgb quiet 915.enable_guc=3\"\n");
	put(root, "boot/loader/entries/a.conf",
	    "title Fedora\nversion 6.8.0\nlinux /vmlinuz-6.8.0\n"
	    "options root=UUID=1234 ro rhgb quiet 915.enable_guc=3 intel_iomu=on\n");
	put(root, "boot/loader/entries/b.conf",
	    "title Fedora (rescue)\nlinux /vmlinuz-rescue\n"
	    "options root=UUID=1234 ro rhgb quiet 915.enable_guc=3 intel_iomu=on\n");
	lint("check-lint", root);
	ck_assert_uint_eq(count("cmdline-unknown-module", FINDING_FAIL, NULL), 1);
	ck_assert_uint_eq(count("cmdline-unknown-module", FINDING_FAIL, "etc/default/grub:1: GRUB_CMDLINE_LINUX: 915.enable_guc=3"), 1);
	ck_assert_uint_eq(count("cmdline-unknown-core", FINDING_WARN, NULL), 1);
	ck_assert_uint_eq(count("cmdline-unknown-core", FINDING_WARN, "boot/loader/entries/a.conf:4: intel_iomu=on"), 1);
	finish();
}
END_TEST

START_TEST(sysfs_and_groups)
{
	const char *root = empty_root();

	put(root, "etc/sysfs.conf", "");
	put(root, "etc/sysfs.d/vfs.conf",
	    "# 3 VFs\n"
	    "devices/pci0000:00/0000:00:02.0/sriov_numvfs = 3\n"
	    "bus/pci/devices/0000:05:00.0/sriov_numvfs = 2\n");
	lint("check-lint", root);
	ck_assert_uint_eq(count("sysfs-conf", FINDING_WARN, NULL), 0);
	ck_assert_uint_eq(count("max-vfs", FINDING_FAIL, "etc/sysfs.d"), 0);
	ck_assert_uint_eq(count("max-vfs", FINDING_WARN, "etc/sysfs.d/vfs.conf:3"), 1);
	finish();

	/* a GPU alone in its group (bridges and its own audio function do not count) */
	lint("ubuntu-v100", empty_root());
	ck_assert_uint_eq(count("iommu-group-shared", FINDING_WARN, "0000:41:00.0"), 0);
	finish();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("lint");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, every_mistake_named_by_file_and_line);
	tcase_add_test(tc, clean_root_passes);
	tcase_add_test(tc, virqfd_only_from_6_2);
	tcase_add_test(tc, modprobe_lines);
	tcase_add_test(tc, command_lines);
	tcase_add_test(tc, grub_configured_line);
	tcase_add_test(tc, bls_entries);
	tcase_add_test(tc, sysfs_and_groups);
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
