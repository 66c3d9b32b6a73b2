/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SR-IOV (core/propose/sriov.h, core/verify/sriov-check.h): the count at the
 * next boot and what sets it, --vfs checked and planned, why VFs did not
 * appear, and apply through the kernel double (tests/tools/kmock.c, loaded
 * first: the binary starts itself again that way) for the hung write.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/plan/plan.h"
#include "core/plan/undo.h"
#include "core/propose/draft.h"
#include "core/propose/sriov.h"
#include "core/scan/host.h"
#include "core/util/buf.h"
#include "core/scan/sysconf.h"
#include "core/util/log.h"
#include "core/verify/checks.h"
#include "tests/unit/testbed.h"

static char logged[16384];

static void collect(void *userdata, enum gv_log_level level, const char *msg)
{
	(void)userdata;
	if (level > GV_LOG_INFO)
		return;
	strncat(logged, msg, sizeof(logged) - strlen(logged) - 2);
	strcat(logged, "\n");
}

static void setup(void)
{
	logged[0] = '\0';
	gv_log_set(collect, NULL);
}

/* Run a shell command on the real files (the test bed itself, not through
 * the preload). */
static void __attribute__((format(printf, 1, 2))) sh(const char *fmt, ...)
{
	char cmd[16384];
	const char *keep = getenv("UMOCKDEV_DIR");
	char *saved = keep ? strdup(keep) : NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	unsetenv("UMOCKDEV_DIR");
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
	if (saved) {
		setenv("UMOCKDEV_DIR", saved, 1);
		free(saved);
	}
}

static void put(const char *root, const char *rel, const char *content)
{
	char path[PATH_MAX];
	FILE *f;

	sh("mkdir -p \"$(dirname '%s/%s')\"", root, rel);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
}

static const char *empty_root(void)
{
	static char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/gv-sriov.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert(mkdtemp(dir) != NULL);
	return dir;
}

/* The host of the current test bed and the configuration of ROOT. */
struct env {
	struct host *h;
	struct sysconf *sc;
	const char *root;
	struct gv_error err;
};

static void env_open(struct env *e, const char *root)
{
	memset(e, 0, sizeof(*e));
	e->root = root;
	ck_assert_msg(host_scan(&e->h, &e->err) == 0, "%s", e->err.msg);
	ck_assert_msg(sysconf_load(root, e->h, &e->sc, &e->err) == 0, "%s", e->err.msg);
}

static void env_close(struct env *e)
{
	sysconf_free(e->sc);
	host_free(e->h);
}

static void boot_of(struct env *e, const char *address, struct sriov_boot *ret)
{
	struct sriov_conf *c = sriov_conf_load(e->root, e->sc);
	const struct host_device *d = host_find(e->h, address);

	ck_assert_ptr_nonnull(d);
	sriov_conf_boot(c, d, ret);
	sriov_conf_free(c);
}

/* Check --vfs ARG with OPTS (NULL: none). */
static int check_vfs(struct env *e, const char *arg, const struct sriov_opts *o)
{
	struct change c;
	int r;

	ck_assert_int_eq(change_parse(CHANGE_VFS, arg, &c, NULL), 0);
	gv_error_clear(&e->err);
	r = sriov_check_change(e->h, e->sc, &c, o, &e->err);
	change_clear(&c);
	return r;
}

/* The plan of the CHANGE words in ARGS with OPTS; its preview in *RET_TEXT. */
static int plan_of(struct env *e, char **args, const struct sriov_opts *o, char **ret_text)
{
	struct draft *d = draft_new();
	struct plan *p = NULL;
	struct change *ch = NULL;
	size_t n = 0, argc = 0;
	int r;

	while (args[argc])
		argc++;
	ck_assert_msg(change_parse_argv((int)argc, args, &ch, &n, &e->err) == 0, "%s", e->err.msg);
	for (size_t i = 0; i < n; i++)
		draft_add(d, &ch[i]);
	change_array_free(ch, n);
	if (o)
		draft_set_sriov(d, o);
	gv_error_clear(&e->err);
	r = draft_build_plan(d, e->h, e->sc, e->root, &p, &e->err);
	if (r == 0 && ret_text)
		ck_assert_int_eq(plan_preview(p, ret_text, &e->err), 0);
	plan_free(p);
	draft_free(d);
	return r;
}

#define HAS(text, needle) ck_assert_msg(strstr((text), (needle)) != NULL, "no \"%s\" in:\n%s", (needle), (text))
#define LACKS(text, needle) ck_assert_msg(strstr((text), (needle)) == NULL, "\"%s\" in:\n%s", (needle), (text))

/* ---- the count at the next boot ---- */

