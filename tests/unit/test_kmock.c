/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel double (tests/tools/kmock.c, build/libgvkmock.so): every rule
 * through a real write(2) in a test bed, as the kernel answers it.
 *
 * tests/run.sh starts unit tests under umockdev-wrapper, which puts
 * umockdev's library first; main() starts this program again with the
 * double before it, the order it needs. The test bed is made here by
 * tests/fixtures/mkhost from DESC, and each test gets a fresh copy.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <libudev.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/util/error.h"
#include "core/util/fsutil.h"
#include "testbed.h"

static const char DESC[] =
	"# An i915 PF with SR-IOV, a NIC whose VFs lie 128 routing IDs on with\n"
	"# stride 2, a PF without driver, one whose driver cannot configure\n"
	"# SR-IOV, an NVIDIA PF, a PF with VFs and no driver, GVT-g mdev types.\n"
	"cpu intel\n"
	"acpi DMAR\n"
	"iommu dmar0\n"
	"dev 0000:00:00.0 8086:461c 060000 group=1\n"
	"dev 0000:00:02.0 8086:46d1 030000 driver=i915 group=0 boot_vga=1 sub=8086:7270\n"
	"sriov 0000:00:02.0 total=7 num=0 kernel\n"
	"driver i915 sriov ids=8086:46d1\n"
	"driver vfio-pci\n"
	"mdevtype 0000:00:02.0 i915-GVTg_V5_4 name=GVTg_V5_4 avail=2 api=vfio-pci\n"
	"dev 0000:00:1c.0 8086:54be 060400 driver=pcieport group=6\n"
	"dev 0000:03:00.0 8086:1572 020000 parent=00:1c.0 driver=i40e group=7\n"
	"sriov 0000:03:00.0 total=64 num=0 first=03:10.0 stride=2 vf=8086:154c kernel\n"
	"driver i40e sriov\n"
	"dev 0000:05:00.0 15b3:1017 020000 group=9\n"
	"sriov 0000:05:00.0 total=8 num=0 kernel\n"
	"dev 0000:06:00.0 8086:10fb 020000 driver=ixgbe group=10\n"
	"sriov 0000:06:00.0 total=63 num=0 kernel\n"
	"dev 0000:07:00.0 8086:1521 020000 group=11\n"
	"sriov 0000:07:00.0 total=4 num=2 first=07:10.0 vfgroup=12 kernel\n"
	"dev 0000:41:00.0 10de:26b9 030200 driver=nvidia group=20\n"
	"sriov 0000:41:00.0 total=32 num=0 first=41:00.4 kernel\n"
	"driver nvidia sriov\n";

#define IGPU "/sys/bus/pci/devices/0000:00:02.0"
#define NIC "/sys/bus/pci/devices/0000:03:00.0"
#define NVPF "/sys/bus/pci/devices/0000:41:00.0"
#define GVTG IGPU "/mdev_supported_types/i915-GVTg_V5_4"

static char template_bed[PATH_MAX];

/* A fresh copy of the test bed; $UMOCKDEV_DIR points at it. */
static const char *bed_new(void)
{
	static char dir[PATH_MAX];
	char cmd[3 * PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/gv-kmock-bed.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert(mkdtemp(dir) != NULL);
	unsetenv("UMOCKDEV_DIR");
	snprintf(cmd, sizeof(cmd), "cp -a '%s/.' '%s/'", template_bed, dir);
	ck_assert_int_eq(system(cmd), 0);
	setenv("UMOCKDEV_DIR", dir, 1);
	testbed_assert_inside();
	return dir;
}

static void bed_drop(void)
{
	char cmd[PATH_MAX + 16];
	const char *d = getenv("UMOCKDEV_DIR");

	if (!d || !strstr(d, "gv-kmock-bed."))
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	unsetenv("UMOCKDEV_DIR");
	ck_assert_int_eq(system(cmd), 0);
}

/* The bed's own path for REL (for control files, which the test, not the
 * program under test, writes). */
static const char *bedp(const char *rel)
{
	static char p[2 * PATH_MAX];
	char canon[PATH_MAX];
	const char *d = getenv("UMOCKDEV_DIR");

	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(realpath(d, canon));
	snprintf(p, sizeof(p), "%s/%s", canon, rel);
	return p;
}

static void put(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fputs(s, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* One write(2) of VALUE (LEN bytes) to PATH: 0 or -errno. */
static int wrn(const char *path, const char *value, size_t len)
{
	int fd = open(path, O_WRONLY), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, value, len) != (ssize_t)len)
		r = -errno;
	ck_assert_int_eq(close(fd), 0);
	return r;
}

static int wr(const char *path, const char *value)
{
	return wrn(path, value, strlen(value));
}

/* What a read of PATH shows ("" when it cannot be read). */
static const char *rd(const char *path)
{
	static char buf[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

/* The name a link points at ("" when PATH is no link). */
static const char *lnk(const char *path)
{
	static char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	const char *s;

	buf[n > 0 ? n : 0] = '\0';
	s = strrchr(buf, '/');
	return s ? s + 1 : buf;
}

static bool there(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static bool logged(const char *line)
{
	FILE *f = fopen(bedp("kmock.log"), "r");
	char buf[8192];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(buf, sizeof(buf), f))
		found = strcmp(buf, line) == 0;
	fclose(f);
	return found;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

START_TEST(numvfs_errors)
{
	bed_new();
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "abc"), -EINVAL);
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "\n"), -EINVAL);
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "-1"), -EINVAL);
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "3 "), -EINVAL);
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "65536"), -EINVAL);   /* kstrtou16 overflow */
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "8"), -ERANGE);
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "0x8"), -ERANGE);
	ck_assert_int_eq(wrn(IGPU "/sriov_numvfs", "", 0), 0);
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "0"), 0);
	ck_assert_str_eq(rd(IGPU "/sriov_numvfs"), "0\n");
	ck_assert(!there(IGPU "/virtfn0"));
	/* no driver; a driver without sriov_configure (stock); the same count
	 * is a no-op before either is looked at */
	ck_assert_int_eq(wr("/sys/bus/pci/devices/0000:05:00.0/sriov_numvfs", "1"), -ENOENT);
	ck_assert_int_eq(wr("/sys/bus/pci/devices/0000:05:00.0/sriov_numvfs", "0"), 0);
	ck_assert_int_eq(wr("/sys/bus/pci/devices/0000:06:00.0/sriov_numvfs", "2\n"), -ENOENT);
	ck_assert_str_eq(rd("/sys/bus/pci/devices/0000:06:00.0/sriov_numvfs"), "0\n");
	ck_assert(logged("/sys/devices/pci0000:00/0000:00:02.0/sriov_numvfs abc EINVAL\n"));
	ck_assert(logged("/sys/devices/pci0000:00/0000:00:02.0/sriov_numvfs 8 ERANGE\n"));
	ck_assert(logged("/sys/devices/pci0000:06/0000:06:00.0/sriov_numvfs 2\\x0a ENOENT\n") ||
		  logged("/sys/devices/pci0000:06/0000:06:00.0/sriov_numvfs 2 ENOENT\n"));
	bed_drop();
}
END_TEST

