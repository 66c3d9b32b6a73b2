/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The draft: what the person asked for, as a value. It is the list of
 * changes the command line parses (`--iommu --vfio 0000:41:00.0`) plus the
 * two choices that steer the proposal (the boot loader where the evidence is
 * ambiguous, and a forced boot GPU). The wizard's steps edit one draft; the
 * line-mode commands parse their CHANGE options into one. Both build their
 * plan with draft_build_plan(), so the wizard's preview is the text
 * `gpuvirt plan` prints for draft_argv().
 *
 * Changes keep the order they were added in (the plan's order follows it);
 * adding a change the draft already holds does nothing.
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/propose/change.h"
#include "core/propose/propose.h"
#include "core/util/error.h"

struct draft;
struct plan;

struct draft *draft_new(void);
void draft_free(struct draft *d);

/* A copy of D (the wizard measures a copy against a new snapshot). */
struct draft *draft_copy(const struct draft *d);

/* Two changes ask for the same thing (kind, address, argument, count). */
bool draft_change_equal(const struct change *a, const struct change *b);

/* Add a copy of C; false (and nothing added) when an equal change is there. */
bool draft_add(struct draft *d, const struct change *c);
/* Parse ARG for KIND (change_parse()) and add it. Returns 0, or -EINVAL with
 * ERR naming the option and the argument. */
int draft_add_option(struct draft *d, enum change_kind kind, const char *arg, struct gv_error *err);
/* Remove the change equal to C; false when there was none. */
bool draft_remove(struct draft *d, const struct change *c);
/* True when a change equal to C is in the draft. */
bool draft_has(const struct draft *d, const struct change *c);
/* Remove every change. The options stay. */
void draft_clear(struct draft *d);

size_t draft_n(const struct draft *d);
/* Borrowed, valid until the draft changes. */
const struct change *draft_get(const struct draft *d, size_t i);

/* The options the proposal gets: --bootloader NAME (BOOT_AUTO: detect) and
 * --force-boot-gpu. */
void draft_set_boot_loader(struct draft *d, enum boot_loader l);
enum boot_loader draft_boot_loader(const struct draft *d);
void draft_set_force_boot_gpu(struct draft *d, bool force);
bool draft_force_boot_gpu(const struct draft *d);
/* The options of --vfs: --vfs-driver, --boot-only, --force-vfs-in-use
 * (core/propose/sriov.h). */
void draft_set_sriov(struct draft *d, const struct sriov_opts *o);
const struct sriov_opts *draft_sriov(const struct draft *d);

/*
 * The draft as the words of the equivalent command, after VERB ("apply",
 * "plan"): { "apply", "--bootloader", "grub", "--iommu", "--vfio",
 * "0000:41:00.0", NULL }; the --vfs options follow --force-boot-gpu. Global options (--root) are the caller's. Owned:
 * free with draft_argv_free().
 */
char **draft_argv(const struct draft *d, const char *verb);
void draft_argv_free(char **argv);

/*
 * Build the plan for the draft: a new plan for ROOT and exactly the
 * proposal `gpuvirt plan` makes (propose_build() with the draft's changes and
 * options, on host snapshot H and configuration snapshot SC of ROOT). Returns 0 and an owned plan, or propose_build()'s -errno with ERR
 * saying why (an empty draft gives an empty plan, not an error).
 */
int draft_build_plan(const struct draft *d, const struct host *h, const struct sysconf *sc, const char *root,
		     struct plan **ret, struct gv_error *err);

/*
 * Measure change I of D against a snapshot: build the plan of that change
 * alone and say whether it would still change something (*RET_PENDING
 * true) or the configuration already says it (false). Returns 0, or the
 * proposal's -errno with ERR (the change no longer fits the host).
 */
int draft_change_pending(const struct draft *d, size_t i, const struct host *h, const struct sysconf *sc, const char *root,
			 bool *ret_pending, struct gv_error *err);
