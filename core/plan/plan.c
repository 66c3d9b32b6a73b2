/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The plan value and its builders. Execution order is the array order:
 * file and sysfs actions keep the order they were added in, commands are
 * kept at the end (they regenerate what the files configure). Each file
 * action records its base when the plan first names the file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/plan/plan-internal.h"
#include "core/util/buf.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"

static void argv_free(char **argv)
{
	for (char **v = argv; v && *v; v++)
		free(*v);
	free(argv);
}

static char **argv_dup(const char *const *argv)
{
	size_t n = 0;
	char **copy;

	if (!argv)
		return NULL;
	while (argv[n])
		n++;
	copy = xreallocarray(NULL, n + 1, sizeof(*copy));
	for (size_t i = 0; i < n; i++)
		copy[i] = xstrdup(argv[i]);
	copy[n] = NULL;
	return copy;
}

static void action_clear(struct action *a)
{
	free(a->path);
	free(a->content);
	free(a->value);
	free(a->undo_path);
	free(a->undo_value);
	argv_free(a->argv);
	argv_free(a->undo_argv);
	argv_free(a->check_argv);
	free(a->check_text);
	free(a->why);
	memset(a, 0, sizeof(*a));
}

int plan_new(const char *root, struct plan **ret)
{
	struct plan *p;

	if (!root || root[0] != '/')
		return -EINVAL;
	p = xcalloc(1, sizeof(*p));
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

bool plan_text_ok(const char *s)
{
	return s && !strpbrk(s, "\n\r");
}

struct action *plan_find_file(struct plan *p, const char *path)
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
	struct action *a = plan_find_file(p, path);
	enum base_kind base;
	char sha[SHA256_DIGEST_STRING_LENGTH];
	int base_set;

	if (a) {
		base = a->base;
		base_set = a->base_set;
		memcpy(sha, a->base_sha, sizeof(sha));
		action_clear(a);
		a->base = base;
		a->base_set = base_set;
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

	if (!rel_path_ok(path) || (!content && len) || (why && !plan_text_ok(why)) || (mode_if_new & ~07777))
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

	if (!rel_path_ok(path) || (why && !plan_text_ok(why)))
		return -EINVAL;
	a = file_slot(p, path);
	a->kind = PLAN_REMOVE_FILE;
	a->path = xstrdup(path);
	a->why = xstrdup(why ? why : "");
	return 0;
}

/* An attribute of the running host's sysfs: an absolute path under it. */
static bool sysfs_path_ok(const char *attr_path)
{
	return attr_path && strncmp(attr_path, "/sys/", 5) == 0 && rel_path_ok(attr_path + 5);
}

int plan_write_sysfs(struct plan *p, const char *attr_path, const char *value, const char *why)
{
	struct action *a;

	if (!sysfs_path_ok(attr_path) || !plan_text_ok(value) || (why && !plan_text_ok(why)))
		return -EINVAL;
	a = insert_before_runs(p);
	a->kind = PLAN_WRITE_SYSFS;
	a->path = xstrdup(attr_path);
	a->value = xstrdup(value);
	a->why = xstrdup(why ? why : "");
	return 0;
}

int plan_write_sysfs_undo(struct plan *p, const char *attr_path, const char *value, const char *undo_attr,
			  const char *undo_value, const char *why)
{
	int r;

	if (!sysfs_path_ok(undo_attr) || !plan_text_ok(undo_value))
		return -EINVAL;
	r = plan_write_sysfs(p, attr_path, value, why);
	if (r < 0)
		return r;
	for (size_t i = p->n; i-- > 0;) {
		struct action *a = &p->a[i];
		if (a->kind == PLAN_WRITE_SYSFS && !a->undo_path && !strcmp(a->path, attr_path)) {
			a->undo_path = xstrdup(undo_attr);
			a->undo_value = xstrdup(undo_value);
			break;
		}
	}
	return 0;
}

int plan_remove_dir(struct plan *p, const char *dir, const char *why)
{
	struct action *a;

	if (!rel_path_ok(dir) || (why && !plan_text_ok(why)))
		return -EINVAL;
	for (size_t i = 0; i < p->n; i++)
		if (p->a[i].kind == PLAN_REMOVE_DIR && strcmp(p->a[i].path, dir) == 0)
			return 0;
	a = insert_before_runs(p);
	a->kind = PLAN_REMOVE_DIR;
	a->path = xstrdup(dir);
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

static bool argv_ok(const char *const *argv)
{
	return argv && argv[0] && argv[0][0];
}

/* The queued command ARGV, or a new one at the end. NULL when ARGV is
 * queued already. */
static struct action *run_slot(struct plan *p, const char *const *argv, const char *why)
{
	struct action *a;

	for (size_t i = 0; i < p->n; i++)
		if (p->a[i].kind == PLAN_RUN && argv_eq(p->a[i].argv, argv))
			return NULL;
	p->a = xrealloc(p->a, (p->n + 1) * sizeof(*p->a));
	a = &p->a[p->n++];
	memset(a, 0, sizeof(*a));
	a->kind = PLAN_RUN;
	a->argv = argv_dup(argv);
	a->why = xstrdup(why ? why : "");
	return a;
}

int plan_run(struct plan *p, const char *const *argv, const char *why)
{
	if (!argv_ok(argv) || (why && !plan_text_ok(why)))
		return -EINVAL;
	run_slot(p, argv, why);
	return 0;
}

int plan_run_reversible(struct plan *p, const char *const *argv, const char *const *undo,
			const char *const *readback, const char *expect, const char *why)
{
	struct action *a;

	if (!argv_ok(argv) || !argv_ok(undo) || (why && !plan_text_ok(why)) ||
	    (readback && (!argv_ok(readback) || !expect || !*expect || !plan_text_ok(expect))))
		return -EINVAL;
	a = run_slot(p, argv, why);
	if (!a)
		return 0;
	a->undo_argv = argv_dup(undo);
	a->check_argv = argv_dup(readback);
	a->check_text = readback ? xstrdup(expect) : NULL;
	return 0;
}

int plan_expect(struct plan *p, const char *kind, const char *key, const char *value)
{
	static const char *const kinds[] = { "cmdline", "module", "driver", "numvfs", "mdev", "no-module", "vgpu",
					     "no-mdev" };
	bool known = false;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		known |= kind && strcmp(kind, kinds[i]) == 0;
	if (!known || !key || !*key || !plan_text_ok(key) || (value && !plan_text_ok(value)))
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

void plan_fileview_clear(struct fileview *v)
{
	free(v->target);
	free(v->abs);
	free(v->now);
	memset(v, 0, sizeof(*v));
}

int plan_fileview_get(const struct plan *p, const struct action *a, struct fileview *v, struct gv_error *err)
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
		v->changes = !v->now || v->now_len != a->len || memcmp(v->now, a->content, a->len) != 0 ||
			     (a->mode_exact && v->mode != a->mode);
	else
		v->changes = v->now != NULL;
	return 0;
fail:
	plan_fileview_clear(v);
	return r;
}

int plan_dir_look(const struct plan *p, const char *dir, bool *ret_empty)
{
	char *abs = fsutil_join(p->root, dir);
	struct dirent *de;
	struct stat st;
	DIR *d;

	*ret_empty = false;
	if (lstat(abs, &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(abs);
		return 0;
	}
	d = opendir(abs);
	free(abs);
	if (!d)
		return 1;
	*ret_empty = true;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			*ret_empty = false;
			break;
		}
	closedir(d);
	return 1;
}

/* The file as the plan starts from it (see enum base_kind). A file that
 * cannot be read now gets no base: apply reports the same problem. */
static void record_base(const struct plan *p, struct action *a)
{
	struct action probe = { .kind = PLAN_REMOVE_FILE, .path = a->path };
	struct fileview v;

	a->base = BASE_NONE;
	if (plan_fileview_get(p, &probe, &v, NULL) < 0)
		return;
	if (v.now) {
		a->base = BASE_SHA;
		SHA256Data((const uint8_t *)v.now, v.now_len, a->base_sha);
	} else {
		a->base = BASE_ABSENT;
	}
	plan_fileview_clear(&v);
}

bool plan_base_holds(const struct action *a, const struct fileview *v)
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
bool plan_sysfs_write_only(const char *attr)
{
	static const char *const names[] = { "bind", "unbind", "drivers_probe", "new_id", "remove_id", "remove" };
	const char *base = strrchr(attr, '/');

	for (size_t i = 0; base && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(base + 1, names[i]))
			return true;
	return false;
}

char *plan_sysfs_read(const char *attr)
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
	a = plan_find_file(p, path);
	if (a) {
		if (a->kind == PLAN_REMOVE_FILE)
			return -ENOENT;
		*ret_content = xmemdup(a->content, a->len);
		*ret_len = a->len;
		return 0;
	}
	probe.path = (char *)path;
	r = plan_fileview_get(p, &probe, &v, err);
	if (r < 0)
		return r;
	if (!v.now) {
		plan_fileview_clear(&v);
		return -ENOENT;
	}
	*ret_content = v.now;
	*ret_len = v.now_len;
	v.now = NULL;
	plan_fileview_clear(&v);
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
			if (plan_fileview_get(p, a, &v, NULL) < 0)
				return false;   /* an error to report is not "nothing" */
			bool ch = v.changes;
			plan_fileview_clear(&v);
			if (ch)
				return false;
			break;
		case PLAN_WRITE_SYSFS:
			only_runs = false;
			cur = plan_sysfs_read(a->path);
			bool same = cur && strcmp(cur, a->value) == 0;
			free(cur);
			if (!same)
				return false;
			break;
		case PLAN_REMOVE_DIR: {
			bool empty;
			if (plan_dir_look(p, a->path, &empty) > 0 && empty)
				return false;
			break;
		}
		case PLAN_RUN:
			break;
		}
	}
	/* Commands regenerate what the files configure: with nothing else to
	 * do they are not run, unless the plan is nothing but commands. */
	return only_runs ? p->n == 0 : true;
}
