/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host model, read from fixture test beds (see tests/fixtures/). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/scan/demo.h"
#include "core/scan/firmware.h"
#include "core/util/cmdline.h"
#include "core/scan/host.h"
#include "core/util/log.h"
#include "tests/unit/testbed.h"

/* Log lines the scan produced, one per line. */
static char logged[16384];

static void collect(void *userdata, enum gv_log_level level, const char *msg)
{
	(void)userdata;
	if (level > GV_LOG_WARN)
		return;
	strncat(logged, msg, sizeof(logged) - strlen(logged) - 2);
	strcat(logged, "\n");
}

static struct host *scan(const char *fixture)
{
	struct host *h = NULL;
	struct gv_error err = {};

	if (fixture)
		testbed_use(fixture);
	logged[0] = '\0';
	gv_log_set(collect, NULL);
	ck_assert_msg(host_scan(&h, &err) == 0, "host_scan: %s", err.msg);
	ck_assert_ptr_nonnull(h);
	return h;
}

static size_t count_lines(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

START_TEST(test_ubuntu_v100)
{
	struct host *h = scan("ubuntu-v100");
	const struct host_device *d = host_find(h, "41:00.0");

	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d->address, "0000:41:00.0");
	ck_assert_int_eq(d->vendor_id, 0x10de);
	ck_assert_int_eq(d->device_id, 0x1db4);
	ck_assert_int_eq(d->subsys_vendor_id, 0x10de);
	ck_assert_int_eq(d->subsys_device_id, 0x1214);
	ck_assert_int_eq(d->class_code, 0x030200);
	ck_assert_str_eq(d->vendor_name, "NVIDIA Corporation");
	ck_assert_ptr_nonnull(strstr(d->device_name, "Tesla V100"));
	ck_assert_str_eq(d->driver, "nouveau");
	ck_assert_int_eq(d->iommu_group, 66);
	ck_assert_int_eq(d->boot_vga, 0);
	ck_assert_int_eq(d->sriov_total, -1);
	ck_assert_ptr_null(d->physfn);
	ck_assert(!host_device_shares_group(h, d));

	/* mdev types, sorted by id */
	ck_assert_uint_eq(d->n_mdev_types, 2);
	const struct host_mdev_type *t = &d->mdev_types[1];
	ck_assert_str_eq(t->id, "nvidia-300");
	ck_assert_str_eq(t->name, "GRID V100-8C");
	ck_assert_int_eq(t->available_instances, 2);
	ck_assert_str_eq(t->device_api, "vfio-pci");
	ck_assert_ptr_nonnull(strstr(t->description, "framebuffer=8192M"));

	const struct host_iommu_group *g = host_find_group(h, 66);
	ck_assert_ptr_nonnull(g);
	ck_assert_uint_eq(g->n_devices, 1);
	ck_assert_ptr_eq(g->devices[0], d);
	ck_assert_str_eq(g->type, "DMA");

	ck_assert_int_eq(host_cpu_vendor(h), HOST_CPU_AMD);
	ck_assert(host_cpu_has_flag(h, "svm"));
	ck_assert(!host_cpu_has_flag(h, "vmx"));
	ck_assert(!host_cpu_has_flag(h, "sv"));
	ck_assert_str_eq(host_kernel_release(h), "6.8.0-45-generic");
	ck_assert_ptr_nonnull(strstr(host_cmdline(h), "root=UUID="));
	ck_assert_uint_eq(host_n_gpus(h), 2);

	/* the boot GPU sits behind a bridge in its group: bridges don't count */
	const struct host_device *ast = host_find(h, "0000:02:00.0");
	ck_assert_int_eq(ast->boot_vga, 1);
	ck_assert(!host_device_shares_group(h, ast));
	ck_assert_str_eq(logged, "");
	host_free(h);
}
END_TEST