START_TEST(numvfs_enable_disable)
{
	char p[256];

	bed_new();
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "3\n"), 0);
	ck_assert_str_eq(rd(IGPU "/sriov_numvfs"), "3\n");
	for (int i = 0; i < 3; i++) {
		char addr[16];
		snprintf(addr, sizeof(addr), "0000:00:02.%d", i + 1);
		snprintf(p, sizeof(p), IGPU "/virtfn%d", i);
		ck_assert_str_eq(lnk(p), addr);
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/physfn", addr);
		ck_assert_str_eq(lnk(p), "0000:00:02.0");
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/vendor", addr);
		ck_assert_str_eq(rd(p), "0x8086\n");
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/device", addr);
		ck_assert_str_eq(rd(p), "0x46d1\n");
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/class", addr);
		ck_assert_str_eq(rd(p), "0x030000\n");
		/* autoprobe is 1: the PF's driver */
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver", addr);
		ck_assert_str_eq(lnk(p), "i915");
		snprintf(p, sizeof(p), "/sys/bus/pci/drivers/i915/%s", addr);
		ck_assert(there(p));
		/* a new IOMMU group each, the lowest free ids (0, 1 are taken) */
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/iommu_group", addr);
		ck_assert_int_eq(atoi(lnk(p)), 2 + i);
		snprintf(p, sizeof(p), "/sys/kernel/iommu_groups/%d/devices/%s", 2 + i, addr);
		ck_assert(there(p));
	}
	ck_assert(!there(IGPU "/virtfn3"));
	ck_assert(strstr(rd("/sys/bus/pci/devices/0000:00:02.1/uevent"), "DRIVER=i915\n"));
	ck_assert(strstr(rd("/sys/bus/pci/devices/0000:00:02.1/uevent"), "PCI_SLOT_NAME=0000:00:02.1\n"));
	ck_assert_str_eq(rd("/sys/bus/pci/devices/0000:00:02.1/driver_override"), "(null)\n");
	/* same count: nothing; another non-zero count: EBUSY */
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "3"), 0);
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "2"), -EBUSY);
	ck_assert_str_eq(rd(IGPU "/sriov_numvfs"), "3\n");
	ck_assert(there("/sys/bus/pci/devices/0000:00:02.3"));
	/* 0 takes them away, with their links and groups */
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "0"), 0);
	ck_assert_str_eq(rd(IGPU "/sriov_numvfs"), "0\n");
	ck_assert(!there(IGPU "/virtfn0"));
	ck_assert(!there("/sys/bus/pci/devices/0000:00:02.1"));
	ck_assert(!there("/sys/devices/pci0000:00/0000:00:02.1"));
	ck_assert(!there("/sys/bus/pci/drivers/i915/0000:00:02.1"));
	ck_assert(!there("/sys/kernel/iommu_groups/2"));
	ck_assert(there("/sys/kernel/iommu_groups/1"));
	ck_assert(there("/sys/bus/pci/drivers/i915/0000:00:02.0"));
	/* and back to 7 */
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "7"), 0);
	ck_assert_str_eq(lnk(IGPU "/virtfn6"), "0000:00:02.7");
	bed_drop();
}
END_TEST

