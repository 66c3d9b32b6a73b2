/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The proposal engine on fixture hosts: by id or by address, the guard, a
 * device that vanished or was renumbered after the scan, configuration that
 * already exists, idempotence, plan files, and the TUI's explanation. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/propose/change.h"
#include "core/scan/demo.h"
#include "core/scan/host.h"
#include "core/util/log.h"
#include "core/plan/plan.h"
#include "core/propose/propose.h"
#include "tests/unit/testbed.h"
#include "tui/cli/cli.h"

static char logged[8192];

static void capture(void *ud, enum gv_log_level level, const char *msg)
{
	(void)ud;
	snprintf(logged + strlen(logged), sizeof(logged) - strlen(logged), "%d:%s\n", (int)level, msg);
}

struct fx {
	struct host *h;
	struct sysconf *sc;
	struct plan *p;
	const char *root;
	struct change *c;
	size_t n;
	struct gv_error err;
};

/* Called with a copied test bed's directory before the scan, once. */
static void (*before_scan)(const char *bed);

/* Host NAME, a fresh root, and CHANGES parsed from a NULL-terminated list. */
static void fx_open(struct fx *f, const char *name, bool copy_testbed, char *const *changes)
{
	int argc = 0;

	memset(f, 0, sizeof(*f));
	logged[0] = '\0';
	gv_log_set(capture, NULL);
	f->root = testbed_root(name);
	if (copy_testbed) {
		const char *bed = testbed_use_copy(name);
		if (before_scan)
			before_scan(bed);
		before_scan = NULL;
	} else {
		testbed_use(name);
	}
	ck_assert_msg(host_scan(&f->h, &f->err) == 0, "host_scan: %s", f->err.msg);
	ck_assert_int_eq(plan_new(f->root, &f->p), 0);
	while (changes[argc])
		argc++;
	ck_assert_msg(change_parse_argv(argc, changes, &f->c, &f->n, &f->err) == 0, "%s", f->err.msg);
}

/* propose_build() with the configuration snapshot of the root as it is now. */
static int fx_build(struct fx *f, bool force)
{
	struct propose_opts o = { .force_boot_gpu = force };

	sysconf_free(f->sc);
	f->sc = NULL;
	ck_assert_msg(sysconf_load(f->root, f->h, &f->sc, &f->err) == 0, "sysconf_load: %s", f->err.msg);
	return propose_build(f->h, f->sc, f->root, f->c, f->n, &o, f->p, &f->err);
}

static char *content(struct fx *f, const char *path)
{
	char *s = NULL;
	size_t len;
	struct gv_error err = { 0 };
	int r = plan_file_content(f->p, path, &s, &len, &err);

	ck_assert_msg(r == 0, "%s: %d %s", path, r, err.msg);
	return s;
}

static bool queued(struct fx *f, const char *path)
{
	char *s = NULL;
	size_t len;
	char abs[4096];

	/* On disk already, or queued by this plan. */
	snprintf(abs, sizeof(abs), "%s/%s", f->root, path);
	if (access(abs, F_OK) == 0)
		return true;
	if (plan_file_content(f->p, path, &s, &len, NULL) < 0)
		return false;
	free(s);
	return true;
}

static char *preview(struct fx *f)
{
	char *t = NULL;
	ck_assert_int_eq(plan_preview(f->p, &t, NULL), 0);
	return t;
}

static void fx_close(struct fx *f)
{
	change_array_free(f->c, f->n);
	plan_free(f->p);
	sysconf_free(f->sc);
	host_free(f->h);
}

#define HAS(hay, needle) ck_assert_msg(strstr((hay), (needle)), "'%s' not in:\n%s", (needle), (hay))
#define HASNT(hay, needle) ck_assert_msg(!strstr((hay), (needle)), "'%s' in:\n%s", (needle), (hay))

