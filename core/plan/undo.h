/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Undo is a plan: the reversal of the last change set, previewed like any
 * plan (plan_preview()) and applied through the one engine (plan_apply():
 * lock, hand-edit check, atomic writes, rollback on failure).
 *
 *   undo_plan() -> plan_preview() -> plan_apply()
 */
#include <stdbool.h>

#include "core/plan/plan.h"
#include "core/util/error.h"

/*
 * The reversal of the last change set under ROOT that is not undone: every
 * file it changed gets back the bytes and mode it had before, files it
 * created are removed, and so are the directories it created once empty;
 * sysfs attributes get back the value read before; its regeneration
 * commands run again (not those of a set a crash interrupted: it never
 * got to them). Each file's base is what gpuvirt wrote there, so
 * plan_apply() refuses a file edited by hand since (-EEXIST, unless
 * force_hand_edits), and -ESTALE when another set was applied or undone
 * meanwhile. Applied, the set is marked undone; no new set is recorded.
 * Returns 0, -ENOENT when there is nothing to undo (ERR says so in one
 * line), or -errno.
 */
int undo_plan(const char *root, struct plan **ret, struct gv_error *err);

/* The change set an undo plan reverses; 0 for any other plan. */
int undo_plan_set(const struct plan *p);

/* undo_plan() and plan_apply() in one, for a caller that has shown the
 * set already. Same errors. */
int undo_apply(const char *root, const struct plan_apply_opts *opts, struct gv_error *err);

/* The former name of undo_apply(), for callers not moved yet. */
struct journal_undo_opts {
	bool no_run;
	bool force_hand_edits;
};
int journal_undo(const char *root, const struct journal_undo_opts *opts, struct gv_error *err);