START_TEST(numvfs_offset_stride)
{
	bed_new();
	ck_assert_str_eq(rd(NIC "/sriov_offset"), "128\n");
	ck_assert_int_eq(wr(NIC "/sriov_numvfs", "65"), -ERANGE);
	ck_assert_int_eq(wr(NIC "/sriov_numvfs", "64"), 0);
	ck_assert_str_eq(lnk(NIC "/virtfn0"), "0000:03:10.0");
	ck_assert_str_eq(lnk(NIC "/virtfn1"), "0000:03:10.2");
	ck_assert_str_eq(lnk(NIC "/virtfn4"), "0000:03:11.0");
	ck_assert_str_eq(lnk(NIC "/virtfn63"), "0000:03:1f.6");
	ck_assert(!there(NIC "/virtfn64"));
	ck_assert_str_eq(rd("/sys/bus/pci/devices/0000:03:1f.6/device"), "0x154c\n");
	ck_assert_str_eq(rd("/sys/bus/pci/devices/0000:03:1f.6/class"), "0x020000\n");
	ck_assert_str_eq(lnk("/sys/bus/pci/devices/0000:03:1f.6/physfn"), "0000:03:00.0");
	/* under the PF's bridge, as the PF */
	ck_assert(there("/sys/devices/pci0000:00/0000:00:1c.0/0000:03:1f.6/vendor"));
	ck_assert_str_eq(rd(NIC "/sriov_numvfs"), "64\n");
	bed_drop();
}
END_TEST

START_TEST(autoprobe_and_vf_driver)
{
	bed_new();
	ck_assert_str_eq(rd(IGPU "/sriov_drivers_autoprobe"), "1\n");
	ck_assert_int_eq(wr(IGPU "/sriov_drivers_autoprobe", "0"), 0);
	ck_assert_str_eq(rd(IGPU "/sriov_drivers_autoprobe"), "0\n");
	ck_assert_int_eq(wr(IGPU "/sriov_drivers_autoprobe", "2"), -EINVAL);
	ck_assert_str_eq(rd(IGPU "/sriov_drivers_autoprobe"), "0\n");
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "2"), 0);
	ck_assert(!there("/sys/bus/pci/devices/0000:00:02.1/driver"));
	ck_assert(!there("/sys/bus/pci/devices/0000:00:02.2/driver"));
	ck_assert(!strstr(rd("/sys/bus/pci/devices/0000:00:02.1/uevent"), "DRIVER="));
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "0"), 0);
	/* the driver the VFs get, from the control file */
	ck_assert_int_eq(wr(IGPU "/sriov_drivers_autoprobe", "y\n"), 0);
	ck_assert_str_eq(rd(IGPU "/sriov_drivers_autoprobe"), "1\n");
	put(bedp("sys/devices/pci0000:00/0000:00:02.0/sriov_numvfs.kmock-vfdriver"), "vfio-pci\n");
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "2"), 0);
	ck_assert_str_eq(lnk("/sys/bus/pci/devices/0000:00:02.2/driver"), "vfio-pci");
	ck_assert(there("/sys/bus/pci/drivers/vfio-pci/0000:00:02.2"));
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "0"), 0);
	ck_assert(!there("/sys/bus/pci/drivers/vfio-pci/0000:00:02.2"));
	put(bedp("sys/devices/pci0000:00/0000:00:02.0/sriov_numvfs.kmock-vfdriver"), "none\n");
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "1"), 0);
	ck_assert(!there("/sys/bus/pci/devices/0000:00:02.1/driver"));
	bed_drop();
}
END_TEST

START_TEST(numvfs_partial_and_groups)
{
	bed_new();
	put(bedp("sys/devices/pci0000:00/0000:00:02.0/sriov_numvfs.kmock-partial"), "2\n");
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "5"), 0);   /* success, as the kernel says */
	ck_assert_str_eq(rd(IGPU "/sriov_numvfs"), "2\n");
	ck_assert(there(IGPU "/virtfn1"));
	ck_assert(!there(IGPU "/virtfn2"));
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "0"), 0);
	/* the VFs in the PF's group, then from a given id on */
	put(bedp("sys/devices/pci0000:00/0000:00:02.0/sriov_numvfs.kmock-group"), "pf\n");
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "2"), 0);
	ck_assert_str_eq(lnk("/sys/bus/pci/devices/0000:00:02.1/iommu_group"), "0");
	ck_assert_str_eq(lnk("/sys/bus/pci/devices/0000:00:02.2/iommu_group"), "0");
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "0"), 0);
	ck_assert(there("/sys/kernel/iommu_groups/0/devices/0000:00:02.0"));
	put(bedp("sys/devices/pci0000:00/0000:00:02.0/sriov_numvfs.kmock-group"), "30\n");
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "2"), 0);
	ck_assert_str_eq(lnk("/sys/bus/pci/devices/0000:00:02.2/iommu_group"), "31");
	ck_assert_str_eq(rd("/sys/kernel/iommu_groups/31/type"), "DMA\n");
	bed_drop();
}
END_TEST

