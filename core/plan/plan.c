/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Plans, their previews and their application. Execution order is the
 * array order: file and sysfs actions keep the order they were added in,
 * commands are kept at the end (they regenerate what the files configure).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sha2.h>

#include "core/util/buf.h"
#include "core/util/diff.h"
#include "core/util/exec.h"
#include "core/util/field.h"
#include "core/util/fsutil.h"
#include "core/plan/journal.h"
#include "core/util/log.h"
#include "core/plan/plan.h"
#include "core/util/xalloc.h"

/* What a file action was computed from: the content on disk when the plan
 * first named the file. apply refuses when the file no longer has it, so a
 * saved or previewed plan never overwrites edits made after it was built. */
enum base_kind {
	BASE_NONE,     /* unknown (a version 1 plan file, or unreadable then): not checked */
	BASE_ABSENT,   /* the file did not exist */
	BASE_SHA,      /* base_sha is the sha256 of its content */
};

struct action {
	enum plan_action_kind kind;
	char *path;        /* file: relative to the root; sysfs: absolute */
	char *content;     /* write */
	size_t len;
	mode_t mode;       /* write: mode if the file is new */
	char *value;       /* sysfs */
	char **argv;       /* run, NULL-terminated */
	char *why;
	enum base_kind base;   /* files */
	char base_sha[SHA256_DIGEST_STRING_LENGTH];
};

struct expect {
	char *kind, *key, *value;
};

struct plan {
	char *root;
	struct action *a;
	size_t n;
	struct expect *e;
	size_t n_e;
};

static void action_clear(struct action *a)
{
	free(a->path);
	free(a->content);
	free(a->value);
	for (char **v = a->argv; v && *v; v++)
		free(*v);
	free(a->argv);
	free(a->why);
	memset(a, 0, sizeof(*a));
}

int plan_new(const char *root, struct plan **ret)
{
	struct plan *p;

	if (!root || root[0] != '/')
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->root = xstrdup(root);
	*ret = p;
	return 0;
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		action_clear(&p->a[i]);
	for (size_t i = 0; i < p->n_e; i++) {
		free(p->e[i].kind);
		free(p->e[i].key);
		free(p->e[i].value);
	}
	free(p->a);
	free(p->e);
	free(p->root);
	free(p);
}

const char *plan_root(const struct plan *p)
{
	return p->root;
}

size_t plan_n_actions(const struct plan *p)
{
	return p->n;
}

/* A path gpuvirt may write: relative, no empty, "." or ".." components. */
static bool rel_path_ok(const char *path)
{
	if (!path || !*path || path[0] == '/')
		return false;
	for (const char *s = path; *s;) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		if (!e)
			break;
		s = e + 1;
		if (!*s)
			return false;
	}
	return true;
}

static bool text_ok(const char *s)
{
	return s && !strpbrk(s, "\n\r");
}

static struct action *find_file(struct plan *p, const char *path)
{
	for (size_t i = 0; i < p->n; i++)
		if ((p->a[i].kind == PLAN_WRITE_FILE || p->a[i].kind == PLAN_REMOVE_FILE) &&
		    strcmp(p->a[i].path, path) == 0)
			return &p->a[i];
	return NULL;
}

/* A new slot for a file or sysfs action: before the first command. */
static struct action *insert_before_runs(struct plan *p)
{
	size_t at = p->n;

	while (at > 0 && p->a[at - 1].kind == PLAN_RUN)
		at--;
	p->a = xrealloc(p->a, (p->n + 1) * sizeof(*p->a));
	memmove(&p->a[at + 1], &p->a[at], (p->n - at) * sizeof(*p->a));
	p->n++;
	memset(&p->a[at], 0, sizeof(*p->a));
	return &p->a[at];
}

static void record_base(const struct plan *p, struct action *a);

/* The slot for a file action on PATH: the one already queued (its base
 * kept: the proposals built on the content the plan first started from),
 * else a new one with the base read from disk now. */
