/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/util/buf.h"
#include "core/util/fsutil.h"
#include "core/util/testbed.h"
#include "core/util/xalloc.h"

char *fsutil_join(const char *root, const char *rel)
{
	struct buf b = BUF_INIT;
	size_t rl = strlen(root);

	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	while (*rel == '/')
		rel++;
	buf_append(&b, root, rl);
	if (!(rl == 1 && root[0] == '/') && *rel)
		buf_putc(&b, '/');
	buf_puts(&b, rel);
	return buf_steal(&b);
}

/* Split PATH into an owned directory name and a borrowed base name. */
static char *dir_of(const char *path, const char **ret_base)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		*ret_base = path;
		return xstrdup(".");
	}
	*ret_base = slash + 1;
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static int read_fd(int fd, char **ret_data, size_t *ret_len)
{
	struct buf b = BUF_INIT;
	char chunk[65536];

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int r = -errno;
			buf_free(&b);
			return r;
		}
		if (n == 0)
			break;
		buf_append(&b, chunk, (size_t)n);
	}
	*ret_len = b.len;
	if (!b.data)
		buf_append(&b, "", 0);
	*ret_data = buf_steal(&b);
	return 0;
}

static int open_noatime(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOATIME);

	/* O_NOATIME needs ownership or CAP_FOWNER. */
	if (fd < 0 && errno == EPERM)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd;
}

int fsutil_read_file(const char *path, char **ret_data, size_t *ret_len)
{
	int fd, r;

	fd = open_noatime(path);
	if (fd < 0)
		return -errno;
	r = read_fd(fd, ret_data, ret_len);
	close(fd);
	return r;
}

int fsutil_resolve_in_root(const char *root, const char *rel, char **ret_rel)
{
	struct buf done = BUF_INIT, todo = BUF_INIT;
	int links = 0, r = 0;
	size_t pos = 0;

	buf_puts(&todo, rel);
	while (pos < todo.len) {
		const char *s = todo.data + pos;
		const char *slash = strchr(s, '/');
		size_t n = slash ? (size_t)(slash - s) : strlen(s);
		size_t keep = done.len;
		struct stat st;
		char *abs, target[PATH_MAX];
		ssize_t tl;

		pos += n + (slash ? 1 : 0);
		if (n == 0 || (n == 1 && s[0] == '.'))
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			char *last = done.data ? strrchr(done.data, '/') : NULL;
			done.len = last ? (size_t)(last - done.data) : 0;
			if (done.data)
				done.data[done.len] = '\0';
			continue;
		}
		if (done.len)
			buf_putc(&done, '/');
		buf_append(&done, s, n);
		abs = fsutil_join(root, done.data);
		if (lstat(abs, &st) < 0 || !S_ISLNK(st.st_mode)) {
			free(abs);
			continue;   /* a missing component is kept as it is */
		}
		tl = readlink(abs, target, sizeof(target) - 1);
		free(abs);
		if (tl < 0) {
			r = -errno;
			goto out;
		}
		target[tl] = '\0';
		if (++links > 40) {
			r = -ELOOP;
			goto out;
		}
		/* Replace the link by its target, followed by what is left. */
		struct buf next = BUF_INIT;
		buf_puts(&next, target);
		if (pos < todo.len) {
			buf_putc(&next, '/');
			buf_puts(&next, todo.data + pos);
		}
		buf_free(&todo);
		todo = next;
		pos = 0;
		if (target[0] == '/')
			done.len = 0;
		else
			done.len = keep;
		if (done.data)
			done.data[done.len] = '\0';
	}
	if (done.len >= PATH_MAX) {
		r = -ENAMETOOLONG;
		goto out;
	}
	if (!done.data)
		buf_append(&done, "", 0);
	*ret_rel = buf_steal(&done);
out:
	buf_free(&done);
	buf_free(&todo);
	return r;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	/* Some file systems cannot fsync a directory; the rename is done anyway. */
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
		r = -errno;
	close(fd);
	return r;
}