START_TEST(injected_errno)
{
	struct gv_error e = { 0 };

	bed_new();
	/* through gpuvirt's own writer: the child's errno comes back */
	ck_assert_int_eq(fsutil_write_child(IGPU "/sriov_numvfs", "9", 5000, &e), -ERANGE);
	put(bedp("sys/devices/pci0000:00/0000:00:02.0/sriov_numvfs.kmock-errno"), "ENOMEM\n");
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "3"), -ENOMEM);
	ck_assert_str_eq(rd(IGPU "/sriov_numvfs"), "0\n");
	ck_assert(!there(IGPU "/virtfn0"));
	/* only for the values listed */
	put(bedp("sys/devices/pci0000:00/0000:00:02.0/sriov_numvfs.kmock-errno"), "EIO 7\n");
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "3\n"), 0);
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "0"), 0);
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "7\n"), -EIO);
	ck_assert(logged("/sys/devices/pci0000:00/0000:00:02.0/sriov_numvfs 7 EIO\n"));
	/* a number; and on another attribute */
	put(bedp("sys/devices/pci0000:00/0000:00:02.0/sriov_numvfs.kmock-errno"), "13\n");
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "1"), -EACCES);
	put(bedp("sys/bus/pci/drivers/vfio-pci/bind.kmock-errno"), "ENODEV\n");
	ck_assert_int_eq(wr("/sys/bus/pci/drivers/vfio-pci/bind", "0000:00:00.0"), -ENODEV);
	ck_assert_int_eq(fsutil_write_child(IGPU "/sriov_numvfs", "2", 5000, &e), -EACCES);
	ck_assert(strstr(e.msg, "Permission denied"));
	bed_drop();
}
END_TEST

START_TEST(delay_trips_timeout)
{
	struct gv_error e = { 0 };
	long t0;

	bed_new();
	put(bedp("sys/devices/pci0000:00/0000:00:02.0/sriov_numvfs.kmock-delay-ms"), "3000\n");
	t0 = now_ms();
	ck_assert_int_eq(fsutil_write_child(IGPU "/sriov_numvfs", "3", 300, &e), -ETIMEDOUT);
	ck_assert_int_lt(now_ms() - t0, 2500);
	/* the writer was killed while it waited: nothing happened */
	ck_assert(!there(IGPU "/virtfn0"));
	ck_assert_str_eq(rd(IGPU "/sriov_numvfs"), "0\n");
	put(bedp("sys/devices/pci0000:00/0000:00:02.0/sriov_numvfs.kmock-delay-ms"), "200\n");
	t0 = now_ms();
	ck_assert_int_eq(fsutil_write_child(IGPU "/sriov_numvfs", "3", 5000, &e), 0);
	ck_assert_int_ge(now_ms() - t0, 200);
	ck_assert(there(IGPU "/virtfn2"));
	bed_drop();
}
END_TEST