static struct action *file_slot(struct plan *p, const char *path)
{
	struct action *a = find_file(p, path);
	enum base_kind base;
	char sha[SHA256_DIGEST_STRING_LENGTH];

	if (a) {
		base = a->base;
		memcpy(sha, a->base_sha, sizeof(sha));
		action_clear(a);
		a->base = base;
		memcpy(a->base_sha, sha, sizeof(sha));
		return a;
	}
	a = insert_before_runs(p);
	a->path = (char *)path;   /* borrowed for record_base(); the caller sets its own */
	record_base(p, a);
	a->path = NULL;
	return a;
}

int plan_write_file(struct plan *p, const char *path, const char *content, size_t len,
		    mode_t mode_if_new, const char *why)
{
	struct action *a;

	if (!rel_path_ok(path) || (!content && len) || (why && !text_ok(why)) || (mode_if_new & ~07777))
		return -EINVAL;
	a = file_slot(p, path);
	a->kind = PLAN_WRITE_FILE;
	a->path = xstrdup(path);
	a->content = xmemdup(content ? content : "", len);
	a->len = len;
	a->mode = mode_if_new;
	a->why = xstrdup(why ? why : "");
	return 0;
}

int plan_remove_file(struct plan *p, const char *path, const char *why)
{
	struct action *a;

	if (!rel_path_ok(path) || (why && !text_ok(why)))
		return -EINVAL;
	a = file_slot(p, path);
	a->kind = PLAN_REMOVE_FILE;
	a->path = xstrdup(path);
	a->why = xstrdup(why ? why : "");
	return 0;
}

int plan_write_sysfs(struct plan *p, const char *attr_path, const char *value, const char *why)
{
	struct action *a;

	if (!attr_path || strncmp(attr_path, "/sys/", 5) != 0 || !rel_path_ok(attr_path + 5) ||
	    !text_ok(value) || (why && !text_ok(why)))
		return -EINVAL;
	a = insert_before_runs(p);
	a->kind = PLAN_WRITE_SYSFS;
	a->path = xstrdup(attr_path);
	a->value = xstrdup(value);
	a->why = xstrdup(why ? why : "");
	return 0;
}

