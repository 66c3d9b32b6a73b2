/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/scan/host.h"
#include "core/scan/host-private.h"
#include "core/util/log.h"
#include "core/util/testbed.h"
#include "core/scan/names.h"
#include "core/util/xalloc.h"

/* ---- reading attributes ------------------------------------------------ */

/*
 * Read a small attribute relative to an open directory. Reading through a
 * directory fd keeps each file to one openat() (and under umockdev, one path
 * translation for the whole device). Returns the length, or -errno.
 */
static int read_attr(int dirfd, const char *name, char *buf, size_t size)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	close(fd);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return (int)n;
}

/* Parse a numeric attribute in BASE (16 takes "0x10de" or "10de"); -1 with
 * one log line when the file is missing (unless QUIET_IF_MISSING), unreadable
 * or not a number. */
static long read_num(int dirfd, const char *ctx, const char *name, int base, long max, bool quiet_if_missing)
{
	char buf[64], *end;
	long v;
	int r = read_attr(dirfd, name, buf, sizeof(buf));

	if (r < 0) {
		if (!(quiet_if_missing && r == -ENOENT))
			gv_log(GV_LOG_WARN, "%s: %s: %s", ctx, name, strerror(-r));
		return -1;
	}
	errno = 0;
	v = strtol(buf, &end, base);
	if (errno || end == buf || *end || v < 0) {
		gv_log(GV_LOG_WARN, "%s: %s: not a%s number: '%.32s'", ctx, name, base == 16 ? " hex" : "", buf);
		return -1;
	}
	if (v > max) {
		gv_log(GV_LOG_WARN, "%s: %s: %s is out of range", ctx, name, buf);
		return -1;
	}
	return v;
}

/* A 16-bit PCI id ("0x10de"). */
static int read_id(int dirfd, const char *ctx, const char *name, bool quiet_if_missing)
{
	return (int)read_num(dirfd, ctx, name, 16, 0xffff, quiet_if_missing);
}

static int read_dec(int dirfd, const char *ctx, const char *name, bool quiet_if_missing)
{
	return (int)read_num(dirfd, ctx, name, 10, 1 << 20, quiet_if_missing);
}

/* Basename of a symlink's target, or NULL when there is no link. */
static char *read_link_base(int dirfd, const char *name)
{
	char buf[4096];
	ssize_t n = readlinkat(dirfd, name, buf, sizeof(buf) - 1);

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	char *slash = strrchr(buf, '/');
	return xstrdup(slash ? slash + 1 : buf);
}

/* The basename of a link that must lead somewhere (driver, iommu_group,
 * virtfnN): a dangling one is logged and read as absent, since what it
 * names is gone (a driver unloaded, a VF removed, mid-scan). */
static char *read_live_link(int dirfd, const char *ctx, const char *name)
{
	char *base = read_link_base(dirfd, name);

	if (base && faccessat(dirfd, name, F_OK, 0) < 0) {
		gv_log(GV_LOG_WARN, "%s: %s: dangling link to %s", ctx, name, base);
		free(base);
		return NULL;
	}
	return base;
}

static char *read_string_attr(int dirfd, const char *name)
{
	char buf[4096];

	if (read_attr(dirfd, name, buf, sizeof(buf)) < 0)
		return NULL;
	return xstrdup(buf);
}

/* ---- building a snapshot ----------------------------------------------- */

struct host *host_alloc(void)
{
	return xcalloc(1, sizeof(struct host));
}

struct host_device *host_add_device(struct host *h, const struct pciaddr *a)
{
	if (h->n_devices == h->cap_devices) {
		h->cap_devices = h->cap_devices ? h->cap_devices * 2 : 64;
		h->devices = xreallocarray(h->devices, h->cap_devices, sizeof(*h->devices));
	}
	struct host_device *d = &h->devices[h->n_devices++];
	memset(d, 0, sizeof(*d));
	d->addr = *a;
	pciaddr_format(a, d->address);
	d->vendor_id = d->device_id = d->subsys_vendor_id = d->subsys_device_id = -1;
	d->class_code = -1;
	d->iommu_group = -1;
	d->boot_vga = -1;
	d->sriov_total = d->sriov_num = -1;
	d->vgpu_current = -1;
	d->sriov_offset = d->sriov_stride = d->sriov_vf_device = d->sriov_autoprobe = -1;
	d->sriov_driver_max_vfs = -1;
	d->vfio_open = -1;
	return d;
}