START_TEST(boot_count_sources)
{
	struct env e;
	struct sriov_boot b;
	const char *root = empty_root();

	testbed_use("proxmox-n100");
	/* sysfsutils reads sysfs.conf, then sysfs.d in name order: the last line wins */
	put(root, "etc/sysfs.conf", "# comment\nmode bus/pci/devices/0000:00:02.0/sriov_numvfs = 0600\n"
	    "devices/pci0000:00/0000:00:02.0/sriov_numvfs = 2 # two\n");
	put(root, "etc/sysfs.d/b.conf", "bus/pci/devices/0000:00:02.0/sriov_numvfs = 4\n");
	put(root, "etc/sysfs.d/a.conf", "bus/pci/devices/0000:00:02.0/sriov_numvfs = 9\n");
	put(root, "etc/sysfs.d/c.txt", "bus/pci/devices/0000:00:02.0/sriov_numvfs = 1\n");
	env_open(&e, root);
	boot_of(&e, "0000:00:02.0", &b);
	ck_assert_int_eq(b.via, SRIOV_PERSIST_SYSFSUTILS);
	ck_assert_int_eq(b.count, 4);
	ck_assert_str_eq(b.where, "etc/sysfs.d/b.conf:1");
	ck_assert_str_eq(b.file, "etc/sysfs.d/b.conf");
	ck_assert_ptr_null(b.ignored);   /* no package database: not known to be missing */
	sriov_boot_clear(&b);
	boot_of(&e, "0000:00:14.0", &b);
	ck_assert_int_eq(b.via, SRIOV_PERSIST_NONE);
	ck_assert_int_eq(b.count, -1);
	sriov_boot_clear(&b);
	env_close(&e);

	/* a package database without sysfsutils: nothing reads them */
	sh("mkdir -p %s/var/lib/dpkg/info", root);
	env_open(&e, root);
	boot_of(&e, "0000:00:02.0", &b);
	HAS(b.ignored, "sysfsutils is not installed under");
	sriov_boot_clear(&b);
	env_close(&e);

	/* installed, but sysfs.d beside no sysfs.conf */
	sh("touch %s/var/lib/dpkg/info/sysfsutils.list && rm %s/etc/sysfs.conf", root, root);
	env_open(&e, root);
	struct sriov_conf *conf = sriov_conf_load(root, e.sc);
	const char *evidence = NULL;
	ck_assert(sriov_conf_sysfsutils(conf, &evidence));
	ck_assert_str_eq(evidence, "var/lib/dpkg/info/sysfsutils.list");
	sriov_conf_free(conf);
	boot_of(&e, "0000:00:02.0", &b);
	ck_assert_int_eq(b.count, 4);
	HAS(b.ignored, "etc/sysfs.conf is missing");
	sriov_boot_clear(&b);
	env_close(&e);

	/* a udev rule */
	sh("rm -r %s/etc/sysfs.d", root);
	put(root, "etc/udev/rules.d/80-vfs.rules", "# mine\nACTION==\"bind\", SUBSYSTEM==\"pci\", KERNEL==\"0000:00:02.0\", "
	    "ATTR{sriov_numvfs}=\"5\"\n");
	env_open(&e, root);
	boot_of(&e, "0000:00:02.0", &b);
	ck_assert_int_eq(b.via, SRIOV_PERSIST_UDEV);
	ck_assert_int_eq(b.count, 5);
	ck_assert_str_eq(b.where, "etc/udev/rules.d/80-vfs.rules:2");
	sriov_boot_clear(&b);
	env_close(&e);

	/* a rule that is read wins over a line nothing reads */
	sh("rm %s/var/lib/dpkg/info/sysfsutils.list", root);
	put(root, "etc/sysfs.conf", "bus/pci/devices/0000:00:02.0/sriov_numvfs = 6\n");
	env_open(&e, root);
	boot_of(&e, "0000:00:02.0", &b);
	ck_assert_int_eq(b.via, SRIOV_PERSIST_UDEV);
	ck_assert_int_eq(b.count, 5);
	ck_assert_ptr_null(b.ignored);
	sriov_boot_clear(&b);
	env_close(&e);
}
END_TEST

START_TEST(boot_count_driver_parameter)
{
	struct env e;
	struct sriov_boot b;
	const char *root = empty_root();

	testbed_use("ubuntu-v100");
	put(root, "etc/modprobe.d/igb.conf", "options igb max_vfs=7\n");
	env_open(&e, root);
	boot_of(&e, "0000:61:00.0", &b);
	ck_assert_int_eq(b.via, SRIOV_PERSIST_DRIVER);
	ck_assert_int_eq(b.count, 7);
	ck_assert_str_eq(b.where, "etc/modprobe.d/igb.conf: options igb max_vfs=7");
	ck_assert_str_eq(sriov_persist_name(b.via), "driver");
	sriov_boot_clear(&b);
	env_close(&e);
}
END_TEST

/* ---- --vfs checked ---- */

START_TEST(bad_input)
{
	struct env e;

	testbed_use("proxmox-n100");
	env_open(&e, testbed_root("proxmox-n100"));
	ck_assert_int_eq(check_vfs(&e, "00:02.0=7", NULL), 0);
	ck_assert_int_eq(check_vfs(&e, "00:02.0=0", NULL), 0);
	ck_assert_int_eq(check_vfs(&e, "00:02.0=8", NULL), -EINVAL);
	ck_assert_str_eq(e.err.msg, "0000:00:02.0 can have at most 7 VFs, not 8: sriov_totalvfs is 7 (the driver's "
			 "parameter i915.max_vfs=7 limits it; --cmdline-add i915.max_vfs=N raises it if the device has more)");
	ck_assert_int_eq(check_vfs(&e, "00:02.2=1", NULL), -EINVAL);
	ck_assert_str_eq(e.err.msg, "0000:00:02.2 is a VF of 0000:00:02.0: give the PF's address (--vfs 0000:00:02.0=N)");
	ck_assert_int_eq(check_vfs(&e, "00:1f.3=1", NULL), -EINVAL);
	HAS(e.err.msg, "0000:00:1f.3 (");
	HAS(e.err.msg, "has no SR-IOV capability");
	ck_assert_int_eq(check_vfs(&e, "5e:00.0=1", NULL), -ENODEV);
	ck_assert_str_eq(e.err.msg, "0000:5e:00.0: no such PCI device on this host");
	env_close(&e);

	/* vanished between enumeration and reading */
	setenv("GPUVIRT_TEST_VANISH", "0000:00:02.0", 1);
	env_open(&e, testbed_root("proxmox-n100"));
	unsetenv("GPUVIRT_TEST_VANISH");
	ck_assert_int_eq(check_vfs(&e, "00:02.0=4", NULL), -ENODEV);
	ck_assert_str_eq(e.err.msg, "0000:00:02.0: no such PCI device on this host");
	env_close(&e);
}
END_TEST