START_TEST(twins_by_address)
{
	struct fx f;
	char *s;

	fx_open(&f, "drv-twins", false, (char *[]){ "--vfio", "0000:01:00.0", NULL });
	ck_assert_msg(fx_build(&f, false) == 0, "%s", f.err.msg);
	s = content(&f, "etc/udev/rules.d/70-gpuvirt-vfio.rules");
	HAS(s, "ACTION==\"add\", SUBSYSTEM==\"pci\", KERNEL==\"0000:01:00.0\", ATTR{driver_override}=\"vfio-pci\"\n");
	HAS(s, "KERNEL==\"0000:01:00.1\", ATTR{driver_override}=\"vfio-pci\"\n");
	HASNT(s, "0000:02:00");
	ck_assert(!strncmp(s, "# Written by gpuvirt", 20));
	free(s);
	s = content(&f, "etc/modprobe.d/gpuvirt.conf");
	HASNT(s, "ids=");
	HAS(s, "softdep nouveau pre: vfio-pci\n");
	HAS(s, "softdep snd_hda_intel pre: vfio-pci\n");
	HAS(s, "install vfio_pci /bin/sh -c 'for d in 0000:01:00.0 0000:01:00.1;");
	free(s);
	s = content(&f, "etc/modules-load.d/gpuvirt.conf");
	HAS(s, "\nvfio\nvfio_iommu_type1\nvfio_pci\n");
	free(s);
	s = preview(&f);
	HAS(s, "$ update-initramfs -u -k all");
	free(s);

	/* The expectations for after the reboot travel in the plan file. */
	char file[4096];
	snprintf(file, sizeof(file), "%s.plan", f.root);
	ck_assert_int_eq(plan_save(f.p, file, NULL), 0);
	FILE *fp = fopen(file, "r");
	char buf[16384];
	size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	HAS(buf, "expect driver 0000:01:00.0 vfio-pci\n");
	HAS(buf, "expect driver 0000:01:00.1 vfio-pci\n");
	HAS(buf, "expect module vfio_pci\n");
	HASNT(buf, "expect driver 0000:02:00.0");

	/* ...and load back into the same preview. */
	struct plan *q = NULL;
	char *a = preview(&f), *b = NULL;
	ck_assert_int_eq(plan_load(file, f.root, &q, NULL), 0);
	ck_assert_int_eq(plan_preview(q, &b, NULL), 0);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	plan_free(q);
	unlink(file);
	fx_close(&f);
}
END_TEST

START_TEST(v100_by_id)
{
	struct fx f;
	char *s;

	fx_open(&f, "ubuntu-v100", false, (char *[]){ "--vfio", "41:00.0", NULL });
	ck_assert_msg(fx_build(&f, false) == 0, "%s", f.err.msg);
	s = content(&f, "etc/modprobe.d/gpuvirt.conf");
	HAS(s, "\noptions vfio-pci ids=10de:1db4\n");
	HAS(s, "\nsoftdep nouveau pre: vfio-pci\n");
	HASNT(s, "install");
	free(s);
	ck_assert(!queued(&f, "etc/udev/rules.d/70-gpuvirt-vfio.rules"));
	/* Ubuntu: initramfs-tools carries the vfio modules. */
	s = content(&f, "etc/initramfs-tools/modules");
	HAS(s, "\nvfio_pci\n");
	free(s);
	fx_close(&f);
}
END_TEST

START_TEST(no_initramfs_tool)
{
	struct fx f;
	char cmd[8192];

	fx_open(&f, "ubuntu-v100", false, (char *[]){ "--vfio", "41:00.0", NULL });
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/etc/initramfs-tools'", f.root);
	unsetenv("UMOCKDEV_DIR"); /* the root is a real directory */
	ck_assert_int_eq(system(cmd), 0);
	testbed_use("ubuntu-v100");
	ck_assert_msg(fx_build(&f, false) == 0, "%s", f.err.msg);
	/* No evidence of any initramfs tool: said, not guessed. */
	HAS(logged, "no initramfs tool found under");
	ck_assert(!queued(&f, "etc/initramfs-tools/modules"));
	fx_close(&f);
}
END_TEST

