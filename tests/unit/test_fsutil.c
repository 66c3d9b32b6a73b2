/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/util/fsutil.h"
#include "testbed.h"

static char *tmpdir(void)
{
	char *d = strdup("/tmp/gv-fsutil.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static void put(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fputs(s, f);
	ck_assert_int_eq(fclose(f), 0);
}

static char *get(const char *path)
{
	char *d = NULL;
	size_t n;
	ck_assert_int_eq(fsutil_read_file(path, &d, &n), 0);
	return d;
}

/* Files in DIR whose name starts with a dot (temporary files). */
static int count_dotfiles(const char *dir, char *ret_name, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] != '.' || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n++;
		if (ret_name)
			snprintf(ret_name, size, "%s", de->d_name);
	}
	closedir(d);
	return n;
}

/* A private mount namespace for this (forked) test; false when not root. */
static bool private_mounts(const char *test)
{
	if (geteuid() != 0) {
		fprintf(stderr, "SKIP %s: needs root for a private mount namespace\n", test);
		return false;
	}
	ck_assert_msg(unshare(CLONE_NEWNS) == 0, "unshare: %s", strerror(errno));
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	return true;
}

START_TEST(join_paths)
{
	char *p;

	p = fsutil_join("/", "etc/x");
	ck_assert_str_eq(p, "/etc/x");
	free(p);
	p = fsutil_join("/tmp/r/", "/etc/x");
	ck_assert_str_eq(p, "/tmp/r/etc/x");
	free(p);
}
END_TEST

START_TEST(read_keeps_every_byte)
{
	char *d = tmpdir(), path[256], *data;
	size_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/bin", d);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	ck_assert_int_eq(write(fd, "a\0b\n", 4), 4);
	close(fd);
	ck_assert_int_eq(fsutil_read_file(path, &data, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(memcmp(data, "a\0b\n", 4), 0);
	free(data);
	snprintf(path, sizeof(path), "%s/none", d);
	ck_assert_int_eq(fsutil_read_file(path, &data, &n), -ENOENT);
	free(d);
}
END_TEST

START_TEST(resolve_symlinks_inside_root)
{
	char *d = tmpdir(), p[512], *r;

	snprintf(p, sizeof(p), "%s/etc/modprobe.d", d);
	ck_assert_int_eq(fsutil_mkdir_p(p, 0755, NULL), 0);
	snprintf(p, sizeof(p), "%s/etc/default", d);
	ck_assert_int_eq(fsutil_mkdir_p(p, 0755, NULL), 0);
	/* an absolute target means ROOT/..., never the host's /etc */
	snprintf(p, sizeof(p), "%s/etc/modprobe.d/gpuvirt.conf", d);
	ck_assert_int_eq(symlink("/etc/default/real.conf", p), 0);
	ck_assert_int_eq(fsutil_resolve_in_root(d, "etc/modprobe.d/gpuvirt.conf", &r), 0);
	ck_assert_str_eq(r, "etc/default/real.conf");
	free(r);
	/* relative targets, a directory link, ".." that cannot climb out */
	snprintf(p, sizeof(p), "%s/etc/md", d);
	ck_assert_int_eq(symlink("modprobe.d", p), 0);
	snprintf(p, sizeof(p), "%s/etc/default/up", d);
	ck_assert_int_eq(symlink("../../../../../etc/default/grub", p), 0);
	ck_assert_int_eq(fsutil_resolve_in_root(d, "etc/md/gpuvirt.conf", &r), 0);
	ck_assert_str_eq(r, "etc/default/real.conf");
	free(r);
	ck_assert_int_eq(fsutil_resolve_in_root(d, "etc/default/up", &r), 0);
	ck_assert_str_eq(r, "etc/default/grub");
	free(r);
	/* a loop */
	snprintf(p, sizeof(p), "%s/etc/loop", d);
	ck_assert_int_eq(symlink("loop", p), 0);
	ck_assert_int_eq(fsutil_resolve_in_root(d, "etc/loop", &r), -ELOOP);
	free(d);
}
END_TEST

START_TEST(write_new_and_replace)
{
	char *d = tmpdir(), p[256], *s;
	struct stat st;

	snprintf(p, sizeof(p), "%s/x.conf", d);
	ck_assert_int_eq(fsutil_write_atomic(p, "one\n", 4, 0640, NULL), 1);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	/* the owner and mode of the original survive a replace */
	ck_assert_int_eq(chmod(p, 0604), 0);
	if (geteuid() == 0)
		ck_assert_int_eq(chown(p, 1234, 2345), 0);
	ck_assert_int_eq(fsutil_write_atomic(p, "two\n", 4, 0600, NULL), 1);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0604);
	if (geteuid() == 0) {
		ck_assert_uint_eq(st.st_uid, 1234);
		ck_assert_uint_eq(st.st_gid, 2345);
	}
	s = get(p);
	ck_assert_str_eq(s, "two\n");
	free(s);
	ck_assert_int_eq(count_dotfiles(d, NULL, 0), 0);
	free(d);
}
END_TEST

START_TEST(identical_content_is_not_written)
{
	char *d = tmpdir(), p[256];
	struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	struct stat st;
	ino_t ino;

	snprintf(p, sizeof(p), "%s/same.conf", d);
	put(p, "same\n");
	ck_assert_int_eq(utimensat(AT_FDCWD, p, old, 0), 0);
	ck_assert_int_eq(stat(p, &st), 0);
	ino = st.st_ino;
	ck_assert_int_eq(fsutil_write_atomic(p, "same\n", 5, 0644, NULL), 0);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mtim.tv_sec, 1000000000);
	ck_assert_uint_eq(st.st_ino, ino);
	free(d);
}
END_TEST