START_TEST(driver_cannot_or_none)
{
	struct env e;
	struct sriov_opts boot_only = { .boot_only = true };
	const char *bed;
	char *text = NULL;

	testbed_use("sriov-stock-i915");
	env_open(&e, testbed_root("sriov-stock-i915"));
	ck_assert_int_eq(host_find(e.h, "00:02.0")->sriov_driver, HOST_SRIOV_DRIVER_CANNOT);
	ck_assert_int_eq(check_vfs(&e, "00:02.0=3", NULL), -ENOPKG);
	HAS(e.err.msg, "i915 cannot make VFs (the stock module, without a max_vfs parameter)");
	ck_assert_int_eq(check_vfs(&e, "00:02.0=0", NULL), 0);   /* what sets it at boot can go */
	env_close(&e);

	/* no driver: the count only at the next boot, and the rule matches any driver */
	bed = testbed_use_copy("proxmox-n100");
	sh("rm %s/sys/devices/pci0000:00/0000:00:02.0/driver", bed);
	env_open(&e, testbed_root("proxmox-n100"));
	ck_assert_int_eq(host_find(e.h, "00:02.0")->sriov_driver, HOST_SRIOV_DRIVER_NONE);
	ck_assert_int_eq(check_vfs(&e, "00:02.0=5", NULL), -ENXIO);
	HAS(e.err.msg, "no driver is bound to it");
	ck_assert_int_eq(check_vfs(&e, "00:02.0=5", &boot_only), 0);
	ck_assert_int_eq(plan_of(&e, (char *[]){ "--vfs", "00:02.0=5", NULL }, &boot_only, &text), 0);
	HAS(text, "+ACTION==\"bind\", SUBSYSTEM==\"pci\", KERNEL==\"0000:00:02.0\", ATTR{sriov_numvfs}=\"5\"\n");
	LACKS(text, "echo ");
	free(text);
	env_close(&e);
}
END_TEST

START_TEST(in_use_and_pf_to_vfio)
{
	struct env e;
	struct sriov_opts force = { .force_in_use = true }, boot_only = { .boot_only = true };
	const char *bed = testbed_use_copy("proxmox-n100");

	sh("mkdir -p %s/sys/bus/pci/drivers/vfio-pci && ln -s ../../../bus/pci/drivers/vfio-pci "
	   "%s/sys/devices/pci0000:00/0000:00:02.3/driver", bed, bed);
	env_open(&e, testbed_root("proxmox-n100"));
	ck_assert_int_eq(host_find(e.h, "00:02.3")->vfio_open, 1);
	ck_assert_int_eq(check_vfs(&e, "00:02.0=7", NULL), -EBUSY);
	ck_assert_str_eq(e.err.msg, "0000:00:02.0: going from 3 VFs to 7 removes every VF first, and 0000:00:02.3 "
			 "(open: a VM holds it) is bound to vfio-pci; stop what uses it, or pass --boot-only (the "
			 "next boot only) or --force-vfs-in-use");
	ck_assert_int_eq(check_vfs(&e, "00:02.0=3", NULL), 0);   /* no change, nothing removed */
	ck_assert_int_eq(check_vfs(&e, "00:02.0=7", &force), 0);
	ck_assert_int_eq(check_vfs(&e, "00:02.0=7", &boot_only), 0);
	/* the PF itself never goes to vfio-pci while it has VFs, or is given some */
	struct sriov_opts none = { 0 };
	ck_assert_int_eq(plan_of(&e, (char *[]){ "--vfio", "00:02.0", NULL }, &none, NULL), -EINVAL);
	HAS(e.err.msg, "0000:00:02.0 has 3 VFs: a PF with VFs is never bound to vfio-pci");
	/* one count a PF */
	ck_assert_int_eq(plan_of(&e, (char *[]){ "--vfs", "00:02.0=2", "--vfs", "0000:00:02.0=4", NULL }, &force, NULL),
			 -EINVAL);
	HAS(e.err.msg, "one count a PF");
	env_close(&e);
}
END_TEST

/* ---- plans ---- */