START_TEST(guard_boot_and_only_gpu)
{
	struct fx f;
	char *reason = NULL;

	fx_open(&f, "drv-twins", false, (char *[]){ "--vfio", "00:02.0", NULL });
	ck_assert_int_eq(fx_build(&f, false), -EPERM);
	ck_assert_str_eq(f.err.msg, "0000:00:02.0 is the boot GPU (boot_vga=1): binding it to vfio-pci blanks the "
				    "host's console on that GPU; use a serial console or ssh and pass --force-boot-gpu");
	ck_assert_uint_eq(plan_n_actions(f.p), 0);
	ck_assert_int_eq(cli_exit_status(-EPERM), 1);
	ck_assert_int_eq(propose_vfio_guard(f.h, "00:02.0", &reason), 1);
	HAS(reason, "is the boot GPU");
	free(reason);
	reason = (char *)"untouched";
	ck_assert_int_eq(propose_vfio_guard(f.h, "01:00.0", &reason), 0);
	ck_assert_str_eq(reason, "untouched");
	ck_assert_int_eq(propose_vfio_guard(f.h, "05:00.0", &reason), -ENODEV);
	ck_assert_int_eq(fx_build(&f, true), 0);
	HAS(logged, "--force-boot-gpu: 0000:00:02.0 is the boot GPU");
	fx_close(&f);

	fx_open(&f, "drv-single", false, (char *[]){ "--vfio", "0a:00.1", NULL });
	/* The audio function drags the only GPU along: still guarded. */
	ck_assert_int_eq(fx_build(&f, false), -EPERM);
	HAS(f.err.msg, "0000:0a:00.0 is the host's only GPU");
	ck_assert_int_eq(fx_build(&f, true), 0);
	char *s = content(&f, "etc/dracut.conf.d/gpuvirt.conf");
	HAS(s, "force_drivers+=\" vfio vfio_iommu_type1 vfio_pci \"");
	free(s);
	fx_close(&f);
}
END_TEST

START_TEST(vanished_and_renumbered)
{
	struct fx f;
	char path[4096];
	FILE *fp;

	fx_open(&f, "drv-twins", true, (char *[]){ "--vfio", "01:00.0", NULL });
	/* After the scan, the device's audio function goes away. */
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/0000:01:00.1", getenv("UMOCKDEV_DIR"));
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(fx_build(&f, false), -ENODEV);
	HAS(f.err.msg, "0000:01:00.1: the device is gone (it was 10de:1aef");
	ck_assert(!strchr(f.err.msg, '\n'));
	ck_assert_int_eq(cli_exit_status(-ENODEV), 2);
	ck_assert_uint_eq(plan_n_actions(f.p), 0);
	fx_close(&f);

	fx_open(&f, "drv-twins", true, (char *[]){ "--vfio", "02:00.0", NULL });
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/0000:02:00.0/vendor", getenv("UMOCKDEV_DIR"));
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("0x1002\n", fp);
	fclose(fp);
	ck_assert_int_eq(fx_build(&f, false), -ENODEV);
	HAS(f.err.msg, "0000:02:00.0: now 1002:2206, but 10de:2206 when scanned");
	fx_close(&f);

	fx_open(&f, "drv-twins", false, (char *[]){ "--vfio", "10000:01:00.0", NULL });
	ck_assert_int_eq(fx_build(&f, false), -ENODEV);
	ck_assert_str_eq(f.err.msg, "10000:01:00.0: no such PCI device on this host");
	fx_close(&f);
}
END_TEST