/* Bind-mounted files cannot be renamed over: write them in place. */
static int copy_into(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
	int r;

	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

int fsutil_write_atomic(const char *path, const void *data, size_t len, mode_t mode_if_new,
			struct gv_error *err)
{
	const char *base;
	char *dir = dir_of(path, &base), *old = NULL, *tmp = NULL;
	size_t old_len = 0;
	struct stat st;
	bool exists;
	int fd = -1, r;
	const char *step;

	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode)) {
			r = gv_error_set(err, -ELOOP, "%s is a symlink (resolve it first)", path);
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			r = gv_error_set(err, -EISDIR, "%s: not a regular file", path);
			goto out;
		}
		exists = true;
		r = fsutil_read_file(path, &old, &old_len);
		if (r < 0) {
			gv_error_set(err, r, "reading %s: %s", path, strerror(-r));
			goto out;
		}
		if (old_len == len && memcmp(old, data, len) == 0) {
			r = 0;   /* identical: not even the mtime changes */
			goto out;
		}
	} else if (errno == ENOENT) {
		exists = false;
	} else {
		r = -errno;
		gv_error_set(err, r, "%s: %s", path, strerror(-r));
		goto out;
	}

	struct buf t = BUF_INIT;
	buf_printf(&t, "%s/.%s" FSUTIL_TEMP_INFIX "XXXXXX", dir, base);
	tmp = buf_steal(&t);
	step = "creating a temporary file in";
	fd = mkostemp(tmp, O_CLOEXEC);   /* O_CREAT|O_EXCL, mode 0600 */
	if (fd < 0) {
		r = -errno;
		free(tmp);
		tmp = NULL;
		goto fail_dir;
	}
	step = "setting mode and owner of";
	if (fchmod(fd, exists ? (st.st_mode & 07777) : mode_if_new) < 0)
		goto fail_errno;
	if (exists && (st.st_uid != geteuid() || st.st_gid != getegid()) && fchown(fd, st.st_uid, st.st_gid) < 0)
		goto fail_errno;
	step = "writing";
	r = write_all(fd, data, len);
	if (r < 0)
		goto fail;
	step = "syncing";
	if (fsync(fd) < 0)
		goto fail_errno;
	if (close(fd) < 0) {
		fd = -1;
		goto fail_errno;
	}
	fd = -1;

	const char *crash = testbed_getenv(FSUTIL_CRASH_ENV);
	if (crash && (strcmp(crash, "1") == 0 || strcmp(crash, path) == 0))
		raise(SIGKILL);

	if (rename(tmp, path) < 0) {
		if (errno != EXDEV && errno != EBUSY) {
			step = "renaming over";
			goto fail_errno;
		}
		unlink(tmp);
		free(tmp);
		tmp = NULL;
		step = "writing";
		r = copy_into(path, data, len);
		if (r < 0)
			goto fail;
	} else {
		free(tmp);
		tmp = NULL;
	}
	r = fsync_dir(dir);
	if (r < 0) {
		gv_error_set(err, r, "syncing %s: %s", dir, strerror(-r));
		goto out;
	}
	r = 1;
	goto out;

fail_errno:
	r = -errno;
fail:
	gv_error_set(err, r, "%s %s: %s", step, path, strerror(-r));
	goto out;
fail_dir:
	gv_error_set(err, r, "%s %s: %s", step, dir, strerror(-r));
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(old);
	free(dir);
	return r;
}

int fsutil_remove(const char *path, struct gv_error *err)
{
	const char *base;
	char *dir;
	int r;

	if (unlink(path) < 0) {
		r = -errno;
		if (r != -ENOENT)
			gv_error_set(err, r, "removing %s: %s", path, strerror(-r));
		return r;
	}
	dir = dir_of(path, &base);
	r = fsync_dir(dir);
	if (r < 0)
		gv_error_set(err, r, "syncing %s: %s", dir, strerror(-r));
	free(dir);
	return r;
}

