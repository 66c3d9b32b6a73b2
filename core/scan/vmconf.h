/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The VMs' configurations under a root, and the host devices each names
 * (SRIOV-MDEV-VM.md §3):
 *
 *   libvirt   etc/libvirt/qemu/NAME.xml, the domain as libvirt keeps it
 *             (read with libxml2): <hostdev type='pci'> by source address,
 *             <hostdev type='mdev'> by UUID
 *   Proxmox   etc/pve/qemu-server/VMID.conf: hostpci0..15 lines, host IDs
 *             ("0000:01:00.0;0000:01:00.1", a bare "00:02" meaning all
 *             functions), mdev=TYPE, mapping=NAME; the [PENDING] section
 *             counts, snapshot sections do not
 *
 * Reading only: `gpuvirt plan --assign` builds on it, `gpuvirt check`
 * checks every device the VMs name.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util/error.h"
#include "core/util/pciaddr.h"

#define VMCONF_LIBVIRT_DIR "etc/libvirt/qemu"
#define VMCONF_PROXMOX_DIR "etc/pve/qemu-server"
/* Proxmox has hostpci0 to hostpci15. */
#define VMCONF_HOSTPCI_MAX 16

enum vmconf_kind {
	VMCONF_LIBVIRT,
	VMCONF_PROXMOX,
};

enum vmconf_dev_kind {
	VMCONF_DEV_PCI,       /* ADDR (ALL_FUNCTIONS: every function of its slot) */
	VMCONF_DEV_MDEV,      /* libvirt: UUID; Proxmox: an instance of MDEV_TYPE it makes on ADDR */
	VMCONF_DEV_MAPPING,   /* Proxmox mapping=NAME: the device is in /etc/pve/mapping/pci.cfg */
};

struct vmconf_dev {
	enum vmconf_dev_kind kind;
	struct pciaddr addr;
	char address[PCIADDR_STRLEN];  /* canonical form of ADDR; "" for a libvirt mdev or a mapping */
	bool all_functions;            /* Proxmox: a bare bus:dev */
	char *uuid;                    /* libvirt mdev, lower case */
	char *mdev_type;               /* Proxmox mdev=TYPE */
	char *mapping;                 /* Proxmox mapping=NAME */
	bool managed;                  /* libvirt managed='yes'; Proxmox always (it binds at start) */
	int hostpci;                   /* Proxmox: N of hostpciN; libvirt: -1 */
	unsigned line;                 /* where the file names it */
};

struct vmconf {
	enum vmconf_kind kind;
	char *name;                    /* libvirt: the domain's <name>; Proxmox: the VMID */
	char *path;                    /* relative to the root */
	struct vmconf_dev *devs;
	size_t n_devs;
	uint32_t hostpci_used;         /* Proxmox: bit N when hostpciN is set (or pending) */
};

/*
 * Read the configuration of VM NAME (a domain name, or a VMID in decimal)
 * of KIND under ROOT. Returns 0 and an owned vmconf; -ENOENT when there is
 * no such file; -EINVAL with ERR "FILE:LINE: why" when it does not parse
 * (libxml2's own message for a domain), is not a domain, or names another
 * domain than NAME; another -errno when it cannot be read.
 */
int vmconf_load(const char *root, enum vmconf_kind kind, const char *name, struct vmconf **ret,
		struct gv_error *err);

/* Free VM; NULL is fine. */
void vmconf_free(struct vmconf *vm);

/* "libvirt domain win11" or "Proxmox VM 100", for messages. Owned. */
char *vmconf_label(const struct vmconf *vm);

/* Every VM configuration under ROOT: the libvirt domains, then the Proxmox
 * VMs, each in name order. A file that cannot be read or parsed is left
 * out and its one-line reason kept in ERRORS. */
struct vmconf_list {
	struct vmconf **vms;
	size_t n;
	char **errors;
	size_t n_errors;
};
struct vmconf_list *vmconf_scan(const char *root);
void vmconf_list_free(struct vmconf_list *l);

/* True when device D of a VM's configuration covers the PCI function A
 * (the function itself, or every function of its slot). */
bool vmconf_dev_covers(const struct vmconf_dev *d, const struct pciaddr *a);