void host_device_add_vf(struct host_device *d, const char *address)
{
	d->vfs = xreallocarray(d->vfs, d->n_vfs + 1, sizeof(*d->vfs));
	d->vfs[d->n_vfs++] = xstrdup(address);
}

struct host_mdev_type *host_device_add_mdev_type(struct host_device *d, const char *id)
{
	d->mdev_types = xreallocarray(d->mdev_types, d->n_mdev_types + 1, sizeof(*d->mdev_types));
	struct host_mdev_type *t = &d->mdev_types[d->n_mdev_types++];
	memset(t, 0, sizeof(*t));
	t->id = xstrdup(id);
	t->available_instances = -1;
	return t;
}

struct host_mdev *host_device_add_mdev(struct host_device *d, const char *uuid, const char *type)
{
	d->mdevs = xreallocarray(d->mdevs, d->n_mdevs + 1, sizeof(*d->mdevs));
	d->mdevs[d->n_mdevs].uuid = xstrdup(uuid);
	d->mdevs[d->n_mdevs].type = xstrdup(type);
	d->mdevs[d->n_mdevs].iommu_group = -1;
	return &d->mdevs[d->n_mdevs++];
}

static int cmp_device(const void *a, const void *b)
{
	return pciaddr_cmp(&((const struct host_device *)a)->addr, &((const struct host_device *)b)->addr);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void host_finish(struct host *h, struct names *names)
{
	if (h->n_devices > 1)
		qsort(h->devices, h->n_devices, sizeof(*h->devices), cmp_device);

	for (size_t i = 0; i < h->n_devices; i++) {
		struct host_device *d = &h->devices[i];
		if (names) {
			if (!d->vendor_name)
				d->vendor_name = names_vendor(names, d->vendor_id);
			if (!d->device_name)
				d->device_name = names_device(names, d->vendor_id, d->device_id);
			if (!d->class_name)
				d->class_name = names_class(names, d->class_code);
		}
		if (!d->vendor_name)
			d->vendor_name = xstrdup("Vendor unknown");
		if (!d->device_name)
			d->device_name = xstrdup("Device unknown");
		if (!d->class_name)
			d->class_name = xstrdup("Class unknown");
		if (d->n_mdev_types > 1)
			qsort(d->mdev_types, d->n_mdev_types, sizeof(*d->mdev_types), cmp_str);
	}

	/* Group ids are not contiguous: collect, sort, then fill members in
	 * address order (devices are sorted already). */
	int *ids = xcalloc(h->n_devices, sizeof(int));
	size_t n_ids = 0;
	for (size_t i = 0; i < h->n_devices; i++)
		if (h->devices[i].iommu_group >= 0)
			ids[n_ids++] = h->devices[i].iommu_group;
	if (n_ids > 1)
		qsort(ids, n_ids, sizeof(int), cmp_int);
	h->groups = xcalloc(n_ids, sizeof(*h->groups));
	h->n_groups = 0;
	for (size_t i = 0; i < n_ids; i++)
		if (h->n_groups == 0 || h->groups[h->n_groups - 1].id != ids[i])
			h->groups[h->n_groups++].id = ids[i];
	free(ids);
	for (size_t i = 0; i < h->n_devices; i++) {
		const struct host_device *d = &h->devices[i];
		struct host_iommu_group *g = (struct host_iommu_group *)host_find_group(h, d->iommu_group);
		if (!g)
			continue;
		g->devices = xreallocarray(g->devices, g->n_devices + 1, sizeof(*g->devices));
		g->devices[g->n_devices++] = d;
	}
	/* /sys/kernel/iommu_groups was read once, with the firmware facts. */
	for (size_t i = 0, k = 0; i < h->n_groups; i++) {
		while (k < h->fw.n_groups && h->fw.groups[k].id < h->groups[i].id)
			k++;
		if (k < h->fw.n_groups && h->fw.groups[k].id == h->groups[i].id)
			h->groups[i].type = xstrdup(h->fw.groups[k].type);
	}
}

/* ---- scanning the running host --------------------------------------- */

static void scan_mdev_types(struct host_device *d, int devfd)
{
	int tfd = openat(devfd, "mdev_supported_types", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tfd < 0)
		return;
	DIR *dir = fdopendir(tfd);
	if (!dir) {
		close(tfd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		int fd = openat(tfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		struct host_mdev_type *t = host_device_add_mdev_type(d, de->d_name);
		char ctx[PCIADDR_STRLEN + 300];
		snprintf(ctx, sizeof(ctx), "%s: mdev type %s", d->address, de->d_name);
		t->name = read_string_attr(fd, "name");
		t->available_instances = read_dec(fd, ctx, "available_instances", false);
		t->device_api = read_string_attr(fd, "device_api");
		t->description = read_string_attr(fd, "description");
		close(fd);
	}
	closedir(dir);
}

/* Existing mdevs live under their parent device; /sys/bus/mdev/devices lists
 * them all, so one pass finds every instance. */
static void scan_mdevs(struct host *h)
{
	DIR *dir = opendir("/sys/bus/mdev/devices");
	struct dirent *de;

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		char path[512], real[4096];
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s", de->d_name);
		if (!realpath(path, real)) {
			gv_log(GV_LOG_WARN, "mdev %s: %s", de->d_name, strerror(errno));
			continue;
		}
		char *slash = strrchr(real, '/');
		if (!slash)
			continue;
		*slash = '\0';
		const char *parent = strrchr(real, '/');
		struct host_device *d = parent ? (struct host_device *)host_find(h, parent + 1) : NULL;
		if (!d) {
			gv_log(GV_LOG_DEBUG, "mdev %s: parent %s is not a PCI device", de->d_name, real);
			continue;
		}
		int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		char *type = fd >= 0 ? read_link_base(fd, "mdev_type") : NULL;
		char *group = fd >= 0 ? read_live_link(fd, de->d_name, "iommu_group") : NULL;
		if (fd >= 0)
			close(fd);
		struct host_mdev *m = host_device_add_mdev(d, de->d_name, type);
		if (group)
			m->iommu_group = atoi(group);
		free(type);
		free(group);
	}
	closedir(dir);
}

/* Each driver's module and SR-IOV facts, read once per driver rather than
 * once per device: a host with a thousand VFs has a handful of drivers. */
struct driver_facts {
	char *driver, *module;
	bool sriov_read;
	enum host_sriov_driver sriov;
	int max_vfs;
};

struct driver_modules {
	struct driver_facts *v;
	size_t n;
};

/* Drivers with sriov_configure (their VF count is set through
 * sriov_numvfs), and drivers of devices with an SR-IOV capability that
 * have none. i915 and xe are decided by their max_vfs parameter, vfio-pci
 * by its enable_sriov. */
static const char *const sriov_drivers_can[] = {
	"igb", "ixgbe", "i40e", "ice", "fm10k", "mlx4_core", "mlx5_core", "bnxt_en", "qede", "qlcnic", "be2net",
	"cxgb4", "nfp", "sfc", "ionic", "hinic", "hns3", "octeon_ep", "nvme", "pci-pf-stub", NULL,
};
static const char *const sriov_drivers_cannot[] = { "nouveau", "amdgpu", "radeon", NULL };

static bool in_list(const char *const *list, const char *name)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(list[i], name))
			return true;
	return false;
}