static bool argv_eq(char **a, const char *const *b)
{
	size_t i;

	for (i = 0; a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return !a[i] && !b[i];
}

int plan_run(struct plan *p, const char *const *argv, const char *why)
{
	struct action *a;
	size_t n = 0;

	if (!argv || !argv[0] || !argv[0][0] || (why && !text_ok(why)))
		return -EINVAL;
	for (size_t i = 0; i < p->n; i++)
		if (p->a[i].kind == PLAN_RUN && argv_eq(p->a[i].argv, argv))
			return 0;
	while (argv[n])
		n++;
	p->a = xrealloc(p->a, (p->n + 1) * sizeof(*p->a));
	a = &p->a[p->n++];
	memset(a, 0, sizeof(*a));
	a->kind = PLAN_RUN;
	a->argv = xrealloc(NULL, (n + 1) * sizeof(char *));
	for (size_t i = 0; i < n; i++)
		a->argv[i] = xstrdup(argv[i]);
	a->argv[n] = NULL;
	a->why = xstrdup(why ? why : "");
	return 0;
}

int plan_expect(struct plan *p, const char *kind, const char *key, const char *value)
{
	static const char *const kinds[] = { "cmdline", "module", "driver", "numvfs", "mdev", "no-module" };
	bool known = false;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		known |= kind && strcmp(kind, kinds[i]) == 0;
	if (!known || !key || !*key || !text_ok(key) || (value && !text_ok(value)))
		return -EINVAL;
	for (size_t i = 0; i < p->n_e; i++)
		if (strcmp(p->e[i].kind, kind) == 0 && strcmp(p->e[i].key, key) == 0 &&
		    ((!value && !p->e[i].value) || (value && p->e[i].value && strcmp(value, p->e[i].value) == 0)))
			return 0;
	p->e = xrealloc(p->e, (p->n_e + 1) * sizeof(*p->e));
	p->e[p->n_e].kind = xstrdup(kind);
	p->e[p->n_e].key = xstrdup(key);
	p->e[p->n_e].value = xstrdup(value);
	p->n_e++;
	return 0;
}

/* ---- the state on disk ---- */

/* What a file action finds and would do. */
struct fileview {
	char *target;    /* symlinks resolved, relative to the root */
	char *abs;       /* root/target */
	char *now;       /* current bytes, NULL when absent */
	size_t now_len;
	mode_t mode;     /* current mode, or the action's mode_if_new */
	bool changes;
};

static void fileview_clear(struct fileview *v)
{
	free(v->target);
	free(v->abs);
	free(v->now);
	memset(v, 0, sizeof(*v));
}

static int fileview_get(const struct plan *p, const struct action *a, struct fileview *v, struct gv_error *err)
{
	struct stat st;
	int r;

	memset(v, 0, sizeof(*v));
	r = fsutil_resolve_in_root(p->root, a->path, &v->target);
	if (r < 0)
		return gv_error_set(err, r, "%s: resolving symlinks: %s", a->path, strerror(-r));
	v->abs = fsutil_join(p->root, v->target);
	v->mode = a->mode;
	if (stat(v->abs, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			r = gv_error_set(err, -EISDIR, "%s: not a regular file", a->path);
			goto fail;
		}
		v->mode = st.st_mode & 07777;
		r = fsutil_read_file(v->abs, &v->now, &v->now_len);
		if (r < 0) {
			gv_error_set(err, r, "%s: %s", a->path, strerror(-r));
			goto fail;
		}
	} else if (errno != ENOENT && errno != ENOTDIR) {
		r = -errno;
		gv_error_set(err, r, "%s: %s", a->path, strerror(-r));
		goto fail;
	}
	if (a->kind == PLAN_WRITE_FILE)
		v->changes = !v->now || v->now_len != a->len || memcmp(v->now, a->content, a->len) != 0;
	else
		v->changes = v->now != NULL;
	return 0;
fail:
	fileview_clear(v);
	return r;
}

/* The file as the plan starts from it (see enum base_kind). A file that
 * cannot be read now gets no base: apply reports the same problem. */
static void record_base(const struct plan *p, struct action *a)
{
	struct action probe = { .kind = PLAN_REMOVE_FILE, .path = a->path };
	struct fileview v;

	a->base = BASE_NONE;
	if (fileview_get(p, &probe, &v, NULL) < 0)
		return;
	if (v.now) {
		a->base = BASE_SHA;
		SHA256Data((const uint8_t *)v.now, v.now_len, a->base_sha);
	} else {
		a->base = BASE_ABSENT;
	}
	fileview_clear(&v);
}

/* Whether the file V shows is still what action A was computed from. */
static bool base_holds(const struct action *a, const struct fileview *v)
{
	char sha[SHA256_DIGEST_STRING_LENGTH];

	switch (a->base) {
	case BASE_NONE:
		return true;
	case BASE_ABSENT:
		return !v->now;
	case BASE_SHA:
		if (!v->now)
			return false;
		SHA256Data((const uint8_t *)v->now, v->now_len, sha);
		return strcmp(sha, a->base_sha) == 0;
	}
	return false;
}

static char *trim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && strchr(" \t\r\n", s[n - 1]))
		s[--n] = '\0';
	while (*s && strchr(" \t\r\n", *s))
		s++;
	return s;
}

/* The attribute's current value, trimmed; NULL when it cannot be read
 * (write-only attributes such as unbind or new_id). O_NONBLOCK: reading
 * must never hang the process that holds the lock. */
