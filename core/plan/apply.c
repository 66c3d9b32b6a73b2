/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Applying a plan, in four phases under the lock: look at every file and
 * attribute before touching any (bases, hand edits), record the change set
 * (backups first), run the actions in order, and on the first failure roll
 * back what was done. An undo is applied the same way; it records no new
 * set but marks the one it reverses undone.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/plan/journal-txn.h"
#include "core/plan/plan-internal.h"
#include "core/plan/reverse.h"
#include "core/util/buf.h"
#include "core/util/exec.h"
#include "core/util/fsutil.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

struct step {
	struct action *a;
	struct fileview v;  /* files; for a directory only abs */
	char *sysfs_before;
	bool sysfs_fresh;   /* on a device the plan itself makes (a VF): it goes with it */
	bool changes, done;
	char *mkdir_abs;    /* the directory fsutil_mkdir_p() made, and how many levels */
	size_t mkdir_n;
};

/* What the journal gets when the actions are done. */
enum finish {
	FINISH_RECORD,      /* a new change set */
	FINISH_UNDONE,      /* the undo of UNDOING: that set is marked undone */
	FINISH_FORGET,      /* the rollback of UNDOING, which a crash interrupted: it goes */
};

struct apply {
	struct plan *p;
	const struct plan_apply_opts *opts;
	int timeout;
	enum finish finish;
	struct journal_txn *txn;       /* FINISH_RECORD: the set being recorded */
	struct journal_txn *undoing;   /* otherwise: the set being reversed */
	struct step *steps;
	size_t n_changes;
	struct buf summary;
	size_t failed_at;              /* p->n: writing the journal */
};

static void action_desc(const struct action *a, struct buf *b)
{
	switch (a->kind) {
	case PLAN_WRITE_FILE: buf_printf(b, "write %s", a->path); break;
	case PLAN_REMOVE_FILE: buf_printf(b, "remove %s", a->path); break;
	case PLAN_WRITE_SYSFS: buf_printf(b, "echo %s > %s", a->value, a->path); break;
	case PLAN_REMOVE_DIR: buf_printf(b, "rmdir %s", a->path); break;
	case PLAN_RUN: {
		char *line = exec_argv_str((const char *const *)a->argv);
		buf_printf(b, "run %s", line);
		free(line);
		break;
	}
	}
}

/* ---- one action ---- */

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
			else if (s->a->mode_exact && chmod(s->v.abs, s->v.mode) < 0)
				gv_log(GV_LOG_ERR, "rollback: %s: chmod: %s", s->a->path, strerror(errno));
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
		if (s->a->undo_path) {
			/* its own reversal, even on a device the plan made: it
			 * must go before the device does */
			if (fsutil_write_child(s->a->undo_path, s->a->undo_value, timeout_ms, &e) < 0)
				gv_log(GV_LOG_ERR, "rollback: %s", e.msg);
			break;
		}
		if (s->sysfs_fresh)
			break;
		if (!s->sysfs_before)
			gv_log(GV_LOG_WARN, "rollback: %s was unreadable before; it cannot be put back", s->a->path);
		else if (fsutil_write_child(s->a->path, s->sysfs_before, timeout_ms, &e) < 0)
			gv_log(GV_LOG_ERR, "rollback: %s", e.msg);
		break;
	case PLAN_REMOVE_DIR:
		if (mkdir(s->v.abs, 0755) < 0 && errno != EEXIST)
			gv_log(GV_LOG_ERR, "rollback: mkdir %s: %s", s->a->path, strerror(errno));
		break;
	case PLAN_RUN:
		break;
	}
	s->done = false;
}

static int write_file(struct step *s, struct gv_error *err)
{
	const struct action *a = s->a;
	char *dir = xstrdup(s->v.abs), *slash = strrchr(dir, '/');
	size_t n = 0;
	int r;

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
	r = fsutil_write_atomic(s->v.abs, a->content, a->len, a->mode_exact ? a->mode : s->v.mode, err);
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
	/* An existing file keeps its mode through the write: an undo puts
	 * back the one it had. */
	if (a->mode_exact && s->v.now && s->v.mode != a->mode && chmod(s->v.abs, a->mode) < 0) {
		r = -errno;
		return gv_error_set(err, r, "%s: chmod %04o: %s", a->path, (unsigned)a->mode, strerror(-r));
	}
	return 0;
}

