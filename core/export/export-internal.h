/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Between export.c, which resolves and checks the device, and the three
 * renderers (libvirt.c, qemu.c, proxmox.c), which only spell it.
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/export/export.h"
#include "core/scan/host.h"
#include "core/util/buf.h"

struct export_target {
	const struct host_device *dev;      /* a PCI function: the one asked for; an mdev: its parent */
	const struct host_mdev *mdev;       /* NULL for a PCI function */
	const struct host_mdev_type *type;  /* the mdev's type; NULL when unknown */
	/* A PCI function: what the guest gets, in address order; guest function
	 * i is members[i]. More than one makes a multifunction guest device. */
	const struct host_device **members;
	size_t n_members;
	bool nvidia_vf;                     /* a VF that stays on nvidia (vGPU 17+): never vfio-pci */
	bool vga;                           /* --primary may use legacy VGA: a whole VGA-class GPU */
};

/* True when D is bound to a driver other than vfio-pci: the host uses it now. */
bool export_on_host_driver(const struct host_device *d);

/* Append "0000:01:00.0 (nouveau), 0000:01:00.1 (snd_hda_intel)": the
 * members on a host driver. Returns how many. */
size_t export_host_drivers(const struct export_target *t, struct buf *b);

/* Append a note line to R. */
void export_note(struct export_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write T as O->format into TEXT, notes into R. The target is checked. */
void export_libvirt(const struct export_target *t, const struct export_opts *o, struct buf *text,
		    struct export_result *r);
void export_qemu(const struct export_target *t, const struct export_opts *o, struct buf *text,
		 struct export_result *r);
void export_proxmox(const struct export_target *t, const struct export_opts *o, struct buf *text,
		    struct export_result *r);