static char *sysfs_read(const char *attr)
{
	struct buf b = BUF_INIT;
	char chunk[4096], *t;
	int fd = open(attr, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			buf_free(&b);
			return NULL;
		}
		if (n == 0)
			break;
		buf_append(&b, chunk, (size_t)n);
	}
	close(fd);
	buf_append(&b, "", 0);
	t = xstrdup(trim(b.data));
	buf_free(&b);
	return t;
}

int plan_file_content(struct plan *p, const char *path, char **ret_content, size_t *ret_len,
		      struct gv_error *err)
{
	const struct action *a;
	struct action probe = { .kind = PLAN_REMOVE_FILE };
	struct fileview v;
	int r;

	if (!rel_path_ok(path))
		return gv_error_set(err, -EINVAL, "%s: not a path relative to the root", path ? path : "(null)");
	a = find_file(p, path);
	if (a) {
		if (a->kind == PLAN_REMOVE_FILE)
			return -ENOENT;
		*ret_content = xmemdup(a->content, a->len);
		*ret_len = a->len;
		return 0;
	}
	probe.path = (char *)path;
	r = fileview_get(p, &probe, &v, err);
	if (r < 0)
		return r;
	if (!v.now) {
		fileview_clear(&v);
		return -ENOENT;
	}
	*ret_content = v.now;
	*ret_len = v.now_len;
	v.now = NULL;
	fileview_clear(&v);
	return 0;
}

bool plan_is_empty(const struct plan *p)
{
	bool only_runs = true;

	for (size_t i = 0; i < p->n; i++) {
		const struct action *a = &p->a[i];
		struct fileview v;
		char *cur;

		switch (a->kind) {
		case PLAN_WRITE_FILE:
		case PLAN_REMOVE_FILE:
			only_runs = false;
			if (fileview_get(p, a, &v, NULL) < 0)
				return false;   /* an error to report is not "nothing" */
			bool ch = v.changes;
			fileview_clear(&v);
			if (ch)
				return false;
			break;
		case PLAN_WRITE_SYSFS:
			only_runs = false;
			cur = sysfs_read(a->path);
			bool same = cur && strcmp(cur, a->value) == 0;
			free(cur);
			if (!same)
				return false;
			break;
		case PLAN_RUN:
			break;
		}
	}
	/* Commands regenerate what the files configure: with nothing else to
	 * do they are not run, unless the plan is nothing but commands. */
	return only_runs ? p->n == 0 : true;
}

/* ---- preview ---- */

/* The file part of a preview: a diff, or a line saying nothing changes. */
static int file_diff(const struct plan *p, const struct action *a, struct buf *out, bool *ret_changes,
		     struct gv_error *err)
{
	struct buf la = BUF_INIT, lb = BUF_INIT;
	struct fileview v;
	int r;

	r = fileview_get(p, a, &v, err);
	if (r < 0)
		return r;
	*ret_changes = v.changes;
	if (!v.changes) {
		buf_printf(out, "# %s: %s\n", a->path, a->kind == PLAN_WRITE_FILE ? "unchanged" : "already absent");
		goto out;
	}
	if (strcmp(v.target, a->path) != 0)
		buf_printf(out, "# %s resolves to %s; that file is written, the link is kept\n", a->path, v.target);
	buf_printf(&la, "a/%s", a->path);
	buf_printf(&lb, "b/%s", a->path);
	if (a->kind == PLAN_WRITE_FILE) {
		if (!diff_unified(out, v.now ? la.data : "/dev/null", v.now ? v.now : "", v.now_len, lb.data,
				  a->content, a->len, DIFF_CONTEXT))
			/* creating an empty file */
			buf_printf(out, "--- /dev/null\n+++ %s\n", lb.data);
	} else {
		if (!diff_unified(out, la.data, v.now, v.now_len, "/dev/null", "", 0, DIFF_CONTEXT))
			buf_printf(out, "--- %s\n+++ /dev/null\n", la.data);
	}
out:
	buf_free(&la);
	buf_free(&lb);
	fileview_clear(&v);
	return 0;
}

