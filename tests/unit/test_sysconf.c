/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The configuration snapshot: one load of a root answers the boot loader
 * (with its evidence), the initramfs tool, the modprobe configuration, GRUB's
 * effective values and the module parameters; the host snapshot gives the
 * facts the root cannot (UEFI, the kernel release); what the root says after
 * the load is the next load's business.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/scan/demo.h"
#include "core/scan/host.h"
#include "core/scan/kparam.h"
#include "core/scan/modconf.h"
#include "core/scan/sysconf.h"
#include "tests/unit/testbed.h"

static const char *srcdir(void)
{
	const char *s = getenv("GV_SRCDIR");
	return s ? s : ".";
}

/* A fresh copy of tests/fixtures/roots/NAME (static buffer). */
static const char *root_copy(const char *name)
{
	static char dir[1024];
	char cmd[4096];
	const char *bed = getenv("UMOCKDEV_DIR");
	char *keep = bed ? strdup(bed) : NULL;

	snprintf(dir, sizeof(dir), "%s/gv-sysconf.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert(mkdtemp(dir) != NULL);
	unsetenv("UMOCKDEV_DIR");   /* cp reads the real fixture */
	snprintf(cmd, sizeof(cmd), "cp -a '%s/tests/fixtures/roots/%s/.' '%s/'", srcdir(), name, dir);
	ck_assert_int_eq(system(cmd), 0);
	if (keep) {
		setenv("UMOCKDEV_DIR", keep, 1);
		free(keep);
	}
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
	ck_assert_msg(f != NULL, "%s", path);
	fputs(content, f);
	fclose(f);
}

/* An empty test bed: no /sys at all, so nothing can come from the machine. */
static void empty_testbed(void)
{
	static char bed[1024];
	char path[1100];

	snprintf(bed, sizeof(bed), "%s/gv-empty-bed.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert(mkdtemp(bed) != NULL);
	snprintf(path, sizeof(path), "%s/sys", bed);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	put(bed, "sys/.gpuvirt-testbed", "gpuvirt test bed: empty\n");
	setenv("UMOCKDEV_DIR", bed, 1);
	testbed_assert_inside();
}

static struct sysconf *load(const char *root, const struct host *h)
{
	struct sysconf *sc = NULL;
	struct gv_error err = { 0 };

	ck_assert_msg(sysconf_load(root, h, &sc, &err) == 0, "sysconf_load(%s): %s", root, err.msg);
	ck_assert_str_eq(sysconf_root(sc), root);
	return sc;
}

/* The Ubuntu host of the guide: every part from one load. */
START_TEST(ubuntu_in_one_load)
{
	const char *root;
	struct host *h = NULL;
	struct sysconf *sc;
	const struct boot_detection *d;
	const char *ev = NULL, *where = NULL, *lin = NULL, *dflt = NULL;

	testbed_use("ubuntu-v100");
	root = testbed_root("ubuntu-v100");
	ck_assert_int_eq(host_scan(&h, NULL), 0);
	sc = load(root, h);

	d = sysconf_boot(sc);
	ck_assert_int_eq(boot_detection_loader(d), BOOT_GRUB);
	ck_assert_ptr_nonnull(boot_detection_evidence(d, BOOT_GRUB)[0]);
	ck_assert(strstr(boot_detection_evidence(d, BOOT_GRUB)[0], "etc/default/grub"));
	ck_assert(boot_detection_facts(d)->grub_dropins);
	ck_assert(boot_detection_facts(d)->debian);
	ck_assert(!boot_detection_uefi(d));    /* the test bed has no /sys/firmware/efi */

	ck_assert_int_eq(sysconf_initramfs(sc, &ev), INITRAMFS_TOOLS);
	ck_assert_str_eq(ev, "etc/initramfs-tools");
	ck_assert_str_eq(sysconf_initramfs_name(INITRAMFS_TOOLS), "initramfs-tools");

	ck_assert(modconf_has_blacklist(sysconf_modconf(sc), "evbug", &where));
	ck_assert_str_eq(where, "etc/modprobe.d/blacklist.conf");
	ck_assert(!modconf_has_blacklist(sysconf_modconf(sc), "nouveau", NULL));

	ck_assert_int_eq(sysconf_grub(sc, BOOT_GRUB, &lin, &dflt, NULL), 0);
	ck_assert_str_eq(dflt, "quiet splash");
	ck_assert_str_eq(lin, "");
	ck_assert_int_eq(sysconf_grub(sc, BOOT_SYSTEMD_BOOT, &lin, &dflt, NULL), -EINVAL);

	/* no lib/modules under the root: gpuvirt's table answers */
	ck_assert_ptr_nonnull(sysconf_kparam(sc));
	ck_assert(!kparam_db_has_index(sysconf_kparam(sc)));
	ck_assert_str_eq(kparam_db_modules_dir(sysconf_kparam(sc)) + strlen(root), "/lib/modules/6.8.0-45-generic");

	sysconf_free(sc);
	sysconf_free(NULL);
	host_free(h);
}
END_TEST

/* A snapshot: what the root says after the load waits for the next load. */
START_TEST(a_snapshot_until_loaded_again)
{
	const char *root = root_copy("ubuntu-grub");
	struct sysconf *sc = load(root, NULL), *again;
	const char *lin, *dflt;

	put(root, "etc/default/grub.d/zz-gpuvirt.cfg", "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT iommu=pt\"\n");
	put(root, "etc/modprobe.d/nouveau.conf", "blacklist nouveau\n");
	ck_assert_int_eq(sysconf_grub(sc, BOOT_GRUB, &lin, &dflt, NULL), 0);
	ck_assert_str_eq(dflt, "quiet splash");
	ck_assert(!modconf_has_blacklist(sysconf_modconf(sc), "nouveau", NULL));

	again = load(root, NULL);
	ck_assert_int_eq(sysconf_grub(again, BOOT_GRUB, &lin, &dflt, NULL), 0);
	ck_assert_str_eq(dflt, "quiet splash iommu=pt");
	ck_assert(modconf_has_blacklist(sysconf_modconf(again), "nouveau", NULL));
	sysconf_free(again);
	sysconf_free(sc);
}
END_TEST

/* GRUB with and without the drop-ins: the loader decides which reading. */
START_TEST(grub_values_per_loader)
{
	const char *root = root_copy("grubd-override");
	struct sysconf *sc = load(root, NULL);
	const char *lin, *dflt;

	ck_assert_int_eq(sysconf_grub(sc, BOOT_GRUB, &lin, &dflt, NULL), 0);
	ck_assert_str_eq(dflt, "console=tty1 console=ttyS0");
	ck_assert_int_eq(sysconf_grub(sc, BOOT_GRUB_BLS, &lin, &dflt, NULL), 0);
	ck_assert_str_eq(dflt, "quiet splash");
	sysconf_free(sc);

	root = root_copy("fedora-bls");
	sc = load(root, NULL);
	ck_assert_int_eq(boot_detection_loader(sysconf_boot(sc)), BOOT_GRUB_BLS);
	ck_assert(!boot_detection_facts(sysconf_boot(sc))->grub_dropins);
	ck_assert(boot_detection_facts(sysconf_boot(sc))->kernel_cmdline);
	ck_assert_int_eq(sysconf_grub(sc, BOOT_GRUB_BLS, &lin, &dflt, NULL), 0);
	ck_assert_str_eq(lin, "rd.lvm.lv=fedora/root rhgb quiet");
	ck_assert_int_eq(sysconf_initramfs(sc, NULL), INITRAMFS_NONE);
	sysconf_free(sc);
}
END_TEST

/* A file GRUB's evaluation refuses is that file's error, kept in the
 * snapshot; the rest of the snapshot is there. */
START_TEST(grub_refusal_is_kept)
{
	const char *root = root_copy("ubuntu-grub");
	struct gv_error err = { 0 };
	struct sysconf *sc;
	const char *lin = "x", *dflt = "x";

	put(root, "etc/default/grub.d/local.cfg", "# site\nGRUB_CMDLINE_LINUX_DEFAULT=\"$(cat /etc/extra)\"\n");
	sc = load(root, NULL);
	ck_assert_int_eq(boot_detection_loader(sysconf_boot(sc)), BOOT_GRUB);
	ck_assert_int_eq(sysconf_grub(sc, BOOT_GRUB, &lin, &dflt, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "etc/default/grub.d/local.cfg:2: command substitution $(...): gpuvirt cannot evaluate it");
	/* without the drop-ins there is nothing to refuse */
	ck_assert_int_eq(sysconf_grub(sc, BOOT_GRUB_BLS, &lin, &dflt, NULL), 0);
	ck_assert_str_eq(dflt, "quiet splash");
	sysconf_free(sc);
}
END_TEST

/* UEFI is the host's fact, not a read of /sys: the same Proxmox ZFS root is
 * systemd-boot on the (UEFI) sample host inside a test bed without /sys,
 * and GRUB on a BIOS host. */
START_TEST(uefi_from_the_host)
{
	const char *root = root_copy("proxmox-zfs-sdboot");
	struct host *demo = NULL;
	struct sysconf *sc;
	char *desc;

	empty_testbed();
	ck_assert_int_eq(host_demo(&demo), 0);
	sc = load(root, demo);
	ck_assert(boot_detection_uefi(sysconf_boot(sc)));
	ck_assert_int_eq(boot_detection_loader(sysconf_boot(sc)), BOOT_PROXMOX_SDBOOT);
	desc = boot_detection_describe(sysconf_boot(sc));
	ck_assert_msg(strstr(desc, "evidence: etc/kernel/proxmox-boot-uuids"), "%s", desc);
	free(desc);
	/* the sample host's kernel, whose modules are not under this root */
	ck_assert(!kparam_db_has_index(sysconf_kparam(sc)));
	sysconf_free(sc);

	sc = load(root, NULL);
	ck_assert(!boot_detection_uefi(sysconf_boot(sc)));
	ck_assert_int_eq(boot_detection_loader(sysconf_boot(sc)), BOOT_GRUB);
	sysconf_free(sc);
	host_free(demo);
}
END_TEST

/* The sample host's own root, populated from memory, reads like the fixture. */
START_TEST(demo_root)
{
	char dir[1024];
	struct gv_error err = { 0 };
	struct host *demo = NULL;
	struct sysconf *sc;

	empty_testbed();
	snprintf(dir, sizeof(dir), "%s/gv-demo-root.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert(mkdtemp(dir) != NULL);
	ck_assert_msg(demo_root_populate(dir, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(host_demo(&demo), 0);
	sc = load(dir, demo);
	ck_assert_int_eq(boot_detection_loader(sysconf_boot(sc)), BOOT_GRUB);
	ck_assert_int_eq(sysconf_initramfs(sc, NULL), INITRAMFS_TOOLS);
	ck_assert(modconf_has_blacklist(sysconf_modconf(sc), "usbkbd", NULL));
	sysconf_free(sc);
	host_free(demo);
}
END_TEST

START_TEST(unreadable_root)
{
	struct sysconf *sc = NULL;
	struct gv_error err = { 0 };

	ck_assert_int_eq(sysconf_load("/nonexistent/gpuvirt-root", NULL, &sc, &err), -ENOENT);
	ck_assert_ptr_null(sc);
	ck_assert_str_eq(err.msg, "/nonexistent/gpuvirt-root: not a directory");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sysconf");
	TCase *tc = tcase_create("sysconf");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, ubuntu_in_one_load);
	tcase_add_test(tc, a_snapshot_until_loaded_again);
	tcase_add_test(tc, grub_values_per_loader);
	tcase_add_test(tc, grub_refusal_is_kept);
	tcase_add_test(tc, uefi_from_the_host);
	tcase_add_test(tc, demo_root);
	tcase_add_test(tc, unreadable_root);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
