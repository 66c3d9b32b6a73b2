/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Inside the host model: the snapshot's layout and the builder calls shared
 * by the scanner (host.c) and the built-in sample host (demo.c).
 * Not for use outside those files.
 */
#include "core/scan/firmware-private.h"
#include "core/scan/host.h"

struct names;

/* A running QEMU, for host_vm_using(). */
struct host_vm {
	int pid;
	char *name;                 /* "web01 (QEMU pid 4242)" */
	char *args;                 /* its arguments, joined by spaces */
};

struct host {
	struct host_device *devices;
	size_t n_devices, cap_devices;
	struct host_iommu_group *groups;
	size_t n_groups;
	struct firmware fw;
	bool in_memory;             /* the sample host: no /sys behind it */
	struct host_vm *vms;        /* host-mdev.c */
	size_t n_vms;
};

struct host *host_alloc(void);
/* Append a device with every fact unknown; the pointer is valid until the
 * next host_add_device() or host_finish(). */
struct host_device *host_add_device(struct host *h, const struct pciaddr *a);
void host_device_add_vf(struct host_device *d, const char *address);
struct host_mdev_type *host_device_add_mdev_type(struct host_device *d, const char *id);
struct host_mdev *host_device_add_mdev(struct host_device *d, const char *uuid, const char *type);
void host_device_add_vgpu_type(struct host_device *d, int id, const char *name);
/* Sort devices, fill in names (NAMES may be NULL), build the groups and give
 * each the type h->fw lists for it: fill in the facts first. */
void host_finish(struct host *h, struct names *names);

/* host-mdev.c, the mediated-device and vGPU part of a scan: D's nvidia/
 * vGPU interface (DEVFD: its sysfs directory) and the QEMU processes
 * (only looked for when the host has mdevs or vGPU VFs to hold). */
void host_scan_vgpu(struct host_device *d, int devfd);
void host_scan_vms(struct host *h);
/* Free what host-mdev.c added to H and its devices. */
void host_mdev_clear(struct host *h);