int plan_preview(const struct plan *p, char **ret_text, struct gv_error *err)
{
	struct buf b = BUF_INIT;
	bool changes;
	int r;

	for (size_t i = 0; i < p->n; i++) {
		const struct action *a = &p->a[i];

		if (i)
			buf_putc(&b, '\n');
		if (a->why && *a->why)
			buf_printf(&b, "# %s\n", a->why);
		switch (a->kind) {
		case PLAN_WRITE_FILE:
		case PLAN_REMOVE_FILE:
			r = file_diff(p, a, &b, &changes, err);
			if (r < 0)
				goto fail;
			break;
		case PLAN_WRITE_SYSFS:
			buf_printf(&b, "echo %s > %s\n", a->value, a->path);
			break;
		case PLAN_RUN: {
			char *line = exec_argv_str((const char *const *)a->argv);
			buf_printf(&b, "$ %s\n", line);
			free(line);
			break;
		}
		}
	}
	if (!b.data)
		buf_append(&b, "", 0);
	*ret_text = buf_steal(&b);
	return 0;
fail:
	buf_free(&b);
	return r;
}

static const char *kind_name(enum plan_action_kind k)
{
	switch (k) {
	case PLAN_WRITE_FILE: return "write-file";
	case PLAN_REMOVE_FILE: return "remove-file";
	case PLAN_WRITE_SYSFS: return "write-sysfs";
	case PLAN_RUN: return "run";
	}
	return "?";
}

int plan_preview_json(const struct plan *p, char **ret_json, struct gv_error *err)
{
	struct buf b = BUF_INIT, d = BUF_INIT;
	bool changes;
	int r;

	buf_puts(&b, "{\"root\":");
	buf_json_str(&b, p->root);
	buf_puts(&b, ",\"actions\":[");
	for (size_t i = 0; i < p->n; i++) {
		const struct action *a = &p->a[i];

		buf_puts(&b, i ? ",{\"kind\":" : "{\"kind\":");
		buf_json_str(&b, kind_name(a->kind));
		if (a->kind != PLAN_RUN) {
			buf_puts(&b, ",\"path\":");
			buf_json_str(&b, a->path);
		}
		buf_puts(&b, ",\"why\":");
		buf_json_str(&b, a->why);
		switch (a->kind) {
		case PLAN_WRITE_FILE:
		case PLAN_REMOVE_FILE:
			buf_reset(&d);
			r = file_diff(p, a, &d, &changes, err);
			if (r < 0)
				goto fail;
			buf_printf(&b, ",\"changed\":%s,\"diff\":", changes ? "true" : "false");
			buf_json_str(&b, changes ? buf_str(&d) : "");
			break;
		case PLAN_WRITE_SYSFS:
			buf_puts(&b, ",\"value\":");
			buf_json_str(&b, a->value);
			break;
		case PLAN_RUN:
			buf_puts(&b, ",\"argv\":[");
			for (size_t j = 0; a->argv[j]; j++) {
				if (j)
					buf_putc(&b, ',');
				buf_json_str(&b, a->argv[j]);
			}
			buf_putc(&b, ']');
			break;
		}
		buf_putc(&b, '}');
	}
	buf_puts(&b, "]}\n");
	buf_free(&d);
	*ret_json = buf_steal(&b);
	return 0;
fail:
	buf_free(&b);
	buf_free(&d);
	return r;
}

