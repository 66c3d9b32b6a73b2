/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/plan/journal-txn.h"
#include "core/plan/plan-internal.h"
#include "core/plan/reverse.h"
#include "core/plan/undo.h"
#include "core/util/fsutil.h"

int undo_plan(const char *root, struct plan **ret, struct gv_error *err)
{
	struct journal_txn *set = NULL;
	struct journal_record rec;
	char *dir = fsutil_join(root, JOURNAL_DIR);
	int lock_fd = -1, r;

	if (access(dir, F_OK) < 0) {
		r = gv_error_set(err, -ENOENT, "nothing to undo: no journal under %s", dir);
		goto out;
	}
	r = journal_read_lock(root, &lock_fd, err);
	if (r < 0)
		goto out;
	r = journal_txn_last(root, &set, err);
	if (r == -ENOENT)
		r = gv_error_set(err, -ENOENT, "nothing to undo: every change set in %s is undone", dir);
	if (r < 0)
		goto out;
	journal_txn_record(set, &rec);
	r = reverse_plan(root, set, !rec.interrupted, ret, err);
out:
	if (lock_fd >= 0)
		close(lock_fd);
	journal_txn_free(set);
	free(dir);
	return r;
}

int undo_plan_set(const struct plan *p)
{
	return p->undoes;
}

int undo_apply(const char *root, const struct plan_apply_opts *opts, struct gv_error *err)
{
	struct plan *p = NULL;
	int r;

	r = undo_plan(root, &p, err);
	if (r == 0)
		r = plan_apply(p, opts, err);
	plan_free(p);
	return r;
}

int journal_undo(const char *root, const struct journal_undo_opts *opts, struct gv_error *err)
{
	struct plan_apply_opts ao = { 0 };

	if (opts) {
		ao.no_run = opts->no_run;
		ao.force_hand_edits = opts->force_hand_edits;
	}
	return undo_apply(root, &ao, err);
}
