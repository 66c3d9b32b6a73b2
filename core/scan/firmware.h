/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Firmware and kernel facts: what the BIOS turned on (VT-x/SVM, the ACPI
 * DMAR/IVRS tables, UEFI, Secure Boot) and what the running kernel made of it
 * (/dev/kvm, IOMMU units and groups, interrupt remapping, the running command
 * line, loaded modules, the release). They are part of the host snapshot:
 * host_scan() reads them once, with the devices, and host_demo() builds the
 * sample host's in memory; host_firmware() hands them out, owned by the host.
 *
 * Every fact keeps the difference between "absent" and "could not be read":
 * a check must never claim the BIOS has something off because a file was
 * unreadable.
 */
#include <stdbool.h>
#include <stddef.h>

struct cmdline;
struct firmware;

enum host_cpu_vendor { HOST_CPU_UNKNOWN, HOST_CPU_INTEL, HOST_CPU_AMD, HOST_CPU_OTHER };

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

/* The running command line (/proc/cmdline) as read, and its arguments split
 * by core/util/cmdline.h's tokenizer (the kernel's rules); both NULL when
 * /proc/cmdline could not be read. */
const char *firmware_cmdline(const struct firmware *fw);
const struct cmdline *firmware_cmdline_args(const struct firmware *fw);

/* Loaded modules: whether /proc/modules could be read, and whether NAME
 * ('-' and '_' are the same) is in it or present in /sys/module (built in). */
bool firmware_modules_readable(const struct firmware *fw);
bool firmware_module_loaded(const struct firmware *fw, const char *name);

/* Seconds since the epoch when this boot began (/proc/stat btime), or -1. */
long long firmware_boot_time(const struct firmware *fw);
