/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Plans are values: an ordered list of actions (write file, remove file,
 * write sysfs attribute, run command) built from the host snapshot and the
 * person's intents, previewed, and then applied in one go:
 *
 *   plan_new() -> proposal modules add actions -> plan_preview() ->
 *   plan_apply() (lock, backup, atomic writes, journal; rollback on failure)
 *
 * Paths of files are relative to the configuration root ("etc/modprobe.d/
 * gpuvirt.conf"); sysfs paths are absolute ("/sys/bus/pci/devices/.../
 * sriov_numvfs") and always refer to the running host. See REFERENCE.md §7
 * for the write recipe and DESIGN.md §3 for the files gpuvirt owns.
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/util/error.h"

struct plan;

enum plan_action_kind {
	PLAN_WRITE_FILE,    /* whole new content of a file (created when absent) */
	PLAN_REMOVE_FILE,
	PLAN_WRITE_SYSFS,   /* echo VALUE > /sys/... in a child with a timeout, read back */
	PLAN_RUN,           /* a regeneration command: update-grub, update-initramfs -u -k all, ... */
	PLAN_REMOVE_DIR,    /* undo plans only: a directory gpuvirt created, removed when empty */
};

/* A new empty plan for configuration root ROOT ("/" or a directory). */
int plan_new(const char *root, struct plan **ret);
void plan_free(struct plan *p);
const char *plan_root(const struct plan *p);

/*
 * Add actions. WHY is one short line shown in the preview ("blacklist nouveau
 * so vfio-pci can claim 0000:41:00.0"). Writing a file twice in one plan
 * replaces the first content (so proposals can build on each other through
 * plan_file_content()). A command identical to one already queued is not
 * added again; commands always run after every file and sysfs action.
 * A file action also records the file's base: its content on disk when the
 * plan first named it (or that it was absent); plan_apply() refuses with
 * -ESTALE when the file no longer has it.
 */
int plan_write_file(struct plan *p, const char *path, const char *content, size_t len,
		    mode_t mode_if_new, const char *why);
int plan_remove_file(struct plan *p, const char *path, const char *why);
int plan_write_sysfs(struct plan *p, const char *attr_path, const char *value, const char *why);
/*
 * A sysfs write whose reversal is another write, not the value read
 * before: an mdev's create (reversed by 1 to the instance's remove), its
 * remove (by the UUID to its type's create), a vGPU type set from 0. A
 * rollback, the journal and undo write UNDO_VALUE to UNDO_ATTR.
 */
int plan_write_sysfs_undo(struct plan *p, const char *attr_path, const char *value, const char *undo_attr,
			  const char *undo_value, const char *why);
int plan_run(struct plan *p, const char *const *argv, const char *why);
/*
 * A command that changes what lives outside the root's files (a VM's
 * configuration, `virsh attach-device ... --config`), so that running it
 * again reverses nothing: UNDO is the command that does (`virsh
 * detach-device-alias ...`). Applying runs ARGV, then READBACK (may be NULL),
 * whose output must contain EXPECT, else the apply fails and is rolled back,
 * which runs UNDO; the journal records UNDO, and the change set's undo runs
 * it. Plan files carry both (their 'undo' and 'readback' lines).
 */
int plan_run_reversible(struct plan *p, const char *const *argv, const char *const *undo,
			const char *const *readback, const char *expect, const char *why);

/*
 * What a proposal should start from for PATH: the content this plan already
 * queued for it, else the file's current content under the root. Returns 0
 * with an owned NUL-terminated buffer, -ENOENT when the file does not exist
 * (and is not queued), or another -errno with err set.
 */
int plan_file_content(struct plan *p, const char *path, char **ret_content, size_t *ret_len,
		      struct gv_error *err);

/*
 * Expectations are what must be true after the reboot for this plan to have
 * worked; they are journaled and read back by `gpuvirt check`. KIND is one of
 * "cmdline" (KEY = a kernel argument, e.g. "iommu=pt"), "module" (KEY = a
 * module that must be loaded), "driver" (KEY = PCI address, VALUE = driver),
 * "numvfs" (KEY = PCI address, VALUE = count), "mdev" (KEY = uuid, VALUE =
 * parent:type), "no-module" (KEY = a module that must not be loaded),
 * "vgpu" (KEY = an NVIDIA VF's address, VALUE = its vGPU type id), "no-mdev"
 * (KEY = uuid: an mdev removed, which an earlier "mdev" no longer expects).
 */
int plan_expect(struct plan *p, const char *kind, const char *key, const char *value);

size_t plan_n_actions(const struct plan *p);
bool plan_is_empty(const struct plan *p);   /* no action changes anything */

/*
 * The preview, as `gpuvirt plan` prints it and the TUI's dialog shows it:
 * a unified diff per file (labels relative to the root, "--- a/etc/..."),
 * "echo VALUE > /sys/..." per sysfs write, "$ cmd args" per command (a
 * reversible one followed by "# read back: ..." and "# undo: ..."), each
 * after its "# why" line. Files whose content would not change are listed as
 * unchanged. Returns an owned string.
 */
int plan_preview(const struct plan *p, char **ret_text, struct gv_error *err);
/* The same as JSON: {"root":..., "actions":[{"kind","path","why","diff"|"value"|"argv"}]}; a
 * reversible command also has "undo" (argv), and "readback" (argv) with "expect". */
int plan_preview_json(const struct plan *p, char **ret_json, struct gv_error *err);

struct plan_apply_opts {
	bool no_run;           /* list commands as still to run instead of running them */
	bool no_live;          /* list the sysfs writes instead of making them: the
				* running host is left alone (a --root that is not
				* the running system's, --boot-only, the demo) */
	bool force_hand_edits; /* overwrite files changed by hand since gpuvirt wrote them */
	int sysfs_timeout_ms;  /* 0: default (5000) */
};

/*
 * Apply: take the lock, refuse while the package manager's lock is held,
 * refuse (-ESTALE, "PATH: changed since the plan was made; make the plan
 * again") when a file to change differs from its base, re-check that
 * nothing changed by hand since gpuvirt wrote it, back up, write atomically (symlinks
 * resolved), sysfs writes in a child with a timeout and read back (an
 * attribute written twice counts from the value the first write leaves;
 * sriov_numvfs also by its VFs' virtfnN links), then run
 * the commands (chroot ROOT when the root is not "/"). Stops at the first
 * failing action and rolls back the ones already done; the error names the
 * action and the reason. On success the change set is journaled under
 * ROOT/var/lib/gpuvirt/; an apply that records no change set removes the
 * var/lib/gpuvirt it had to create for its lock. Commands not run (no_run) are reported through
 * gv_log at INFO and recorded in the journal as pending. A change set a
 * crash interrupted is rolled back first. An undo plan (undo.h) records no
 * set: it marks the one it reverses undone.
 */
int plan_apply(struct plan *p, const struct plan_apply_opts *opts, struct gv_error *err);

/* A plan as a readable, versioned text file ("gpuvirt-plan 2": each file
 * action carries its base, a reversible command its 'undo' and 'readback'
 * lines), for `gpuvirt apply --plan FILE`; an undo plan is not saved
 * (-EINVAL). Loading validates everything and names the line at fault;
 * version 1 files still load, with a warning, and their files have no base
 * to check. */
int plan_save(const struct plan *p, const char *file, struct gv_error *err);
int plan_load(const char *file, const char *root, struct plan **ret, struct gv_error *err);

/* Default for plan_apply_opts.sysfs_timeout_ms. */
#define PLAN_SYSFS_TIMEOUT_MS 5000