/* /sys/module/MODULE/parameters/PARAM, trimmed; NULL when absent. */
static char *module_param(const char *module, const char *param)
{
	char path[512], buf[64];
	int fd, r;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters", module);
	for (char *p = path + strlen("/sys/module/"); *p && *p != '/'; p++)
		if (*p == '-')
			*p = '_';
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	r = read_attr(fd, param, buf, sizeof(buf));
	if (r == -EACCES)
		snprintf(buf, sizeof(buf), "?");   /* there, but root's to read (i915's is 0400) */
	close(fd);
	return r >= 0 || r == -EACCES ? xstrdup(buf) : NULL;
}

static void driver_sriov(struct driver_facts *f)
{
	const char *m = f->module ? f->module : f->driver;
	char *max_vfs = module_param(m, "max_vfs");

	f->max_vfs = -1;
	if (max_vfs && max_vfs[0] >= '0' && max_vfs[0] <= '9')
		f->max_vfs = atoi(max_vfs);
	if (!strcmp(f->driver, "i915") || !strcmp(f->driver, "xe")) {
		/* the SR-IOV build of i915 and xe with PF support declare max_vfs */
		f->sriov = max_vfs ? HOST_SRIOV_DRIVER_CAN : HOST_SRIOV_DRIVER_CANNOT;
	} else if (!strcmp(f->driver, "vfio-pci")) {
		char *on = module_param("vfio_pci", "enable_sriov");
		f->sriov = on && (on[0] == 'Y' || on[0] == '1') ? HOST_SRIOV_DRIVER_CAN : HOST_SRIOV_DRIVER_CANNOT;
		free(on);
	} else if (in_list(sriov_drivers_can, f->driver)) {
		f->sriov = HOST_SRIOV_DRIVER_CAN;
	} else if (in_list(sriov_drivers_cannot, f->driver)) {
		f->sriov = HOST_SRIOV_DRIVER_CANNOT;
	} else {
		f->sriov = HOST_SRIOV_DRIVER_UNKNOWN;
	}
	free(max_vfs);
}

