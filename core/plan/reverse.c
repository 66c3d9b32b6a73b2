/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * From a journal set to its reversal. The set's lists are walked backwards,
 * so that a file the set touched twice (two paths with one target) gets
 * the bytes from before the first touch, and its base stays what the set
 * wrote last.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/plan/journal-txn.h"
#include "core/plan/plan-internal.h"
#include "core/plan/reverse.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

static int reverse_file(struct plan *p, const struct journal_txn *set, const struct journal_file *f, int id,
			struct gv_error *err)
{
	bool first = !plan_find_file(p, f->target);
	struct action *a;
	char *before = NULL, why[128];
	size_t len = 0;
	int r;

	if (f->had_before) {
		r = journal_txn_backup(set, f, &before, &len, err);
		if (r < 0)
			return r;
		snprintf(why, sizeof(why), "as it was before change set %d", id);
		r = plan_write_file(p, f->target, before, len, f->mode, why);
		free(before);
	} else {
		snprintf(why, sizeof(why), "created by change set %d", id);
		r = plan_remove_file(p, f->target, why);
	}
	if (r < 0)
		return gv_error_set(err, r, "change set %d: cannot put back %s", id, f->target);
	a = plan_find_file(p, f->target);
	a->mode_exact = f->had_before;
	if (first) {
		a->base_set = id;
		a->base = f->has_after ? BASE_SHA : BASE_ABSENT;
		memcpy(a->base_sha, f->after_sha, sizeof(a->base_sha));
	}
	return 0;
}

/* DIR and the N-1 parents the set created with it, innermost first. */
static int reverse_dir(struct plan *p, const struct journal_dir *d, int id, struct gv_error *err)
{
	char *dir = xstrdup(d->dir), *slash, why[128];
	int r = 0;

	snprintf(why, sizeof(why), "made by change set %d; removed when empty", id);
	for (size_t i = 0; i < d->n && r == 0; i++) {
		r = plan_remove_dir(p, dir, why);
		slash = strrchr(dir, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	free(dir);
	return r < 0 ? gv_error_set(err, r, "change set %d: bad directory %s", id, d->dir) : 0;
}

int reverse_plan(const char *root, const struct journal_txn *set, bool with_runs, struct plan **ret,
		 struct gv_error *err)
{
	struct journal_record rec;
	struct plan *p = NULL;
	char why[128];
	int r;

	journal_txn_record(set, &rec);
	r = plan_new(root, &p);
	if (r < 0)
		return gv_error_set(err, r, "%s: not an absolute path", root);
	p->undoes = rec.id;
	for (size_t i = rec.n_files; i-- > 0;) {
		r = reverse_file(p, set, &rec.files[i], rec.id, err);
		if (r < 0)
			goto fail;
	}
	for (size_t i = rec.n_dirs; i-- > 0;) {
		r = reverse_dir(p, &rec.dirs[i], rec.id, err);
		if (r < 0)
			goto fail;
	}
	snprintf(why, sizeof(why), "its value before change set %d", rec.id);
	for (size_t i = rec.n_sysfs; i-- > 0;) {
		const struct journal_sysfs *s = &rec.sysfs[i];
		if (s->undo_attr) {
			/* an mdev created is removed, one removed made again */
			char *rwhy = xasprintf("reverses %s > %s of change set %d", s->after, s->attr, rec.id);
			r = plan_write_sysfs_undo(p, s->undo_attr, s->undo_value, s->attr, s->after, rwhy);
			free(rwhy);
			if (r < 0) {
				gv_error_set(err, r, "change set %d: cannot reverse %s", rec.id, s->attr);
				goto fail;
			}
			continue;
		}
		if (!s->before) {
			/* bind, drivers_probe...: actions, not state; what they did
			 * goes with the state put back around them */
			gv_log(plan_sysfs_write_only(s->attr) ? GV_LOG_DEBUG : GV_LOG_WARN,
			       "%s could not be read before change set %d, so it cannot be put back", s->attr, rec.id);
			continue;
		}
		r = plan_write_sysfs(p, s->attr, s->before, why);
		if (r < 0) {
			gv_error_set(err, r, "change set %d: cannot put back %s", rec.id, s->attr);
			goto fail;
		}
	}
	/* A command the files cannot reverse has its undo, newest first; one
	 * that ran is reversed even when a crash stopped the set, since it
	 * was recorded as it ran. */
	snprintf(why, sizeof(why), "reverse what change set %d ran", rec.id);
	for (size_t i = rec.n_runs; i-- > 0;) {
		const struct journal_run *run = &rec.runs[i];
		if (!run->undo || (!with_runs && run->status < 0))
			continue;
		r = plan_run(p, (const char *const *)run->undo, why);
		if (r < 0) {
			gv_error_set(err, r, "change set %d: an undo command without a name", rec.id);
			goto fail;
		}
	}
	snprintf(why, sizeof(why), "regenerate from the configuration before change set %d", rec.id);
	for (size_t i = 0; with_runs && i < rec.n_runs; i++) {
		if (rec.runs[i].undo)
			continue;
		r = plan_run(p, (const char *const *)rec.runs[i].argv, why);
		if (r < 0) {
			gv_error_set(err, r, "change set %d: a command without a name", rec.id);
			goto fail;
		}
	}
	*ret = p;
	return 0;
fail:
	plan_free(p);
	return r;
}
