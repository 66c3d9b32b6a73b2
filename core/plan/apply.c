/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Applying a plan: look at everything first, record the change set, do
 * the actions in order, and on the first failure roll back what was done.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/plan/journal-txn.h"
#include "core/plan/plan-internal.h"
#include "core/util/buf.h"
#include "core/util/exec.h"
#include "core/util/fsutil.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

struct step {
	struct action *a;
	struct fileview v;
	char *sysfs_before;
	bool changes, done;
	char *mkdir_abs;    /* the directory fsutil_mkdir_p() made, and how many levels */
	size_t mkdir_n;
};

static void action_desc(const struct action *a, struct buf *b)
{
	switch (a->kind) {
	case PLAN_WRITE_FILE: buf_printf(b, "write %s", a->path); break;
	case PLAN_REMOVE_FILE: buf_printf(b, "remove %s", a->path); break;
	case PLAN_WRITE_SYSFS: buf_printf(b, "echo %s > %s", a->value, a->path); break;
	case PLAN_RUN: {
		char *line = exec_argv_str((const char *const *)a->argv);
		buf_printf(b, "run %s", line);
		free(line);
		break;
	}
	}
}

/* Undo step S (best effort: rollback must go on past a failure). */
static void step_rollback(struct step *s, int timeout_ms)
{
	struct gv_error e = { 0 };

	if (!s->done)
		return;
	switch (s->a->kind) {
	case PLAN_WRITE_FILE:
	case PLAN_REMOVE_FILE:
		if (s->v.now) {
			if (fsutil_write_atomic(s->v.abs, s->v.now, s->v.now_len, s->v.mode, &e) < 0)
				gv_log(GV_LOG_ERR, "rollback: %s: %s", s->a->path, e.msg);
		} else {
			/* fsutil_remove() leaves E alone on ENOENT: nothing to undo then */
			int r = fsutil_remove(s->v.abs, &e);
			if (r < 0 && r != -ENOENT)
				gv_log(GV_LOG_ERR, "rollback: %s: %s", s->a->path, e.msg);
		}
		if (s->mkdir_abs)
			fsutil_rmdir_parents(s->mkdir_abs, s->mkdir_n);
		break;
	case PLAN_WRITE_SYSFS:
		if (!s->sysfs_before)
			gv_log(GV_LOG_WARN, "rollback: %s was unreadable before; it cannot be put back", s->a->path);
		else if (fsutil_write_child(s->a->path, s->sysfs_before, timeout_ms, &e) < 0)
			gv_log(GV_LOG_ERR, "rollback: %s", e.msg);
		break;
	case PLAN_RUN:
		break;
	}
	s->done = false;
}

static int step_do(const struct plan *p, struct step *s, int timeout_ms, struct gv_error *err)
{
	struct action *a = s->a;
	int r;

	switch (a->kind) {
	case PLAN_WRITE_FILE: {
		char *dir = xstrdup(s->v.abs), *slash = strrchr(dir, '/');
		size_t n = 0;
		*slash = '\0';
		r = fsutil_mkdir_p(dir, 0755, &n);
		if (r < 0) {
			gv_error_set(err, r, "creating %s: %s", dir, strerror(-r));
			free(dir);
			return r;
		}
		if (n) {
			s->mkdir_abs = dir;
			s->mkdir_n = n;
		} else {
			free(dir);
		}
		/* Under the lock, a temporary file here is a crashed writer's. */
		fsutil_clean_temps(s->v.abs);
		r = fsutil_write_atomic(s->v.abs, a->content, a->len, s->v.mode, err);
		if (r < 0) {
			/* Nothing was written (the temporary file is gone): only the
			 * directories made for it need undoing, here, so that the
			 * rollback does not try to remove a file that never was. */
			if (s->mkdir_abs)
				fsutil_rmdir_parents(s->mkdir_abs, s->mkdir_n);
			free(s->mkdir_abs);
			s->mkdir_abs = NULL;
			s->mkdir_n = 0;
			return r;
		}
		s->done = true;
		return 0;
	}
	case PLAN_REMOVE_FILE:
		fsutil_clean_temps(s->v.abs);
		r = fsutil_remove(s->v.abs, err);
		if (r == -ENOENT)
			r = 0;
		s->done = r == 0;
		return r;
	case PLAN_WRITE_SYSFS: {
		char *back;
		r = fsutil_write_child(a->path, a->value, timeout_ms, err);
		if (r < 0)
			return r;
		s->done = true;
		back = plan_sysfs_read(a->path);
		if (back && strcmp(back, a->value) != 0) {
			r = gv_error_set(err, -EIO, "wrote %s to %s, but it reads back %s", a->value, a->path, back);
			free(back);
			return r;
		}
		if (!back)
			gv_log(GV_LOG_DEBUG, "%s cannot be read back (write-only attribute)", a->path);
		free(back);
		return 0;
	}
	case PLAN_RUN:
		return exec_run(p->root, (const char *const *)a->argv, err);
	}
	return -EINVAL;
}