START_TEST(test_n100_vfs)
{
	struct host *h = scan("proxmox-n100");
	const struct host_device *pf = host_find(h, "0000:00:02.0");

	ck_assert_ptr_nonnull(pf);
	ck_assert_int_eq(pf->vendor_id, 0x8086);
	ck_assert_int_eq(pf->device_id, 0x46d1);
	ck_assert_int_eq(pf->boot_vga, 1);
	ck_assert_int_eq(pf->sriov_total, 7);
	ck_assert_int_eq(pf->sriov_num, 3);
	ck_assert_uint_eq(pf->n_vfs, 3);
	ck_assert_str_eq(pf->vfs[0], "0000:00:02.1");
	ck_assert_str_eq(pf->vfs[2], "0000:00:02.3");
	for (int i = 1; i <= 3; i++) {
		char a[16];
		snprintf(a, sizeof(a), "00:02.%d", i);
		const struct host_device *vf = host_find(h, a);
		ck_assert_ptr_nonnull(vf);
		ck_assert_str_eq(vf->physfn, "0000:00:02.0");
		ck_assert_int_eq(vf->iommu_group, 16 + i);
		ck_assert_int_eq(vf->class_code, 0x030000);
	}
	ck_assert_ptr_null(host_find(h, "00:02.4"));
	ck_assert_uint_eq(host_n_gpus(h), 1); /* VFs are not GPUs of their own */
	/* the kernel's SR-IOV attributes, and the SR-IOV build of i915 */
	ck_assert_int_eq(pf->sriov_offset, 1);
	ck_assert_int_eq(pf->sriov_stride, 1);
	ck_assert_int_eq(pf->sriov_vf_device, 0x46d1);
	ck_assert_int_eq(pf->sriov_autoprobe, 1);
	ck_assert_int_eq(pf->sriov_driver, HOST_SRIOV_DRIVER_CAN);
	ck_assert_int_eq(pf->sriov_driver_max_vfs, 7);
	char a7[PCIADDR_STRLEN];
	ck_assert_int_eq(host_device_vf_address(pf, 6, a7), 0);
	ck_assert_str_eq(a7, "0000:00:02.7");
	ck_assert_int_eq(host_device_vf_address(pf, 7, a7), 0);
	ck_assert_str_eq(a7, "0000:00:03.0");   /* past function 7: the next device */
	ck_assert_int_eq(host_find(h, "00:02.1")->vfio_open, -1);
	char *path = host_device_attr_path(pf, "sriov_numvfs");
	ck_assert_str_eq(path, "/sys/bus/pci/devices/0000:00:02.0/sriov_numvfs");
	free(path);
	ck_assert_str_eq(host_find_group(h, 0)->type, "identity");
	ck_assert_int_eq(host_cpu_vendor(h), HOST_CPU_INTEL);
	host_free(h);
}
END_TEST

START_TEST(test_desktop_shared_group)
{
	struct host *h = scan("desktop-twins");
	const struct host_device *boot = host_find(h, "03:00.0");
	const struct host_device *twin = host_find(h, "01:00.0");

	ck_assert(host_device_shares_group(h, boot)); /* the USB controller at 04:00.0 */
	ck_assert(!host_device_shares_group(h, twin)); /* only its own audio function */
	ck_assert_uint_eq(host_find_group(h, 14)->n_devices, 4);
	ck_assert_uint_eq(host_n_gpus(h), 3);
	ck_assert_int_eq(host_find(h, "02:00.0")->device_id, twin->device_id);
	host_free(h);
}
END_TEST

START_TEST(test_iommu_off)
{
	struct host *h = scan("iommu-off");

	ck_assert_uint_eq(host_n_groups(h), 0);
	for (size_t i = 0; i < host_n_devices(h); i++)
		ck_assert_int_eq(host_device(h, i)->iommu_group, -1);
	ck_assert_uint_eq(host_n_devices(h), 5);
	ck_assert(!host_device_shares_group(h, host_find(h, "01:00.0")));
	host_free(h);
}
END_TEST

START_TEST(test_vmd_domain)
{
	struct host *h = scan("vmd-laptop");
	const struct host_device *nvme = host_find(h, "10000:e1:00.0");

	ck_assert_ptr_nonnull(nvme);
	ck_assert_str_eq(nvme->address, "10000:e1:00.0");
	ck_assert_str_eq(nvme->driver, "nvme");
	/* VMD domains sort after every four-digit domain */
	ck_assert_ptr_eq(host_device(h, host_n_devices(h) - 1), nvme);
	host_free(h);
}
END_TEST