START_TEST(plan_n100)
{
	struct env e;
	char *text = NULL, *argv_text;
	char **argv;
	struct draft *d;
	struct sriov_opts vfio = { .vf_driver = SRIOV_VF_VFIO };

	testbed_use("proxmox-n100");
	env_open(&e, testbed_root("proxmox-n100"));
	ck_assert_msg(plan_of(&e, (char *[]){ "--vfs", "00:02.0=7", NULL }, NULL, &text) == 0, "%s", e.err.msg);
	/* the command line first, then the file for the boot, then now: 0 before 7 */
	HAS(text, "# kernel command line (proxmox-boot-tool, systemd-boot): add i915.enable_guc=3 i915.max_vfs=7\n");
	const char *rule = strstr(text, "+++ b/etc/udev/rules.d/70-gpuvirt-sriov.rules");
	const char *zero = strstr(text, "echo 0 > /sys/bus/pci/devices/0000:00:02.0/sriov_numvfs\n");
	const char *seven = strstr(text, "echo 7 > /sys/bus/pci/devices/0000:00:02.0/sriov_numvfs\n");
	ck_assert_msg(rule && zero && seven && rule < zero && zero < seven, "%s", text);
	LACKS(text, "sriov_drivers_autoprobe");   /* the VFs stay the host's */
	free(text);

	/* for VMs: autoprobe off after 0 and before 7, each VF to vfio-pci */
	ck_assert_msg(plan_of(&e, (char *[]){ "--vfs", "00:02.0=4", NULL }, &vfio, &text) == 0, "%s", e.err.msg);
	zero = strstr(text, "echo 0 > /sys/bus/pci/devices/0000:00:02.0/sriov_numvfs\n");
	const char *off = strstr(text, "echo 0 > /sys/bus/pci/devices/0000:00:02.0/sriov_drivers_autoprobe\n");
	const char *four = strstr(text, "echo 4 > /sys/bus/pci/devices/0000:00:02.0/sriov_numvfs\n");
	ck_assert_msg(zero && off && four && zero < off && off < four, "%s", text);
	HAS(text, "echo vfio-pci > /sys/bus/pci/devices/0000:00:02.4/driver_override\n");
	HAS(text, "echo 0000:00:02.4 > /sys/bus/pci/drivers_probe\n");
	LACKS(text, "0000:00:02.5");
	HAS(text, "+ACTION==\"bind\", SUBSYSTEM==\"pci\", KERNEL==\"0000:00:02.0\", DRIVER==\"i915\", "
	    "ATTR{sriov_drivers_autoprobe}=\"0\", ATTR{sriov_numvfs}=\"4\"\n");
	HAS(text, "+ACTION==\"add\", SUBSYSTEM==\"pci\", KERNEL==\"0000:00:02.1\", ATTR{driver_override}=\"vfio-pci\", "
	    "RUN{builtin}+=\"kmod load vfio_pci\", RUN+=\"/bin/sh -c 'echo $kernel > /sys/bus/pci/drivers_probe'\"\n");
	HAS(text, "+++ b/etc/modules-load.d/gpuvirt.conf");
	free(text);

	/* the wizard's draft prints as the command, and builds this plan */
	d = draft_new();
	ck_assert_int_eq(draft_add_option(d, CHANGE_VFS, "00:02.0=4", NULL), 0);
	draft_set_sriov(d, &(struct sriov_opts){ .vf_driver = SRIOV_VF_VFIO, .boot_only = true, .force_in_use = true });
	argv = draft_argv(d, "apply");
	struct buf b = BUF_INIT;
	for (char **a = argv; *a; a++)
		buf_printf(&b, "%s%s", a == argv ? "" : " ", *a);
	argv_text = buf_steal(&b);
	ck_assert_str_eq(argv_text, "apply --vfs-driver vfio-pci --boot-only --force-vfs-in-use --vfs 0000:00:02.0=4");
	free(argv_text);
	draft_argv_free(argv);
	draft_free(d);
	env_close(&e);
}
END_TEST

START_TEST(plan_sysfsutils_never_both)
{
	struct env e;
	char *text = NULL;
	const char *root;

	testbed_use("sriov-nic");
	root = testbed_root("sriov-nic");
	/* gpuvirt set 03:00.0 with udev before sysfsutils came, and 03:00.1 with sysfsutils */
	put(root, "etc/udev/rules.d/70-gpuvirt-sriov.rules", "# Written by gpuvirt\n\n# 0000:03:00.0: 2 VFs\n"
	    "ACTION==\"bind\", SUBSYSTEM==\"pci\", KERNEL==\"0000:03:00.0\", ATTR{sriov_numvfs}=\"2\"\n");
	put(root, "etc/sysfs.d/gpuvirt.conf", "# Written by gpuvirt\n\n# 0000:03:00.1: 3 VFs\n"
	    "bus/pci/devices/0000:03:00.1/sriov_numvfs = 3\n");
	env_open(&e, root);
	ck_assert_msg(plan_of(&e, (char *[]){ "--vfs", "03:00.0=64", NULL }, NULL, &text) == 0, "%s", e.err.msg);
	HAS(text, "--- a/etc/udev/rules.d/70-gpuvirt-sriov.rules\n+++ /dev/null\n");
	HAS(text, "+# 0000:03:00.0: 64 VFs (gpuvirt apply --vfs 0000:03:00.0=64)\n"
	    "+bus/pci/devices/0000:03:00.0/sriov_numvfs = 64\n"
	    " \n"
	    " # 0000:03:00.1: 3 VFs\n");
	HAS(text, "sysfsutils is installed (var/lib/dpkg/info/sysfsutils.list)");
	LACKS(text, "etc/sysfs.conf");   /* there already */
	free(text);

	/* 0 takes the PF's lines; the last PF gone takes the file */
	ck_assert_msg(plan_of(&e, (char *[]){ "--vfs", "03:00.1=0", NULL }, NULL, &text) == 0, "%s", e.err.msg);
	HAS(text, "--- a/etc/sysfs.d/gpuvirt.conf\n+++ /dev/null\n");
	LACKS(text, "70-gpuvirt-sriov.rules");   /* 03:00.0's block there is not this change's */
	LACKS(text, "echo ");   /* it has no VFs now */
	free(text);
	ck_assert_msg(plan_of(&e, (char *[]){ "--vfs", "03:00.1=0", "--vfs", "03:00.0=1", NULL }, NULL, &text) == 0,
		      "%s", e.err.msg);
	HAS(text, "-# 0000:03:00.1: 3 VFs\n-bus/pci/devices/0000:03:00.1/sriov_numvfs = 3\n");
	HAS(text, "+bus/pci/devices/0000:03:00.0/sriov_numvfs = 1\n");
	free(text);
	env_close(&e);
}
END_TEST

