/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/scan/vmconf.h"
#include "core/util/xalloc.h"
#include "core/verify/vmcheck.h"

/* Report one finding; takes ownership of the strings. */
static void found(struct findings *fs, const char *id, enum finding_status st, char *title, char *evidence,
		  char *fix)
{
	findings_add(fs, &(struct finding){ .id = id, .status = st, .category = FINDING_LINT, .title = title,
					    .evidence = evidence, .fix = fix });
	free(title);
	free(evidence);
	free(fix);
}

/* How to take device D out of VM, for a fix. */
static char *take_out(const struct vmconf *vm, const struct vmconf_dev *d)
{
	if (vm->kind == VMCONF_PROXMOX)
		return xasprintf("qm set %s -delete hostpci%d", vm->name, d->hostpci);
	return xasprintf("virsh edit %s (its <hostdev>)", vm->name);
}

static char *evidence(const struct vmconf *vm, const struct vmconf_dev *d, const char *what)
{
	if (d->hostpci >= 0)
		return xasprintf("%s:%u: hostpci%d: %s", vm->path, d->line, d->hostpci, what);
	return xasprintf("%s:%u: %s", vm->path, d->line, what);
}

static void check_pci(struct findings *fs, const struct host *h, const struct vmconf *vm, const char *label,
		      const struct vmconf_dev *d)
{
	const struct host_device *dev = host_find(h, d->address);
	char *ev = evidence(vm, d, d->address), *out;
	const char *starts = vm->kind == VMCONF_LIBVIRT ? "libvirt binds it to vfio-pci when the domain starts"
							: "Proxmox binds it to vfio-pci when the VM starts";

	if (d->all_functions) {
		char slot[PCIADDR_STRLEN];

		snprintf(slot, sizeof(slot), "%.*s", (int)(strlen(d->address) - 2), d->address);
		free(ev);
		found(fs, "vm-device", FINDING_WARN,
		      xasprintf("%s has every function of %s (the PF and every VF of an iGPU)", label, slot),
		      evidence(vm, d, slot),
		      xasprintf("give it one function: qm set %s -hostpci%d %s.N,... (a VF, never the PF)", vm->name,
				d->hostpci, slot));
		return;
	}
	out = take_out(vm, d);
	if (!dev) {
		found(fs, "vm-device", FINDING_FAIL, xasprintf("%s has %s, which is not on this host", label, d->address),
		      ev, xasprintf("find where it went (gpuvirt list, lspci), or take it out: %s", out));
	} else if (dev->iommu_group < 0) {
		found(fs, "vm-device", FINDING_FAIL,
		      xasprintf("%s has %s, which has no IOMMU group: the IOMMU is off", label, d->address), ev,
		      xasprintf("gpuvirt apply --iommu, then reboot"));
	} else if (dev->driver && !strcmp(dev->driver, "vfio-pci")) {
		found(fs, "vm-device", FINDING_PASS, xasprintf("%s for %s is on vfio-pci", d->address, label), ev, NULL);
	} else if (dev->physfn && dev->driver && !strcmp(dev->driver, "nvidia")) {
		found(fs, "vm-device", FINDING_PASS,
		      xasprintf("%s for %s stays on nvidia, as an NVIDIA vGPU VF does", d->address, label), ev, NULL);
	} else if (d->managed) {
		found(fs, "vm-device", FINDING_WARN,
		      xasprintf("%s for %s is on %s, not vfio-pci: %s", d->address, label,
				dev->driver ? dev->driver : "no driver", starts),
		      ev, xasprintf("gpuvirt apply --vfio %s, so that it is on vfio-pci from boot and the host "
				    "never uses it", d->address));
	} else {
		found(fs, "vm-device", FINDING_FAIL,
		      xasprintf("%s for %s is on %s, not vfio-pci, and libvirt does not bind it (managed='no')",
				d->address, label, dev->driver ? dev->driver : "no driver"),
		      ev, xasprintf("gpuvirt apply --vfio %s, then reboot", d->address));
	}
	free(out);
}