START_TEST(stdio_and_o_trunc)
{
	FILE *f;
	int fd;

	bed_new();
	/* fopen "w" is O_TRUNC, which sysfs ignores; fclose makes the store */
	f = fopen(IGPU "/sriov_numvfs", "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%d\n", 2);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_str_eq(rd(IGPU "/sriov_numvfs"), "2\n");
	ck_assert(there(IGPU "/virtfn1"));
	f = fopen(IGPU "/sriov_numvfs", "w");
	ck_assert_ptr_nonnull(f);
	fputs("5\n", f);
	errno = 0;
	ck_assert_int_eq(fclose(f), EOF);
	ck_assert_int_eq(errno, EBUSY);
	ck_assert_str_eq(rd(IGPU "/sriov_numvfs"), "2\n");
	/* opened for writing and closed unwritten: nothing changes */
	fd = open(IGPU "/sriov_numvfs", O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_str_eq(rd(IGPU "/sriov_numvfs"), "2\n");
	/* a descriptor moved by dup2 (what a shell's redirection does) */
	fd = open(IGPU "/sriov_numvfs", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	{
		int saved = dup(1);
		ck_assert_int_eq(dup2(fd, 1), 1);
		ck_assert_int_eq(close(fd), 0);
		ck_assert_int_eq(write(1, "0\n", 2), 2);
		ck_assert_int_eq(dup2(saved, 1), 1);
		close(saved);
	}
	ck_assert_str_eq(rd(IGPU "/sriov_numvfs"), "0\n");
	ck_assert(!there(IGPU "/virtfn0"));
	bed_drop();
}
END_TEST

START_TEST(override_bind_unbind_probe)
{
	bed_new();
	ck_assert_int_eq(wr(IGPU "/sriov_drivers_autoprobe", "0"), 0);
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "2"), 0);
	ck_assert(!there("/sys/bus/pci/devices/0000:00:02.1/driver"));
	/* driver_override alone binds nothing */
	ck_assert_int_eq(wr("/sys/bus/pci/devices/0000:00:02.1/driver_override", "vfio-pci\n"), 0);
	ck_assert_str_eq(rd("/sys/bus/pci/devices/0000:00:02.1/driver_override"), "vfio-pci\n");
	ck_assert(!there("/sys/bus/pci/devices/0000:00:02.1/driver"));
	/* drivers_probe: the override's driver */
	ck_assert_int_eq(wr("/sys/bus/pci/drivers_probe", "0000:00:02.1\n"), 0);
	ck_assert_str_eq(lnk("/sys/bus/pci/devices/0000:00:02.1/driver"), "vfio-pci");
	ck_assert_str_eq(lnk("/sys/bus/pci/drivers/vfio-pci/0000:00:02.1"), "0000:00:02.1");
	ck_assert(strstr(rd("/sys/bus/pci/devices/0000:00:02.1/uevent"), "DRIVER=vfio-pci\n"));
	ck_assert_int_eq(wr("/sys/bus/pci/drivers_probe", "0000:00:02.1"), 0);   /* bound: stays */
	ck_assert_int_eq(wr("/sys/bus/pci/drivers_probe", "0000:00:09.0"), -ENODEV);
	/* unbind: only from the driver it has */
	ck_assert_int_eq(wr("/sys/bus/pci/drivers/i915/unbind", "0000:00:02.1"), -ENODEV);
	ck_assert_int_eq(wr("/sys/bus/pci/drivers/vfio-pci/unbind", "0000:00:02.1\n"), 0);
	ck_assert(!there("/sys/bus/pci/devices/0000:00:02.1/driver"));
	ck_assert(!there("/sys/bus/pci/drivers/vfio-pci/0000:00:02.1"));
	ck_assert(!strstr(rd("/sys/bus/pci/devices/0000:00:02.1/uevent"), "DRIVER="));
	/* bind: the override decides; cleared by a lone newline, the id table */
	ck_assert_int_eq(wr("/sys/bus/pci/drivers/i915/bind", "0000:00:02.1"), -ENODEV);
	ck_assert_int_eq(wr("/sys/bus/pci/devices/0000:00:02.1/driver_override", "\n"), 0);
	ck_assert_str_eq(rd("/sys/bus/pci/devices/0000:00:02.1/driver_override"), "(null)\n");
	ck_assert_int_eq(wr("/sys/bus/pci/drivers/vfio-pci/bind", "0000:00:02.1"), -ENODEV);
	ck_assert_int_eq(wr("/sys/bus/pci/drivers/i915/bind", "0000:00:02.1\n"), 0);
	ck_assert_str_eq(lnk("/sys/bus/pci/devices/0000:00:02.1/driver"), "i915");
	ck_assert_int_eq(wr("/sys/bus/pci/drivers/i915/bind", "0000:00:02.1"), -EBUSY);
	ck_assert_int_eq(wr("/sys/bus/pci/drivers/i915/bind", "0000:00:09.0"), -ENODEV);
	/* write-only attributes cannot be read */
	ck_assert_int_eq(open("/sys/bus/pci/drivers/i915/bind", O_RDONLY), -1);
	ck_assert_int_eq(errno, EACCES);
	ck_assert_int_eq(open("/sys/bus/pci/drivers_probe", O_RDWR), -1);
	ck_assert_int_eq(errno, EACCES);
	/* new_id binds what now matches and is free; remove_id */
	ck_assert_int_eq(wr("/sys/bus/pci/drivers/vfio-pci/new_id", "zz"), -EINVAL);
	ck_assert_int_eq(wr("/sys/bus/pci/drivers/vfio-pci/new_id", "8086 46d1\n"), 0);
	ck_assert_str_eq(lnk("/sys/bus/pci/devices/0000:00:02.2/driver"), "vfio-pci");
	ck_assert_str_eq(lnk("/sys/bus/pci/devices/0000:00:02.1/driver"), "i915");
	ck_assert_int_eq(wr("/sys/bus/pci/drivers/vfio-pci/new_id", "8086 46d1"), -EEXIST);
	ck_assert_int_eq(wr("/sys/bus/pci/drivers/vfio-pci/remove_id", "8086 46d1"), 0);
	ck_assert_int_eq(wr("/sys/bus/pci/drivers/vfio-pci/remove_id", "8086 46d1"), -ENODEV);
	/* the PF's driver goes: its remove() takes the VFs with it */
	ck_assert_int_eq(wr("/sys/bus/pci/drivers/i915/unbind", "0000:00:02.0"), 0);
	ck_assert(!there("/sys/bus/pci/devices/0000:00:02.0/driver"));
	ck_assert(!there("/sys/bus/pci/devices/0000:00:02.1"));
	ck_assert_str_eq(rd(IGPU "/sriov_numvfs"), "0\n");
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "1"), -ENOENT);
	bed_drop();
}
END_TEST