/* The next boot's max_vfs is 0: the plan raises it, the count waits for the boot. */
START_TEST(plan_raises_max_vfs)
{
	struct env e;
	char *text = NULL;
	const char *bed = testbed_use_copy("sriov-stock-i915"), *root = testbed_root("sriov-stock-i915");

	sh("echo 0 > %s/sys/module/i915/parameters/max_vfs && echo 0 > %s/sys/devices/pci0000:00/0000:00:02.0/sriov_totalvfs",
	   bed, bed);
	put(root, "etc/kernel/cmdline", "root=ZFS=rpool/ROOT/pve-1 boot=zfs intel_iommu=on iommu=pt\n");
	env_open(&e, root);
	ck_assert_int_eq(host_find(e.h, "00:02.0")->sriov_driver, HOST_SRIOV_DRIVER_CAN);
	ck_assert_int_eq(check_vfs(&e, "00:02.0=3", NULL), 0);
	ck_assert_msg(plan_of(&e, (char *[]){ "--vfs", "00:02.0=3", NULL }, NULL, &text) == 0, "%s", e.err.msg);
	HAS(text, "+root=ZFS=rpool/ROOT/pve-1 boot=zfs intel_iommu=on iommu=pt i915.enable_guc=3 i915.max_vfs=3\n");
	LACKS(text, "echo ");
	HAS(logged, "0000:00:02.0: the count is set at the next boot, not now: sriov_totalvfs is 0 until the next "
	    "boot brings i915.max_vfs=3");
	/* etc/sysfs.conf's line for the PF moves into gpuvirt's file */
	HAS(text, "-devices/pci0000:00/0000:00:02.0/sriov_numvfs = 3\n");
	HAS(text, "+bus/pci/devices/0000:00:02.0/sriov_numvfs = 3\n");
	free(text);
	env_close(&e);
}
END_TEST

/* ---- why the VFs did not appear ---- */

static struct findings *fs;

static void run_checks(struct env *e)
{
	findings_free(fs);
	fs = checks_run(e->h, e->sc, e->root);
}

static const struct finding *find(const char *id, enum finding_status st)
{
	for (size_t i = 0; i < findings_n(fs); i++) {
		const struct finding *f = findings_get(fs, i);
		if (!strcmp(f->id, id) && f->status == st) {
			ck_assert_int_eq(f->category, FINDING_SRIOV);
			return f;
		}
	}
	ck_abort_msg("no %s finding %s", finding_status_name(st), id);
	return NULL;
}

static void teardown_fs(void)
{
	findings_free(fs);
	fs = NULL;
}

START_TEST(why_totalvfs_zero)
{
	struct env e;
	const char *bed = testbed_use_copy("proxmox-n100"), *root = testbed_root("proxmox-n100");
	const char *pf = "sys/devices/pci0000:00/0000:00:02.0";
	const struct finding *f;

	/* max_vfs unset at this boot: no VFs offered */
	sh("cd %s && echo 0 > %s/sriov_totalvfs && echo 0 > %s/sriov_numvfs && echo 0 > sys/module/i915/parameters/max_vfs",
	   bed, pf, pf);
	put(root, "etc/sysfs.d/gpuvirt.conf", "bus/pci/devices/0000:00:02.0/sriov_numvfs = 3\n");
	env_open(&e, root);
	run_checks(&e);
	f = find("sriov-max-vfs", FINDING_FAIL);
	HAS(f->title, "0000:00:02.0 offers no VFs: i915.max_vfs is unset");
	HAS(f->evidence, "/sys/bus/pci/devices/0000:00:02.0/sriov_totalvfs: 0");
	ck_assert_str_eq(f->fix, "gpuvirt apply --vfs 0000:00:02.0=3 (it puts i915.max_vfs on the command line), then reboot");
	env_close(&e);

	/* max_vfs set, GuC submission off */
	sh("cd %s && echo 7 > sys/module/i915/parameters/max_vfs && sed -i 's/ i915.enable_guc=3//' proc/cmdline", bed);
	env_open(&e, root);
	run_checks(&e);
	f = find("sriov-guc", FINDING_FAIL);
	HAS(f->evidence, "/proc/cmdline: i915.enable_guc=(unset)");
	ck_assert(!strncmp(f->fix, "gpuvirt apply --cmdline-add i915.enable_guc=3", 45));
	env_close(&e);

	/* GuC on: no room for the BARs */
	sh("cd %s && sed -i 's/$/ i915.enable_guc=3/' proc/cmdline", bed);
	env_open(&e, root);
	run_checks(&e);
	f = find("sriov-bars", FINDING_FAIL);
	HAS(f->fix, "\"Above 4G decoding\"");
	HAS(f->fix, "gpuvirt apply --cmdline-add i915.max_vfs=3");
	env_close(&e);
}
END_TEST

