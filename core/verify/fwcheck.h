/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The firmware checklist: what the BIOS/UEFI setup and the running kernel
 * must have on before a device can go to a virtual machine, one finding
 * each, in this order: cpu-virtualization, kvm-device, iommu-firmware,
 * iommu-kernel, interrupt-remapping, vmd, uefi, secure-boot, kernel-version,
 * iommu-passthrough-mode. Something off in the BIOS and something off on
 * the kernel command line are told apart, so the fix names the BIOS setting
 * or the gpuvirt change.
 */
#include "core/scan/firmware.h"
#include "core/scan/host.h"
#include "core/verify/findings.h"

/* Append the checklist for host H's firmware facts and devices to FS,
 * category FINDING_FIRMWARE. */
void fwcheck_run(struct findings *fs, const struct host *h);