START_TEST(vfio_refuses_pf_with_vfs)
{
	bed_new();
	/* 0000:07:00.0 has two VFs and no driver */
	ck_assert_str_eq(lnk("/sys/bus/pci/devices/0000:07:00.0/virtfn1"), "0000:07:10.1");
	ck_assert_int_eq(wr("/sys/bus/pci/devices/0000:07:00.0/driver_override", "vfio-pci"), 0);
	ck_assert_int_eq(wr("/sys/bus/pci/drivers/vfio-pci/bind", "0000:07:00.0"), -EBUSY);
	ck_assert_int_eq(wr("/sys/bus/pci/drivers_probe", "0000:07:00.0"), 0);
	ck_assert(!there("/sys/bus/pci/devices/0000:07:00.0/driver"));
	/* its VF is fine */
	ck_assert_int_eq(wr("/sys/bus/pci/devices/0000:07:10.0/driver_override", "vfio-pci"), 0);
	ck_assert_int_eq(wr("/sys/bus/pci/drivers/vfio-pci/bind", "0000:07:10.0"), 0);
	ck_assert_str_eq(lnk("/sys/bus/pci/devices/0000:07:10.0/driver"), "vfio-pci");
	bed_drop();
}
END_TEST

START_TEST(attributes_every_device_has)
{
	int fd;

	bed_new();
	/* mkhost makes no driver_override, bind, drivers_probe: the kernel has
	 * them, so they are there when opened */
	ck_assert(!there(bedp("sys/devices/pci0000:00/0000:00:00.0/driver_override")));
	ck_assert_str_eq(rd("/sys/bus/pci/devices/0000:00:00.0/driver_override"), "(null)\n");
	ck_assert_int_eq(wr("/sys/bus/pci/drivers/vfio-pci/unbind", "0000:00:00.0"), -ENODEV);
	ck_assert_int_eq(wr("/sys/bus/pci/drivers_probe", "0000:00:00.0"), 0);
	ck_assert(!there("/sys/bus/pci/devices/0000:00:00.0/driver"));
	/* a PF always has sriov_drivers_autoprobe, 1 from the start */
	ck_assert_int_eq(unlink(bedp("sys/devices/pci0000:00/0000:00:02.0/sriov_drivers_autoprobe")), 0);
	ck_assert_str_eq(rd(IGPU "/sriov_drivers_autoprobe"), "1\n");
	ck_assert_str_eq(rd("/sys/bus/pci/devices/0000:00:00.0/sriov_drivers_autoprobe"), "");
	/* a driver that is not registered has no bind */
	ck_assert_int_eq(wr("/sys/bus/pci/drivers/nouveau/bind", "0000:00:00.0"), -ENOENT);
	/* sysfs creates nothing: O_CREAT on a missing attribute is EACCES */
	fd = open("/sys/bus/pci/devices/0000:00:00.0/sriov_numvfs", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(errno, EACCES);
	ck_assert_int_eq(wr("/sys/bus/pci/devices/0000:00:00.0/sriov_numvfs", "1"), -ENOENT);
	ck_assert(!there(bedp("sys/devices/pci0000:00/0000:00:00.0/sriov_numvfs")));
	bed_drop();
}
END_TEST

START_TEST(mdev_create_remove)
{
	const char *u = "0c7d9b3e-6f1a-4c2e-9d4b-2a1f3e5c7b90";
	const char *U = "0C7D9B3E-6F1A-4C2E-9D4B-2A1F3E5C7B90";
	char p[256];
	int fd;

	bed_new();
	ck_assert_int_eq(wr(GVTG "/create", "xyz"), -EINVAL);
	ck_assert_int_eq(wr(GVTG "/create", "0c7d9b3e-6f1a-4c2e-9d4b-2a1f3e5c7b9"), -EINVAL);
	ck_assert_int_eq(wr(GVTG "/create", "0c7d9b3e-6f1a-4c2e-9d4b-2a1f3e5c7b9g"), -EINVAL);
	ck_assert_int_eq(wr(GVTG "/create", "0c7d9b3e-6f1a-4c2e-9d4b-2a1f3e5c7b900\n"), -EINVAL);
	ck_assert_str_eq(rd(GVTG "/available_instances"), "2\n");
	ck_assert_int_eq(wr(GVTG "/create", U), 0);   /* named in lower case */
	snprintf(p, sizeof(p), IGPU "/%s/mdev_type", u);
	ck_assert_str_eq(lnk(p), "i915-GVTg_V5_4");
	snprintf(p, sizeof(p), "/sys/bus/mdev/devices/%s", u);
	ck_assert_str_eq(lnk(p), u);
	snprintf(p, sizeof(p), GVTG "/devices/%s", u);
	ck_assert(there(p));
	snprintf(p, sizeof(p), "/sys/bus/mdev/devices/%s/iommu_group", u);
	ck_assert_int_eq(atoi(lnk(p)), 2);
	snprintf(p, sizeof(p), "/sys/bus/mdev/devices/%s/subsystem", u);
	ck_assert_str_eq(lnk(p), "mdev");
	ck_assert_str_eq(rd(GVTG "/available_instances"), "1\n");
	/* a UUID in use; none left */
	{
		char nl[64];
		snprintf(nl, sizeof(nl), "%s\n", u);
		ck_assert_int_eq(wr(GVTG "/create", nl), -EEXIST);
	}
	ck_assert_int_eq(wr(GVTG "/create", "11111111-2222-3333-4444-555555555555\n"), 0);
	ck_assert_str_eq(rd(GVTG "/available_instances"), "0\n");
	ck_assert_int_eq(wr(GVTG "/create", "66666666-2222-3333-4444-555555555555"), -EUSERS);
	fd = open(GVTG "/create", O_RDONLY);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(errno, EACCES);
	/* remove: 0 does nothing, a VM's device refuses, 1 removes */
	snprintf(p, sizeof(p), "/sys/bus/mdev/devices/%s/remove", u);
	ck_assert_int_eq(wr(p, "x"), -EINVAL);
	ck_assert_int_eq(wr(p, "0"), 0);
	put(bedp("sys/devices/pci0000:00/0000:00:02.0/0c7d9b3e-6f1a-4c2e-9d4b-2a1f3e5c7b90/kmock-in-use"), "");
	ck_assert_int_eq(wr(p, "1"), -EBUSY);
	unlink(bedp("sys/devices/pci0000:00/0000:00:02.0/0c7d9b3e-6f1a-4c2e-9d4b-2a1f3e5c7b90/kmock-in-use"));
	ck_assert_int_eq(wr(p, "1\n"), 0);
	snprintf(p, sizeof(p), "/sys/bus/mdev/devices/%s", u);
	ck_assert(!there(p));
	snprintf(p, sizeof(p), IGPU "/%s", u);
	ck_assert(!there(p));
	snprintf(p, sizeof(p), GVTG "/devices/%s", u);
	ck_assert(!there(p));
	ck_assert(!there("/sys/kernel/iommu_groups/2"));
	ck_assert_str_eq(rd(GVTG "/available_instances"), "1\n");
	ck_assert_int_eq(wr(GVTG "/create", u), 0);
	bed_drop();
}
END_TEST

START_TEST(nvidia_vgpu_type)
{
	const char *vf = "/sys/bus/pci/devices/0000:41:00.4/nvidia/current_vgpu_type";

	bed_new();
	/* what the nvidia driver gives each VF it probes */
	ck_assert_int_eq(mkdir(bedp("sys/devices/pci0000:41/0000:41:00.0/sriov_numvfs.kmock-vf"), 0755), 0);
	ck_assert_int_eq(mkdir(bedp("sys/devices/pci0000:41/0000:41:00.0/sriov_numvfs.kmock-vf/nvidia"), 0755), 0);
	put(bedp("sys/devices/pci0000:41/0000:41:00.0/sriov_numvfs.kmock-vf/nvidia/creatable_vgpu_types"),
	    "ID    : vGPU Name\n1145  : NVIDIA L40S-1B\n1147  : NVIDIA L40S-1Q\n");
	put(bedp("sys/devices/pci0000:41/0000:41:00.0/sriov_numvfs.kmock-vf/nvidia/current_vgpu_type"), "0\n");
	ck_assert_int_eq(wr(NVPF "/sriov_numvfs", "2"), 0);
	ck_assert_str_eq(lnk("/sys/bus/pci/devices/0000:41:00.5/driver"), "nvidia");
	ck_assert_str_eq(rd(vf), "0\n");
	ck_assert_int_eq(wr(vf, "abc"), -EINVAL);
	ck_assert_int_eq(wr(vf, "9999"), -EINVAL);    /* not creatable */
	ck_assert_int_eq(wr(vf, "1145\n"), 0);
	ck_assert_str_eq(rd(vf), "1145\n");
	ck_assert_int_eq(wr(vf, "1145"), 0);
	ck_assert_int_eq(wr(vf, "1147"), -EBUSY);     /* only by way of 0 */
	ck_assert_str_eq(rd(vf), "1145\n");
	put(bedp("sys/devices/pci0000:41/0000:41:00.4/kmock-in-use"), "");
	ck_assert_int_eq(wr(vf, "0"), -EBUSY);
	unlink(bedp("sys/devices/pci0000:41/0000:41:00.4/kmock-in-use"));
	ck_assert_int_eq(wr(vf, "0"), 0);
	ck_assert_int_eq(wr(vf, "1147"), 0);
	ck_assert_str_eq(rd("/sys/bus/pci/devices/0000:41:00.5/nvidia/current_vgpu_type"), "0\n");
	bed_drop();
}
END_TEST

START_TEST(udev_monitor_sees_vfs)
{
	struct udev *udev;
	struct udev_monitor *mon;
	int adds = 0, binds = 0, removes = 0;

	bed_new();
	udev = udev_new();
	mon = udev_monitor_new_from_netlink(udev, "udev");
	ck_assert_ptr_nonnull(mon);
	ck_assert_int_eq(udev_monitor_filter_add_match_subsystem_devtype(mon, "pci", NULL), 0);
	ck_assert_int_eq(udev_monitor_enable_receiving(mon), 0);
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "2"), 0);
	ck_assert_int_eq(wr(IGPU "/sriov_numvfs", "0"), 0);
	for (;;) {
		struct pollfd pfd = { udev_monitor_get_fd(mon), POLLIN, 0 };
		struct udev_device *d;
		if (poll(&pfd, 1, 500) <= 0)
			break;
		d = udev_monitor_receive_device(mon);
		if (!d)
			continue;
		const char *a = udev_device_get_action(d);
		ck_assert_str_eq(udev_device_get_subsystem(d), "pci");
		ck_assert(!strncmp(udev_device_get_sysname(d), "0000:00:02.", 11));
		adds += !strcmp(a, "add");
		binds += !strcmp(a, "bind") && !strcmp(udev_device_get_property_value(d, "DRIVER"), "i915");
		removes += !strcmp(a, "remove");
		udev_device_unref(d);
	}
	ck_assert_int_eq(adds, 2);
	ck_assert_int_eq(binds, 2);
	ck_assert_int_eq(removes, 2);
	udev_monitor_unref(mon);
	udev_unref(udev);
	bed_drop();
}
END_TEST

