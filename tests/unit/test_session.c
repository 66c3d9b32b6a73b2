/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/session.h"
#include "core/util/xalloc.h"
#include "tests/unit/testbed.h"

/* A new empty directory under TMPDIR, in BUF. */
static const char *tmp_dir(char *buf, size_t size)
{
	const char *t = getenv("TMPDIR");

	snprintf(buf, size, "%s/gv-session.XXXXXX", t && *t ? t : "/tmp");
	ck_assert(mkdtemp(buf) != NULL);
	return buf;
}

static bool exists(const char *dir, const char *rel)
{
	char *path = xasprintf("%s/%s", dir, rel);
	bool yes = access(path, F_OK) == 0;

	free(path);
	return yes;
}

START_TEST(test_root_resolved)
{
	struct gv_error err = { 0 };
	struct session *s = NULL;
	char dir[PATH_MAX], cwd[PATH_MAX], *file, *real;

	testbed_use("ubuntu-v100");
	/* the default root, and the host scanned */
	ck_assert_int_eq(session_open(&(struct session_opts){ 0 }, &s, &err), 0);
	ck_assert_str_eq(session_root(s), "/");
	ck_assert(!session_demo(s));
	ck_assert_ptr_nonnull(host_find(session_host(s), "0000:41:00.0"));
	session_close(s);

	/* a relative root is made absolute once */
	tmp_dir(dir, sizeof(dir));
	real = realpath(dir, NULL);
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(chdir(".."), 0);
	ck_assert_int_eq(session_open(&(struct session_opts){ .root = strrchr(dir, '/') + 1 }, &s, &err), 0);
	ck_assert_str_eq(session_root(s), real);
	session_close(s);
	ck_assert_int_eq(chdir(cwd), 0);

	/* what is not a directory is bad input, named as given */
	file = xasprintf("%s/a-file", dir);
	FILE *f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	s = NULL;
	ck_assert_int_eq(session_open(&(struct session_opts){ .root = file }, &s, &err), -EINVAL);
	ck_assert_ptr_null(s);
	ck_assert(strstr(err.msg, "a-file: not a directory"));
	ck_assert_int_eq(session_open(&(struct session_opts){ .root = "/nonexistent/dir" }, &s, &err), -EINVAL);
	ck_assert(strstr(err.msg, "--root /nonexistent/dir: "));
	remove(file);
	rmdir(dir);
	free(file);
	free(real);
}
END_TEST

START_TEST(test_rescan)
{
	struct gv_error err = { 0 };
	struct session *s = NULL;
	const struct host *before;

	testbed_use("ubuntu-v100");
	ck_assert_int_eq(session_open(&(struct session_opts){ 0 }, &s, &err), 0);
	before = session_host(s);
	ck_assert_int_eq(session_rescan(s, &err), 0);
	ck_assert_ptr_ne(session_host(s), before);
	ck_assert_ptr_nonnull(host_find(session_host(s), "0000:41:00.0"));
	session_close(s);
	session_close(NULL);
}
END_TEST

START_TEST(test_demo_fresh_scratch)
{
	struct gv_error err = { 0 };
	struct session *s = NULL;
	char tmp[PATH_MAX], *root, *real;

	/* nothing under /sys: the sample host comes from memory */
	setenv("TMPDIR", tmp_dir(tmp, sizeof(tmp)), 1);
	real = realpath(tmp, NULL);
	ck_assert_int_eq(session_open(&(struct session_opts){ .root = "/", .demo = true, .fresh_scratch = true },
				      &s, &err), 0);
	ck_assert(session_demo(s));
	root = strdup(session_root(s));
	ck_assert_msg(!strncmp(root, real, strlen(real)) && strstr(root, "/gpuvirt-demo."), "%s", root);
	ck_assert(exists(root, "etc/default/grub"));
	ck_assert(exists(root, "etc/initramfs-tools/modules"));
	ck_assert_ptr_nonnull(host_find(session_host(s), "0000:41:00.0"));
	ck_assert_int_eq(session_rescan(s, &err), 0);
	ck_assert_ptr_nonnull(host_find(session_host(s), "0000:41:00.0"));
	session_close(s);
	ck_assert_msg(access(root, F_OK) < 0, "%s is still there", root);
	ck_assert_int_eq(rmdir(tmp), 0);
	free(root);
	free(real);
}
END_TEST

START_TEST(test_demo_kept_scratch)
{
	struct gv_error err = { 0 };
	struct session *s = NULL;
	char run[PATH_MAX], *expect, *mark, *cmd, *real;

	setenv("XDG_RUNTIME_DIR", tmp_dir(run, sizeof(run)), 1);
	real = realpath(run, NULL);
	expect = xasprintf("%s/gpuvirt-demo-%u", real, (unsigned)geteuid());
	ck_assert_int_eq(session_open(&(struct session_opts){ .demo = true }, &s, &err), 0);
	ck_assert_str_eq(session_root(s), expect);
	ck_assert(exists(expect, "etc/default/grub"));
	/* what a command wrote is there for the next one */
	mark = xasprintf("%s/applied", expect);
	FILE *f = fopen(mark, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	session_close(s);
	ck_assert(exists(expect, "applied"));
	ck_assert_int_eq(session_open(&(struct session_opts){ .demo = true }, &s, &err), 0);
	ck_assert(exists(session_root(s), "applied"));
	session_close(s);

	/* someone else could write there: refused */
	ck_assert_int_eq(chmod(expect, 0777), 0);
	s = NULL;
	ck_assert_int_eq(session_open(&(struct session_opts){ .demo = true }, &s, &err), -EPERM);
	ck_assert_ptr_null(s);
	ck_assert(strstr(err.msg, "writable by others"));
	ck_assert_int_eq(chmod(expect, 0700), 0);

	/* a symbolic link to elsewhere: refused, and nothing written there */
	cmd = xasprintf("rm -rf '%s' && mkdir '%s/elsewhere' && ln -s '%s/elsewhere' '%s'", expect, run, run, expect);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(session_open(&(struct session_opts){ .demo = true }, &s, &err), -EPERM);
	ck_assert(strstr(err.msg, "is a symbolic link"));
	ck_assert(!exists(run, "elsewhere/etc"));
	free(cmd);
	cmd = xasprintf("rm -rf '%s'", run);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(mark);
	free(expect);
	free(real);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_root_resolved);
	tcase_add_test(tc, test_rescan);
	tcase_add_test(tc, test_demo_fresh_scratch);
	tcase_add_test(tc, test_demo_kept_scratch);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