START_TEST(why_boot_loader_file)
{
	struct env e;
	const char *bed = testbed_use_copy("proxmox-n100"), *root = testbed_root("proxmox-n100");
	const char *pf = "sys/devices/pci0000:00/0000:00:02.0";
	const struct finding *f;

	/* the next boot's line has the parameters, the running one not: */
	sh("cd %s && echo 0 > %s/sriov_totalvfs && echo 0 > %s/sriov_numvfs && echo 0 > sys/module/i915/parameters/max_vfs"
	   " && sed -i 's/ i915.enable_guc=3 i915.max_vfs=7//' proc/cmdline", bed, pf, pf);
	put(root, "etc/kernel/cmdline", "root=ZFS=rpool/ROOT/pve-1 boot=zfs i915.enable_guc=3 i915.max_vfs=7\n");
	/* written long before this boot */
	sh("touch -d 2020-01-01 %s/etc/kernel/cmdline", root);
	env_open(&e, root);
	run_checks(&e);
	f = find("sriov-cmdline", FINDING_FAIL);
	HAS(f->title, "i915.max_vfs=7 is set for the next boot but missing from the running command line");
	HAS(f->evidence, "/proc/cmdline: no i915.max_vfs; etc/kernel/cmdline: i915.max_vfs=7");
	HAS(f->fix, "proxmox-boot-tool refresh, then reboot");
	env_close(&e);
	/* written after it: a reboot is all it takes */
	sh("touch %s/etc/kernel/cmdline", root);
	env_open(&e, root);
	run_checks(&e);
	find("sriov-cmdline", FINDING_WARN);
	env_close(&e);
}
END_TEST

START_TEST(why_persistence)
{
	struct env e;
	const char *root;
	const struct finding *f;

	testbed_use("proxmox-n100");
	root = testbed_root("proxmox-n100");
	env_open(&e, root);
	run_checks(&e);
	f = find("sriov-vfs", FINDING_INFO);
	ck_assert_str_eq(f->title, "0000:00:02.0 has 3 of 7 VFs; nothing sets them at boot");
	f = find("sriov-persist", FINDING_WARN);
	ck_assert_str_eq(f->fix, "gpuvirt apply --vfs 0000:00:02.0=3 (it keeps the count at every boot)");
	env_close(&e);

	/* set in sysfs.d, but sysfs.conf is missing */
	put(root, "etc/sysfs.d/vfs.conf", "devices/pci0000:00/0000:00:02.0/sriov_numvfs = 3\n");
	sh("mkdir -p %s/var/lib/dpkg/info && touch %s/var/lib/dpkg/info/sysfsutils.list", root, root);
	env_open(&e, root);
	run_checks(&e);
	f = find("sriov-persist", FINDING_FAIL);
	HAS(f->evidence, "etc/sysfs.conf is missing");
	ck_assert(!strncmp(f->fix, "touch ", 6) && strstr(f->fix, "/etc/sysfs.conf"));
	env_close(&e);

	/* read, and as now: all is well */
	put(root, "etc/sysfs.conf", "");
	env_open(&e, root);
	run_checks(&e);
	find("sriov-vfs", FINDING_PASS);
	ck_assert_ptr_null(findings_find(fs, "sriov-persist"));
	ck_assert_ptr_null(findings_find(fs, "sriov-boot-count"));
	env_close(&e);

	/* a different count, written after this boot: the next boot makes it */
	put(root, "etc/sysfs.d/vfs.conf", "devices/pci0000:00/0000:00:02.0/sriov_numvfs = 5\n");
	env_open(&e, root);
	run_checks(&e);
	f = find("sriov-boot-count", FINDING_INFO);
	ck_assert_str_eq(f->title, "0000:00:02.0: the next boot makes 5 VFs (3 now)");
	env_close(&e);
}
END_TEST

START_TEST(why_pf_on_vfio)
{
	struct env e;
	const char *bed = testbed_use_copy("proxmox-n100");

	sh("cd %s/sys && mkdir -p bus/pci/drivers/vfio-pci && rm devices/pci0000:00/0000:00:02.0/driver && "
	   "ln -s ../../../bus/pci/drivers/vfio-pci devices/pci0000:00/0000:00:02.0/driver && "
	   "echo 0 > devices/pci0000:00/0000:00:02.0/sriov_numvfs", bed);
	env_open(&e, testbed_root("proxmox-n100"));
	run_checks(&e);
	HAS(find("sriov-pf-vfio", FINDING_FAIL)->fix, "give a VM one VF, never the PF");
	env_close(&e);
}
END_TEST

/* ROOT gets modules for KERNEL: an i915 with PARAMS ("max_vfs" for the
 * SR-IOV build), built with the compiler and depmod as a kernel build would. */