START_TEST(test_gvtg_mdev_instance)
{
	struct host *h = scan("gvtg-host");
	const struct host_device *igpu = host_find(h, "00:02.0");

	ck_assert_uint_eq(igpu->n_mdev_types, 2);
	ck_assert_uint_eq(igpu->n_mdevs, 1);
	ck_assert_str_eq(igpu->mdevs[0].uuid, "4dd511f6-ec08-11e8-b839-2f163ddee3b3");
	ck_assert_str_eq(igpu->mdevs[0].type, "i915-GVTg_V5_4");
	host_free(h);
}
END_TEST

START_TEST(test_large_host)
{
	struct host *h = scan("large-host");

	ck_assert_uint_ge(host_n_devices(h), 1000);
	const struct host_device *pf = host_find(h, "0000:02:00.0");
	ck_assert_ptr_nonnull(pf);
	ck_assert_int_eq(pf->sriov_num, 63);
	ck_assert_uint_eq(pf->n_vfs, 63);
	const struct host_device *vf = host_find(h, pf->vfs[62]);
	ck_assert_ptr_nonnull(vf);
	ck_assert_str_eq(vf->physfn, "0000:02:00.0");
	ck_assert_int_eq(vf->device_id, 0x1018);
	/* mkhost's older stride name; mlx5_core sets the count itself */
	ck_assert_int_eq(pf->sriov_stride, 1);
	ck_assert_int_eq(pf->sriov_autoprobe, -1);
	ck_assert_int_eq(pf->sriov_driver, HOST_SRIOV_DRIVER_CAN);
	ck_assert_int_eq(pf->sriov_driver_max_vfs, -1);
	/* sorted and unique */
	for (size_t i = 1; i < host_n_devices(h); i++)
		ck_assert_int_lt(pciaddr_cmp(&host_device(h, i - 1)->addr, &host_device(h, i)->addr), 0);
	ck_assert_str_eq(logged, "");
	host_free(h);
}
END_TEST

START_TEST(test_demo_matches_fixture)
{
	struct host *demo = NULL, *fx = scan("ubuntu-v100");

	ck_assert_int_eq(host_demo(&demo), 0);
	ck_assert_uint_eq(host_n_devices(demo), host_n_devices(fx));
	for (size_t i = 0; i < host_n_devices(fx); i++) {
		const struct host_device *a = host_device(demo, i), *b = host_device(fx, i);
		ck_assert_str_eq(a->address, b->address);
		ck_assert_int_eq(a->vendor_id, b->vendor_id);
		ck_assert_int_eq(a->device_id, b->device_id);
		ck_assert_int_eq(a->class_code, b->class_code);
		ck_assert_int_eq(a->iommu_group, b->iommu_group);
		ck_assert_str_eq(a->device_name, b->device_name);
		ck_assert_str_eq(a->driver ? a->driver : "", b->driver ? b->driver : "");
		ck_assert_int_eq(a->sriov_total, b->sriov_total);
		ck_assert_int_eq(a->sriov_num, b->sriov_num);
		ck_assert_int_eq(a->sriov_offset, b->sriov_offset);
		ck_assert_int_eq(a->sriov_stride, b->sriov_stride);
		ck_assert_int_eq(a->sriov_vf_device, b->sriov_vf_device);
		ck_assert_int_eq(a->sriov_autoprobe, b->sriov_autoprobe);
		ck_assert_int_eq(a->sriov_driver, b->sriov_driver);
	}
	/* and the facts the fixture has */
	ck_assert_int_eq(host_cpu_vendor(demo), host_cpu_vendor(fx));
	ck_assert_str_eq(host_kernel_release(demo), host_kernel_release(fx));
	ck_assert_str_eq(host_cmdline(demo), host_cmdline(fx));
	ck_assert(firmware_has_ivrs(host_firmware(demo)) && firmware_has_ivrs(host_firmware(fx)));
	host_free(demo);
	host_free(fx);
}
END_TEST

/* The demo's configuration root is the fixture's, byte for byte, and
 * nothing more or less. */
