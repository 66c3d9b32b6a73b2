/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The journal's recording side, for core/plan only: plan_apply() records a
 * change set through it while it holds the lock, and undo reads one back.
 * Front ends see the journal through journal.h (journal_list()).
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <sha2.h>

#include "core/plan/journal.h"
#include "core/util/error.h"

/* Take gpuvirt's lock under ROOT (another gpuvirt applying: -EBUSY) and
 * make sure the package manager is not running (its lock-frontend held:
 * -EBUSY). Returns 0 and the lock's fd, to close when done. The journal
 * directory must exist. */
int journal_lock(const char *root, int *ret_fd, struct gv_error *err);

/* Read the journal under ROOT without racing an apply: a shared lock,
 * taken without waiting (an apply holds it: -EBUSY) and without creating
 * anything. Returns 0 and an fd to close when done (-1: no lock file). */
int journal_read_lock(const char *root, int *ret_fd, struct gv_error *err);

/* A change set: one being recorded (journal_txn_begin()) or one read back
 * (journal_txn_last()). */
struct journal_txn;

/* Begin change set number max+1 under ROOT; nothing is written until
 * journal_txn_file() or journal_txn_commit(). */
int journal_txn_begin(const char *root, struct journal_txn **ret, struct gv_error *err);
/* Read back the last change set under ROOT that is not undone (applied, or
 * interrupted by a crash). Returns 0, -ENOENT when there is none, or -errno
 * with ERR naming the manifest at fault. */
int journal_txn_last(const char *root, struct journal_txn **ret, struct gv_error *err);
/* The set's number (the NNNN of its files). */
int journal_txn_id(const struct journal_txn *t);

/*
 * Record that the file PATH (as the plan named it; TARGET is where its
 * symlinks led, both relative to the root) changes from BEFORE (NULL: it did
 * not exist; BEFORE_MODE its mode) to AFTER (NULL: removed). The bytes are
 * saved under backup/ and written/ right away, before the file is touched.
 */
int journal_txn_file(struct journal_txn *t, const char *path, const char *target,
		     const char *before, size_t before_len, mode_t before_mode,
		     const char *after, size_t after_len, struct gv_error *err);
/* Record that DIR (relative to the root) and N-1 of its parents were created. */
void journal_txn_mkdirs(struct journal_txn *t, const char *dir, size_t n);
/* Record a sysfs write; BEFORE is the value read before (NULL: unreadable). */
void journal_txn_sysfs(struct journal_txn *t, const char *attr, const char *before, const char *after);
/* Give the sysfs write recorded last its reversal: UNDO_VALUE written to
 * UNDO_ATTR (plan_write_sysfs_undo()), used instead of the value before. */
void journal_txn_sysfs_undo(struct journal_txn *t, const char *undo_attr, const char *undo_value);
/* Record a command: STATUS is its exit status, or -1 when left pending;
 * UNDO (may be NULL) is the command that reverses it (plan_run_reversible()). */
void journal_txn_run(struct journal_txn *t, const char *const *argv, const char *const *undo, int status);
/* Record an expectation for after the reboot (see plan_expect()). */
void journal_txn_expect(struct journal_txn *t, const char *kind, const char *key, const char *value);
/* Write the manifest atomically. APPLIED false marks the set as being
 * applied (undo can still revert a set interrupted by a crash). */
int journal_txn_commit(struct journal_txn *t, bool applied, const char *summary, struct gv_error *err);
/* Mark a set read back as undone (its reversal was applied). */
int journal_txn_mark_undone(struct journal_txn *t, struct gv_error *err);
/* Remove everything recorded for this set (apply rolled back, or an
 * interrupted set was rolled back by the next apply). */
void journal_txn_discard(struct journal_txn *t);
/* Free T (NULL ok); what was written stays. */
void journal_txn_free(struct journal_txn *t);

/* What a set records, as read back (see man/40-journal.man). */
struct journal_file {
	char *path, *target;        /* as planned; where its symlinks led */
	bool had_before, has_after; /* false: absent before / removed */
	char before_sha[SHA256_DIGEST_STRING_LENGTH], after_sha[SHA256_DIGEST_STRING_LENGTH];
	mode_t mode;                /* before (or the new file's) */
};

struct journal_dir {
	char *dir;                  /* created, with N-1 of its parents */
	size_t n;
};

struct journal_sysfs {
	char *attr, *before, *after; /* before NULL: it could not be read */
	char *undo_attr, *undo_value; /* the write that reverses it; NULL: before */
};

struct journal_run {
	char **argv;
	char **undo;                /* what reverses it; NULL: a regeneration command, run again */
	int status;                 /* -1: left pending (--no-run) */
};

struct journal_record {
	int id;
	bool interrupted;           /* state "applying": a crash stopped it */
	const char *when, *summary;
	const struct journal_file *files; size_t n_files;
	const struct journal_dir *dirs; size_t n_dirs;
	const struct journal_sysfs *sysfs; size_t n_sysfs;
	const struct journal_run *runs; size_t n_runs;
};

/* A view of set T in RET, valid while T lives. */
void journal_txn_record(const struct journal_txn *t, struct journal_record *ret);

/* The bytes set T replaced in F's target (its backup), checked against the
 * hash the manifest recorded. Returns 0 with an owned buffer, or -errno with
 * ERR naming the backup (missing, or -EIO when it does not match). */
int journal_txn_backup(const struct journal_txn *t, const struct journal_file *f, char **ret_content,
		       size_t *ret_len, struct gv_error *err);

/* The copy of what change set SET wrote to TARGET. Returns 0 with an owned
 * buffer, or -ENOENT when there is none (the set removed the file). */
int journal_written(const char *root, int set, const char *target, char **ret_content, size_t *ret_len);

/*
 * What gpuvirt last wrote to TARGET (relative to the root) according to the
 * change sets still applied: 0 with an owned copy in RET_CONTENT (NULL when
 * gpuvirt removed the file) and the set's id, or -ENOENT when no applied set
 * touched TARGET. RET_SET may be NULL.
 */
int journal_last_written(const char *root, const char *target, char **ret_content, size_t *ret_len,
			 int *ret_set);

/*
 * Log (WARN, through gv_log) the three versions of a file changed by hand
 * since gpuvirt wrote it: WROTE -> NOW and NOW -> WOULD as unified diffs.
 * NULL stands for "absent".
 */
void journal_log_hand_edit(const char *path, const char *wrote, size_t wrote_len, const char *now,
			   size_t now_len, const char *would, size_t would_len);