/* The base name of PATH is NAME. */
static bool is_attr(const char *path, const char *name)
{
	const char *slash = strrchr(path, '/');

	return slash && !strcmp(slash + 1, name);
}

/*
 * An mdev's create and remove cannot be read back: the instance can
 * (SRIOV-MDEV-VM.md §2.5). After create, PARENT/UUID is there with the
 * type written to, a device API and an IOMMU group; after remove it is gone.
 */
static int mdev_read_back(const struct action *a, struct gv_error *err)
{
	char *dir = xstrdup(a->path), *p, *inst, *type = NULL, *api = NULL, *link;
	char buf[4096];
	ssize_t n;
	int r = 0;

	*strrchr(dir, '/') = '\0';
	if (is_attr(a->path, "remove")) {
		if (access(dir, F_OK) == 0)
			r = gv_error_set(err, -EIO, "wrote %s to %s, but the mdev is still there", a->value, a->path);
		free(dir);
		return r;
	}
	/* DIR is PARENT/mdev_supported_types/TYPE */
	type = xstrdup(strrchr(dir, '/') + 1);
	p = strstr(dir, "/mdev_supported_types/");
	*p = '\0';
	inst = xasprintf("%s/%s", dir, a->value);
	link = xasprintf("%s/mdev_type", inst);
	n = readlink(link, buf, sizeof(buf) - 1);
	free(link);
	if (n <= 0) {
		r = gv_error_set(err, -EIO, "wrote %s to %s, but %s does not exist", a->value, a->path, inst);
		goto out;
	}
	buf[n] = '\0';
	if (strcmp(strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf, type)) {
		r = gv_error_set(err, -EIO, "wrote %s to %s, but %s/mdev_type is %s", a->value, a->path, inst, buf);
		goto out;
	}
	link = xasprintf("%s/mdev_type/device_api", inst);
	api = plan_sysfs_read(link);
	free(link);
	if (!api) {
		r = gv_error_set(err, -EIO, "%s: its type has no device API (mdev_type/device_api)", inst);
		goto out;
	}
	link = xasprintf("%s/iommu_group", inst);
	if (access(link, F_OK) < 0)
		r = gv_error_set(err, -EIO, "%s has no IOMMU group: a VM cannot use it", inst);
	free(link);
	if (r == 0)
		gv_log(GV_LOG_DEBUG, "%s: type %s, device API %s, in an IOMMU group", inst, type, api);
out:
	free(api);
	free(inst);
	free(type);
	free(dir);
	return r;
}

/* PATH is the sriov_numvfs of a PF: beside it the kernel has sriov_totalvfs. */
static bool is_numvfs(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *total;
	bool r;

	if (!slash || strcmp(slash + 1, "sriov_numvfs"))
		return false;
	total = xasprintf("%.*s/sriov_totalvfs", (int)(slash - path), path);
	r = access(total, F_OK) == 0;
	free(total);
	return r;
}

/* After sriov_numvfs took N: the kernel's links say the VFs are there
 * (virtfn0..N-1, and no virtfnN). A count the driver lowered reads back
 * lower: say so as the driver's log does. */
static int sriov_read_back(const struct action *a, const char *back, struct gv_error *err)
{
	long want = strtol(a->value, NULL, 10);
	char *dir = xstrdup(a->path), *link;
	int r = 0;

	*strrchr(dir, '/') = '\0';
	if (back && strtol(back, NULL, 10) < want) {
		r = gv_error_set(err, -EIO, "%s: %ld VFs requested, only %s enabled (the driver's log says why: dmesg)",
				 a->path, want, back);
		goto out;
	}
	link = xasprintf("%s/virtfn%ld", dir, want);
	if (access(link, F_OK) == 0)
		r = gv_error_set(err, -EIO, "%s: wrote %ld, but virtfn%ld is still there", a->path, want, want);
	free(link);
	if (r == 0 && want > 0) {
		link = xasprintf("%s/virtfn%ld", dir, want - 1);
		if (access(link, F_OK) < 0)
			r = gv_error_set(err, -EIO, "%s: wrote %ld, but no VF appeared (no virtfn%ld)", a->path, want,
					 want - 1);
		free(link);
	}
out:
	free(dir);
	return r;
}