START_TEST(blacklist_existing_and_new)
{
	struct fx f;
	char *s;

	fx_open(&f, "drv-debian", false, (char *[]){ "--blacklist", "nouveau", NULL });
	ck_assert_int_eq(fx_build(&f, false), 0);
	HAS(logged, "2:blacklist nouveau is already in etc/modprobe.d/blacklist-nouveau.conf; not adding it again");
	HAS(logged, "2:options nouveau modeset=0 is already in etc/modprobe.d/blacklist-nouveau.conf");
	ck_assert(plan_is_empty(f.p));
	ck_assert(!queued(&f, "etc/modprobe.d/gpuvirt.conf"));
	fx_close(&f);

	fx_open(&f, "drv-twins", false, (char *[]){ "--blacklist", "nouveau", "--blacklist", "nvidia-drm", NULL });
	ck_assert_int_eq(fx_build(&f, false), 0);
	s = content(&f, "etc/modprobe.d/gpuvirt.conf");
	HAS(s, "\nblacklist nouveau\nblacklist nvidia_drm\noptions nouveau modeset=0\n");
	free(s);
	s = preview(&f);
	HAS(s, "$ update-initramfs -u -k all");
	free(s);
	/* Both twins drive nouveau now: blacklisting it leaves them without. */
	HAS(logged, "1:0000:01:00.0 (");
	HAS(logged, "1:0000:02:00.0 (");
	fx_close(&f);

	fx_open(&f, "drv-twins", false, (char *[]){ "--blacklist", "vfio-pci", "--vfio", "01:00.0", NULL });
	ck_assert_int_eq(fx_build(&f, false), -EINVAL);
	HAS(f.err.msg, "--blacklist vfio_pci");
	fx_close(&f);
}
END_TEST

/* A softdep names the module, which is not always the PCI driver's name:
 * /sys/bus/pci/drivers/xhci_hcd/module -> .../module/xhci_pci. Without the
 * link (a driver built into the kernel) the driver's name, with a warning
 * that a softdep cannot order it. */
static void add_xhci_module_link(const char *bed)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/sys/bus/pci/drivers/xhci_hcd/module", bed);
	ck_assert_int_eq(symlink("../../../../module/xhci_pci", path), 0);
}

START_TEST(softdep_names_the_module)
{
	struct fx f;
	char *s;

	/* the scan reads the link: it is there before */
	before_scan = add_xhci_module_link;
	fx_open(&f, "drv-single", true, (char *[]){ "--vfio", "0000:0b:00.0", NULL });
	ck_assert_msg(fx_build(&f, false) == 0, "%s", f.err.msg);
	s = content(&f, "etc/modprobe.d/gpuvirt.conf");
	HAS(s, "softdep xhci_pci pre: vfio-pci\n");
	HASNT(s, "softdep xhci_hcd");
	free(s);
	HASNT(logged, "built into the kernel");
	fx_close(&f);

	/* no module link: the driver's name, and a warning */
	fx_open(&f, "drv-single", false, (char *[]){ "--vfio", "0000:0b:00.0", NULL });
	ck_assert_msg(fx_build(&f, false) == 0, "%s", f.err.msg);
	s = content(&f, "etc/modprobe.d/gpuvirt.conf");
	HAS(s, "softdep xhci_hcd pre: vfio-pci\n");
	free(s);
	HAS(logged, "1:0000:0b:00.0: driver xhci_hcd has no module link, so xhci_hcd looks built into the kernel: "
	    "softdep xhci_hcd pre: vfio-pci cannot order it");
	fx_close(&f);
}
END_TEST

