/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The journal is plain text so that a person in a rescue shell can read it
 * and, if gpuvirt itself cannot run, copy backup/NNNN/<path> back by hand.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sha2.h>

#include "core/util/diff.h"
#include "core/util/exec.h"
#include "core/util/field.h"
#include "core/util/fsutil.h"
#include "core/plan/journal-txn.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

#define ABSENT "absent"

struct journal_txn {
	char *root;
	int id;
	char *state, *when, *summary;
	struct journal_file *files; size_t n_files;
	struct journal_dir *dirs; size_t n_dirs;
	struct journal_sysfs *sysfs; size_t n_sysfs;
	struct journal_run *runs; size_t n_runs;
	struct journal_expect *expects; size_t n_expects;
};

#define PUSH(arr, n) (arr = xrealloc(arr, (n + 1) * sizeof(*arr)), memset(&arr[n], 0, sizeof(*arr)), &arr[n++])

static void put_field(struct buf *b, const char *s)
{
	buf_putc(b, ' ');
	field_encode(b, s, strlen(s), true);
}

/* ---- paths ---- */

static char *jpath(const char *root, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *jpath(const char *root, const char *fmt, ...)
{
	struct buf rel = BUF_INIT;
	va_list ap;
	char *r;

	buf_puts(&rel, JOURNAL_DIR "/");
	va_start(ap, fmt);
	char *tail = xvasprintf(fmt, ap);
	va_end(ap);
	buf_puts(&rel, tail);
	free(tail);
	r = fsutil_join(root, rel.data);
	buf_free(&rel);
	return r;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	remove(path);
	return 0;
}

static void rm_rf(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- sets in memory ---- */

static void txn_clear(struct journal_txn *t)
{
	for (size_t i = 0; i < t->n_files; i++) {
		free(t->files[i].path);
		free(t->files[i].target);
	}
	for (size_t i = 0; i < t->n_dirs; i++)
		free(t->dirs[i].dir);
	for (size_t i = 0; i < t->n_sysfs; i++) {
		free(t->sysfs[i].attr);
		free(t->sysfs[i].before);
		free(t->sysfs[i].after);
		free(t->sysfs[i].undo_attr);
		free(t->sysfs[i].undo_value);
	}
	for (size_t i = 0; i < t->n_runs; i++) {
		for (char **a = t->runs[i].argv; a && *a; a++)
			free(*a);
		free(t->runs[i].argv);
		for (char **a = t->runs[i].undo; a && *a; a++)
			free(*a);
		free(t->runs[i].undo);
	}
	for (size_t i = 0; i < t->n_expects; i++) {
		free(t->expects[i].kind);
		free(t->expects[i].key);
		free(t->expects[i].value);
	}
	free(t->files);
	free(t->dirs);
	free(t->sysfs);
	free(t->runs);
	free(t->expects);
	free(t->state);
	free(t->when);
	free(t->summary);
	free(t->root);
}

void journal_txn_free(struct journal_txn *t)
{
	if (!t)
		return;
	txn_clear(t);
	free(t);
}

static void serialize(const struct journal_txn *t, struct buf *b)
{
	buf_puts(b, "gpuvirt-journal 1\n");
	buf_printf(b, "id %d\n", t->id);
	buf_printf(b, "state %s\n", t->state);
	buf_printf(b, "when %s\n", t->when);
	buf_puts(b, "summary ");
	field_encode(b, t->summary ? t->summary : "", strlen(t->summary ? t->summary : ""), false);
	buf_putc(b, '\n');
	for (size_t i = 0; i < t->n_dirs; i++) {
		buf_puts(b, "mkdir");
		put_field(b, t->dirs[i].dir);
		buf_printf(b, " count=%zu\n", t->dirs[i].n);
	}
	for (size_t i = 0; i < t->n_files; i++) {
		const struct journal_file *f = &t->files[i];
		buf_puts(b, "file");
		put_field(b, f->path);
		buf_puts(b, " target=");
		field_encode(b, f->target, strlen(f->target), true);
		buf_printf(b, " before=%s%s after=%s%s mode=%04o\n",
			   f->had_before ? "sha256:" : "", f->had_before ? f->before_sha : ABSENT,
			   f->has_after ? "sha256:" : "", f->has_after ? f->after_sha : ABSENT,
			   (unsigned)(f->mode & 07777));
	}
	for (size_t i = 0; i < t->n_sysfs; i++) {
		const struct journal_sysfs *s = &t->sysfs[i];
		buf_puts(b, "sysfs");
		put_field(b, s->attr);
		buf_puts(b, " before=");
		if (s->before)
			field_encode(b, s->before, strlen(s->before), true);
		else
			buf_puts(b, "%3F");   /* "?": unreadable */
		buf_puts(b, " after=");
		field_encode(b, s->after, strlen(s->after), true);
		if (s->undo_attr) {
			buf_puts(b, " undo=");
			field_encode(b, s->undo_attr, strlen(s->undo_attr), true);
			buf_puts(b, " undo-value=");
			field_encode(b, s->undo_value, strlen(s->undo_value), true);
		}
		buf_putc(b, '\n');
	}
	for (size_t i = 0; i < t->n_runs; i++) {
		if (t->runs[i].status < 0)
			buf_puts(b, "run pending");
		else
			buf_printf(b, "run %d", t->runs[i].status);
		for (char **a = t->runs[i].argv; *a; a++)
			put_field(b, *a);
		buf_putc(b, '\n');
		if (!t->runs[i].undo)
			continue;
		buf_puts(b, "undo");
		for (char **a = t->runs[i].undo; *a; a++)
			put_field(b, *a);
		buf_putc(b, '\n');
	}
	for (size_t i = 0; i < t->n_expects; i++) {
		const struct journal_expect *e = &t->expects[i];
		buf_puts(b, "expect");
		put_field(b, e->kind);
		put_field(b, e->key);
		if (e->value)
			put_field(b, e->value);
		buf_putc(b, '\n');
	}
	buf_puts(b, "end\n");
}

/* Split a line into space-separated fields (in place). */
static size_t split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *tok = strtok_r(line, " ", &save); tok && n < max; tok = strtok_r(NULL, " ", &save))
		f[n++] = tok;
	return n;
}