/* ---- apply ---- */

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
		back = sysfs_read(a->path);
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
			r = fileview_get(p, s->a, &s->v, err);
			if (r < 0)
				goto out;
			s->changes = s->v.changes;
			/* Only a change would lose anything: a file that already
			 * has the planned content (a plan applied twice) is fine. */
			if (s->changes && !base_holds(s->a, &s->v)) {
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
			s->sysfs_before = sysfs_read(s->a->path);
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
		fileview_clear(&steps[i].v);
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

/* ---- plan files ---- */

static void put_field(struct buf *b, const char *s)
{
	buf_putc(b, ' ');
	field_encode(b, s, strlen(s), true);
}

static void put_base(struct buf *b, const struct action *a)
{
	if (a->base == BASE_SHA)
		buf_printf(b, " base=sha256:%s", a->base_sha);
	else if (a->base == BASE_ABSENT)
		buf_puts(b, " base=absent");
}

/* "base=sha256:HEX" or "base=absent" into A. Returns false when malformed. */
static bool parse_base(const char *field, struct action *a)
{
	const char *v = field + 5;

	if (strcmp(v, "absent") == 0) {
		a->base = BASE_ABSENT;
		return true;
	}
	if (strncmp(v, "sha256:", 7) != 0 || strlen(v + 7) != SHA256_DIGEST_STRING_LENGTH - 1 ||
	    strspn(v + 7, "0123456789abcdef") != SHA256_DIGEST_STRING_LENGTH - 1)
		return false;
	a->base = BASE_SHA;
	memcpy(a->base_sha, v + 7, SHA256_DIGEST_STRING_LENGTH);
	return true;
}

int plan_save(const struct plan *p, const char *file, struct gv_error *err)
{
	struct buf b = BUF_INIT;
	int r;

	buf_puts(&b, "gpuvirt-plan 2\n");
	buf_puts(&b, "# Apply with: gpuvirt apply --plan FILE. Fields are %XX-encoded;\n"
		     "# '|' lines are the new file's lines, 'noeol' means no final newline;\n"
		     "# base= is the file the plan was made from (apply refuses if it changed).\n");
	for (size_t i = 0; i < p->n; i++) {
		const struct action *a = &p->a[i];

		switch (a->kind) {
		case PLAN_WRITE_FILE:
			buf_puts(&b, "write");
			put_field(&b, a->path);
			buf_printf(&b, " mode=%04o", (unsigned)a->mode);
			put_base(&b, a);
			buf_putc(&b, '\n');
			break;
		case PLAN_REMOVE_FILE:
			buf_puts(&b, "remove");
			put_field(&b, a->path);
			put_base(&b, a);
			buf_putc(&b, '\n');
			break;
		case PLAN_WRITE_SYSFS:
			buf_puts(&b, "sysfs");
			put_field(&b, a->path);
			put_field(&b, a->value);
			buf_putc(&b, '\n');
			break;
		case PLAN_RUN:
			buf_puts(&b, "run");
			for (size_t j = 0; a->argv[j]; j++)
				put_field(&b, a->argv[j]);
			buf_putc(&b, '\n');
			break;
		}
		if (a->why && *a->why) {
			buf_puts(&b, "why ");
			field_encode(&b, a->why, strlen(a->why), false);
			buf_putc(&b, '\n');
		}
		if (a->kind == PLAN_WRITE_FILE) {
			size_t pos = 0;
			while (pos < a->len) {
				const char *nl = memchr(a->content + pos, '\n', a->len - pos);
				size_t n = nl ? (size_t)(nl - (a->content + pos)) : a->len - pos;
				buf_putc(&b, '|');
				field_encode(&b, a->content + pos, n, false);
				buf_putc(&b, '\n');
				pos += n + (nl ? 1 : 0);
				if (!nl)
					buf_puts(&b, "noeol\n");
			}
		}
	}
	for (size_t i = 0; i < p->n_e; i++) {
		buf_puts(&b, "expect");
		put_field(&b, p->e[i].kind);
		put_field(&b, p->e[i].key);
		if (p->e[i].value)
			put_field(&b, p->e[i].value);
		buf_putc(&b, '\n');
	}
	buf_puts(&b, "end\n");
	r = fsutil_write_atomic(file, b.data, b.len, 0644, err);
	buf_free(&b);
	return r < 0 ? r : 0;
}

static int load_fail(struct gv_error *err, const char *file, size_t line, const char *what)
{
	return gv_error_set(err, -EINVAL, "%s:%zu: %s", file, line, what);
}

int plan_load(const char *file, const char *root, struct plan **ret, struct gv_error *err)
{
	struct plan *p = NULL;
	struct buf content = BUF_INIT;
	char *data = NULL, **f = NULL;
	size_t len, lineno = 0, nf = 0;
	bool ended = false, in_write = false, noeol = false;
	struct action *last = NULL;
	int r, version = 1;

	r = fsutil_read_file(file, &data, &len);
	if (r < 0)
		return gv_error_set(err, r, "%s: %s", file, strerror(-r));
	if (memchr(data, '\0', len)) {
		r = load_fail(err, file, 1, "not a text file");
		goto out;
	}
	r = plan_new(root, &p);
	if (r < 0) {
		gv_error_set(err, r, "%s: bad root", root);
		goto out;
	}
	for (char *line = data, *next; line && *line; line = next) {
		char *nl = strchr(line, '\n');
		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		if (ended) {
			r = load_fail(err, file, lineno, "text after 'end'");
			goto out;
		}
		if (lineno == 1) {
			if (strcmp(line, "gpuvirt-plan 2") == 0) {
				version = 2;
			} else if (strcmp(line, "gpuvirt-plan 1") == 0) {
				version = 1;
				gv_log(GV_LOG_WARN, "%s: a version 1 plan does not record the files it was made from: "
				       "edits made to them since would be overwritten; make the plan again to be safe",
				       file);
			} else {
				r = load_fail(err, file, 1, strncmp(line, "gpuvirt-plan ", 13) == 0
					      ? "unsupported plan version (this gpuvirt reads versions 1 and 2)"
					      : "not a gpuvirt plan (first line must be 'gpuvirt-plan 2')");
				goto out;
			}
			continue;
		}
		if (line[0] == '|' || strcmp(line, "noeol") == 0) {
			if (!in_write || noeol) {
				r = load_fail(err, file, lineno, "content line outside a 'write' action");
				goto out;
			}
			if (line[0] == '|') {
				if (field_decode(&content, line + 1) < 0) {
					r = load_fail(err, file, lineno, "bad %XX escape");
					goto out;
				}
				buf_putc(&content, '\n');
			} else {
				if (content.len == 0) {
					r = load_fail(err, file, lineno, "'noeol' without a content line");
					goto out;
				}
				content.len--;   /* drop the last newline */
				content.data[content.len] = '\0';
				noeol = true;
			}
			continue;
		}
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strncmp(line, "why ", 4) == 0) {
			struct buf w = BUF_INIT;
			if (!last || last->why[0] || content.len || noeol) {
				r = load_fail(err, file, lineno, "'why' must follow an action, once");
				goto out;
			}
			if (field_decode(&w, line + 4) < 0 || !text_ok(buf_str(&w))) {
				buf_free(&w);
				r = load_fail(err, file, lineno, "bad %XX escape");
				goto out;
			}
			free(last->why);
			last->why = buf_steal(&w);
			continue;
		}
		/* Any other line ends the content of the previous write. */
		if (in_write && last) {
			free(last->content);
			last->len = content.len;
			last->content = xmemdup(content.data ? content.data : "", content.len);
			buf_reset(&content);
		}
		in_write = false;
		noeol = false;
		/* Split and decode the fields. */
		for (size_t i = 0; i < nf; i++)
			free(f[i]);
		nf = 0;
		for (char *tok = line, *sp; tok; tok = sp) {
			sp = strchr(tok, ' ');
			if (sp)
				*sp++ = '\0';
			if (!*tok) {
				r = load_fail(err, file, lineno, "empty field (two spaces in a row?)");
				goto out;
			}
			struct buf d = BUF_INIT;
			if (field_decode(&d, tok) < 0) {
				buf_free(&d);
				r = load_fail(err, file, lineno, "bad %XX escape");
				goto out;
			}
			f = xrealloc(f, (nf + 1) * sizeof(char *));
			f[nf++] = buf_steal(&d);
		}
		const char *kw = f[0];
		bool is_run = strcmp(kw, "run") == 0;
		size_t before = p->n;
		last = NULL;
		if (!is_run && strcmp(kw, "expect") != 0 && strcmp(kw, "end") != 0 && p->n &&
		    p->a[p->n - 1].kind == PLAN_RUN) {
			r = load_fail(err, file, lineno, "file and sysfs actions must come before commands");
			goto out;
		}
		if (strcmp(kw, "end") == 0 && nf == 1) {
			ended = true;
			continue;
		} else if (strcmp(kw, "write") == 0 && nf == (version == 2 ? 4u : 3u) && strncmp(f[2], "mode=", 5) == 0) {
			char *end;
			unsigned long mode = strtoul(f[2] + 5, &end, 8);
			if (*end || end == f[2] + 5 || mode > 07777) {
				r = load_fail(err, file, lineno, "bad mode (want mode=0644)");
				goto out;
			}
			if (find_file(p, f[1])) {
				r = load_fail(err, file, lineno, "the same file twice");
				goto out;
			}
			r = plan_write_file(p, f[1], "", 0, (mode_t)mode, NULL);
			in_write = r == 0;
		} else if (strcmp(kw, "remove") == 0 && nf == (version == 2 ? 3u : 2u)) {
			if (find_file(p, f[1])) {
				r = load_fail(err, file, lineno, "the same file twice");
				goto out;
			}
			r = plan_remove_file(p, f[1], NULL);
		} else if (strcmp(kw, "sysfs") == 0 && nf == 3) {
			r = plan_write_sysfs(p, f[1], f[2], NULL);
		} else if (is_run && nf >= 2) {
			f = xrealloc(f, (nf + 1) * sizeof(char *));
			f[nf] = NULL;
			r = plan_run(p, (const char *const *)f + 1, NULL);
			if (r == 0 && p->n == before) {
				r = load_fail(err, file, lineno, "the same command twice");
				goto out;
			}
		} else if (strcmp(kw, "expect") == 0 && (nf == 3 || nf == 4)) {
			r = plan_expect(p, f[1], f[2], nf == 4 ? f[3] : NULL);
			if (r < 0) {
				r = load_fail(err, file, lineno, "bad expectation (kind key [value])");
				goto out;
			}
			continue;
		} else {
			r = load_fail(err, file, lineno, "unknown or malformed line");
			goto out;
		}
		if (r < 0) {
			r = load_fail(err, file, lineno,
				      "invalid action (paths are relative to the root, sysfs paths start with /sys/)");
			goto out;
		}
		/* Commands come last, so the action just added is the last one. */
		last = &p->a[p->n - 1];
		/* The base is the file's when the plan was made, not now. */
		if (last->kind == PLAN_WRITE_FILE || last->kind == PLAN_REMOVE_FILE) {
			last->base = BASE_NONE;
			if (version == 2 && (strncmp(f[nf - 1], "base=", 5) != 0 || !parse_base(f[nf - 1], last))) {
				r = load_fail(err, file, lineno, "bad or missing base (want base=sha256:HEX or base=absent)");
				goto out;
			}
		}
	}
	if (!ended) {
		r = load_fail(err, file, lineno, "no 'end' line: the plan is truncated");
		goto out;
	}
	*ret = p;
	p = NULL;
	r = 0;
out:
	for (size_t i = 0; i < nf; i++)
		free(f[i]);
	free(f);
	buf_free(&content);
	free(data);
	plan_free(p);
	return r;
}
