/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Inside the firmware facts: their layout and the calls that fill them, for
 * the host scan (host.c), the sample host (demo.c) and firmware.c itself.
 * The facts live inside struct host (host-private.h); nothing else sees them
 * but through firmware.h's getters.
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/scan/firmware.h"

struct cmdline;

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

/* Read every firmware fact of the running host into FW (zeroed). A missing
 * fact is recorded as such, never an error. */
void firmware_read(struct firmware *fw);
/* Set the running command line (NULL: unknown) and its tokens. */
void firmware_set_cmdline(struct firmware *fw, const char *line);
/* Set the kernel release and its parsed version. */
void firmware_set_release(struct firmware *fw, const char *release);
/* Free what FW holds (not FW itself). */
void firmware_clear(struct firmware *fw);
