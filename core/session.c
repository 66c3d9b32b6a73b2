/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/scan/demo.h"
#include "core/session.h"
#include "core/util/xalloc.h"

struct session {
	char *root;             /* absolute; the scratch root under --demo */
	bool demo;
	bool remove_root;       /* a fresh scratch root: session_close() removes it */
	struct host *host;
	struct sysconf *sysconf;        /* of ROOT, read with HOST's facts */
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void remove_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int resolve_root(const char *arg, char **ret, struct gv_error *err)
{
	char *root = realpath(arg, NULL);
	struct stat st;

	/* Every later path is ROOT/etc/..., and commands chroot into it: absolute
	 * once, here. A mistyped root is the person's input, hence -EINVAL. */
	if (!root || stat(root, &st) < 0) {
		int e = errno;
		free(root);
		return gv_error_set(err, -EINVAL, "--root %s: %s", arg, strerror(e));
	}
	if (!S_ISDIR(st.st_mode)) {
		free(root);
		return gv_error_set(err, -EINVAL, "--root %s: not a directory", arg);
	}
	*ret = root;
	return 0;
}

static const char *tmp_dir(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}

/* Where the line-mode commands keep the demo's scratch root between runs. */
static char *kept_scratch_path(void)
{
	const char *dir = getenv("XDG_RUNTIME_DIR");

	/* XDG_RUNTIME_DIR is the user's own (0700, removed at logout); the
	 * UID keeps users apart in a shared /tmp all the same */
	return xasprintf("%s/gpuvirt-demo-%u", dir && *dir ? dir : tmp_dir(), (unsigned)geteuid());
}

/*
 * The demo writes there without asking: only a real directory of the user's
 * own that nobody else may write, never one that someone else planted or
 * linked elsewhere.
 */
static int check_scratch(const char *path, struct gv_error *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0) {
		int e = errno;
		/* O_DIRECTORY on a link says ENOTDIR: ask what it is */
		if (e == ELOOP || e == ENOTDIR)
			return gv_error_set(err, -EPERM, "--demo: the scratch root %s is %s; remove it and try again",
					    path, lstat(path, &st) == 0 && S_ISLNK(st.st_mode) ? "a symbolic link" :
					    "not a directory");
		return gv_error_set(err, -e, "--demo: the scratch root %s: %s", path, strerror(e));
	}
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return gv_error_set(err, -e, "--demo: the scratch root %s: %s", path, strerror(e));
	}
	close(fd);
	if (st.st_uid != geteuid())
		return gv_error_set(err, -EPERM, "--demo: the scratch root %s belongs to uid %u, not to you",
				    path, (unsigned)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return gv_error_set(err, -EPERM, "--demo: the scratch root %s is writable by others", path);
	return 0;
}

/* A new scratch directory DIR/PREFIX.XXXXXX holding the sample configuration. */
static int make_scratch(const char *dir, const char *prefix, char **ret, struct gv_error *err)
{
	char *tmpl = xasprintf("%s/%s.XXXXXX", dir, prefix);
	int r;

	if (!mkdtemp(tmpl)) {
		r = gv_error_set(err, -errno, "--demo: cannot make a scratch root in %s: %s", dir, strerror(errno));
		free(tmpl);
		return r;
	}
	r = demo_root_populate(tmpl, err);
	if (r < 0) {
		remove_tree(tmpl);
		free(tmpl);
		return r;
	}
	*ret = tmpl;
	return 0;
}

/*
 * The kept scratch root, made when missing: populated under a temporary
 * name and renamed into place, so a command never finds a half-made one
 * (and two racing commands end up with the same one).
 */
static int open_kept_scratch(char **ret, struct gv_error *err)
{
	char *path = kept_scratch_path(), *slash = strrchr(path, '/'), *tmp = NULL;
	int r;

	if (access(path, F_OK) < 0 && errno == ENOENT) {
		*slash = '\0';
		r = make_scratch(*path ? path : "/", slash + 1, &tmp, err);
		*slash = '/';
		if (r < 0)
			goto out;
		if (rename(tmp, path) < 0) {
			r = -errno;
			remove_tree(tmp);
			if (r != -EEXIST && r != -ENOTEMPTY) {
				gv_error_set(err, r, "--demo: cannot make the scratch root %s: %s", path, strerror(-r));
				goto out;
			}
		}
	}
	r = check_scratch(path, err);
	if (r < 0)
		goto out;
	r = resolve_root(path, ret, err);
out:
	free(tmp);
	free(path);
	return r;
}

static int open_scratch(const struct session_opts *o, struct session *s, struct gv_error *err)
{
	char *dir = NULL;
	int r;

	if (!o->fresh_scratch)
		return open_kept_scratch(&s->root, err);
	r = make_scratch(tmp_dir(), "gpuvirt-demo", &dir, err);
	if (r < 0)
		return r;
	s->remove_root = true;
	r = resolve_root(dir, &s->root, err);
	if (r < 0)
		remove_tree(dir);
	free(dir);
	return r;
}

static int scan(bool demo, struct host **ret, struct gv_error *err)
{
	/* the sample host lives in memory: a fresh copy of it is its rescan */
	return demo ? host_demo(ret) : host_scan(ret, err);
}

int session_open(const struct session_opts *o, struct session **ret, struct gv_error *err)
{
	struct session *s = xcalloc(1, sizeof(*s));
	int r;

	s->demo = o->demo;
	if (o->demo)
		r = open_scratch(o, s, err);
	else
		r = resolve_root(o->root ? o->root : "/", &s->root, err);
	if (r >= 0)
		r = scan(s->demo, &s->host, err);
	if (r >= 0)
		r = sysconf_load(s->root, s->host, &s->sysconf, err);
	if (r < 0) {
		session_close(s);
		return r;
	}
	*ret = s;
	return 0;
}

void session_close(struct session *s)
{
	if (!s)
		return;
	sysconf_free(s->sysconf);
	host_free(s->host);
	if (s->remove_root && s->root)
		remove_tree(s->root);
	free(s->root);
	free(s);
}

const char *session_root(const struct session *s)
{
	return s->root;
}

bool session_demo(const struct session *s)
{
	return s->demo;
}

const struct host *session_host(const struct session *s)
{
	return s->host;
}

const struct sysconf *session_sysconf(const struct session *s)
{
	return s->sysconf;
}

int session_rescan(struct session *s, struct gv_error *err)
{
	struct host *h = NULL;
	struct sysconf *sc = NULL;
	int r = scan(s->demo, &h, err);

	if (r < 0)
		return r;
	r = sysconf_load(s->root, h, &sc, err);
	if (r < 0) {
		host_free(h);
		return r;
	}
	sysconf_free(s->sysconf);
	host_free(s->host);
	s->host = h;
	s->sysconf = sc;
	return 0;
}