START_TEST(test_demo_root_matches_fixture)
{
	const char *src = getenv("GV_SRCDIR");
	char cmd[4096], line[4096];
	size_t n_fixture = 0;
	FILE *f;

	unsetenv("UMOCKDEV_DIR"); /* the fixture root is a real directory */
	for (size_t i = 0; i < demo_root_n_files(); i++) {
		const struct demo_file *df = demo_root_file(i);
		char path[4096], buf[8192];
		snprintf(path, sizeof(path), "%s/tests/fixtures/hosts/ubuntu-v100/root/%s", src ? src : ".", df->path);
		f = fopen(path, "r");
		ck_assert_msg(f != NULL, "%s: not in the fixture", df->path);
		size_t len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		ck_assert_msg(len == strlen(df->content) && !memcmp(buf, df->content, len), "%s differs", df->path);
	}
	snprintf(cmd, sizeof(cmd), "find '%s/tests/fixtures/hosts/ubuntu-v100/root' -type f", src ? src : ".");
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		n_fixture++;
	pclose(f);
	ck_assert_uint_eq(n_fixture, demo_root_n_files());
}
END_TEST

/* ---- bad input: every problem is one log line, the scan goes on ---------- */

static void sh(const char *fmt, const char *dir)
{
	char cmd[32768];
	const char *keep = getenv("UMOCKDEV_DIR");
	char *saved = keep ? strdup(keep) : NULL;

	unsetenv("UMOCKDEV_DIR"); /* edit the test bed itself, not through the preload */
	snprintf(cmd, sizeof(cmd), fmt, dir, dir, dir, dir);
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
	if (saved) {
		setenv("UMOCKDEV_DIR", saved, 1);
		free(saved);
	}
}

START_TEST(test_bad_attributes)
{
	const char *tb = testbed_use_copy("ubuntu-v100");
	const char *v100 = "%s/sys/devices/pci0000:40/0000:40:03.1/0000:41:00.0";
	char path[8192];

	snprintf(path, sizeof(path), v100, tb);
	/* missing vendor, garbage class, an unreadable (directory) device file,
	 * a dangling driver link, garbage in an mdev count */
	sh("rm %s/vendor && echo 'banana' > %s/class && rm %s/device && mkdir %s/device", path);
	sh("ln -sfn ../../../../bus/pci/drivers/gone %s/driver; echo x > %s/mdev_supported_types/nvidia-300/available_instances", path);

	struct host *h = scan(NULL);
	const struct host_device *d = host_find(h, "41:00.0");
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->vendor_id, -1);
	ck_assert_int_eq(d->device_id, -1);
	ck_assert_int_eq(d->class_code, -1);
	ck_assert_ptr_null(d->driver); /* the driver it names is gone */
	ck_assert_str_eq(d->vendor_name, "Vendor unknown");
	ck_assert_int_eq(d->mdev_types[1].available_instances, -1);
	ck_assert_int_eq(d->iommu_group, 66);
	ck_assert_uint_eq(count_lines(logged, "0000:41:00.0: vendor: No such file"), 1);
	ck_assert_uint_eq(count_lines(logged, "0000:41:00.0: device: Is a directory"), 1);
	ck_assert_uint_eq(count_lines(logged, "0000:41:00.0: class: not a hex number: 'banana'"), 1);
	ck_assert_uint_eq(count_lines(logged, "nvidia-300: available_instances: not a number"), 1);
	ck_assert_uint_eq(count_lines(logged, "0000:41:00.0: driver: dangling link to gone"), 1);
	/* the other devices are intact */
	ck_assert_int_eq(host_find(h, "61:00.1")->vendor_id, 0x8086);
	host_free(h);
}
END_TEST

START_TEST(test_out_of_range)
{
	const char *tb = testbed_use_copy("ubuntu-v100");

	sh("echo 0x1ffff > %s/sys/bus/pci/devices/0000:61:00.0/vendor", tb);
	sh("echo 0x99999999999 > %s/sys/bus/pci/devices/0000:61:00.0/device", tb);
	sh("echo 0x1030000 > %s/sys/bus/pci/devices/0000:61:00.1/class", tb);
	struct host *h = scan(NULL);
	const struct host_device *d = host_find(h, "61:00.0");
	ck_assert_int_eq(d->vendor_id, -1);
	ck_assert_int_eq(d->device_id, -1);
	ck_assert_int_eq(host_find(h, "61:00.1")->class_code, -1);
	ck_assert_msg(count_lines(logged, "0000:61:00.0: vendor: 0x1ffff is out of range") == 1, "log: %s", logged);
	ck_assert_uint_eq(count_lines(logged, "0000:61:00.0: device: "), 1);
	ck_assert_uint_eq(count_lines(logged, "0000:61:00.1: class: 0x1030000 is out of range"), 1);
	host_free(h);
}
END_TEST