static void install_i915(const char *root, const char *kernel, const char *params)
{
	sh("set -e; m='%s/lib/modules/%s'; mkdir -p \"$m/updates/dkms\"; cd \"$m\"; "
	   "printf '%%s\\n' 'static const char mi[] __attribute__((section(\".modinfo\"), used, aligned(1))) = "
	   "\"license=GPL\\0name=i915\\0parm=enable_guc:GuC (int)\\0%s\";' > i.c; "
	   "cc -c -o updates/dkms/i915.ko i.c; rm i.c; PATH=$PATH:/sbin:/usr/sbin depmod -b '%s' %s 2>/dev/null",
	   root, kernel, params, root, kernel);
}

/* The SR-IOV build installed for the kernel, the stock module running: the
 * count waits for the next boot; the check says to rebuild the initramfs. */
START_TEST(sriov_build_installed_not_loaded)
{
	struct env e;
	char *text = NULL;
	const char *root;

	testbed_use("sriov-stock-i915");
	root = testbed_root("sriov-stock-i915");
	install_i915(root, "6.8.12-4-pve", "parm=max_vfs:VFs (uint)\\0");
	env_open(&e, root);
	ck_assert_int_eq(check_vfs(&e, "00:02.0=3", NULL), 0);
	ck_assert_msg(plan_of(&e, (char *[]){ "--vfs", "00:02.0=3", NULL }, NULL, &text) == 0, "%s", e.err.msg);
	LACKS(text, "echo ");
	HAS(logged, "the count is set at the next boot, not now: the running i915 cannot make VFs; the module "
	    "installed for the next boot can");
	free(text);
	run_checks(&e);
	const struct finding *f = find("sriov-driver", FINDING_FAIL);
	HAS(f->evidence, "the SR-IOV build (max_vfs)");
	ck_assert_str_eq(f->fix, "update-initramfs -u -k 6.8.12-4-pve (the SR-IOV build is installed, the initramfs "
			 "still loads the stock module), then reboot");
	env_close(&e);
}
END_TEST

/* No i915 at all, Secure Boot on and a DKMS build installed: its key. */
START_TEST(why_secure_boot)
{
	struct env e;
	const char *bed = testbed_use_copy("sriov-stock-i915"), *root = testbed_root("sriov-stock-i915");

	sh("cd %s/sys && rm devices/pci0000:00/0000:00:02.0/driver && printf '\\006\\000\\000\\000\\001' > "
	   "firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c", bed);
	install_i915(root, "6.8.12-4-pve", "parm=max_vfs:VFs (uint)\\0");
	env_open(&e, root);
	run_checks(&e);
	const struct finding *f = find("sriov-secure-boot", FINDING_FAIL);
	HAS(f->evidence, "SecureBoot efivar: 1");
	ck_assert(!strncmp(f->fix, "mokutil --import /var/lib/dkms/mok.pub", 38));
	env_close(&e);
	/* without the DKMS build: no driver, and what to load */
	sh("rm -r %s/lib/modules", root);
	env_open(&e, root);
	run_checks(&e);
	HAS(find("sriov-no-driver", FINDING_FAIL)->fix, "modprobe i915");
	env_close(&e);
}
END_TEST

/* ---- apply through the kernel double ---- */

/* 3 -> 7, its 0 write hangs: timed out, the files rolled back, 3 VFs left;
 * then 3 -> 7 and its undo, which writes 0 before 3. */