START_TEST(kinds_not_here)
{
	struct fx f;

	/* --vfs is here (test_sriov.c): on a device without SR-IOV it is bad input */
	fx_open(&f, "drv-twins", false, (char *[]){ "--vfio", "01:00.0", "--vfs", "01:00.0=2", NULL });
	ck_assert_int_eq(fx_build(&f, false), -EINVAL);
	ck_assert_msg(strstr(f.err.msg, "0000:01:00.0 (") && strstr(f.err.msg, "has no SR-IOV capability"), "%s",
		      f.err.msg);
	ck_assert_uint_eq(plan_n_actions(f.p), 0);
	ck_assert_int_eq(cli_exit_status(-EINVAL), 2);
	ck_assert_int_eq(cli_exit_status(-EOPNOTSUPP), 2);
	fx_close(&f);
	/* --mdev is here (test_mdev.c): a GPU without mdev types is bad input */
	fx_open(&f, "drv-twins", false, (char *[]){ "--mdev", "01:00.0:nvidia-300", NULL });
	ck_assert_int_eq(fx_build(&f, false), -EINVAL);
	ck_assert_msg(strstr(f.err.msg, "0000:01:00.0 is not an mdev parent"), "%s", f.err.msg);
	ck_assert_uint_eq(plan_n_actions(f.p), 0);
	fx_close(&f);
	/* The kernel command line goes to core/boot, with the vfio files in one plan. */
	fx_open(&f, "drv-twins", false, (char *[]){ "--iommu", "--cmdline-add", "video=efifb:off", "--vfio", "01:00.0", NULL });
	ck_assert_msg(fx_build(&f, false) == 0, "%s", f.err.msg);
	char *t = preview(&f);
	HAS(t, "intel_iommu=on");
	HAS(t, "iommu=pt");
	HAS(t, "video=efifb:off");
	ck_assert_msg(strstr(t, "$ update-grub") || strstr(t, "$ grub-mkconfig"), "%s", t);
	HAS(t, "70-gpuvirt-vfio.rules");
	free(t);
	fx_close(&f);
	/* No boot loader under the root: said, and not bad input. */
	fx_open(&f, "drv-single", false, (char *[]){ "--iommu", NULL });
	int r = fx_build(&f, false);
	ck_assert_msg(r < 0 && f.err.msg[0], "%d", r);
	ck_assert_int_eq(cli_exit_status(r), 1);
	ck_assert_int_eq(cli_exit_status(-E2BIG), 2);
	fx_close(&f);
}
END_TEST

START_TEST(apply_then_nothing_to_do)
{
	struct plan_apply_opts ao = { .no_run = true };
	struct fx f;
	char *s;

	fx_open(&f, "drv-arch", false, (char *[]){ "--vfio", "01:00.0", "--vfio", "01:00.1", NULL });
	ck_assert_msg(fx_build(&f, false) == 0, "%s", f.err.msg);
	s = content(&f, "etc/modprobe.d/gpuvirt.conf");
	/* Two --vfio of one group: one line, no duplicates. */
	HAS(s, "\noptions vfio-pci ids=10de:2786,10de:22bc\n");
	free(s);
	ck_assert_msg(plan_apply(f.p, &ao, &f.err) == 0, "%s", f.err.msg);
	plan_free(f.p);
	ck_assert_int_eq(plan_new(f.root, &f.p), 0);
	ck_assert_int_eq(fx_build(&f, false), 0);
	ck_assert(plan_is_empty(f.p));
	s = preview(&f);
	HASNT(s, "mkinitcpio -P");
	HAS(s, "etc/mkinitcpio.conf.d/gpuvirt.conf: unchanged");
	free(s);
	fx_close(&f);
}
END_TEST

START_TEST(explain_for_the_tui)
{
	struct fx f;
	struct gv_error err = { 0 };
	char *t = NULL;

	fx_open(&f, "drv-twins", false, (char *[]){ NULL });
	ck_assert_int_eq(propose_vfio_explain(f.h, "01:00.0", &t, &err), 0);
	HAS(t, "0000:01:00.0 ");
	HAS(t, "IOMMU group 12");
	HAS(t, "0000:01:00.1 ");
	HAS(t, "another function of the same card");
	HAS(t, "By address (driver_override): 0000:02:00.0 has the same id 10de:2206 and stays with the host");
	HAS(t, "vfio-pci loads before nouveau");
	HASNT(t, "Guarded");
	free(t);
	ck_assert_int_eq(propose_vfio_explain(f.h, "00:02.0", &t, &err), 0);
	HAS(t, "By id (options vfio-pci ids=8086:4680)");
	HAS(t, "Guarded: 0000:00:02.0 is the boot GPU");
	free(t);
	t = (char *)"untouched";
	ck_assert_int_eq(propose_vfio_explain(f.h, "00:01.0", &t, &err), -EINVAL);
	HAS(err.msg, "is a bridge");
	ck_assert_int_eq(propose_vfio_explain(f.h, "zz", &t, &err), -EINVAL);
	ck_assert_str_eq(t, "untouched");
	fx_close(&f);
}
END_TEST