START_TEST(test_dangling_vf_and_group)
{
	const char *tb = testbed_use_copy("proxmox-n100");

	/* a VF removed while its PF's link still points at it; a group gone */
	sh("rm -rf %s/sys/devices/pci0000:00/0000:00:02.3 %s/sys/bus/pci/devices/0000:00:02.3", tb);
	sh("rm -rf %s/sys/kernel/iommu_groups/7", tb);
	struct host *h = scan(NULL);
	const struct host_device *pf = host_find(h, "00:02.0");
	ck_assert_uint_eq(pf->n_vfs, 2);   /* only VFs that exist */
	ck_assert_int_eq(host_find(h, "01:00.0")->iommu_group, -1);
	ck_assert_msg(count_lines(logged, "0000:00:02.0: virtfn2: dangling link to 0000:00:02.3") == 1, "log: %s", logged);
	ck_assert_uint_eq(count_lines(logged, "0000:01:00.0: iommu_group: dangling link to 7"), 1);
	host_free(h);
}
END_TEST

START_TEST(test_garbage_pci_ids)
{
	/* libpci's own error handler would exit the process: ours logs once and
	 * every name falls back to numbers, and the scan goes on. */
	char ids[] = "/tmp/gv-pciids.XXXXXX";
	int fd = mkstemp(ids);
	ck_assert_int_ge(fd, 0);
	static const char garbage[] = "10de  NVIDIA\n\tgarbage without an id\n\x01\x02\n";
	ck_assert_int_gt(write(fd, garbage, sizeof(garbage) - 1), 0);
	close(fd);
	setenv("GPUVIRT_PCI_IDS", ids, 1);
	struct host *h = scan("ubuntu-v100");
	const struct host_device *d = host_find(h, "41:00.0");
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d->device_name, "Device 10de:1db4");
	ck_assert_int_eq(d->vendor_id, 0x10de);
	ck_assert_msg(count_lines(logged, "pci.ids: ") == 1, "log: %s", logged);
	ck_assert_uint_eq(host_n_devices(h), 11);
	host_free(h);
	unlink(ids);
}
END_TEST

START_TEST(test_device_vanished)
{
	const char *tb = testbed_use_copy("ubuntu-v100");

	/* Gone for good: libudev no longer lists it, and nothing else breaks. */
	sh("rm -rf %s/sys/devices/pci0000:60/0000:60:01.1/0000:61:00.1", tb);
	struct host *gone = scan(NULL);
	ck_assert_ptr_null(host_find(gone, "61:00.1"));
	ck_assert_uint_eq(host_n_devices(gone), 10);
	host_free(gone);
	/* Going while we read it: listed by libudev, gone when we open it. */
	setenv("GPUVIRT_TEST_VANISH", "0000:61:00.0", 1);
	struct host *h = scan(NULL);
	ck_assert_ptr_null(host_find(h, "61:00.0"));
	ck_assert_ptr_nonnull(host_find(h, "60:01.1"));
	ck_assert_msg(count_lines(logged, "0000:61:00.0: vanished during the scan") == 1, "log: %s", logged);
	host_free(h);
}
END_TEST

START_TEST(test_empty_sys)
{
	const char *tb = testbed_use_copy("ubuntu-v100");

	sh("rm -rf %s/sys/devices %s/sys/bus %s/sys/kernel %s/sys/class", tb);
	struct host *h = scan(NULL);
	ck_assert_uint_eq(host_n_devices(h), 0);
	ck_assert_uint_eq(host_n_groups(h), 0);
	/* one problem, one line */
	ck_assert_msg(count_lines(logged, "\n") == 1 && strstr(logged, "no PCI devices found"), "log: %s", logged);
	host_free(h);
}
END_TEST