/* A libvirt mdev: the instance must exist. */
static void check_mdev(struct findings *fs, const struct host *h, const struct vmconf *vm, const char *label,
		       const struct vmconf_dev *d)
{
	char *what = xasprintf("mdev %s", d->uuid);

	for (size_t i = 0; i < host_n_devices(h); i++) {
		const struct host_device *p = host_device(h, i);
		for (size_t j = 0; j < p->n_mdevs; j++) {
			if (strcasecmp(p->mdevs[j].uuid, d->uuid) != 0)
				continue;
			found(fs, "vm-device", FINDING_PASS,
			      xasprintf("mdev %s for %s exists (on %s, type %s)", d->uuid, label, p->address,
					p->mdevs[j].type ? p->mdevs[j].type : "unknown"),
			      evidence(vm, d, what), NULL);
			free(what);
			return;
		}
	}
	found(fs, "vm-device", FINDING_FAIL, xasprintf("%s has mdev %s, which does not exist", label, d->uuid),
	      evidence(vm, d, what),
	      xasprintf("create it before the domain starts, and define it so that it comes back at boot: mdevctl "
			"define --auto --uuid %s --parent PARENT --type TYPE, then mdevctl start --uuid %s", d->uuid,
			d->uuid));
	free(what);
}

/* A Proxmox mdev=TYPE: Proxmox makes the instance at start, so the type
 * must be there with an instance left. */
static void check_pve_mdev(struct findings *fs, const struct host *h, const struct vmconf *vm, const char *label,
			   const struct vmconf_dev *d)
{
	const struct host_device *p = host_find(h, d->address);
	const struct host_mdev_type *t = NULL;
	char *what = xasprintf("%s,mdev=%s", d->address, d->mdev_type);

	for (size_t i = 0; p && i < p->n_mdev_types; i++)
		if (!strcmp(p->mdev_types[i].id, d->mdev_type))
			t = &p->mdev_types[i];
	if (!p)
		found(fs, "vm-device", FINDING_FAIL, xasprintf("%s has an mdev on %s, which is not on this host", label,
							      d->address),
		      evidence(vm, d, what), xasprintf("find where it went (gpuvirt list), or take it out: qm set %s "
						       "-delete hostpci%d", vm->name, d->hostpci));
	else if (!t)
		found(fs, "vm-device", FINDING_FAIL, xasprintf("%s offers no mdev type %s for %s", d->address,
							      d->mdev_type, label),
		      evidence(vm, d, what), xasprintf("check that the vGPU driver is loaded (mdevctl types lists the "
						       "types of %s)", d->address));
	else if (t->available_instances == 0)
		found(fs, "vm-device", FINDING_WARN, xasprintf("%s has no instance of %s left for %s", d->address,
							      d->mdev_type, label),
		      evidence(vm, d, what), xasprintf("remove an mdev of %s that no VM uses (mdevctl list)", d->address));
	else
		found(fs, "vm-device", FINDING_PASS, xasprintf("Proxmox can make an mdev of %s on %s for %s",
							      d->mdev_type, d->address, label),
		      evidence(vm, d, what), NULL);
	free(what);
}

void vmcheck_run(struct findings *fs, const struct host *h, const char *root)
{
	struct vmconf_list *l = vmconf_scan(root);

	for (size_t i = 0; i < l->n_errors; i++)
		found(fs, "vm-config", FINDING_WARN, xasprintf("A VM configuration does not parse"),
		      xstrdup(l->errors[i]), xasprintf("libvirt or Proxmox cannot read it either: fix or remove it"));
	for (size_t i = 0; i < l->n; i++) {
		const struct vmconf *vm = l->vms[i];
		char *label = vmconf_label(vm);

		for (size_t j = 0; j < vm->n_devs; j++) {
			const struct vmconf_dev *d = &vm->devs[j];

			switch (d->kind) {
			case VMCONF_DEV_PCI:
				check_pci(fs, h, vm, label, d);
				break;
			case VMCONF_DEV_MDEV:
				if (d->uuid)
					check_mdev(fs, h, vm, label, d);
				else
					check_pve_mdev(fs, h, vm, label, d);
				break;
			case VMCONF_DEV_MAPPING:
				found(fs, "vm-device", FINDING_INFO,
				      xasprintf("%s uses the PCI mapping %s: not checked here", label, d->mapping),
				      evidence(vm, d, d->mapping), NULL);
				break;
			}
		}
		free(label);
	}
	vmconf_list_free(l);
}