/* The README's demo flow: the sample host's V100 to vfio-pci with the IOMMU
 * arguments, inside a test bed without any /sys. The proposal reads only the
 * two snapshots, so the sample host answers everything from memory (it used
 * to fail with "the device is gone"). */
START_TEST(demo_v100_without_sys)
{
	char bed[1024], root[1024], path[1200];
	struct gv_error err = { 0 };
	struct host *h = NULL;
	struct sysconf *sc = NULL;
	struct plan *p = NULL;
	struct change *c = NULL;
	size_t n = 0;
	char *s = NULL, *text = NULL;
	size_t len;
	FILE *fp;

	logged[0] = '\0';
	gv_log_set(capture, NULL);
	snprintf(bed, sizeof(bed), "%s/gv-empty-bed.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert(mkdtemp(bed) != NULL);
	snprintf(path, sizeof(path), "%s/sys", bed);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/sys/.gpuvirt-testbed", bed);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fclose(fp);
	setenv("UMOCKDEV_DIR", bed, 1);
	testbed_assert_inside();
	ck_assert_int_ne(access("/sys/bus/pci/devices/0000:41:00.0/vendor", F_OK), 0);

	snprintf(root, sizeof(root), "%s/gv-demo-root.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert(mkdtemp(root) != NULL);
	ck_assert_msg(demo_root_populate(root, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(host_demo(&h), 0);
	ck_assert_msg(sysconf_load(root, h, &sc, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(plan_new(root, &p), 0);
	ck_assert_int_eq(change_parse_argv(3, (char *[]){ "--vfio", "0000:41:00.0", "--iommu", NULL }, &c, &n, &err), 0);
	ck_assert_msg(propose_build(h, sc, root, c, n, NULL, p, &err) == 0, "%s", err.msg);

	ck_assert_int_eq(plan_file_content(p, "etc/modprobe.d/gpuvirt.conf", &s, &len, NULL), 0);
	HAS(s, "\noptions vfio-pci ids=10de:1db4\n");
	HAS(s, "\nsoftdep nouveau pre: vfio-pci\n");
	free(s);
	HASNT(logged, "built into the kernel");   /* the sample host knows nouveau's module */
	ck_assert_int_eq(plan_file_content(p, "etc/initramfs-tools/modules", &s, &len, NULL), 0);
	HAS(s, "\nvfio_pci\n");
	free(s);
	/* an AMD host: iommu=pt alone, in GRUB's drop-in */
	ck_assert_int_eq(plan_file_content(p, "etc/default/grub.d/zz-gpuvirt.cfg", &s, &len, NULL), 0);
	HAS(s, "iommu=pt");
	HASNT(s, "amd_iommu");
	free(s);
	ck_assert_int_eq(plan_preview(p, &text, NULL), 0);
	HAS(text, "$ update-grub");
	HAS(text, "$ update-initramfs -u -k all");
	free(text);
	ck_assert_int_eq(propose_vfio_explain(h, "41:00.0", &text, &err), 0);
	HAS(text, "vfio-pci loads before nouveau");
	free(text);

	change_array_free(c, n);
	plan_free(p);
	sysconf_free(sc);
	host_free(h);
}
END_TEST

static Suite *propose_suite(void)
{
	Suite *s = suite_create("propose");
	TCase *tc = tcase_create("propose");

	tcase_add_test(tc, twins_by_address);
	tcase_add_test(tc, v100_by_id);
	tcase_add_test(tc, no_initramfs_tool);
	tcase_add_test(tc, guard_boot_and_only_gpu);
	tcase_add_test(tc, vanished_and_renumbered);
	tcase_add_test(tc, blacklist_existing_and_new);
	tcase_add_test(tc, softdep_names_the_module);
	tcase_add_test(tc, kinds_not_here);
	tcase_add_test(tc, apply_then_nothing_to_do);
	tcase_add_test(tc, explain_for_the_tui);
	tcase_add_test(tc, demo_v100_without_sys);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(propose_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