static const struct driver_facts *driver_facts(struct driver_modules *dm, int devfd, const char *driver)
{
	for (size_t i = 0; i < dm->n; i++)
		if (!strcmp(dm->v[i].driver, driver))
			return &dm->v[i];
	dm->v = xreallocarray(dm->v, dm->n + 1, sizeof(*dm->v));
	struct driver_facts *f = &dm->v[dm->n++];
	memset(f, 0, sizeof(*f));
	f->driver = xstrdup(driver);
	f->module = read_link_base(devfd, "driver/module");
	f->sriov = HOST_SRIOV_DRIVER_UNKNOWN;
	f->max_vfs = -1;
	return f;
}

static void driver_modules_free(struct driver_modules *dm)
{
	for (size_t i = 0; i < dm->n; i++) {
		free(dm->v[i].driver);
		free(dm->v[i].module);
	}
	free(dm->v);
}

/* The PF's own SR-IOV attributes (drivers/pci/iov.c), each VF's link, and
 * what its driver can do. */
static void scan_sriov(struct host_device *d, int fd, struct driver_modules *dm)
{
	char buf[64];

	d->sriov_num = read_dec(fd, d->address, "sriov_numvfs", false);
	d->sriov_offset = read_dec(fd, d->address, "sriov_offset", true);
	d->sriov_stride = read_dec(fd, d->address, "sriov_stride", true);
	if (d->sriov_stride < 0)   /* the name before the kernel's */
		d->sriov_stride = read_dec(fd, d->address, "sriov_vf_stride", true);
	/* bare hex, without 0x */
	if (read_attr(fd, "sriov_vf_device", buf, sizeof(buf)) > 0) {
		char *end;
		long v = strtol(buf, &end, 16);
		d->sriov_vf_device = !*end && v >= 0 && v <= 0xffff ? (int)v : -1;
	}
	d->sriov_autoprobe = read_dec(fd, d->address, "sriov_drivers_autoprobe", true);
	if (d->sriov_autoprobe > 1)
		d->sriov_autoprobe = 1;
	if (!d->driver) {
		d->sriov_driver = HOST_SRIOV_DRIVER_NONE;
	} else {
		struct driver_facts *f = (struct driver_facts *)driver_facts(dm, fd, d->driver);
		/* read on the first PF of the driver: most drivers have none */
		if (!f->sriov_read)
			driver_sriov(f);
		f->sriov_read = true;
		/* VFs there say it can, whatever gpuvirt knows of the driver */
		d->sriov_driver = d->sriov_num > 0 ? HOST_SRIOV_DRIVER_CAN : f->sriov;
		d->sriov_driver_max_vfs = f->max_vfs;
	}
	for (int i = 0; i < d->sriov_total && i < 4096; i++) {
		char link[32];
		snprintf(link, sizeof(link), "virtfn%d", i);
		char *vf = read_live_link(fd, d->address, link);
		if (!vf)
			break;
		host_device_add_vf(d, vf);
		free(vf);
	}
}