START_TEST(outside_the_bed_nothing_changes)
{
	char dir[] = "/tmp/gv-kmock-out.XXXXXX", p[PATH_MAX], cmd[PATH_MAX + 16];
	int fd;

	bed_new();
	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* a plain file named like an attribute, outside the bed's sys/ */
	snprintf(p, sizeof(p), "%s/sriov_numvfs", dir);
	put(p, "12\n");
	fd = open(p, O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "abc", 3), 3);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_str_eq(rd(p), "abc");
	/* off without a bed, and in a bed without gpuvirt's marker */
	unsetenv("UMOCKDEV_DIR");
	ck_assert_int_eq(wr(p, "99"), 0);
	ck_assert_str_eq(rd(p), "99c");
	snprintf(p, sizeof(p), "%s/sys/devices/x", dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", p);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(p, sizeof(p), "%s/sys/devices/x/sriov_numvfs", dir);
	put(p, "0\n");
	setenv("UMOCKDEV_DIR", dir, 1);
	ck_assert_int_eq(wr("/sys/devices/x/sriov_numvfs", "abc\n"), 0);
	unsetenv("UMOCKDEV_DIR");
	ck_assert_str_eq(rd(p), "abc\n");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	bed_drop();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("kmock");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, numvfs_errors);
	tcase_add_test(tc, numvfs_enable_disable);
	tcase_add_test(tc, numvfs_offset_stride);
	tcase_add_test(tc, autoprobe_and_vf_driver);
	tcase_add_test(tc, numvfs_partial_and_groups);
	tcase_add_test(tc, injected_errno);
	tcase_add_test(tc, delay_trips_timeout);
	tcase_add_test(tc, stdio_and_o_trunc);
	tcase_add_test(tc, override_bind_unbind_probe);
	tcase_add_test(tc, vfio_refuses_pf_with_vfs);
	tcase_add_test(tc, attributes_every_device_has);
	tcase_add_test(tc, mdev_create_remove);
	tcase_add_test(tc, nvidia_vgpu_type);
	tcase_add_test(tc, udev_monitor_sees_vfs);
	tcase_add_test(tc, outside_the_bed_nothing_changes);
	suite_add_tcase(s, tc);
	return s;
}

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
		fprintf(stderr, "test_kmock: the double is not first in LD_PRELOAD (%s)\n", pre ? pre : "");
		exit(1);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		perror("test_kmock: /proc/self/exe");
		exit(1);
	}
	exe[n] = '\0';
	/* BUILD/tests/test_kmock -> BUILD/libgvkmock.so */
	for (int i = 0; i < 2 && (slash = strrchr(exe, '/')); i++)
		*slash = '\0';
	snprintf(lib, sizeof(lib), "%s/libgvkmock.so", exe);
	if (access(lib, R_OK) != 0) {
		fprintf(stderr, "test_kmock: %s not built (make tests)\n", lib);
		exit(1);
	}
	if (asprintf(&env, "%s:%s", lib, pre && *pre ? pre : "libumockdev-preload.so.0") < 0)
		exit(1);
	setenv("LD_PRELOAD", env, 1);
	setenv("GV_KMOCK_REEXEC", "1", 1);
	execv("/proc/self/exe", argv);
	perror("test_kmock: exec");
	exit(1);
}

