/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * File system helpers for the change engine: reading without side effects,
 * the atomic write recipe of REFERENCE.md §7, locks, and sysfs writes in a
 * child process with a timeout. Paths here are plain paths (already joined
 * with the configuration root); callers name the file in their own errors.
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/util/error.h"

/* Environment variable for tests, honoured only inside a test bed
 * (core/util/testbed.h): when set to 1 (or to the path being written, to pick
 * one file), fsutil_write_atomic() kills its own process
 * (SIGKILL) right before the rename, to show that a crash leaves the
 * original intact and only a harmless dot-file behind. */
#define FSUTIL_CRASH_ENV "GPUVIRT_TEST_CRASH_BEFORE_RENAME"

/* Infix of temporary files: DIR/.BASENAME.gvtmp.XXXXXX (a dot-file with
 * no .conf/.cfg ending, so no loader ever reads a half-written one). */
#define FSUTIL_TEMP_INFIX ".gvtmp."

/* "ROOT/REL" with exactly one slash between (ROOT "/" gives "/REL").
 * Never fails (aborts on out of memory); the result is owned. */
char *fsutil_join(const char *root, const char *rel);

/*
 * Read a whole file into an owned, NUL-terminated buffer (the length does
 * not count the NUL). Opens with O_NOATIME where allowed so that even a
 * preview leaves no trace. Returns 0 or -errno (-ENOENT when absent).
 */
int fsutil_read_file(const char *path, char **ret_data, size_t *ret_len);

/*
 * Resolve REL (relative to ROOT) the way the system would see it if ROOT
 * were "/": every symlink component is followed, absolute link targets
 * are taken relative to ROOT, ".." never climbs above ROOT. Components
 * that do not exist are kept as they are. Returns 0 and the owned resolved
 * path, relative to ROOT, or -ELOOP / -ENAMETOOLONG / -errno.
 */
int fsutil_resolve_in_root(const char *root, const char *rel, char **ret_rel);

/*
 * Write DATA to PATH atomically (REFERENCE.md §7): PATH must not be a
 * symlink (resolve first). Identical content: nothing is written, returns 0.
 * Otherwise a same-directory O_EXCL temporary dot-file gets the mode and
 * owner of the original (MODE_IF_NEW when there is none), the data, an
 * fsync, then rename over PATH and an fsync of the directory; when rename
 * fails with EXDEV or EBUSY (a bind-mounted file) the data is copied into
 * PATH and fsynced instead. Returns 1 when written, or -errno with ERR set
 * (the temporary file is removed on every failure).
 */
int fsutil_write_atomic(const char *path, const void *data, size_t len, mode_t mode_if_new,
			struct gv_error *err);

/* Remove PATH and fsync its directory. Returns 0, -ENOENT, or -errno with ERR set. */
int fsutil_remove(const char *path, struct gv_error *err);

/* Remove temporary files a killed writer left beside PATH
 * (DIR/.BASENAME.gvtmp.*). Returns how many were removed. */
int fsutil_clean_temps(const char *path);

/* Create directory PATH and any missing parents (MODE). Returns 0 and in
 * RET_CREATED how many components were created (0 when it existed), or
 * -errno (what it had created is removed again). RET_CREATED may be NULL. */
int fsutil_mkdir_p(const char *path, mode_t mode, size_t *ret_created);

/* Remove directory PATH and then N-1 of its parents, innermost first, each
 * only when empty (what fsutil_mkdir_p() created). */
void fsutil_rmdir_parents(const char *path, size_t n);

/*
 * Take an exclusive flock(2) on PATH (created 0600 when absent) without
 * waiting. Returns 0 and the fd holding the lock (close it to release),
 * -EWOULDBLOCK when another process holds it, or -errno. The lock is
 * always on the file PATH names when it returns, so a holder may unlink
 * PATH before closing the fd.
 */
int fsutil_lock(const char *path, int *ret_fd);

/*
 * Whether another process holds a POSIX (fcntl) lock on PATH, the way
 * dpkg and apt lock var/lib/dpkg/lock-frontend. Never creates PATH.
 * Returns 1 and RET_PID (may be NULL) when held, 0 when free or absent,
 * or -errno.
 */
int fsutil_fcntl_lock_held(const char *path, pid_t *ret_pid);

/*
 * Write VALUE to PATH (a sysfs attribute) from a forked child, as
 * `echo VALUE > PATH` does, and wait at most TIMEOUT_MS; a child still
 * blocked then is killed. Returns 0, -ETIMEDOUT, or the child's -errno,
 * with ERR set to the reason ("timed out after 5000 ms", strerror).
 */
int fsutil_write_child(const char *path, const char *value, int timeout_ms, struct gv_error *err);