/* Refuse (or, forced, warn) when STEP's file differs from what gpuvirt last wrote there. */
static int check_hand_edit(const struct plan *p, struct step *s, bool force, struct gv_error *err)
{
	char *wrote = NULL;
	size_t wrote_len = 0;
	int set = 0, r;
	bool same;

	r = journal_last_written(p->root, s->v.target, &wrote, &wrote_len, &set);
	if (r < 0)
		return 0;   /* gpuvirt never wrote it (or has no copy): nothing to protect */
	if (!wrote)
		same = !s->v.now;
	else
		same = s->v.now && s->v.now_len == wrote_len && memcmp(s->v.now, wrote, wrote_len) == 0;
	if (!same) {
		journal_log_hand_edit(s->a->path, wrote, wrote_len, s->v.now, s->v.now_len,
				      s->a->kind == PLAN_WRITE_FILE ? s->a->content : NULL, s->a->len);
		if (!force) {
			r = gv_error_set(err, -EEXIST,
					 "%s was edited by hand since gpuvirt wrote it (change set %d); "
					 "see the log for the three versions; --force-hand-edits overwrites it",
					 s->a->path, set);
			free(wrote);
			return r;
		}
		gv_log(GV_LOG_WARN, "%s: overwriting the hand edits (forced)", s->a->path);
	}
	free(wrote);
	return 0;
}

/* Remove GVDIR (ROOT/var/lib/gpuvirt, just made with N new components)
 * when it holds nothing but the lock and the empty directories the journal
 * made: a journal set left there (none should be) keeps it all. */
static void remove_journal_dir(const char *gvdir, size_t n)
{
	static const char *const subdirs[] = { "journal", "backup", "written" };
	DIR *d;
	struct dirent *de;
	char *lock;

	for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		char *sub = fsutil_join(gvdir, subdirs[i]);
		rmdir(sub);   /* only when empty */
		free(sub);
	}
	d = opendir(gvdir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strcmp(de->d_name, "lock")) {
			closedir(d);
			return;
		}
	}
	closedir(d);
	lock = fsutil_join(gvdir, "lock");
	unlink(lock);
	free(lock);
	fsutil_rmdir_parents(gvdir, n);
}

int plan_apply(struct plan *p, const struct plan_apply_opts *opts, struct gv_error *err)
{
	static const struct plan_apply_opts defaults;
	struct step *steps = calloc(p->n + 1, sizeof(*steps));
	struct journal_txn *txn = NULL;
	struct buf summary = BUF_INIT, what = BUF_INIT;
	char *gvdir = fsutil_join(p->root, JOURNAL_DIR);
	int lock_fd = -1, timeout, r;
	size_t n_changes = 0, failed_at = 0, gvdir_made = 0;
	bool only_runs = true, applied = false;

	if (!steps)
		abort();
	if (!opts)
		opts = &defaults;
	timeout = opts->sysfs_timeout_ms > 0 ? opts->sysfs_timeout_ms : PLAN_SYSFS_TIMEOUT_MS;

	r = fsutil_mkdir_p(gvdir, 0755, &gvdir_made);
	if (r < 0) {
		gv_error_set(err, r, "cannot create %s: %s", gvdir, strerror(-r));
		goto out;
	}
	r = journal_lock(p->root, &lock_fd, err);
	if (r < 0)
		goto out;
	r = journal_recover(p->root, opts->force_hand_edits, err);
	if (r < 0)
		goto out;

	/* Look before touching anything: every file, every hand edit. */
	for (size_t i = 0; i < p->n; i++) {
		struct step *s = &steps[i];
		s->a = &p->a[i];
		switch (s->a->kind) {
		case PLAN_WRITE_FILE:
		case PLAN_REMOVE_FILE:
			only_runs = false;
			r = plan_fileview_get(p, s->a, &s->v, err);
			if (r < 0)
				goto out;
			s->changes = s->v.changes;
			/* Only a change would lose anything: a file that already
			 * has the planned content (a plan applied twice) is fine. */
			if (s->changes && !plan_base_holds(s->a, &s->v)) {
				r = gv_error_set(err, -ESTALE, "%s: changed since the plan was made; make the plan again",
						 s->a->path);
				goto out;
			}
			if (s->changes) {
				r = check_hand_edit(p, s, opts->force_hand_edits, err);
				if (r < 0)
					goto out;
			}
			break;
		case PLAN_WRITE_SYSFS:
			only_runs = false;
			s->sysfs_before = plan_sysfs_read(s->a->path);
			s->changes = !s->sysfs_before || strcmp(s->sysfs_before, s->a->value) != 0;
			break;
		case PLAN_RUN:
			s->changes = true;
			continue;
		}
		if (s->changes) {
			n_changes++;
			if (summary.len)
				buf_puts(&summary, "; ");
			action_desc(s->a, &summary);
		}
	}
	if (n_changes == 0 && (!only_runs || p->n == 0)) {
		gv_log(GV_LOG_INFO, "nothing to change: every file and attribute is already as planned");
		r = 0;
		goto out;
	}

	r = journal_txn_begin(p->root, &txn, err);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < p->n; i++) {
		struct step *s = &steps[i];
		if (!s->changes)
			continue;
		if (s->a->kind == PLAN_WRITE_FILE || s->a->kind == PLAN_REMOVE_FILE) {
			r = journal_txn_file(txn, s->a->path, s->v.target, s->v.now, s->v.now_len, s->v.mode,
					     s->a->kind == PLAN_WRITE_FILE ? s->a->content : NULL, s->a->len, err);
			if (r < 0)
				goto discard;
		} else if (s->a->kind == PLAN_WRITE_SYSFS) {
			journal_txn_sysfs(txn, s->a->path, s->sysfs_before, s->a->value);
		} else {
			if (summary.len)
				buf_puts(&summary, "; ");
			action_desc(s->a, &summary);
		}
	}
	for (size_t i = 0; i < p->n_e; i++)
		journal_txn_expect(txn, p->e[i].kind, p->e[i].key, p->e[i].value);
	r = journal_txn_commit(txn, false, summary.data ? summary.data : "", err);
	if (r < 0)
		goto discard;

	for (size_t i = 0; i < p->n; i++) {
		struct step *s = &steps[i];
		if (!s->changes || s->a->kind == PLAN_RUN)
			continue;
		failed_at = i;
		r = step_do(p, s, timeout, err);
		if (r < 0)
			goto rollback;
		if (s->mkdir_abs) {
			char *rel = xstrdup(s->mkdir_abs + strlen(p->root));
			journal_txn_mkdirs(txn, rel[0] == '/' ? rel + 1 : rel, s->mkdir_n);
			free(rel);
			/* Recorded right away, so that undo after a crash
			 * removes the directories too. */
			r = journal_txn_commit(txn, false, NULL, err);
			if (r < 0) {
				failed_at = p->n;
				goto rollback;
			}
		}
	}
	for (size_t i = 0; i < p->n; i++) {
		struct step *s = &steps[i];
		if (s->a->kind != PLAN_RUN)
			continue;
		if (opts->no_run) {
			char *line = exec_argv_str((const char *const *)s->a->argv);
			gv_log(GV_LOG_INFO, "not run (--no-run), still to run: %s", line);
			free(line);
			journal_txn_run(txn, (const char *const *)s->a->argv, -1);
			continue;
		}
		failed_at = i;
		r = step_do(p, s, timeout, err);
		if (r < 0)
			goto rollback;
		s->done = true;
		journal_txn_run(txn, (const char *const *)s->a->argv, 0);
	}
	r = journal_txn_commit(txn, true, NULL, err);
	if (r < 0) {
		failed_at = p->n;
		goto rollback;
	}
	gv_log(GV_LOG_INFO, "applied change set %d: %s", journal_txn_id(txn), summary.data ? summary.data : "");
	applied = true;
	r = 0;
	goto out;