/* What the kernel's answer to an mdev or vGPU write means
 * (SRIOV-MDEV-VM.md §2.1, §2.3); other answers keep their plain text. */
static int mdev_write_error(const struct action *a, int r, struct gv_error *err)
{
	const char *what = NULL;

	if (is_attr(a->path, "create")) {
		switch (r) {
		case -EEXIST: what = "an mdev with that UUID exists already (the kernel takes a UUID once, on any parent)"; break;
		case -EUSERS: what = "no instance of the type is left (available_instances is 0)"; break;
		case -EINVAL: what = "the kernel refused it (not a UUID it takes, or the parent's driver refused the type)"; break;
		case -ENODEV: what = "the parent is going away"; break;
		}
	} else if (is_attr(a->path, "remove")) {
		if (r == -EBUSY)
			what = "the mdev is in use (a VM holds it); shut the VM down first";
	} else if (is_attr(a->path, "current_vgpu_type")) {
		if (r == -EBUSY)
			what = "the VF is in use, or has another type (0 must come first)";
		else if (r == -EINVAL)
			what = "the driver refused the type (it is not in nvidia/creatable_vgpu_types now)";
	}
	if (what)
		gv_error_set(err, r, "echo %s > %s: %s (%s)", a->value, a->path, what, strerror(-r));
	return r;
}

/* What the kernel's answer to a sriov_numvfs store means (drivers/pci/iov.c,
 * SRIOV-MDEV-VM.md §1.2 and §1.6). */
static const char *sriov_errno_hint(int r)
{
	switch (-r) {
	case ENOENT: return "no driver is bound, or its driver cannot set the count (the stock i915); gpuvirt check says which";
	case ENOMEM: return "no room for the VFs' memory (BARs; the kernel logs \"not enough MMIO resources for SR-IOV\"): "
			    "ask for fewer, or turn on \"Above 4G decoding\" in the BIOS";
	case ERANGE: return "more than sriov_totalvfs, which the driver may have lowered (max_vfs)";
	case EBUSY: return "VFs are enabled already: the kernel takes a new count only after 0";
	case EPERM: return "the driver keeps VFs that are still assigned (a VM holds one)";
	case EACCES: return "only root may write it";
	case ETIMEDOUT: return "removing VFs waits until every VM lets go of its VF";
	case ENODEV: case EIO: return "the driver could not enable SR-IOV (xe not in PF mode, firmware): see dmesg";
	default: return NULL;
	}
}