static void scan_device(struct host *h, int busfd, const char *name, const char *vanish,
			struct driver_modules *dm)
{
	struct pciaddr a;

	if (pciaddr_parse(name, &a) < 0) {
		gv_log(GV_LOG_WARN, "/sys/bus/pci/devices/%s: not a PCI address, skipped", name);
		return;
	}
	int fd = openat(busfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* Tests: a device that disappears between enumeration and reading (a
	 * race no test bed can stage on demand). */
	if (fd >= 0 && vanish && !strcmp(vanish, name)) {
		close(fd);
		fd = -1;
		errno = ENOENT;
	}
	if (fd < 0) {
		/* Removed between enumeration and now (hot unplug, VF count change). */
		gv_log(GV_LOG_WARN, "%s: %s during the scan, skipped", name,
		       errno == ENOENT ? "vanished" : strerror(errno));
		return;
	}
	struct host_device *d = host_add_device(h, &a);
	d->syspath = xasprintf("/sys/bus/pci/devices/%s", name);
	d->vendor_id = read_id(fd, d->address, "vendor", false);
	d->device_id = read_id(fd, d->address, "device", false);
	d->subsys_vendor_id = read_id(fd, d->address, "subsystem_vendor", true);
	d->subsys_device_id = read_id(fd, d->address, "subsystem_device", true);
	d->class_code = (int32_t)read_num(fd, d->address, "class", 16, 0xffffff, false);
	d->driver = read_live_link(fd, d->address, "driver");
	/* The module behind the driver (xhci_hcd -> xhci_pci) is what a softdep
	 * names; a driver without the link is built into the kernel. */
	if (d->driver) {
		const char *m = driver_facts(dm, fd, d->driver)->module;
		d->driver_module = m ? xstrdup(m) : NULL;
	}
	char *group = read_live_link(fd, d->address, "iommu_group");
	if (group) {
		char *end;
		long g = strtol(group, &end, 10);
		if (*end || g < 0)
			gv_log(GV_LOG_WARN, "%s: iommu_group: odd group '%s'", d->address, group);
		else
			d->iommu_group = (int)g;
		free(group);
	}
	if ((d->class_code >> 16) == 0x03)
		d->boot_vga = read_dec(fd, d->address, "boot_vga", true);
	d->physfn = read_link_base(fd, "physfn");
	d->sriov_total = read_dec(fd, d->address, "sriov_totalvfs", true);
	if (d->sriov_total >= 0)
		scan_sriov(d, fd, dm);
	/* vfio-pci enables the device when a user opens it: a VM holds it */
	if (d->driver && !strcmp(d->driver, "vfio-pci"))
		d->vfio_open = read_dec(fd, d->address, "enable", true) > 0;
	scan_mdev_types(d, fd);
	if (d->physfn && d->driver && !strcmp(d->driver, "nvidia"))
		host_scan_vgpu(d, fd);
	close(fd);
}

/*
 * Enumeration reads /sys/bus/pci/devices, the directory libudev itself reads
 * for subsystem "pci", and everything else relative to one directory fd per
 * device. Going through udev_enumerate instead builds a full sd_device per
 * function (realpath, uevent, subsystem link): on the 1,063-function fixture
 * that alone took as long as all of lspci -Dnnk. libudev is still the right
 * tool for watching devices come and go (the TUI's monitor).
 */
int host_scan(struct host **ret, struct gv_error *err)
{
	struct host *h = host_alloc();
	struct driver_modules dm = { 0 };
	struct names *names;
	DIR *bus;
	struct dirent *de;

	(void)err;
	firmware_read(&h->fw);
	bus = opendir("/sys/bus/pci/devices");
	if (!bus) {
		gv_log(GV_LOG_WARN, "/sys/bus/pci/devices: %s: no PCI devices found", strerror(errno));
	} else {
		int busfd = dirfd(bus);
		/* Tests only: inside a test bed, GPUVIRT_TEST_VANISH names a device
		 * that disappears between enumeration and reading. */
		const char *vanish = testbed_getenv("GPUVIRT_TEST_VANISH");
		while ((de = readdir(bus)))
			if (de->d_name[0] != '.')
				scan_device(h, busfd, de->d_name, vanish, &dm);
		if (h->n_devices == 0)
			gv_log(GV_LOG_WARN, "/sys/bus/pci/devices: no PCI devices found");
		closedir(bus);
	}
	driver_modules_free(&dm);
	names = names_new();
	host_finish(h, names);
	names_free(names);
	scan_mdevs(h);
	host_scan_vms(h);
	*ret = h;
	return 0;
}

void host_free(struct host *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n_devices; i++) {
		struct host_device *d = &h->devices[i];
		free(d->syspath);
		free(d->vendor_name);
		free(d->device_name);
		free(d->class_name);
		free(d->driver);
		free(d->driver_module);
		free(d->physfn);
		for (size_t j = 0; j < d->n_vfs; j++)
			free(d->vfs[j]);
		free(d->vfs);
		for (size_t j = 0; j < d->n_mdev_types; j++) {
			free(d->mdev_types[j].id);
			free(d->mdev_types[j].name);
			free(d->mdev_types[j].device_api);
			free(d->mdev_types[j].description);
		}
		free(d->mdev_types);
		for (size_t j = 0; j < d->n_mdevs; j++) {
			free(d->mdevs[j].uuid);
			free(d->mdevs[j].type);
		}
		free(d->mdevs);
	}
	host_mdev_clear(h);
	free(h->devices);
	for (size_t i = 0; i < h->n_groups; i++) {
		free(h->groups[i].type);
		free(h->groups[i].devices);
	}
	free(h->groups);
	firmware_clear(&h->fw);
	free(h);
}

