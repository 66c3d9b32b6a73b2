/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Inside the host model: the snapshot's layout and the builder calls shared
 * by the scanner (host.c, firmware.c) and the built-in sample host (demo.c).
 * Not for use outside those files.
 */
#include "core/scan/firmware.h"
#include "core/scan/host.h"

struct cmdline;
struct names;

struct firmware_group {
	int id;
	char *type;                 /* NULL when unreadable */
};

struct firmware {
	enum host_cpu_vendor cpu_vendor;
	char *cpu_flags;            /* the flags line's value, NULL when unknown */
	bool kvm_module;
	int kvm_dev;
	bool acpi_readable, dmar, ivrs;
	char **iommus; size_t n_iommus;
	struct firmware_group *groups; size_t n_groups;   /* id order */
	bool interrupts_readable;
	char *ir_chip;
	bool efi;
	int secure_boot;
	char *release;
	int major, minor;           /* -1 when unknown */
	char *cmdline;
	struct cmdline *args;       /* cmdline, tokenized; NULL with it */
	bool modules_readable;
	char **modules; size_t n_modules;          /* /proc/modules, '-' -> '_' */
	char **sys_modules; size_t n_sys_modules;  /* /sys/module entries */
	long long boot_time;
};

struct host {
	struct host_device *devices;
	size_t n_devices, cap_devices;
	struct host_iommu_group *groups;
	size_t n_groups;
	struct firmware fw;
	bool in_memory;             /* the sample host: no /sys behind it */
};

struct host *host_alloc(void);
/* Append a device with every fact unknown; the pointer is valid until the
 * next host_add_device() or host_finish(). */
struct host_device *host_add_device(struct host *h, const struct pciaddr *a);
void host_device_add_vf(struct host_device *d, const char *address);
struct host_mdev_type *host_device_add_mdev_type(struct host_device *d, const char *id);
void host_device_add_mdev(struct host_device *d, const char *uuid, const char *type);
/* Sort devices, fill in names (NAMES may be NULL), build the groups and give
 * each the type h->fw lists for it: fill in the facts first. */
void host_finish(struct host *h, struct names *names);

/* Read every firmware fact of the running host into FW (zeroed). A missing
 * fact is recorded as such, never an error. */
void firmware_read(struct firmware *fw);
/* Set the running command line (NULL: unknown) and its tokens. */
void firmware_set_cmdline(struct firmware *fw, const char *line);
/* Set the kernel release and its parsed version. */
void firmware_set_release(struct firmware *fw, const char *release);
/* Free what FW holds (not FW itself). */
void firmware_clear(struct firmware *fw);