rollback:
	{
		char reason[sizeof(err->msg)];
		size_t earlier = 0;
		bool ran = false, by_command = failed_at < p->n && p->a[failed_at].kind == PLAN_RUN;

		snprintf(reason, sizeof(reason), "%s", err ? err->msg : strerror(-r));
		if (failed_at < p->n)
			action_desc(&p->a[failed_at], &what);
		else
			buf_puts(&what, "recording the journal");
		for (size_t i = p->n; i-- > 0;) {
			if (!steps[i].done || steps[i].a->kind == PLAN_RUN)
				continue;
			if (i != failed_at)
				earlier++;
			step_rollback(&steps[i], timeout);
		}
		/* Commands that already ran regenerated from the new files: run
		 * them again so that what they generate matches the old ones. */
		for (size_t i = 0; i < p->n; i++) {
			struct gv_error e = { 0 };
			if (steps[i].a->kind != PLAN_RUN || !steps[i].done)
				continue;
			ran = true;
			if (exec_run(p->root, (const char *const *)steps[i].a->argv, &e) < 0)
				gv_log(GV_LOG_ERR, "rollback: %s", e.msg);
		}
		if (by_command)
			gv_error_set(err, r, "%s; the files were rolled back%s", reason,
				     ran ? " and the commands before it run again" : "");
		else
			gv_error_set(err, r, "apply stopped at %s: %s; %zu earlier change%s rolled back", what.data,
				     reason, earlier, earlier == 1 ? "" : "s");
	}
discard:
	if (txn)
		journal_txn_discard(txn);
out:
	/* An apply that recorded nothing leaves no trace either: what it made
	 * of var/lib/gpuvirt goes, the lock file first, while it is still
	 * held (fsutil_lock() copes with a lock file unlinked under it). */
	if (gvdir_made && !applied)
		remove_journal_dir(gvdir, gvdir_made);
	if (lock_fd >= 0)
		close(lock_fd);
	for (size_t i = 0; i < p->n; i++) {
		plan_fileview_clear(&steps[i].v);
		free(steps[i].sysfs_before);
		free(steps[i].mkdir_abs);
	}
	free(steps);
	journal_txn_free(txn);
	buf_free(&summary);
	buf_free(&what);
	free(gvdir);
	return r;
}