static int write_sysfs(struct step *s, int timeout_ms, struct gv_error *err)
{
	const struct action *a = s->a;
	char *back;
	int r;

	r = fsutil_write_child(a->path, a->value, timeout_ms, err);
	if (r < 0 && is_numvfs(a->path) && sriov_errno_hint(r) && err) {
		char said[sizeof(err->msg)];
		snprintf(said, sizeof(said), "%s", err->msg);
		gv_error_set(err, r, "%s: %s", said, sriov_errno_hint(r));
	}
	if (r < 0)
		return mdev_write_error(a, r, err);
	s->done = true;
	if ((is_attr(a->path, "create") && strstr(a->path, "/mdev_supported_types/")) ||
	    (is_attr(a->path, "remove") && a->undo_path && is_attr(a->undo_path, "create")))
		return mdev_read_back(a, err);
	back = plan_sysfs_read(a->path);
	if (is_numvfs(a->path)) {
		r = sriov_read_back(a, back, err);
		free(back);
		return r;
	}
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

/* A directory gpuvirt created goes only when nothing else lives in it. */
static int remove_dir(struct step *s, struct gv_error *err)
{
	int r;

	if (rmdir(s->v.abs) == 0) {
		s->done = true;
		return 0;
	}
	r = -errno;
	if (r == -ENOENT)
		return 0;
	if (r == -ENOTEMPTY || r == -EEXIST) {
		gv_log(GV_LOG_INFO, "kept %s: it holds files gpuvirt did not create", s->a->path);
		return 0;
	}
	return gv_error_set(err, r, "rmdir %s: %s", s->a->path, strerror(-r));
}

static int step_do(const struct plan *p, struct step *s, int timeout_ms, struct gv_error *err)
{
	int r;

	switch (s->a->kind) {
	case PLAN_WRITE_FILE:
		return write_file(s, err);
	case PLAN_REMOVE_FILE:
		r = fsutil_remove(s->v.abs, err);
		if (r == -ENOENT)
			r = 0;
		s->done = r == 0;
		return r;
	case PLAN_WRITE_SYSFS:
		return write_sysfs(s, timeout_ms, err);
	case PLAN_REMOVE_DIR:
		return remove_dir(s, err);
	case PLAN_RUN:
		return exec_run(p->root, (const char *const *)s->a->argv, err);
	}
	return -EINVAL;
}

/* ---- look ---- */

/* Refuse (or, forced, warn about) the file of step S, which differs from
 * WROTE, what gpuvirt wrote there in change set SET. */
static int hand_edited(const struct apply *ap, const struct step *s, const char *wrote, size_t wrote_len,
		       int set, struct gv_error *err)
{
	journal_log_hand_edit(s->a->path, wrote, wrote_len, s->v.now, s->v.now_len,
			      s->a->kind == PLAN_WRITE_FILE ? s->a->content : NULL, s->a->len);
	if (!ap->opts->force_hand_edits)
		return gv_error_set(err, -EEXIST,
				    "%s was edited by hand since gpuvirt wrote it (change set %d); "
				    "see the log for the three versions; --force-hand-edits overwrites it",
				    s->a->path, set);
	gv_log(GV_LOG_WARN, "%s: overwriting the hand edits (forced)", s->a->path);
	return 0;
}

/*
 * A file step that changes something must find the file as the plan was
 * computed from it (its base), and as gpuvirt last wrote it. An undo's base
 * is what gpuvirt wrote, so there the two checks are one.
 */
static int check_file(const struct apply *ap, const struct step *s, struct gv_error *err)
{
	const struct action *a = s->a;
	char *wrote = NULL;
	size_t wrote_len = 0;
	int set = 0, r;
	bool same;

	if (a->base_set) {
		if (plan_base_holds(a, &s->v))
			return 0;
		if (a->base == BASE_SHA && journal_written(ap->p->root, a->base_set, s->v.target, &wrote, &wrote_len) < 0)
			wrote = NULL;
		r = hand_edited(ap, s, wrote, wrote_len, a->base_set, err);
		free(wrote);
		return r;
	}
	/* Only a change would lose anything: a file that already has the
	 * planned content (a plan applied twice) is fine. */
	if (!plan_base_holds(a, &s->v))
		return gv_error_set(err, -ESTALE, "%s: changed since the plan was made; make the plan again", a->path);
	if (journal_last_written(ap->p->root, s->v.target, &wrote, &wrote_len, &set) < 0)
		return 0;   /* gpuvirt never wrote it (or has no copy): nothing to protect */
	if (!wrote)
		same = !s->v.now;
	else
		same = s->v.now && s->v.now_len == wrote_len && memcmp(s->v.now, wrote, wrote_len) == 0;
	r = same ? 0 : hand_edited(ap, s, wrote, wrote_len, set, err);
	free(wrote);
	return r;
}

/* What attribute step I finds: an earlier step on the same attribute (not a
 * write-only one: it keeps no value) left its value there (sriov_numvfs 0, then N: N is a change from 0, and its
 * undo puts 0 back before the 0 step puts back the count before it). */
static void sysfs_look(struct apply *ap, size_t i)
{
	struct step *s = &ap->steps[i];
	char *dir;

	for (size_t j = i; j-- > 0 && !plan_sysfs_write_only(s->a->path);) {
		const struct action *e = ap->steps[j].a;
		if (e->kind == PLAN_WRITE_SYSFS && !strcmp(e->path, s->a->path) && ap->steps[j].changes) {
			s->sysfs_before = xstrdup(e->value);
			s->sysfs_fresh = ap->steps[j].sysfs_fresh;
			s->changes = strcmp(s->sysfs_before, s->a->value) != 0;
			return;
		}
	}
	s->sysfs_before = plan_sysfs_read(s->a->path);
	if (!s->sysfs_before) {
		dir = xstrdup(s->a->path);
		*strrchr(dir, '/') = '\0';
		s->sysfs_fresh = access(dir, F_OK) < 0;
		free(dir);
	}
	s->changes = !s->sysfs_before || strcmp(s->sysfs_before, s->a->value) != 0;
}

/* Look before touching anything: every file, every hand edit. */
static int look(struct apply *ap, struct gv_error *err)
{
	struct plan *p = ap->p;
	bool empty;
	int r;

	for (size_t i = 0; i < p->n; i++) {
		struct step *s = &ap->steps[i];
		s->a = &p->a[i];
		switch (s->a->kind) {
		case PLAN_WRITE_FILE:
		case PLAN_REMOVE_FILE:
			r = plan_fileview_get(p, s->a, &s->v, err);
			if (r < 0)
				return r;
			s->changes = s->v.changes;
			if (s->changes) {
				r = check_file(ap, s, err);
				if (r < 0)
					return r;
			}
			break;
		case PLAN_WRITE_SYSFS:
			if (ap->opts->no_live) {
				gv_log(GV_LOG_INFO, "not written (the running host is left alone): echo %s > %s",
				       s->a->value, s->a->path);
				continue;
			}
			sysfs_look(ap, i);
			break;
		case PLAN_REMOVE_DIR:
			s->v.abs = fsutil_join(p->root, s->a->path);
			s->changes = plan_dir_look(p, s->a->path, &empty) > 0;
			break;
		case PLAN_RUN:
			s->changes = true;
			continue;
		}
		if (s->changes) {
			ap->n_changes++;
			if (ap->summary.len)
				buf_puts(&ap->summary, "; ");
			action_desc(s->a, &ap->summary);
		}
	}
	return 0;
}

/* ---- record ---- */

/* Begin the change set: backups of every file first, then the manifest
 * in state "applying", so a crash from here on can be rolled back. */
static int record(struct apply *ap, struct gv_error *err)
{
	struct plan *p = ap->p;
	int r;

	if (ap->finish != FINISH_RECORD)
		return 0;
	r = journal_txn_begin(p->root, &ap->txn, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < p->n; i++) {
		struct step *s = &ap->steps[i];
		if (!s->changes)
			continue;
		switch (s->a->kind) {
		case PLAN_WRITE_FILE:
		case PLAN_REMOVE_FILE:
			r = journal_txn_file(ap->txn, s->a->path, s->v.target, s->v.now, s->v.now_len, s->v.mode,
					     s->a->kind == PLAN_WRITE_FILE ? s->a->content : NULL, s->a->len, err);
			if (r < 0)
				return r;
			break;
		case PLAN_WRITE_SYSFS:
			/* an attribute of a device the plan makes goes with it,
			 * unless the write carries its own reversal */
			if (s->sysfs_fresh && !s->a->undo_path)
				break;
			journal_txn_sysfs(ap->txn, s->a->path, s->sysfs_before, s->a->value);
			if (s->a->undo_path)
				journal_txn_sysfs_undo(ap->txn, s->a->undo_path, s->a->undo_value);
			break;
		case PLAN_REMOVE_DIR:   /* undo plans only */
			break;
		case PLAN_RUN:
			if (ap->summary.len)
				buf_puts(&ap->summary, "; ");
			action_desc(s->a, &ap->summary);
			break;
		}
	}
	for (size_t i = 0; i < p->n_e; i++)
		journal_txn_expect(ap->txn, p->e[i].kind, p->e[i].key, p->e[i].value);
	return journal_txn_commit(ap->txn, false, buf_str(&ap->summary), err);
}

/* ---- run ---- */

static int run_actions(struct apply *ap, struct gv_error *err)
{
	struct plan *p = ap->p;
	int r;

	for (size_t i = 0; i < p->n; i++) {
		struct step *s = &ap->steps[i];
		if (s->a->kind == PLAN_RUN)
			continue;
		/* Under the lock, a temporary file beside a file is a crashed
		 * writer's, also where this plan changes nothing. */
		if (s->a->kind == PLAN_WRITE_FILE || s->a->kind == PLAN_REMOVE_FILE)
			fsutil_clean_temps(s->v.abs);
		if (!s->changes)
			continue;
		ap->failed_at = i;
		r = step_do(p, s, ap->timeout, err);
		if (r < 0)
			return r;
		if (s->mkdir_abs && ap->txn) {
			char *rel = xstrdup(s->mkdir_abs + strlen(p->root));
			journal_txn_mkdirs(ap->txn, rel[0] == '/' ? rel + 1 : rel, s->mkdir_n);
			free(rel);
			/* Recorded right away, so that undo after a crash
			 * removes the directories too. */
			r = journal_txn_commit(ap->txn, false, NULL, err);
			if (r < 0) {
				ap->failed_at = p->n;
				return r;
			}
		}
	}
	return 0;
}

/* A reversible command's read-back: its output must show what the command
 * was to change. */
static int read_back(const struct plan *p, const struct action *a, struct gv_error *err)
{
	char *out = NULL, *line = exec_argv_str((const char *const *)a->check_argv);
	int r = exec_capture(p->root, (const char *const *)a->check_argv, &out, err);

	if (r == 0 && !strstr(out, a->check_text)) {
		char *cmd = exec_argv_str((const char *const *)a->argv);
		r = gv_error_set(err, -EIO, "`%s` ran, but `%s` does not show %s", cmd, line, a->check_text);
		free(cmd);
	}
	if (r == 0)
		gv_log(GV_LOG_INFO, "read back: `%s` shows %s", line, a->check_text);
	free(out);
	free(line);
	return r;
}

/* Commands run after every file: they regenerate from the new ones. */
static int run_commands(struct apply *ap, struct gv_error *err)
{
	struct plan *p = ap->p;
	int r;

	for (size_t i = 0; i < p->n; i++) {
		struct step *s = &ap->steps[i];
		const char *const *argv = (const char *const *)s->a->argv;
		const char *const *undo = (const char *const *)s->a->undo_argv;
		if (s->a->kind != PLAN_RUN)
			continue;
		if (ap->opts->no_run) {
			char *line = exec_argv_str(argv);
			gv_log(GV_LOG_INFO, "not run (--no-run), still to run: %s", line);
			free(line);
			if (s->a->check_argv) {
				line = exec_argv_str((const char *const *)s->a->check_argv);
				gv_log(GV_LOG_INFO, "  then check that `%s` shows %s", line, s->a->check_text);
				free(line);
			}
			if (ap->txn)
				journal_txn_run(ap->txn, argv, undo, -1);
			continue;
		}
		ap->failed_at = i;
		r = step_do(p, s, ap->timeout, err);
		if (r < 0)
			return r;
		s->done = true;
		if (ap->txn)
			journal_txn_run(ap->txn, argv, undo, 0);
		/* Recorded right away: after a crash, the undo must know that
		 * this one ran, since the files alone do not reverse it. */
		if (undo && ap->txn) {
			r = journal_txn_commit(ap->txn, false, NULL, err);
			if (r < 0)
				return r;
		}
		if (s->a->check_argv) {
			r = read_back(p, s->a, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int finish(struct apply *ap, struct gv_error *err)
{
	struct journal_record rec;
	int r = 0;

	ap->failed_at = ap->p->n;
	switch (ap->finish) {
	case FINISH_RECORD:
		r = journal_txn_commit(ap->txn, true, NULL, err);
		if (r == 0)
			gv_log(GV_LOG_INFO, "applied change set %d: %s", journal_txn_id(ap->txn), buf_str(&ap->summary));
		break;
	case FINISH_UNDONE:
		journal_txn_record(ap->undoing, &rec);
		r = journal_txn_mark_undone(ap->undoing, err);
		if (r == 0)
			gv_log(GV_LOG_INFO, "undid change set %d (%s)", rec.id, rec.summary);
		break;
	case FINISH_FORGET:
		journal_txn_record(ap->undoing, &rec);
		gv_log(GV_LOG_INFO, "rolled back change set %d, interrupted on %s", rec.id, rec.when);
		journal_txn_discard(ap->undoing);
		break;
	}
	return r;
}

/* ---- rollback ---- */

/* Put back everything done before the failure R (ERR says what failed)
 * and make ERR say what was rolled back. */
static void rollback(struct apply *ap, int r, struct gv_error *err)
{
	struct plan *p = ap->p;
	struct buf what = BUF_INIT;
	char reason[sizeof(err->msg)];
	char undone[64] = "";
	size_t earlier = 0, reversed = 0;
	bool ran = false, by_command = ap->failed_at < p->n && p->a[ap->failed_at].kind == PLAN_RUN;

	snprintf(reason, sizeof(reason), "%s", err ? err->msg : strerror(-r));
	if (ap->failed_at < p->n)
		action_desc(&p->a[ap->failed_at], &what);
	else
		buf_puts(&what, "recording the journal");
	/* What the files cannot put back goes first, newest first: a command
	 * that changed a VM's configuration is reversed by its undo. */
	for (size_t i = p->n; i-- > 0;) {
		struct gv_error e = { 0 };
		const struct action *a = ap->steps[i].a;
		if (a->kind != PLAN_RUN || !ap->steps[i].done || !a->undo_argv)
			continue;
		reversed++;
		if (exec_run(p->root, (const char *const *)a->undo_argv, &e) < 0)
			gv_log(GV_LOG_ERR, "rollback: %s", e.msg);
	}
	for (size_t i = p->n; i-- > 0;) {
		if (!ap->steps[i].done || ap->steps[i].a->kind == PLAN_RUN)
			continue;
		if (i != ap->failed_at)
			earlier++;
		step_rollback(&ap->steps[i], ap->timeout);
	}
	/* Commands that already ran regenerated from the new files: run
	 * them again so that what they generate matches the old ones. */
	for (size_t i = 0; i < p->n; i++) {
		struct gv_error e = { 0 };
		if (ap->steps[i].a->kind != PLAN_RUN || !ap->steps[i].done || ap->steps[i].a->undo_argv)
			continue;
		ran = true;
		if (exec_run(p->root, (const char *const *)ap->steps[i].a->argv, &e) < 0)
			gv_log(GV_LOG_ERR, "rollback: %s", e.msg);
	}
	if (reversed)
		snprintf(undone, sizeof(undone), ", %zu command%s reversed by %s undo", reversed,
			 reversed == 1 ? "" : "s", reversed == 1 ? "its" : "their");
	if (by_command)
		gv_error_set(err, r, "%s; the files were rolled back%s%s", reason, undone,
			     ran ? " and the commands before it run again" : "");
	else
		gv_error_set(err, r, "apply stopped at %s: %s; %zu earlier change%s rolled back", what.data, reason,
			     earlier, earlier == 1 ? "" : "s");
	buf_free(&what);
}

/* ---- the phases together ---- */

static bool only_runs(const struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->a[i].kind != PLAN_RUN)
			return false;
	return true;
}

/* Apply AP's plan; the caller holds the lock. Returns 1 when the journal
 * changed (a set recorded, marked undone or forgotten), 0 when there was
 * nothing to change, or -errno with everything rolled back. */
static int apply_locked(struct apply *ap, struct gv_error *err)
{
	struct plan *p = ap->p;
	int r;

	ap->steps = xcalloc(p->n + 1, sizeof(*ap->steps));
	ap->timeout = ap->opts->sysfs_timeout_ms > 0 ? ap->opts->sysfs_timeout_ms : PLAN_SYSFS_TIMEOUT_MS;
	r = look(ap, err);
	if (r < 0)
		goto out;
	/* Commands regenerate what the files configure: with nothing else to
	 * change they do not run, unless the plan is nothing but commands. An
	 * undo goes on regardless: its set is still to be marked. */
	if (ap->finish == FINISH_RECORD && ap->n_changes == 0 && (!only_runs(p) || p->n == 0)) {
		gv_log(GV_LOG_INFO, "nothing to change: every file and attribute is already as planned");
		r = 0;
		goto out;
	}
	r = record(ap, err);
	if (r < 0)
		goto out;
	r = run_actions(ap, err);
	if (r == 0)
		r = run_commands(ap, err);
	if (r == 0)
		r = finish(ap, err);
	if (r < 0) {
		rollback(ap, r, err);
		goto out;
	}
	r = 1;
out:
	if (r < 0 && ap->txn)
		journal_txn_discard(ap->txn);
	for (size_t i = 0; i < p->n; i++) {
		plan_fileview_clear(&ap->steps[i].v);
		free(ap->steps[i].sysfs_before);
		free(ap->steps[i].mkdir_abs);
	}
	free(ap->steps);
	ap->steps = NULL;
	return r;
}

/* Roll back the last change set if a crash interrupted it (state
 * "applying"), through its reversal without the commands, which it never
 * got to. The caller holds the lock. */
static int recover(const char *root, const struct plan_apply_opts *opts, struct gv_error *err)
{
	struct apply ap = { .opts = opts, .finish = FINISH_FORGET, .summary = BUF_INIT };
	struct journal_record rec;
	int r;

	r = journal_txn_last(root, &ap.undoing, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	journal_txn_record(ap.undoing, &rec);
	if (!rec.interrupted) {
		r = 0;
		goto out;
	}
	r = reverse_plan(root, ap.undoing, false, &ap.p, err);
	if (r < 0)
		goto out;
	r = apply_locked(&ap, err);
out:
	plan_free(ap.p);
	buf_free(&ap.summary);
	journal_txn_free(ap.undoing);
	return r < 0 ? r : 0;
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
	struct apply ap = { .p = p, .opts = opts ? opts : &defaults, .summary = BUF_INIT };
	char *gvdir = fsutil_join(p->root, JOURNAL_DIR);
	size_t gvdir_made = 0;
	int lock_fd = -1, r;

	r = fsutil_mkdir_p(gvdir, 0755, &gvdir_made);
	if (r < 0) {
		gv_error_set(err, r, "cannot create %s: %s", gvdir, strerror(-r));
		goto out;
	}
	r = journal_lock(p->root, &lock_fd, err);
	if (r < 0)
		goto out;
	if (p->undoes) {
		/* The journal may have moved on since the undo was previewed. */
		ap.finish = FINISH_UNDONE;
		r = journal_txn_last(p->root, &ap.undoing, err);
		if (r == -ENOENT || (r == 0 && journal_txn_id(ap.undoing) != p->undoes))
			r = gv_error_set(err, -ESTALE, "change set %d is no longer the last one applied; "
					 "make the undo again", p->undoes);
	} else {
		r = recover(p->root, ap.opts, err);
	}
	if (r < 0)
		goto out;
	r = apply_locked(&ap, err);
out:
	/* An apply that recorded nothing leaves no trace either: what it made
	 * of var/lib/gpuvirt goes, the lock file first, while it is still
	 * held (fsutil_lock() copes with a lock file unlinked under it). */
	if (gvdir_made && r <= 0)
		remove_journal_dir(gvdir, gvdir_made);
	if (lock_fd >= 0)
		close(lock_fd);
	journal_txn_free(ap.txn);
	journal_txn_free(ap.undoing);
	buf_free(&ap.summary);
	free(gvdir);
	return r < 0 ? r : 0;
}