START_TEST(symlink_is_refused_unresolved)
{
	char *d = tmpdir(), p[256], t[256];
	struct gv_error e = { 0 };

	snprintf(t, sizeof(t), "%s/target", d);
	snprintf(p, sizeof(p), "%s/link", d);
	put(t, "t\n");
	ck_assert_int_eq(symlink("target", p), 0);
	ck_assert_int_eq(fsutil_write_atomic(p, "x\n", 2, 0644, &e), -ELOOP);
	free(d);
}
END_TEST

/* On a real machine the crash hook is inert: a release binary that finds
 * the variable set writes as usual. */
START_TEST(crash_hook_needs_a_testbed)
{
	char *d = tmpdir(), p[256], *s;

	unsetenv("UMOCKDEV_DIR");
	ck_assert_msg(access("/sys/.gpuvirt-testbed", F_OK) != 0, "this test needs to run outside a test bed");
	snprintf(p, sizeof(p), "%s/gpuvirt.conf", d);
	put(p, "original\n");
	setenv(FSUTIL_CRASH_ENV, "1", 1);
	ck_assert_int_ge(fsutil_write_atomic(p, "new\n", 4, 0644, NULL), 0);
	unsetenv(FSUTIL_CRASH_ENV);
	s = get(p);
	ck_assert_str_eq(s, "new\n");
	free(s);
}
END_TEST

START_TEST(crash_before_rename_leaves_original)
{
	char *d = tmpdir(), p[256], name[256], tp[512], *s;
	int status;
	pid_t pid;

	snprintf(p, sizeof(p), "%s/gpuvirt.conf", d);
	put(p, "original\n");
	testbed_use("ubuntu-v100");   /* the hook acts only inside a test bed */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		setenv(FSUTIL_CRASH_ENV, "1", 1);
		fsutil_write_atomic(p, "new\n", 4, 0644, NULL);
		_exit(0);   /* not reached */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	s = get(p);
	ck_assert_str_eq(s, "original\n");
	free(s);
	/* the leftover is a dot-file no loader reads: no .conf/.cfg ending */
	ck_assert_int_eq(count_dotfiles(d, name, sizeof(name)), 1);
	ck_assert(name[0] == '.');
	ck_assert_ptr_nonnull(strstr(name, FSUTIL_TEMP_INFIX));
	size_t n = strlen(name);
	ck_assert(!(n >= 5 && strcmp(name + n - 5, ".conf") == 0));
	ck_assert(!(n >= 4 && strcmp(name + n - 4, ".cfg") == 0));
	snprintf(tp, sizeof(tp), "%s/%s", d, name);
	s = get(tp);
	ck_assert_str_eq(s, "new\n");
	free(s);
	ck_assert_int_eq(fsutil_clean_temps(p), 1);
	ck_assert_int_eq(count_dotfiles(d, NULL, 0), 0);
	free(d);
}
END_TEST

