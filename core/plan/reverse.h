/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * A change set's reversal as a plan, for core/plan: undo previews and
 * applies it, and apply rolls back a set a crash interrupted with it, so
 * both go through the one engine (plan_apply()).
 */
#include <stdbool.h>

#include "core/plan/journal-txn.h"
#include "core/plan/plan.h"
#include "core/util/error.h"

/*
 * The plan that puts back what change set SET (read back from the journal
 * under ROOT) changed: each file it changed gets the bytes and the mode it
 * had before (from the backup, checked against its hash), each file it
 * created is removed, so is each directory it created once empty, each
 * sysfs attribute gets the value read before it, each command that came
 * with its undo (plan_run_reversible()) is reversed by it, and, with
 * WITH_RUNS, its regeneration commands run again. Without WITH_RUNS (a set
 * a crash interrupted) only the undo of a command recorded as run is
 * there. A file's base is what the set wrote
 * there, so plan_apply() takes a file that differs for a hand edit. Applying
 * the plan marks SET undone instead of recording a new set.
 */
int reverse_plan(const char *root, const struct journal_txn *set, bool with_runs, struct plan **ret,
		 struct gv_error *err);
