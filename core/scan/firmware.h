/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Firmware and kernel facts: what the BIOS turned on (VT-x/SVM, the ACPI
 * DMAR/IVRS tables, UEFI, Secure Boot) and what the running kernel made of it
 * (/dev/kvm, IOMMU units and groups, interrupt remapping, the running command
 * line, loaded modules, the release). One scan reads them all from /sys,
 * /proc and /dev as the process sees them; nothing changes afterwards.
 *
 * Every fact keeps the difference between "absent" and "could not be read":
 * a check must never claim the BIOS has something off because a file was
 * unreadable.
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/util/error.h"
#include "core/scan/host.h"

struct firmware;

/* Read every fact. Never fails for a missing fact (it is recorded as such);
 * returns 0 and an owned snapshot, or -ENOMEM. */
int firmware_scan(struct firmware **ret, struct gv_error *err);

/* Free a snapshot; NULL is fine. */
void firmware_free(struct firmware *fw);

/* /proc/cpuinfo: the vendor_id and the first "flags" line. The line is NULL
 * when /proc/cpuinfo could not be read or has no flags line. */
enum host_cpu_vendor firmware_cpu_vendor(const struct firmware *fw);
const char *firmware_cpu_flags(const struct firmware *fw);
bool firmware_cpu_has_flag(const struct firmware *fw, const char *flag);

/* KVM: the module is present when /sys/module/kvm or /sys/class/misc/kvm
 * exists. firmware_kvm_dev() is 0 when /dev/kvm exists and this process may
 * read and write it, -EACCES when it exists but may not, -ENOENT when it is
 * absent. */
bool firmware_kvm_module(const struct firmware *fw);
int firmware_kvm_dev(const struct firmware *fw);

/* ACPI tables under /sys/firmware/acpi/tables: whether the directory could
 * be read at all, and whether the Intel (DMAR) or AMD (IVRS) IOMMU table is
 * there. */
bool firmware_acpi_readable(const struct firmware *fw);
bool firmware_has_dmar(const struct firmware *fw);
bool firmware_has_ivrs(const struct firmware *fw);

/* IOMMU units (/sys/class/iommu entries, e.g. "dmar0", "ivhd0") and groups
 * (/sys/kernel/iommu_groups/N with the content of N/type, NULL when
 * unreadable), groups in id order. */
size_t firmware_n_iommus(const struct firmware *fw);
const char *firmware_iommu(const struct firmware *fw, size_t i);
size_t firmware_n_iommu_groups(const struct firmware *fw);
int firmware_iommu_group(const struct firmware *fw, size_t i, const char **ret_type);

/* /proc/interrupts: whether it could be read, and the first interrupt chip
 * name that starts with "IR-" (interrupt remapping), NULL when none. */
bool firmware_interrupts_readable(const struct firmware *fw);
const char *firmware_ir_chip(const struct firmware *fw);

/* UEFI: /sys/firmware/efi exists. Secure Boot from the last byte of the
 * SecureBoot efivar: 1 on, 0 off, -1 unknown (no efivar, or legacy boot). */
bool firmware_efi(const struct firmware *fw);
int firmware_secure_boot(const struct firmware *fw);

/* /proc/sys/kernel/osrelease, NULL when unreadable, and its version:
 * true when the release is at least MAJOR.MINOR; false when older or
 * unknown. */
const char *firmware_kernel_release(const struct firmware *fw);
bool firmware_kernel_at_least(const struct firmware *fw, int major, int minor);

/* Parse "6.8.4-2-pve" into 6 and 8. Returns 0 or -EINVAL. */
int firmware_parse_release(const char *release, int *ret_major, int *ret_minor);

/* The running command line (/proc/cmdline, NULL when unreadable), split into
 * arguments as the kernel does (double quotes group, nothing after "--"). */
const char *firmware_cmdline(const struct firmware *fw);
size_t firmware_n_cmdline_args(const struct firmware *fw);
const char *firmware_cmdline_arg(const struct firmware *fw, size_t i);
/* The last argument whose key (the part before '=') is KEY, as written
 * ("intel_iommu=off"); NULL when none. */
const char *firmware_cmdline_find(const struct firmware *fw, const char *key);
/* True when ARG ("iommu=pt", or a bare "quiet") is on the running command
 * line exactly; a bare KEY also matches "KEY=anything". */
bool firmware_cmdline_has(const struct firmware *fw, const char *arg);

/* Split a command line the way the kernel does. Returns 0 with an owned
 * NULL-terminated vector (free each string, then the vector) and its
 * length. */
int firmware_split_cmdline(const char *line, char ***ret_argv, size_t *ret_n);

/* Loaded modules: whether /proc/modules could be read, and whether NAME
 * ('-' and '_' are the same) is in it or present in /sys/module (built in). */
bool firmware_modules_readable(const struct firmware *fw);
bool firmware_module_loaded(const struct firmware *fw, const char *name);

/* Seconds since the epoch when this boot began (/proc/stat btime), or -1. */
long long firmware_boot_time(const struct firmware *fw);
