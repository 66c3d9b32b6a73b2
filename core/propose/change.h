/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Changes are the person's intents, as the command line spells them
 * (DESIGN.md §2):
 *
 *   --iommu | --cmdline-add ARG | --cmdline-remove KEY | --blacklist MODULE
 *   --vfio ADDRESS | --vfs ADDRESS=N | --mdev PARENT:TYPE[=COUNT]
 *   --mdev-remove UUID | --vgpu VF=TYPE_ID
 *   --assign DEVICE,vm=NAME | --assign DEVICE,vmid=N[,hostpci=K]
 *     (the command line also takes --assign DEVICE --vm NAME, --vmid N,
 *     --hostpci K: core/propose/assign.h)
 *
 * Parsing checks the syntax only (a well-formed address, a valid module
 * name); whether the device exists on this host is propose_build()'s job.
 * The TUI builds the same values from its draft, so the wizard and
 * `gpuvirt plan` feed one proposal engine.
 */
#include <stddef.h>

#include "core/util/error.h"
#include "core/util/pciaddr.h"

enum change_kind {
	CHANGE_IOMMU,           /* turn the IOMMU on (kernel command line) */
	CHANGE_CMDLINE_ADD,     /* arg: one kernel argument, "iommu=pt" */
	CHANGE_CMDLINE_REMOVE,  /* arg: a key ("quiet") or key=value */
	CHANGE_BLACKLIST,       /* arg: module name, '-' normalized to '_' */
	CHANGE_VFIO,            /* address: bind to vfio-pci at boot */
	CHANGE_VFS,             /* address, count: SR-IOV VFs at boot */
	CHANGE_MDEV,            /* address (parent), arg: mdev type, count (0: remove gpuvirt's) */
	CHANGE_MDEV_REMOVE,     /* arg: an mdev UUID, lower case */
	CHANGE_VGPU,            /* address: an NVIDIA VF, count: its vGPU type id (0: none) */
	CHANGE_ASSIGN,          /* arg: "DEVICE,vm=NAME" or "DEVICE,vmid=N[,hostpci=K]";
				 * address: DEVICE when it is a PCI function */
	_CHANGE_KIND_MAX
};

struct change {
	enum change_kind kind;
	char *arg;                       /* owned; NULL for kinds without one */
	struct pciaddr addr;             /* VFIO, VFS, MDEV, VGPU */
	char address[PCIADDR_STRLEN];    /* canonical form of addr, "" otherwise */
	unsigned count;                  /* VFS: N (0 allowed); MDEV: COUNT (default 1, 0
					  * allowed); VGPU: the type id */
};

/* The option that spells KIND, with its dashes: "--vfio". */
const char *change_kind_option(enum change_kind kind);

/* Look up an option name ("--vfio", "vfio"). Returns 0 and the kind, or
 * -ENOENT when NAME is not a CHANGE option. */
int change_kind_from_option(const char *name, enum change_kind *ret);

/* True when KIND takes an argument (all but --iommu). */
int change_kind_has_arg(enum change_kind kind);

/*
 * Parse the argument ARG of a CHANGE option of kind KIND (NULL for --iommu)
 * into RET. On failure returns -EINVAL, names the option and the argument in
 * ERR and leaves RET untouched. Release with change_clear().
 */
int change_parse(enum change_kind kind, const char *arg, struct change *ret, struct gv_error *err);

/*
 * Parse a whole argument vector of CHANGE options ("--vfio", "41:00.0",
 * "--blacklist=nouveau", ...); any other word is an error. Returns 0 and an
 * owned array (free with change_array_free()), or -EINVAL with ERR naming
 * the word at fault.
 */
int change_parse_argv(int argc, char *const *argv, struct change **ret, size_t *ret_n,
		      struct gv_error *err);

/* Append a copy of C to the array *ARRAY of *N changes. Returns 0 (running out
 * of memory aborts). */
int change_array_add(struct change **array, size_t *n, const struct change *c);

/* The change back in command-line form ("--vfio 0000:41:00.0"), owned. */
char *change_to_string(const struct change *c);

/* Release what a change owns; C may be NULL. */
void change_clear(struct change *c);
/* Free an array from change_parse_argv() or change_array_add(); NULL is fine. */
void change_array_free(struct change *array, size_t n);
