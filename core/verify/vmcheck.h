/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The VMs under the configuration root against the host (after the reboot
 * that bound the devices): every device a VM's configuration names
 * (core/scan/vmconf.h) must exist and be ready for it. One finding per
 * device, in the FINDING_LINT category, evidence "FILE:LINE: DEVICE":
 *
 *   vm-device   pass: on vfio-pci (or a VF that stays on nvidia for its
 *               vGPU), the mdev exists, Proxmox can make its mdev;
 *               fail: not on this host, no IOMMU group, on a host driver
 *               with libvirt managed='no', the mdev or its type missing;
 *               warn: on a host driver (or none) where libvirt
 *               (managed='yes') or Proxmox would take it at the VM's start,
 *               every function of a slot (Proxmox "00:02"), no mdev
 *               instance left; info: a Proxmox mapping, not checked
 *   vm-config   warn: a VM configuration that does not parse
 *
 * Nothing is reported for a root without VMs.
 */
#include "core/scan/host.h"
#include "core/verify/findings.h"

/* Check the VMs under ROOT on host H into FS. */
void vmcheck_run(struct findings *fs, const struct host *h, const char *root);