START_TEST(full_disk_keeps_original)
{
	char *d = tmpdir(), p[256], fill[256], *s, *big;
	struct gv_error e = { 0 };
	int fd;

	if (!private_mounts("full_disk_keeps_original"))
		return;
	ck_assert_int_eq(mount("tmpfs", d, "tmpfs", 0, "size=16k"), 0);
	snprintf(p, sizeof(p), "%s/grub", d);
	put(p, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
	snprintf(fill, sizeof(fill), "%s/fill", d);
	fd = open(fill, O_CREAT | O_WRONLY, 0644);
	char block[1024] = { 0 };
	while (write(fd, block, sizeof(block)) > 0)
		;
	close(fd);
	big = calloc(1, 8192);
	memset(big, 'x', 8191);
	ck_assert_int_eq(fsutil_write_atomic(p, big, 8191, 0644, &e), -ENOSPC);
	ck_assert_ptr_nonnull(strstr(e.msg, "No space left on device"));
	s = get(p);
	ck_assert_str_eq(s, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
	free(s);
	free(big);
	ck_assert_int_eq(count_dotfiles(d, NULL, 0), 0);
	umount(d);
	free(d);
}
END_TEST

START_TEST(read_only_is_reported)
{
	char *d = tmpdir(), p[256];
	struct gv_error e = { 0 };

	if (!private_mounts("read_only_is_reported"))
		return;
	ck_assert_int_eq(mount("tmpfs", d, "tmpfs", 0, "size=64k"), 0);
	snprintf(p, sizeof(p), "%s/x.conf", d);
	put(p, "old\n");
	ck_assert_int_eq(mount(NULL, d, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
	ck_assert_int_eq(fsutil_write_atomic(p, "new\n", 4, 0644, &e), -EROFS);
	ck_assert_ptr_nonnull(strstr(e.msg, "Read-only file system"));
	umount(d);
	free(d);
}
END_TEST

START_TEST(bind_mounted_file_is_copied_into)
{
	char *d = tmpdir(), p[256], src[256], *s;

	if (!private_mounts("bind_mounted_file_is_copied_into"))
		return;
	snprintf(p, sizeof(p), "%s/cmdline", d);
	snprintf(src, sizeof(src), "%s/elsewhere", d);
	put(p, "under\n");
	put(src, "old\n");
	ck_assert_int_eq(mount(src, p, NULL, MS_BIND, NULL), 0);
	/* rename onto a mount point is EBUSY: the writer copies instead */
	ck_assert_int_eq(fsutil_write_atomic(p, "new\n", 4, 0644, NULL), 1);
	s = get(p);
	ck_assert_str_eq(s, "new\n");
	free(s);
	s = get(src);
	ck_assert_str_eq(s, "new\n");
	free(s);
	ck_assert_int_eq(count_dotfiles(d, NULL, 0), 0);
	umount(p);
	free(d);
}
END_TEST

START_TEST(mkdir_and_rmdir_parents)
{
	char *d = tmpdir(), p[256], q[256], longp[512];
	size_t n = 9;

	snprintf(p, sizeof(p), "%s/a/b/c", d);
	ck_assert_int_eq(fsutil_mkdir_p(p, 0755, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(fsutil_mkdir_p(p, 0755, &n), 0);
	ck_assert_uint_eq(n, 0);
	fsutil_rmdir_parents(p, 3);
	snprintf(q, sizeof(q), "%s/a", d);
	ck_assert_int_eq(access(q, F_OK), -1);
	ck_assert_int_eq(access(d, F_OK), 0);
	/* a failure half-way removes what it had made */
	snprintf(q, sizeof(q), "%s/a/b", d);
	ck_assert_int_eq(fsutil_mkdir_p(q, 0755, NULL), 0);
	snprintf(q, sizeof(q), "%s/a/b/f", d);
	ck_assert_int_eq(close(open(q, O_CREAT | O_WRONLY, 0644)), 0);
	snprintf(longp, sizeof(longp), "%s/x/y/%0300d/z", d, 0);
	ck_assert_int_eq(fsutil_mkdir_p(longp, 0755, &n), -ENAMETOOLONG);
	snprintf(q, sizeof(q), "%s/x", d);
	ck_assert_msg(access(q, F_OK) == -1, "%s left behind", q);
	snprintf(p, sizeof(p), "%s/a/b/f/c", d);
	ck_assert_int_eq(fsutil_mkdir_p(p, 0755, &n), -ENOTDIR);
	free(d);
}
END_TEST

START_TEST(flock_excludes_a_second_holder)
{
	char *d = tmpdir(), p[256];
	int fd, status;
	pid_t pid;

	snprintf(p, sizeof(p), "%s/lock", d);
	ck_assert_int_eq(fsutil_lock(p, &fd), 0);
	pid = fork();
	if (pid == 0) {
		int fd2;
		_exit(fsutil_lock(p, &fd2) == -EWOULDBLOCK ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	close(fd);
	ck_assert_int_eq(fsutil_lock(p, &fd), 0);
	/* the holder may remove the file before letting go: the next one
	 * gets a lock on a file that is there */
	ck_assert_int_eq(unlink(p), 0);
	close(fd);
	ck_assert_int_eq(fsutil_lock(p, &fd), 0);
	ck_assert_int_eq(access(p, F_OK), 0);
	close(fd);
	free(d);
}
END_TEST

START_TEST(fcntl_lock_is_seen_and_never_created)
{
	char *d = tmpdir(), p[256];
	int ready[2], go[2], status;
	pid_t pid, holder = 0;
	char c;

	snprintf(p, sizeof(p), "%s/lock-frontend", d);
	ck_assert_int_eq(fsutil_fcntl_lock_held(p, NULL), 0);
	ck_assert_int_eq(access(p, F_OK), -1);
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(go), 0);
	pid = fork();
	if (pid == 0) {
		/* as apt does: an fcntl write lock on lock-frontend */
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		int fd = open(p, O_RDWR | O_CREAT, 0640);
		if (fd < 0 || fcntl(fd, F_SETLK, &fl) < 0)
			_exit(1);
		ck_assert_int_eq(write(ready[1], "r", 1), 1);
		if (read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	ck_assert_int_eq(fsutil_fcntl_lock_held(p, &holder), 1);
	ck_assert_int_eq(holder, pid);
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(fsutil_fcntl_lock_held(p, NULL), 0);
	free(d);
}
END_TEST

START_TEST(sysfs_write_in_child)
{
	const char *bed = testbed_use_copy("ubuntu-v100");
	const char *attr = "/sys/bus/pci/devices/0000:41:00.0/driver_override";
	char *s;
	struct gv_error e = { 0 };

	(void)bed;
	put(attr, "(null)\n");
	ck_assert_int_eq(fsutil_write_child(attr, "vfio-pci", 5000, &e), 0);
	s = get(attr);
	ck_assert_str_eq(s, "vfio-pci\n");
	free(s);
	ck_assert_int_eq(fsutil_write_child("/sys/bus/pci/devices/0000:41:00.0/nonexistent-dir/x", "1", 5000, &e),
			 -ENOENT);
	ck_assert_ptr_nonnull(strstr(e.msg, "No such file or directory"));
}
END_TEST

START_TEST(sysfs_write_that_hangs_is_killed)
{
	const char *bed = testbed_use_copy("ubuntu-v100");
	char fifo[512];
	struct gv_error e = { 0 };
	struct timespec t0, t1;

	/* opening a FIFO for writing blocks until a reader comes: a hung attribute */
	snprintf(fifo, sizeof(fifo), "%s/sys/bus/pci/devices/0000:41:00.0/hang", bed);
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(fsutil_write_child("/sys/bus/pci/devices/0000:41:00.0/hang", "1", 300, &e), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ck_assert_int_ge(ms, 290);
	ck_assert_int_lt(ms, 3000);
	ck_assert_ptr_nonnull(strstr(e.msg, "300 ms"));
	ck_assert_ptr_nonnull(strstr(e.msg, "killed"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("fsutil");
	TCase *tc = tcase_create("fsutil");

	tcase_add_test(tc, join_paths);
	tcase_add_test(tc, read_keeps_every_byte);
	tcase_add_test(tc, resolve_symlinks_inside_root);
	tcase_add_test(tc, write_new_and_replace);
	tcase_add_test(tc, identical_content_is_not_written);
	tcase_add_test(tc, symlink_is_refused_unresolved);
	tcase_add_test(tc, crash_before_rename_leaves_original);
	tcase_add_test(tc, crash_hook_needs_a_testbed);
	tcase_add_test(tc, full_disk_keeps_original);
	tcase_add_test(tc, read_only_is_reported);
	tcase_add_test(tc, bind_mounted_file_is_copied_into);
	tcase_add_test(tc, mkdir_and_rmdir_parents);
	tcase_add_test(tc, flock_excludes_a_second_holder);
	tcase_add_test(tc, fcntl_lock_is_seen_and_never_created);
	tcase_add_test(tc, sysfs_write_in_child);
	tcase_add_test(tc, sysfs_write_that_hangs_is_killed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