/* ---- queries -------------------------------------------------------------- */

size_t host_n_devices(const struct host *h)
{
	return h->n_devices;
}

const struct host_device *host_device(const struct host *h, size_t i)
{
	return i < h->n_devices ? &h->devices[i] : NULL;
}

const struct host_device *host_find(const struct host *h, const char *address)
{
	struct pciaddr a;
	size_t lo = 0, hi = h->n_devices;

	if (!address || pciaddr_parse(address, &a) < 0)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = pciaddr_cmp(&h->devices[mid].addr, &a);
		if (c == 0)
			return &h->devices[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

size_t host_n_groups(const struct host *h)
{
	return h->n_groups;
}

const struct host_iommu_group *host_group(const struct host *h, size_t i)
{
	return i < h->n_groups ? &h->groups[i] : NULL;
}

const struct host_iommu_group *host_find_group(const struct host *h, int id)
{
	size_t lo = 0, hi = h->n_groups;

	if (id < 0)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (h->groups[mid].id == id)
			return &h->groups[mid];
		if (h->groups[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct firmware *host_firmware(const struct host *h)
{
	return &h->fw;
}

enum host_cpu_vendor host_cpu_vendor(const struct host *h)
{
	return h->fw.cpu_vendor;
}

bool host_cpu_has_flag(const struct host *h, const char *flag)
{
	return firmware_cpu_has_flag(&h->fw, flag);
}

const char *host_cmdline(const struct host *h)
{
	return h->fw.cmdline;
}

const char *host_kernel_release(const struct host *h)
{
	return h->fw.release;
}

/* Devices get unplugged and renumbered between a scan and a plan (REFERENCE.md
 * §8): look again at what sits at the address now, as Proxmox's PCI mappings do. */
int host_device_recheck(const struct host *h, const struct host_device *d, struct gv_error *err)
{
	int fd, ven = -1, dev = -1;

	if (h->in_memory)
		return host_find(h, d->address) == d ? 0
			: gv_error_set(err, -ENODEV, "%s: not a device of this host", d->address);
	fd = d->syspath ? open(d->syspath, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (fd >= 0) {
		char buf[64];
		if (read_attr(fd, "vendor", buf, sizeof(buf)) > 0)
			ven = (int)strtol(buf, NULL, 16);
		if (read_attr(fd, "device", buf, sizeof(buf)) > 0)
			dev = (int)strtol(buf, NULL, 16);
		close(fd);
	}
	if (ven < 0 || dev < 0)
		return gv_error_set(err, -ENODEV, "%s: the device is gone (it was %04x:%04x %s %s when scanned)",
				    d->address, d->vendor_id & 0xffff, d->device_id & 0xffff, d->vendor_name,
				    d->device_name);
	if (ven != d->vendor_id || dev != d->device_id)
		return gv_error_set(err, -ENODEV, "%s: now %04x:%04x, but %04x:%04x when scanned; renumbered? rescan",
				    d->address, ven, dev, d->vendor_id & 0xffff, d->device_id & 0xffff);
	return 0;
}

bool host_device_is_display(const struct host_device *d)
{
	return d->class_code >= 0 && (d->class_code >> 16) == 0x03;
}

bool host_device_is_bridge(const struct host_device *d)
{
	return d->class_code >= 0 && (d->class_code >> 16) == 0x06;
}

bool host_device_shares_group(const struct host *h, const struct host_device *d)
{
	const struct host_iommu_group *g = host_find_group(h, d->iommu_group);

	if (!g)
		return false;
	for (size_t i = 0; i < g->n_devices; i++) {
		const struct host_device *o = g->devices[i];
		/* Bridges stay with the host and do not stop assignment. */
		if (o == d || host_device_is_bridge(o))
			continue;
		if (!pciaddr_same_slot(&o->addr, &d->addr))
			return true;
	}
	return false;
}

size_t host_n_gpus(const struct host *h)
{
	size_t n = 0;

	for (size_t i = 0; i < h->n_devices; i++)
		if (host_device_is_display(&h->devices[i]) && !h->devices[i].physfn)
			n++;
	return n;
}

/* One place spells where the running host keeps a device's attributes; the
 * proposal stage names them for apply and reads nothing there. */
char *host_address_attr_path(const char *address, const char *attr)
{
	return xasprintf("/sys/bus/pci/devices/%s/%s", address, attr);
}

char *host_device_attr_path(const struct host_device *d, const char *attr)
{
	return host_address_attr_path(d->address, attr);
}

char *host_pci_bus_attr_path(const char *attr)
{
	return xasprintf("/sys/bus/pci/%s", attr);
}

int host_device_vf_address(const struct host_device *d, unsigned i, char ret[PCIADDR_STRLEN])
{
	struct pciaddr a = d->addr;
	unsigned long rid;

	if (d->sriov_offset < 0 || d->sriov_stride < 0)
		return -ENOENT;
	rid = ((unsigned long)a.bus << 8 | (unsigned long)a.dev << 3 | a.fn) + (unsigned long)d->sriov_offset +
	      (unsigned long)i * (unsigned long)d->sriov_stride;
	if (rid > 0xffff)
		return -ERANGE;
	a.bus = (uint8_t)(rid >> 8);
	a.dev = (uint8_t)((rid >> 3) & 0x1f);
	a.fn = (uint8_t)(rid & 7);
	pciaddr_format(&a, ret);
	return 0;
}

const char *host_sriov_driver_name(enum host_sriov_driver s)
{
	switch (s) {
	case HOST_SRIOV_DRIVER_NONE: return "no-driver";
	case HOST_SRIOV_DRIVER_CAN: return "can";
	case HOST_SRIOV_DRIVER_CANNOT: return "cannot";
	default: return "unknown";
	}
}
