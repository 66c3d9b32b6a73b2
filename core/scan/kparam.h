/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * What gpuvirt knows about kernel and module parameters, for the command
 * line lint (cmdline_lint()). Two sources:
 *
 *  - the modules installed under ROOT/lib/modules/RELEASE, through libkmod:
 *    the module index says whether a module exists (loadable or built in),
 *    and its modinfo "parm" keys list its parameters. This is authoritative:
 *    it is the module that will load.
 *  - a small built-in table for the modules that matter to GPU passthrough
 *    (i915 including the SR-IOV DKMS build's max_vfs, xe, vfio-pci, vfio,
 *    vfio_iommu_type1, kvm, kvm_intel, kvm_amd, nouveau, amdgpu, nvidia, ...)
 *    and the core parameters (intel_iommu, amd_iommu, iommu, iommu.strict,
 *    pcie_acs_override, initcall_blacklist, video, root, ...). The table is
 *    not complete, so on its own it only proves near misses wrong
 *    (`915` for `i915`, `enable_gcu` for `enable_guc`).
 *
 * Module and parameter names compare with '-' and '_' as one character.
 */
#include <stdbool.h>

struct kparam_db;

/* A database for ROOT/lib/modules/KERNEL_RELEASE. ROOT or KERNEL_RELEASE
 * NULL, or a release that is not installed there: table only. Owned;
 * core/scan/sysconf.h builds the one everybody uses. */
struct kparam_db *kparam_db_new(const char *root, const char *kernel_release);
void kparam_db_free(struct kparam_db *db);

/* True when the db has a module index (modules.dep.bin) to ask. */
bool kparam_db_has_index(const struct kparam_db *db);
/* "/lib/modules/RELEASE" (ROOT/lib/modules/RELEASE under another root) for
 * messages; NULL without a release. */
const char *kparam_db_modules_dir(const struct kparam_db *db);

enum kparam_module_state {
	KPARAM_MODULE_UNKNOWN,    /* no index and not in the table: nothing is known */
	KPARAM_MODULE_ABSENT,     /* the installed index has no such module, and the table neither */
	KPARAM_MODULE_KNOWN,      /* installed, built in, in the table, or a userspace prefix (rd., systemd.) */
};

enum kparam_param_state {
	KPARAM_PARAM_NO_LIST,     /* the module's parameters are not known */
	KPARAM_PARAM_KNOWN,
	KPARAM_PARAM_UNKNOWN,     /* not in an authoritative list (modinfo) */
	KPARAM_PARAM_NOT_IN_TABLE,/* not in gpuvirt's (incomplete) table */
};

struct kparam_info {
	enum kparam_module_state module;
	enum kparam_param_state param;
	bool from_modinfo;        /* the parameter list came from the installed module */
};

/* Look up MODULE.PARAM (PARAM may be NULL to ask about the module only).
 * Never fails; unknown is an answer. DB may be NULL (the table only). */
void kparam_lookup(const struct kparam_db *db, const char *module, const char *param, struct kparam_info *ret);

/* The table's module one edit away from MODULE ("915" -> "i915"), or NULL. */
const char *kparam_suggest_module(const char *module);
/* A table parameter of MODULE close to PARAM ("enable_gcu" -> "enable_guc"),
 * or NULL. */
const char *kparam_suggest_param(const char *module, const char *param);

/* True for a core parameter in the table (no module: intel_iommu, video, ...). */
bool kparam_is_core(const char *name);
/* A table core parameter one edit away from NAME ("intel_iomu"), or NULL. */
const char *kparam_suggest_core(const char *name);
