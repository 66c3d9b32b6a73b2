/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mediated-device and vGPU part of the host snapshot (SRIOV-MDEV-VM.md
 * §2): NVIDIA's per-VF vGPU interface, the QEMU processes that hold
 * devices, which iGPUs have GVT-g, and the sysfs paths plans write. The
 * mdev parents, types and instances are read with the devices (host.c).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/scan/host-private.h"
#include "core/scan/host.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

/* A small file relative to DIRFD, whole (NUL-terminated; NULs inside are
 * kept, *RET_LEN says how much); NULL when it cannot be read. */
static char *slurp_at(int dirfd, const char *name, size_t max, size_t *ret_len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	char *buf;
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return NULL;
	buf = xmalloc(max + 1);
	while (len < max && (n = read(fd, buf + len, max - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	return buf;
}

void host_device_add_vgpu_type(struct host_device *d, int id, const char *name)
{
	d->vgpu_types = xreallocarray(d->vgpu_types, d->n_vgpu_types + 1, sizeof(*d->vgpu_types));
	d->vgpu_types[d->n_vgpu_types].id = id;
	d->vgpu_types[d->n_vgpu_types].name = xstrdup(name);
	d->n_vgpu_types++;
}

/*
 * nvidia/creatable_vgpu_types is a header line and "ID : name" lines
 * ("1145  : NVIDIA L40S-1B"); only the header once the GPU's framebuffer
 * is used up, which is no error.
 */
static void parse_vgpu_types(struct host_device *d, char *text)
{
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':'), *end, *name;
		long id;

		if (!colon)
			continue;
		errno = 0;
		id = strtol(line, &end, 10);
		while (end < colon && isspace((unsigned char)*end))
			end++;
		if (errno || end == line || end != colon || id <= 0 || id > 0x7fffffff)
			continue;   /* the "ID : vGPU Name" header */
		name = colon + 1;
		while (isspace((unsigned char)*name))
			name++;
		for (char *e = name + strlen(name); e > name && isspace((unsigned char)e[-1]);)
			*--e = '\0';
		host_device_add_vgpu_type(d, (int)id, name);
	}
}

void host_scan_vgpu(struct host_device *d, int devfd)
{
	char *cur = slurp_at(devfd, "nvidia/current_vgpu_type", 64, NULL), *types, *end;
	long v;

	if (!cur)
		return;
	errno = 0;
	v = strtol(cur, &end, 10);
	while (*end == '\n' || *end == ' ')
		end++;
	if (errno || end == cur || *end || v < 0 || v > 0x7fffffff)
		gv_log(GV_LOG_WARN, "%s: nvidia/current_vgpu_type: not a number: '%.32s'", d->address, cur);
	else
		d->vgpu_current = (int)v;
	free(cur);
	if (d->vgpu_current < 0)
		return;
	types = slurp_at(devfd, "nvidia/creatable_vgpu_types", 65536, NULL);
	if (types)
		parse_vgpu_types(d, types);
	else
		gv_log(GV_LOG_WARN, "%s: nvidia/creatable_vgpu_types: cannot read", d->address);
	free(types);
}

int host_vgpu_vf_index(const struct host_device *d, const struct pciaddr *vf)
{
	char want[PCIADDR_STRLEN], at[PCIADDR_STRLEN];

	/* only an NVIDIA PF on nvidia whose VFs are off makes them on demand */
	if (d->sriov_total <= 0 || d->sriov_num != 0 || d->sriov_stride <= 0 || !d->driver ||
	    strcmp(d->driver, "nvidia"))
		return -1;
	pciaddr_format(vf, want);
	for (int i = 0; i < d->sriov_total; i++)
		if (host_device_vf_address(d, (unsigned)i, at) == 0 && !strcmp(at, want))
			return i;
	return -1;
}

/* ---- the QEMU processes ---- */

static bool is_qemu(const char *argv0)
{
	const char *base = strrchr(argv0, '/');

	base = base ? base + 1 : argv0;
	/* Proxmox starts /usr/bin/kvm, a link to qemu-system-x86_64 */
	return !strncmp(base, "qemu", 4) || !strcmp(base, "kvm");
}

/* "-name guest=web01,debug-threads=on" (libvirt), "-name web01,..." */
static char *name_value(const char *v)
{
	const char *s = strncmp(v, "guest=", 6) ? v : v + 6;

	return xstrndup(s, strcspn(s, ","));
}

static void add_vm(struct host *h, int pid, char *args, size_t len)
{
	const char *name = NULL, *id = NULL;
	struct host_vm *vm;
	char *p, *end = args + len;

	if (!len || !is_qemu(args))
		return;
	for (p = args; p < end; p += strlen(p) + 1) {
		char *next = p + strlen(p) + 1;
		if (next >= end)
			break;
		if (!strcmp(p, "-name"))
			name = next;
		else if (!strcmp(p, "-id"))
			id = next;
	}
	h->vms = xreallocarray(h->vms, h->n_vms + 1, sizeof(*h->vms));
	vm = &h->vms[h->n_vms++];
	vm->pid = pid;
	if (name) {
		char *n = name_value(name);
		vm->name = id ? xasprintf("VM %s %s (QEMU pid %d)", id, n, pid) : xasprintf("%s (QEMU pid %d)", n, pid);
		free(n);
	} else {
		vm->name = id ? xasprintf("VM %s (QEMU pid %d)", id, pid) : xasprintf("QEMU pid %d", pid);
	}
	for (p = args; p < end - 1; p++)
		if (!*p)
			*p = ' ';
	vm->args = xstrdup(args);
}

void host_scan_vms(struct host *h)
{
	bool wanted = false;
	struct dirent *de;
	DIR *proc;

	/* only a host with something to hold pays for a look at every process */
	for (size_t i = 0; i < h->n_devices && !wanted; i++)
		wanted = h->devices[i].n_mdevs > 0 || h->devices[i].vgpu_current >= 0;
	if (!wanted)
		return;
	/* "/proc/", not "/proc": umockdev takes only the first to a test bed's
	 * own processes; the kernel does not mind */
	proc = opendir("/proc/");
	if (!proc)
		return;
	while ((de = readdir(proc))) {
		char *end, *args, path[64];
		long pid = strtol(de->d_name, &end, 10);
		size_t len = 0;

		if (*end || end == de->d_name || pid <= 0)
			continue;
		snprintf(path, sizeof(path), "%ld/cmdline", pid);
		args = slurp_at(dirfd(proc), path, 65536, &len);
		if (args)
			add_vm(h, (int)pid, args, len);
		free(args);
	}
	closedir(proc);
}

const char *host_vm_using(const struct host *h, const char *needle)
{
	char *alt = NULL;
	const char *found = NULL;

	if (!needle || !*needle)
		return NULL;
	/* QEMU takes host=41:00.0 as well as host=0000:41:00.0 */
	if (!strncmp(needle, "0000:", 5) && strchr(needle, '.'))
		alt = xasprintf("host=%s", needle + 5);
	for (size_t i = 0; i < h->n_vms && !found; i++)
		if (strcasestr(h->vms[i].args, needle) || (alt && strcasestr(h->vms[i].args, alt)))
			found = h->vms[i].name;
	free(alt);
	return found;
}

void host_mdev_clear(struct host *h)
{
	for (size_t i = 0; i < h->n_vms; i++) {
		free(h->vms[i].name);
		free(h->vms[i].args);
	}
	free(h->vms);
	h->vms = NULL;
	h->n_vms = 0;
	for (size_t i = 0; i < h->n_devices; i++) {
		struct host_device *d = &h->devices[i];
		for (size_t j = 0; j < d->n_vgpu_types; j++)
			free(d->vgpu_types[j].name);
		free(d->vgpu_types);
		d->vgpu_types = NULL;
		d->n_vgpu_types = 0;
	}
}

/* ---- queries ---- */

const struct host_mdev *host_find_mdev(const struct host *h, const char *uuid,
				       const struct host_device **ret_parent)
{
	for (size_t i = 0; uuid && i < h->n_devices; i++) {
		const struct host_device *d = &h->devices[i];
		for (size_t j = 0; j < d->n_mdevs; j++) {
			if (strcasecmp(d->mdevs[j].uuid, uuid))
				continue;
			if (ret_parent)
				*ret_parent = d;
			return &d->mdevs[j];
		}
	}
	return NULL;
}

const struct host_mdev_type *host_device_mdev_type(const struct host_device *d, const char *id)
{
	for (size_t i = 0; id && i < d->n_mdev_types; i++)
		if (!strcmp(d->mdev_types[i].id, id))
			return &d->mdev_types[i];
	return NULL;
}

bool host_vgpu_driver_loaded(const struct host *h)
{
	return firmware_module_loaded(&h->fw, "nvidia_vgpu_vfio");
}

/*
 * The iGPU generations i915's gvt supports (intel_gvt_match_device(): BDW,
 * SKL, KBL, BXT, CFL and CML, Coffee Lake's Whiskey and Amber Lake
 * included), by their PCI device ids; from Gen 11 on (Ice Lake, the N100)
 * the iGPU does SR-IOV instead.
 */
bool host_device_gvtg_capable(const struct host_device *d)
{
	static const int bxt[] = { 0x0a84, 0x1a84, 0x1a85, 0x5a84, 0x5a85 };
	int id = d->device_id;

	if (d->vendor_id != 0x8086 || !host_device_is_display(d) || d->physfn || id < 0)
		return false;
	switch (id & 0xff00) {
	case 0x1600:   /* Broadwell */
	case 0x1900:   /* Skylake */
	case 0x5900:   /* Kaby Lake */
	case 0x3e00:   /* Coffee Lake, Whiskey Lake */
	case 0x9b00:   /* Comet Lake */
		return true;
	}
	if (id == 0x87c0 || id == 0x87ca)   /* Amber Lake */
		return true;
	for (size_t i = 0; i < sizeof(bxt) / sizeof(bxt[0]); i++)
		if (id == bxt[i])
			return true;
	return false;
}

char *host_mdev_create_path(const char *parent, const char *type)
{
	char *attr = xasprintf("mdev_supported_types/%s/create", type), *path = host_address_attr_path(parent, attr);

	free(attr);
	return path;
}

char *host_mdev_attr_path(const char *parent, const char *uuid, const char *attr)
{
	char *rel = xasprintf("%s/%s", uuid, attr), *path = host_address_attr_path(parent, rel);

	free(rel);
	return path;
}

char *host_vgpu_type_path(const char *vf)
{
	return host_address_attr_path(vf, "nvidia/current_vgpu_type");
}