int fsutil_clean_temps(const char *path)
{
	const char *base;
	char *dir = dir_of(path, &base);
	struct buf prefix = BUF_INIT;
	struct dirent *de;
	DIR *d;
	int n = 0;

	buf_printf(&prefix, ".%s" FSUTIL_TEMP_INFIX, base);
	d = opendir(dir);
	if (d) {
		while ((de = readdir(d))) {
			if (strncmp(de->d_name, prefix.data, prefix.len) != 0 ||
			    strlen(de->d_name) != prefix.len + 6)
				continue;
			if (unlinkat(dirfd(d), de->d_name, 0) == 0)
				n++;
		}
		closedir(d);
	}
	buf_free(&prefix);
	free(dir);
	return n;
}

int fsutil_mkdir_p(const char *path, mode_t mode, size_t *ret_created)
{
	char *p = xstrdup(path);
	size_t created = 0;
	int r = 0;

	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) == 0) {
			created++;
		} else if (errno != EEXIST) {
			r = -errno;
			goto fail;
		} else {
			struct stat st;
			if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
				r = -ENOTDIR;
				goto fail;
			}
			/* Only a run of new directories at the end can be undone
			 * by fsutil_rmdir_parents(). */
			created = 0;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	if (ret_created)
		*ret_created = created;
	goto out;
fail:
	/* Leave nothing behind: remove the run of directories just made,
	 * which ends at the parent of the component that failed. */
	if (created) {
		char *slash = strrchr(p, '/');
		if (slash && slash != p) {
			*slash = '\0';
			fsutil_rmdir_parents(p, created);
		}
	}
out:
	free(p);
	return r;
}

void fsutil_rmdir_parents(const char *path, size_t n)
{
	char *p = xstrdup(path);

	for (size_t i = 0; i < n; i++) {
		if (rmdir(p) < 0)
			break;
		char *slash = strrchr(p, '/');
		if (!slash || slash == p)
			break;
		*slash = '\0';
	}
	free(p);
}

int fsutil_lock(const char *path, int *ret_fd)
{
	/* The holder may remove the file before it lets go (a refused apply
	 * leaves no trace): a lock won on a file no longer at PATH is worth
	 * nothing, so take it again on the one that is. */
	for (int tries = 0; tries < 100; tries++) {
		struct stat a, b;
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		int r;

		if (fd < 0)
			return -errno;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			r = -errno;
			close(fd);
			return r;
		}
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			*ret_fd = fd;
			return 0;
		}
		close(fd);
	}
	return -EWOULDBLOCK;
}

int fsutil_fcntl_lock_held(const char *path, pid_t *ret_pid)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fcntl(fd, F_GETLK, &fl) < 0) {
		r = -errno;
	} else if (fl.l_type == F_UNLCK) {
		r = 0;
	} else {
		if (ret_pid)
			*ret_pid = fl.l_pid;
		r = 1;
	}
	close(fd);
	return r;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int fsutil_write_child(const char *path, const char *value, int timeout_ms, struct gv_error *err)
{
	long deadline;
	int status, r;
	pid_t pid, w;

	pid = fork();
	if (pid < 0) {
		r = -errno;
		return gv_error_set(err, r, "fork: %s", strerror(-r));
	}
	if (pid == 0) {
		/* The child reports errno as its exit status; _exit keeps the
		 * parent's buffers and sanitizer state out of it. */
		struct buf b = BUF_INIT;
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			_exit(errno & 0xff);
		buf_printf(&b, "%s\n", value);
		ssize_t n = write(fd, b.data, b.len);
		if (n < 0)
			_exit(errno & 0xff);
		if (close(fd) < 0)
			_exit(errno & 0xff);
		_exit(0);
	}
	deadline = now_ms() + timeout_ms;
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			r = -errno;
			return gv_error_set(err, r, "waiting for the writer of %s: %s", path, strerror(-r));
		}
		if (now_ms() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return gv_error_set(err, -ETIMEDOUT, "echo %s > %s: no answer after %d ms, writer killed",
					    value, path, timeout_ms);
		}
		struct timespec ts = { 0, 2 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (WIFSIGNALED(status))
		return gv_error_set(err, -EINTR, "echo %s > %s: writer killed by signal %d", value, path,
				    WTERMSIG(status));
	if (WEXITSTATUS(status) != 0) {
		r = -WEXITSTATUS(status);
		return gv_error_set(err, r, "echo %s > %s: %s", value, path, strerror(-r));
	}
	return 0;
}