static char *decode(const char *field)
{
	struct buf b = BUF_INIT;

	if (field_decode(&b, field) < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

static const char *kv(char **f, size_t n, const char *key)
{
	size_t kl = strlen(key);

	for (size_t i = 0; i < n; i++)
		if (strncmp(f[i], key, kl) == 0 && f[i][kl] == '=')
			return f[i] + kl + 1;
	return NULL;
}

static bool parse_sha(const char *v, bool *ret_has, char out[SHA256_DIGEST_STRING_LENGTH])
{
	if (!v)
		return false;
	if (strcmp(v, ABSENT) == 0) {
		*ret_has = false;
		out[0] = '\0';
		return true;
	}
	if (strncmp(v, "sha256:", 7) != 0 || strlen(v + 7) != 64)
		return false;
	memcpy(out, v + 7, SHA256_DIGEST_STRING_LENGTH);
	*ret_has = true;
	return true;
}

/* NAME as a change set id in 1..JOURNAL_MAX_ID, or -1; with CANONICAL only
 * its "%04d" spelling (a file name). Parsed unsigned and bounded, so a
 * hostile name can neither overflow the next id nor name a set that
 * load_set() would not find again. */
static int parse_id(const char *name, bool canonical)
{
	char canon[16];
	unsigned long v;
	char *end;

	if (name[0] < '0' || name[0] > '9' || strlen(name) > 7)
		return -1;
	errno = 0;
	v = strtoul(name, &end, 10);
	if (errno || *end || v == 0 || v > JOURNAL_MAX_ID)
		return -1;
	snprintf(canon, sizeof(canon), "%04lu", v);
	return !canonical || strcmp(canon, name) == 0 ? (int)v : -1;
}

/* Parse manifest FILE into T. Errors name file:line. */
static int parse_manifest(const char *file, struct journal_txn *t, struct gv_error *err)
{
	char *data = NULL, *save = NULL;
	size_t len, lineno = 0;
	bool ended = false;
	int r;

	r = fsutil_read_file(file, &data, &len);
	if (r < 0)
		return gv_error_set(err, r, "%s: %s", file, strerror(-r));
	for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[64];
		size_t n;

		lineno++;
		if (lineno == 1) {
			if (strcmp(line, "gpuvirt-journal 1") != 0) {
				r = gv_error_set(err, -EINVAL, "%s:1: not a gpuvirt journal (version 1)", file);
				goto out;
			}
			continue;
		}
		if (strncmp(line, "summary ", 8) == 0 || strcmp(line, "summary") == 0) {
			free(t->summary);
			t->summary = decode(line[7] ? line + 8 : "");
			if (!t->summary)
				goto bad;
			continue;
		}
		n = split(line, f, 64);
		if (n == 0)
			continue;
		if (strcmp(f[0], "end") == 0) {
			ended = true;
		} else if (strcmp(f[0], "id") == 0 && n == 2) {
			t->id = parse_id(f[1], false);
		} else if (strcmp(f[0], "state") == 0 && n == 2) {
			free(t->state);
			t->state = xstrdup(f[1]);
		} else if (strcmp(f[0], "when") == 0 && n == 2) {
			free(t->when);
			t->when = xstrdup(f[1]);
		} else if (strcmp(f[0], "mkdir") == 0 && n == 3 && kv(f, n, "count")) {
			struct journal_dir *d = PUSH(t->dirs, t->n_dirs);
			d->dir = decode(f[1]);
			d->n = (size_t)atoi(kv(f, n, "count"));
			if (!d->dir)
				goto bad;
		} else if (strcmp(f[0], "file") == 0 && n >= 6) {
			struct journal_file *jf = PUSH(t->files, t->n_files);
			const char *target = kv(f, n, "target"), *mode = kv(f, n, "mode");
			jf->path = decode(f[1]);
			jf->target = target ? decode(target) : NULL;
			if (!jf->path || !jf->target || !mode ||
			    !parse_sha(kv(f, n, "before"), &jf->had_before, jf->before_sha) ||
			    !parse_sha(kv(f, n, "after"), &jf->has_after, jf->after_sha))
				goto bad;
			jf->mode = (mode_t)strtoul(mode, NULL, 8);
		} else if (strcmp(f[0], "sysfs") == 0 && (n == 4 || n == 6)) {
			struct journal_sysfs *s = PUSH(t->sysfs, t->n_sysfs);
			const char *before = kv(f, n, "before"), *after = kv(f, n, "after");
			const char *undo = kv(f, n, "undo"), *undo_value = kv(f, n, "undo-value");
			s->attr = decode(f[1]);
			if (!before || !after || (n == 6 && (!undo || !undo_value)))
				goto bad;
			s->before = strcmp(before, "%3F") == 0 ? NULL : decode(before);
			s->after = decode(after);
			if (!s->attr || !s->after)
				goto bad;
			if (n == 6) {
				s->undo_attr = decode(undo);
				s->undo_value = decode(undo_value);
				if (!s->undo_attr || !s->undo_value)
					goto bad;
			}
		} else if (strcmp(f[0], "run") == 0 && n >= 3) {
			struct journal_run *run = PUSH(t->runs, t->n_runs);
			run->status = strcmp(f[1], "pending") == 0 ? -1 : atoi(f[1]);
			run->argv = xrealloc(NULL, (n - 1) * sizeof(char *));
			for (size_t i = 2; i < n; i++) {
				run->argv[i - 2] = decode(f[i]);
				run->argv[i - 1] = NULL;
				if (!run->argv[i - 2])
					goto bad;
			}
		} else if (strcmp(f[0], "undo") == 0 && n >= 2 && t->n_runs && !t->runs[t->n_runs - 1].undo) {
			/* the command that reverses the run line before it */
			struct journal_run *run = &t->runs[t->n_runs - 1];
			run->undo = xcalloc(n, sizeof(char *));
			for (size_t i = 1; i < n; i++) {
				run->undo[i - 1] = decode(f[i]);
				if (!run->undo[i - 1])
					goto bad;
			}
		} else if (strcmp(f[0], "expect") == 0 && (n == 3 || n == 4)) {
			struct journal_expect *e = PUSH(t->expects, t->n_expects);
			e->kind = decode(f[1]);
			e->key = decode(f[2]);
			e->value = n == 4 ? decode(f[3]) : NULL;
			if (!e->kind || !e->key || (n == 4 && !e->value))
				goto bad;
		} else {
			goto bad;
		}
	}
	/* every field serialize() writes back must be here: a journal is
	 * untrusted input, and one that lacks a field is refused, not
	 * written back with a made-up one */
	if (!ended || !t->state || t->id <= 0 || !t->when) {
		const char *what = !ended ? "end" : t->id <= 0 ? "id" : !t->state ? "state" : "when";

		r = gv_error_set(err, -EINVAL, "%s: incomplete journal entry (no '%s' line)", file, what);
		goto out;
	}
	r = 0;
	goto out;
bad:
	r = gv_error_set(err, -EINVAL, "%s:%zu: cannot parse journal line", file, lineno);
out:
	free(data);
	return r;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Ids of all sets on disk, ascending. */
static int set_ids(const char *root, int **ret_ids, size_t *ret_n)
{
	char *dir = jpath(root, "journal");
	int *ids = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	free(dir);
	if (!d) {
		if (errno != ENOENT)
			return -errno;
		*ret_ids = NULL;
		*ret_n = 0;
		return 0;
	}
	while ((de = readdir(d))) {
		int id = parse_id(de->d_name, true);

		if (id < 0) {
			if (de->d_name[0] != '.' && !strchr(de->d_name, '.'))
				gv_log(GV_LOG_WARN, "%s/" JOURNAL_DIR "/journal/%s: not a change set name "
				       "(0001 to %d); ignored", root, de->d_name, JOURNAL_MAX_ID);
			continue;
		}
		ids = xrealloc(ids, (n + 1) * sizeof(int));
		ids[n++] = id;
	}
	closedir(d);
	if (n)
		qsort(ids, n, sizeof(int), cmp_int);
	*ret_ids = ids;
	*ret_n = n;
	return 0;
}

static int load_set(const char *root, int id, struct journal_txn **ret, struct gv_error *err)
{
	struct journal_txn *t = xcalloc(1, sizeof(*t));
	char *file = jpath(root, "journal/%04d", id);
	int r;

	t->root = xstrdup(root);
	r = parse_manifest(file, t, err);
	free(file);
	if (r < 0) {
		journal_txn_free(t);
		return r;
	}
	t->id = id;
	*ret = t;
	return 0;
}

/* ---- recording ---- */

int journal_txn_begin(const char *root, struct journal_txn **ret, struct gv_error *err)
{
	struct journal_txn *t;
	int *ids = NULL, r;
	size_t n = 0;
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	r = set_ids(root, &ids, &n);
	if (r < 0)
		return gv_error_set(err, r, "reading the journal under %s/" JOURNAL_DIR ": %s", root, strerror(-r));
	if (n && ids[n - 1] >= JOURNAL_MAX_ID) {
		free(ids);
		return gv_error_set(err, -ENOSPC, "%s/" JOURNAL_DIR "/journal: change set %d is the last one gpuvirt "
				    "numbers; undo or remove old sets first", root, JOURNAL_MAX_ID);
	}
	t = xcalloc(1, sizeof(*t));
	t->root = xstrdup(root);
	t->id = n ? ids[n - 1] + 1 : 1;
	free(ids);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	t->when = xstrdup(when);
	t->state = xstrdup("applying");
	*ret = t;
	return 0;
}

int journal_txn_id(const struct journal_txn *t)
{
	return t->id;
}

static int save_copy(const char *root, const char *area, int id, const char *target, const char *data,
		     size_t len, struct gv_error *err)
{
	char *file = jpath(root, "%s/%04d/%s", area, id, target);
	char *slash = strrchr(file, '/');
	int r;

	*slash = '\0';
	r = fsutil_mkdir_p(file, 0700, NULL);
	*slash = '/';
	if (r < 0) {
		gv_error_set(err, r, "saving a copy of %s in %s/" JOURNAL_DIR "/%s: %s", target, root, area,
			     strerror(-r));
		goto out;
	}
	r = fsutil_write_atomic(file, data, len, 0600, err);
	if (r < 0)
		goto out;
	r = 0;
out:
	free(file);
	return r;
}

int journal_txn_file(struct journal_txn *t, const char *path, const char *target,
		     const char *before, size_t before_len, mode_t before_mode,
		     const char *after, size_t after_len, struct gv_error *err)
{
	struct journal_file *f = PUSH(t->files, t->n_files);
	int r;

	f->path = xstrdup(path);
	f->target = xstrdup(target);
	f->had_before = before != NULL;
	f->has_after = after != NULL;
	f->mode = before_mode;
	if (before)
		SHA256Data((const uint8_t *)before, before_len, f->before_sha);
	if (after)
		SHA256Data((const uint8_t *)after, after_len, f->after_sha);
	if (before) {
		r = save_copy(t->root, "backup", t->id, target, before, before_len, err);
		if (r < 0)
			return r;
	}
	if (after) {
		r = save_copy(t->root, "written", t->id, target, after, after_len, err);
		if (r < 0)
			return r;
	}
	return 0;
}

void journal_txn_mkdirs(struct journal_txn *t, const char *dir, size_t n)
{
	struct journal_dir *d = PUSH(t->dirs, t->n_dirs);

	d->dir = xstrdup(dir);
	d->n = n;
}

void journal_txn_sysfs(struct journal_txn *t, const char *attr, const char *before, const char *after)
{
	struct journal_sysfs *s = PUSH(t->sysfs, t->n_sysfs);

	s->attr = xstrdup(attr);
	s->before = xstrdup(before);
	s->after = xstrdup(after);
}

void journal_txn_sysfs_undo(struct journal_txn *t, const char *undo_attr, const char *undo_value)
{
	struct journal_sysfs *s = &t->sysfs[t->n_sysfs - 1];

	free(s->undo_attr);
	free(s->undo_value);
	s->undo_attr = xstrdup(undo_attr);
	s->undo_value = xstrdup(undo_value);
}

static char **argv_dup(const char *const *argv)
{
	size_t n = 0;
	char **copy;

	if (!argv)
		return NULL;
	while (argv[n])
		n++;
	copy = xrealloc(NULL, (n + 1) * sizeof(char *));
	for (size_t i = 0; i < n; i++)
		copy[i] = xstrdup(argv[i]);
	copy[n] = NULL;
	return copy;
}

void journal_txn_run(struct journal_txn *t, const char *const *argv, const char *const *undo, int status)
{
	struct journal_run *run = PUSH(t->runs, t->n_runs);

	run->argv = argv_dup(argv);
	run->undo = argv_dup(undo);
	run->status = status;
}

void journal_txn_expect(struct journal_txn *t, const char *kind, const char *key, const char *value)
{
	struct journal_expect *e = PUSH(t->expects, t->n_expects);

	e->kind = xstrdup(kind);
	e->key = xstrdup(key);
	e->value = xstrdup(value);
}

static int write_manifest(struct journal_txn *t, struct gv_error *err)
{
	char *dir = jpath(t->root, "journal"), *file = jpath(t->root, "journal/%04d", t->id);
	struct buf b = BUF_INIT;
	int r;

	r = fsutil_mkdir_p(dir, 0700, NULL);
	if (r < 0) {
		gv_error_set(err, r, "creating %s: %s", dir, strerror(-r));
		goto out;
	}
	serialize(t, &b);
	r = fsutil_write_atomic(file, b.data, b.len, 0600, err);
	if (r > 0)
		r = 0;
out:
	buf_free(&b);
	free(dir);
	free(file);
	return r;
}

int journal_txn_commit(struct journal_txn *t, bool applied, const char *summary, struct gv_error *err)
{
	free(t->state);
	t->state = xstrdup(applied ? "applied" : "applying");
	if (summary) {
		free(t->summary);
		t->summary = xstrdup(summary);
	}
	return write_manifest(t, err);
}

int journal_txn_mark_undone(struct journal_txn *t, struct gv_error *err)
{
	free(t->state);
	t->state = xstrdup("undone");
	return write_manifest(t, err);
}

void journal_txn_discard(struct journal_txn *t)
{
	char *p;

	p = jpath(t->root, "journal/%04d", t->id);
	unlink(p);
	free(p);
	p = jpath(t->root, "backup/%04d", t->id);
	rm_rf(p);
	free(p);
	p = jpath(t->root, "written/%04d", t->id);
	rm_rf(p);
	free(p);
}

/* ---- reading ---- */

int journal_last_written(const char *root, const char *target, char **ret_content, size_t *ret_len,
			 int *ret_set)
{
	int *ids = NULL, r, found = 0;
	bool has_after = false;
	size_t n = 0;

	r = set_ids(root, &ids, &n);
	if (r < 0)
		return r;
	for (size_t i = n; i-- > 0 && !found;) {
		struct journal_txn *t = NULL;
		if (load_set(root, ids[i], &t, NULL) < 0)
			continue;
		if (strcmp(t->state, "applied") == 0) {
			for (size_t j = t->n_files; j-- > 0;) {
				if (strcmp(t->files[j].target, target) == 0) {
					found = t->id;
					has_after = t->files[j].has_after;
					break;
				}
			}
		}
		journal_txn_free(t);
	}
	free(ids);
	if (!found)
		return -ENOENT;
	if (has_after) {
		if (journal_written(root, found, target, ret_content, ret_len) < 0)
			return -ENOENT;   /* the copy is gone: nothing to compare with */
	} else {
		*ret_content = NULL;
		*ret_len = 0;
	}
	if (ret_set)
		*ret_set = found;
	return 0;
}

static char *argv_line(char **argv)
{
	return exec_argv_str((const char *const *)argv);
}

int journal_list(const char *root, struct journal_set **ret, size_t *ret_n, struct gv_error *err)
{
	struct journal_set *sets = NULL;
	size_t n_ids = 0, n = 0;
	int *ids = NULL, r;

	r = set_ids(root, &ids, &n_ids);
	if (r < 0)
		return gv_error_set(err, r, "reading the journal under %s/" JOURNAL_DIR ": %s", root, strerror(-r));
	for (size_t i = 0; i < n_ids; i++) {
		struct journal_txn *t = NULL;
		r = load_set(root, ids[i], &t, err);
		if (r < 0)
			goto fail;
		if (strcmp(t->state, "undone") == 0) {
			journal_txn_free(t);
			continue;
		}
		struct journal_set *s = PUSH(sets, n);
		s->id = t->id;
		s->when = xstrdup(t->when ? t->when : "");
		s->summary = xstrdup(t->summary ? t->summary : "");
		s->interrupted = strcmp(t->state, "applying") == 0;
		s->expects = t->expects;
		s->n_expects = t->n_expects;
		t->expects = NULL;
		t->n_expects = 0;
		for (size_t j = 0; j < t->n_runs; j++) {
			if (t->runs[j].status >= 0)
				continue;
			s->pending = xrealloc(s->pending, (s->n_pending + 1) * sizeof(char *));
			s->pending[s->n_pending++] = argv_line(t->runs[j].argv);
		}
		journal_txn_free(t);
	}
	free(ids);
	*ret = sets;
	*ret_n = n;
	return 0;
fail:
	free(ids);
	journal_sets_free(sets, n);
	return r;
}

void journal_sets_free(struct journal_set *sets, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(sets[i].when);
		free(sets[i].summary);
		for (size_t j = 0; j < sets[i].n_expects; j++) {
			free(sets[i].expects[j].kind);
			free(sets[i].expects[j].key);
			free(sets[i].expects[j].value);
		}
		free(sets[i].expects);
		for (size_t j = 0; j < sets[i].n_pending; j++)
			free(sets[i].pending[j]);
		free(sets[i].pending);
	}
	free(sets);
}

/* ---- hand edits ---- */

void journal_log_hand_edit(const char *path, const char *wrote, size_t wrote_len, const char *now,
			   size_t now_len, const char *would, size_t would_len)
{
	struct buf d = BUF_INIT, la = BUF_INIT, lb = BUF_INIT;
	char *save = NULL;

	buf_printf(&la, "%s (what gpuvirt wrote)", path);
	buf_printf(&lb, "%s (what is there now)", path);
	if (!diff_unified(&d, wrote ? la.data : "/dev/null", wrote ? wrote : "", wrote ? wrote_len : 0,
			  now ? lb.data : "/dev/null", now ? now : "", now ? now_len : 0, DIFF_CONTEXT))
		buf_printf(&d, "%s: unchanged since gpuvirt wrote it\n", path);
	buf_reset(&la);
	buf_printf(&la, "%s (what gpuvirt would write)", path);
	diff_unified(&d, now ? lb.data : "/dev/null", now ? now : "", now ? now_len : 0,
		     would ? la.data : "/dev/null", would ? would : "", would ? would_len : 0, DIFF_CONTEXT);
	gv_log(GV_LOG_WARN, "%s was changed by hand since gpuvirt wrote it:", path);
	for (char *l = strtok_r(d.data ? d.data : (char *)"", "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		gv_log(GV_LOG_WARN, "%s", l);
	buf_free(&d);
	buf_free(&la);
	buf_free(&lb);
}

/* ---- reading a set back ---- */

int journal_txn_last(const char *root, struct journal_txn **ret, struct gv_error *err)
{
	int *ids = NULL, r = -ENOENT;
	size_t n = 0;

	r = set_ids(root, &ids, &n);
	if (r < 0)
		return gv_error_set(err, r, "reading the journal under %s/" JOURNAL_DIR ": %s", root, strerror(-r));
	r = -ENOENT;
	for (size_t i = n; i-- > 0;) {
		struct journal_txn *t = NULL;
		r = load_set(root, ids[i], &t, err);
		if (r < 0)
			break;
		if (strcmp(t->state, "undone") != 0) {
			*ret = t;
			r = 0;
			break;
		}
		journal_txn_free(t);
		r = -ENOENT;
	}
	free(ids);
	return r;
}

void journal_txn_record(const struct journal_txn *t, struct journal_record *ret)
{
	*ret = (struct journal_record){
		.id = t->id,
		.interrupted = strcmp(t->state, "applying") == 0,
		.when = t->when ? t->when : "",
		.summary = t->summary ? t->summary : "",
		.files = t->files, .n_files = t->n_files,
		.dirs = t->dirs, .n_dirs = t->n_dirs,
		.sysfs = t->sysfs, .n_sysfs = t->n_sysfs,
		.runs = t->runs, .n_runs = t->n_runs,
	};
}

int journal_txn_backup(const struct journal_txn *t, const struct journal_file *f, char **ret_content,
		       size_t *ret_len, struct gv_error *err)
{
	char *file = jpath(t->root, "backup/%04d/%s", t->id, f->target);
	char sha[SHA256_DIGEST_STRING_LENGTH];
	int r;

	r = fsutil_read_file(file, ret_content, ret_len);
	if (r < 0) {
		gv_error_set(err, r, "the backup of %s (%s) is missing: %s", f->target, file, strerror(-r));
		goto out;
	}
	SHA256Data((const uint8_t *)*ret_content, *ret_len, sha);
	if (strcmp(sha, f->before_sha) != 0) {
		free(*ret_content);
		*ret_content = NULL;
		r = gv_error_set(err, -EIO, "the backup of %s (%s) does not match its recorded hash", f->target, file);
		goto out;
	}
	r = 0;
out:
	free(file);
	return r;
}

int journal_written(const char *root, int set, const char *target, char **ret_content, size_t *ret_len)
{
	char *file = jpath(root, "written/%04d/%s", set, target);
	int r = fsutil_read_file(file, ret_content, ret_len);

	free(file);
	return r;
}

int journal_read_lock(const char *root, int *ret_fd, struct gv_error *err)
{
	char *lock = jpath(root, "lock");
	int fd, r = 0;

	*ret_fd = -1;
	/* No lock file, no applier: and a reader creates nothing. */
	fd = open(lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		goto out;
	if (flock(fd, LOCK_SH | LOCK_NB) < 0) {
		r = -errno;
		close(fd);
		if (r == -EWOULDBLOCK)
			r = gv_error_set(err, -EBUSY, "another gpuvirt is applying (%s is locked)", lock);
		else
			gv_error_set(err, r, "cannot take the lock %s: %s", lock, strerror(-r));
		goto out;
	}
	*ret_fd = fd;
out:
	free(lock);
	return r;
}

int journal_lock(const char *root, int *ret_fd, struct gv_error *err)
{
	char *lock = jpath(root, "lock"), *dpkg = fsutil_join(root, "var/lib/dpkg/lock-frontend");
	int fd = -1, r;
	pid_t holder = 0;

	r = fsutil_lock(lock, &fd);
	if (r == -EWOULDBLOCK) {
		r = gv_error_set(err, -EBUSY, "another gpuvirt is applying (%s is locked)", lock);
		goto out;
	} else if (r < 0) {
		gv_error_set(err, r, "cannot take the lock %s: %s", lock, strerror(-r));
		goto out;
	}
	if (fsutil_fcntl_lock_held(dpkg, &holder) > 0) {
		r = gv_error_set(err, -EBUSY, "the package manager is running (%s is held by process %d); "
				 "try again when it is done", dpkg, (int)holder);
		goto out;
	}
	*ret_fd = fd;
	fd = -1;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	free(lock);
	free(dpkg);
	return r;
}
