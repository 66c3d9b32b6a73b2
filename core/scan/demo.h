/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The sample host of `gpuvirt --demo`, hardware and configuration, for
 * machines without a GPU: everything comes from memory, nothing from /sys or
 * /proc.
 */
#include <stddef.h>

#include "core/util/error.h"

struct host;

/* The sample host: the Ubuntu guide's AMD EPYC server with a Tesla V100 at
 * 0000:41:00.0 alone in IOMMU group 66, nouveau bound, vGPU types
 * nvidia-300/nvidia-299, an ASPEED boot GPU and an Intel NIC; its firmware
 * facts are a stock Ubuntu install's (SVM and the IOMMU on in the BIOS, UEFI,
 * no iommu=pt yet). Built in memory; host_device_recheck() answers from it. */
int host_demo(struct host **ret);

/* One file of the sample host's configuration root. */
struct demo_file {
	const char *path;      /* relative to the root */
	const char *content;
};

/* The files, in a fixed order. */
size_t demo_root_n_files(void);
const struct demo_file *demo_root_file(size_t i);

/* Write the sample host's configuration files under DIR (a scratch root). */
int demo_root_populate(const char *dir, struct gv_error *err);