START_TEST(apply_hang_and_undo_order)
{
	struct env e;
	struct plan *p = NULL;
	struct draft *d = draft_new();
	struct plan_apply_opts quick = { .no_run = true, .sysfs_timeout_ms = 300 };
	const char *bed = testbed_use_copy("proxmox-n100"), *root = testbed_root("proxmox-n100");
	const char *pf = "sys/devices/pci0000:00/0000:00:02.0";
	char *text = NULL, path[2 * PATH_MAX];
	FILE *f;
	int n = -1;

	env_open(&e, root);
	ck_assert_int_eq(draft_add_option(d, CHANGE_VFS, "00:02.0=7", NULL), 0);
	ck_assert_int_eq(draft_build_plan(d, e.h, e.sc, root, &p, &e.err), 0);
	sh("echo 2000 > %s/%s/sriov_numvfs.kmock-delay-ms", bed, pf);
	ck_assert_int_eq(plan_apply(p, &quick, &e.err), -ETIMEDOUT);
	HAS(e.err.msg, "apply stopped at echo 0 > /sys/bus/pci/devices/0000:00:02.0/sriov_numvfs");
	HAS(e.err.msg, "no answer after 300 ms, writer killed: removing VFs waits until every VM lets go of its VF");
	HAS(e.err.msg, "2 earlier changes rolled back");
	snprintf(path, sizeof(path), "%s/etc/udev/rules.d/70-gpuvirt-sriov.rules", root);
	ck_assert_int_eq(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/%s/sriov_numvfs", bed, pf);
	f = fopen(path, "r");
	ck_assert(f && fscanf(f, "%d", &n) == 1);
	fclose(f);
	ck_assert_int_eq(n, 3);

	sh("rm %s/%s/sriov_numvfs.kmock-delay-ms", bed, pf);
	ck_assert_msg(plan_apply(p, &quick, &e.err) == 0, "%s", e.err.msg);
	plan_free(p);
	p = NULL;
	ck_assert_int_eq(undo_plan(root, &p, &e.err), 0);
	ck_assert_int_eq(plan_preview(p, &text, &e.err), 0);
	const char *zero = strstr(text, "echo 0 > /sys/bus/pci/devices/0000:00:02.0/sriov_numvfs\n");
	const char *three = strstr(text, "echo 3 > /sys/bus/pci/devices/0000:00:02.0/sriov_numvfs\n");
	ck_assert_msg(zero && three && zero < three, "%s", text);
	free(text);
	ck_assert_msg(plan_apply(p, &quick, &e.err) == 0, "%s", e.err.msg);
	f = fopen(path, "r");
	ck_assert(f && fscanf(f, "%d", &n) == 1);
	fclose(f);
	ck_assert_int_eq(n, 3);
	plan_free(p);
	draft_free(d);
	env_close(&e);
}
END_TEST

/* VFs to vfio-pci: the attributes of VFs the plan makes are not journaled,
 * so the undo just takes the VFs away, with nothing to warn about. */
START_TEST(apply_vfio_undo_quiet)
{
	struct env e;
	struct plan *p = NULL;
	struct draft *d = draft_new();
	struct plan_apply_opts quick = { .no_run = true, .sysfs_timeout_ms = 2000 };
	const char *root;
	char *text = NULL;

	testbed_use_copy("sriov-nic");
	root = testbed_root("sriov-nic");
	env_open(&e, root);
	ck_assert_int_eq(draft_add_option(d, CHANGE_VFS, "03:00.1=2", NULL), 0);
	draft_set_sriov(d, &(struct sriov_opts){ .vf_driver = SRIOV_VF_VFIO });
	ck_assert_int_eq(draft_build_plan(d, e.h, e.sc, root, &p, &e.err), 0);
	ck_assert_msg(plan_apply(p, &quick, &e.err) == 0, "%s", e.err.msg);
	plan_free(p);
	env_close(&e);
	env_open(&e, root);
	ck_assert_str_eq(host_find(e.h, "03:0a.1")->driver, "vfio-pci");
	env_close(&e);
	logged[0] = '\0';
	ck_assert_int_eq(undo_plan(root, &p, &e.err), 0);
	ck_assert_int_eq(plan_preview(p, &text, &e.err), 0);
	LACKS(text, "> /sys/bus/pci/devices/0000:03:0a.0/driver_override");
	LACKS(text, "> /sys/bus/pci/drivers_probe");
	HAS(text, "echo 0 > /sys/bus/pci/devices/0000:03:00.1/sriov_numvfs\n");
	HAS(text, "echo 1 > /sys/bus/pci/devices/0000:03:00.1/sriov_drivers_autoprobe\n");
	ck_assert_msg(!strstr(logged, "cannot be put back"), "%s", logged);
	free(text);
	ck_assert_msg(plan_apply(p, &quick, &e.err) == 0, "%s", e.err.msg);
	plan_free(p);
	draft_free(d);
}
END_TEST

/* Start again with the double before umockdev's library, unless it is. */
static void preload_first(char **argv)
{
	const char *pre = getenv("LD_PRELOAD");
	char exe[PATH_MAX], lib[PATH_MAX + 32], *slash, *env;
	ssize_t n;
	size_t first = pre ? strcspn(pre, ": ") : 0;

	if (pre && first >= strlen("libgvkmock.so") &&
	    !strncmp(pre + first - strlen("libgvkmock.so"), "libgvkmock.so", strlen("libgvkmock.so")))
		return;
	if (getenv("GV_KMOCK_REEXEC")) {
		fprintf(stderr, "test_sriov: the double is not first in LD_PRELOAD (%s)\n", pre ? pre : "");
		exit(1);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		exit(1);
	exe[n] = '\0';
	for (int i = 0; i < 2 && (slash = strrchr(exe, '/')); i++)
		*slash = '\0';
	snprintf(lib, sizeof(lib), "%s/libgvkmock.so", exe);
	if (access(lib, R_OK) != 0) {
		fprintf(stderr, "test_sriov: %s not built (make tests)\n", lib);
		exit(1);
	}
	if (asprintf(&env, "%s:%s", lib, pre && *pre ? pre : "libumockdev-preload.so.0") < 0)
		exit(1);
	setenv("LD_PRELOAD", env, 1);
	setenv("GV_KMOCK_REEXEC", "1", 1);
	execv("/proc/self/exe", argv);
	perror("test_sriov: exec");
	exit(1);
}

static Suite *suite(void)
{
	Suite *s = suite_create("sriov");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown_fs);
	tcase_add_test(tc, boot_count_sources);
	tcase_add_test(tc, boot_count_driver_parameter);
	tcase_add_test(tc, bad_input);
	tcase_add_test(tc, driver_cannot_or_none);
	tcase_add_test(tc, in_use_and_pf_to_vfio);
	tcase_add_test(tc, plan_n100);
	tcase_add_test(tc, plan_sysfsutils_never_both);
	tcase_add_test(tc, plan_raises_max_vfs);
	tcase_add_test(tc, why_totalvfs_zero);
	tcase_add_test(tc, why_boot_loader_file);
	tcase_add_test(tc, why_persistence);
	tcase_add_test(tc, why_pf_on_vfio);
	tcase_add_test(tc, sriov_build_installed_not_loaded);
	tcase_add_test(tc, why_secure_boot);
	tcase_add_test(tc, apply_hang_and_undo_order);
	tcase_add_test(tc, apply_vfio_undo_quiet);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	SRunner *sr;
	int failed;

	(void)argc;
	preload_first(argv);
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