START_TEST(test_missing_proc)
{
	const char *tb = testbed_use_copy("ubuntu-v100");

	/* With the test bed's /proc files gone the preload would fall through to
	 * the real machine's; replace them with unreadable directories instead. */
	sh("rm %s/proc/cpuinfo %s/proc/cmdline && mkdir %s/proc/cpuinfo %s/proc/cmdline", tb);
	struct host *h = scan(NULL);
	ck_assert_int_eq(host_cpu_vendor(h), HOST_CPU_UNKNOWN);
	ck_assert(!host_cpu_has_flag(h, "svm"));
	ck_assert_uint_gt(host_n_devices(h), 0);
	host_free(h);
}
END_TEST

/* An empty test bed: no /sys at all, so nothing can come from the machine. */
static void empty_testbed(void)
{
	static char bed[1024];

	snprintf(bed, sizeof(bed), "%s/gv-empty-bed.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert(mkdtemp(bed) != NULL);
	unsetenv("UMOCKDEV_DIR");
	sh("mkdir %s/sys && echo 'gpuvirt test bed: empty' > %s/sys/.gpuvirt-testbed", bed);
	setenv("UMOCKDEV_DIR", bed, 1);
	testbed_assert_inside();
}

/* The sample host's firmware facts come from memory, like its devices: a
 * stock Ubuntu install on an AMD EPYC server. */
START_TEST(test_demo_firmware)
{
	struct host *h = NULL, *again = NULL;
	const struct firmware *fw;
	const struct cmdline *args;

	empty_testbed();
	ck_assert_int_eq(host_demo(&h), 0);
	fw = host_firmware(h);
	ck_assert_int_eq(firmware_cpu_vendor(fw), HOST_CPU_AMD);
	ck_assert(firmware_cpu_has_flag(fw, "svm") && !firmware_cpu_has_flag(fw, "vmx"));
	ck_assert(!firmware_cpu_has_flag(fw, "hypervisor"));
	ck_assert(firmware_kvm_module(fw));
	ck_assert_int_eq(firmware_kvm_dev(fw), 0);
	ck_assert(firmware_acpi_readable(fw) && firmware_has_ivrs(fw) && !firmware_has_dmar(fw));
	ck_assert_uint_eq(firmware_n_iommus(fw), 4);
	ck_assert_str_eq(firmware_iommu(fw, 0), "ivhd0");
	ck_assert_uint_eq(firmware_n_iommu_groups(fw), host_n_groups(h));
	const char *type = NULL;
	ck_assert_int_eq(firmware_iommu_group(fw, 4, &type), 66);
	ck_assert_str_eq(type, "DMA-FQ");
	ck_assert_str_eq(host_find_group(h, 66)->type, "DMA-FQ");
	ck_assert(firmware_interrupts_readable(fw));
	ck_assert(!strncmp(firmware_ir_chip(fw), "IR-", 3));
	ck_assert(firmware_efi(fw));
	ck_assert_int_eq(firmware_secure_boot(fw), 0);
	ck_assert_str_eq(firmware_kernel_release(fw), "6.8.0-45-generic");
	ck_assert(firmware_kernel_at_least(fw, 6, 8));
	/* Ubuntu's stock line: nothing for the IOMMU yet */
	args = firmware_cmdline_args(fw);
	ck_assert_ptr_nonnull(args);
	ck_assert(cmdline_has_key(args, "root") && cmdline_contains(args, "quiet"));
	ck_assert(!cmdline_has_key(args, "iommu") && !cmdline_has_key(args, "amd_iommu"));
	ck_assert_str_eq(host_cmdline(h), firmware_cmdline(fw));
	ck_assert(firmware_modules_readable(fw));
	ck_assert(firmware_module_loaded(fw, "nouveau") && firmware_module_loaded(fw, "kvm-amd"));
	ck_assert(!firmware_module_loaded(fw, "vfio_pci"));
	/* booted once: a fresh copy (the demo's rescan) is the same boot */
	ck_assert_int_gt(firmware_boot_time(fw), 0);
	ck_assert_int_eq(host_demo(&again), 0);
	ck_assert_int_eq(firmware_boot_time(host_firmware(again)), firmware_boot_time(fw));
	/* the drivers' modules, as a scan reads them from the module links */
	ck_assert_str_eq(host_find(h, "41:00.0")->driver_module, "nouveau");
	ck_assert_ptr_null(host_find(h, "00:01.1")->driver_module);   /* pcieport: built in */
	host_free(again);
	host_free(h);
}
END_TEST

/* The driver's module is read with the scan, from the driver's module link. */
START_TEST(test_driver_module)
{
	const char *tb = testbed_use_copy("ubuntu-v100");
	struct host *h;

	sh("ln -s ../../../../module/nouveau %s/sys/bus/pci/drivers/nouveau/module", tb);
	h = scan(NULL);
	ck_assert_str_eq(host_find(h, "41:00.0")->driver, "nouveau");
	ck_assert_str_eq(host_find(h, "41:00.0")->driver_module, "nouveau");
	ck_assert_ptr_null(host_find(h, "61:00.0")->driver_module);    /* igb without a link */
	ck_assert_ptr_null(host_find(h, "00:00.0")->driver_module);    /* no driver */
	host_free(h);
}
END_TEST

/* host_device_recheck(): what sits at the address now, read again for a
 * scanned host; the sample host answers from memory, with no /sys at all. */
START_TEST(test_recheck)
{
	const char *tb = testbed_use_copy("ubuntu-v100");
	struct gv_error err = { 0 };
	struct host *h = scan(NULL), *demo = NULL, *other = NULL;
	const struct host_device *d = host_find(h, "41:00.0");

	ck_assert_int_eq(host_device_recheck(h, d, &err), 0);
	/* renumbered: another card at the address */
	sh("printf '0x1002\\n' > %s/sys/bus/pci/devices/0000:41:00.0/vendor", tb);
	ck_assert_int_eq(host_device_recheck(h, d, &err), -ENODEV);
	ck_assert_str_eq(err.msg, "0000:41:00.0: now 1002:1db4, but 10de:1db4 when scanned; renumbered? rescan");
	/* unplugged */
	sh("rm -rf %s/sys/devices/pci0000:40/0000:40:03.1/0000:41:00.0 %s/sys/bus/pci/devices/0000:41:00.0", tb);
	ck_assert_int_eq(host_device_recheck(h, d, &err), -ENODEV);
	ck_assert_msg(!strncmp(err.msg, "0000:41:00.0: the device is gone (it was 10de:1db4 NVIDIA Corporation ", 70) &&
		      strstr(err.msg, "when scanned)"), "%s", err.msg);
	host_free(h);

	empty_testbed();
	ck_assert_int_eq(host_demo(&demo), 0);
	ck_assert_int_eq(host_demo(&other), 0);
	d = host_find(demo, "0000:41:00.0");
	ck_assert_int_eq(host_device_recheck(demo, d, &err), 0);
	ck_assert_int_eq(host_device_recheck(demo, host_find(other, "41:00.0"), &err), -ENODEV);
	ck_assert_str_eq(err.msg, "0000:41:00.0: not a device of this host");
	host_free(other);
	host_free(demo);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("host");
	TCase *tc = tcase_create("fixtures");
	TCase *bad = tcase_create("bad input");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ubuntu_v100);
	tcase_add_test(tc, test_n100_vfs);
	tcase_add_test(tc, test_desktop_shared_group);
	tcase_add_test(tc, test_iommu_off);
	tcase_add_test(tc, test_vmd_domain);
	tcase_add_test(tc, test_gvtg_mdev_instance);
	tcase_add_test(tc, test_large_host);
	tcase_add_test(tc, test_demo_matches_fixture);
	tcase_add_test(tc, test_demo_root_matches_fixture);
	tcase_add_test(tc, test_demo_firmware);
	tcase_add_test(tc, test_driver_module);
	tcase_add_test(tc, test_recheck);
	tcase_add_test(bad, test_bad_attributes);
	tcase_add_test(bad, test_device_vanished);
	tcase_add_test(bad, test_out_of_range);
	tcase_add_test(bad, test_dangling_vf_and_group);
	tcase_add_test(bad, test_garbage_pci_ids);
	tcase_add_test(bad, test_empty_sys);
	tcase_add_test(bad, test_missing_proc);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, bad);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