/* The test bed every test copies, from DESC by tests/fixtures/mkhost. */
static int make_template(void)
{
	const char *src = getenv("GV_SRCDIR");
	char desc[PATH_MAX + 16], cmd[4 * PATH_MAX];
	FILE *f;

	snprintf(template_bed, sizeof(template_bed), "%s/gv-kmock.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(template_bed))
		return -1;
	snprintf(desc, sizeof(desc), "%s/host.desc", template_bed);
	f = fopen(desc, "w");
	if (!f)
		return -1;
	fputs(DESC, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "'%s/tests/fixtures/mkhost' '%s' '%s/bed'", src ? src : ".", desc, template_bed);
	if (system(cmd) != 0)
		return -1;
	strcat(template_bed, "/bed");
	return 0;
}

int main(int argc, char **argv)
{
	SRunner *sr;
	char cmd[PATH_MAX + 16];
	int failed;

	(void)argc;
	preload_first(argv);
	unsetenv("UMOCKDEV_DIR");
	if (make_template() < 0) {
		fprintf(stderr, "test_kmock: cannot build the test bed\n");
		return 1;
	}
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	*strrchr(template_bed, '/') = '\0';
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", template_bed);
	if (system(cmd) != 0)
		return 1;
	return failed ? 1 : 0;
}
