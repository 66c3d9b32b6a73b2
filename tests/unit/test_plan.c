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
#include <unistd.h>

#include "core/util/buf.h"
#include "core/util/fsutil.h"
#include "core/plan/journal.h"
#include "core/util/log.h"
#include "core/plan/plan.h"
#include "core/plan/undo.h"
#include "testbed.h"
#include "tests/unit/testroot.h"

/* ---- helpers ---- */

static char *mkroot(void)
{
	return testroot_new("plan");
}

static char *at(const char *root, const char *rel)
{
	return fsutil_join(root, rel);
}

static void put(const char *root, const char *rel, const char *s)
{
	testroot_put(root, rel, s, strlen(s), 0);
}

/* The file's content, or NULL when absent. */
static char *get(const char *root, const char *rel)
{
	char *p = at(root, rel), *d = NULL;
	size_t n;
	int r = fsutil_read_file(p, &d, &n);

	free(p);
	ck_assert(r == 0 || r == -ENOENT);
	return r == 0 ? d : NULL;
}

#define ck_file(root, rel, want)                                                     \
	do {                                                                         \
		char *got_ = get(root, rel);                                         \
		if (want) {                                                          \
			ck_assert_msg(got_ != NULL, "%s missing", rel);              \
			ck_assert_str_eq(got_, (const char *)(want));                \
		} else {                                                             \
			ck_assert_msg(got_ == NULL, "%s exists", rel);               \
		}                                                                    \
		free(got_);                                                          \
	} while (0)

/* Every path under ROOT with size, times, inode and mode: equal strings
 * mean nothing was created, removed, written or even read with atime. */
static char *tree(const char *root)
{
	char cmd[1024];
	struct buf b = BUF_INIT;
	char line[4096];
	FILE *f;

	/* Directory atimes are left out: find itself reads the directories. */
	snprintf(cmd, sizeof(cmd), "cd '%s' && { find . -type d -printf '%%p d %%T@ %%C@ %%i %%m\\n'; "
		 "find . ! -type d -printf '%%p %%y %%s %%T@ %%A@ %%C@ %%i %%m\\n'; } | sort", root);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		buf_puts(&b, line);
	ck_assert_int_eq(pclose(f), 0);
	return buf_steal(&b);
}

/* Check's messages are short: report the first line that differs. */
static void ck_same_tree(const char *before, const char *after)
{
	size_t i = 0, line = 0;

	while (before[i] && before[i] == after[i])
		i++;
	if (!before[i] && !after[i])
		return;
	while (i > 0 && before[i - 1] != '\n')
		i--;
	line = strcspn(before + i, "\n");
	ck_assert_msg(0, "tree differs at: %.*s | now: %.*s", (int)(line > 200 ? 200 : line), before + i,
		      (int)(strcspn(after + i, "\n") > 200 ? 200 : strcspn(after + i, "\n")), after + i);
}

static int count_sets(const char *root)
{
	struct journal_set *sets;
	size_t n;

	ck_assert_int_eq(journal_list(root, &sets, &n, NULL), 0);
	journal_sets_free(sets, n);
	return (int)n;
}

/* No temporary dot-files anywhere under ROOT/etc and ROOT/boot. */
static void ck_no_temps(const char *root)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "test -z \"$(find '%s' -name '.*" FSUTIL_TEMP_INFIX "*' 2>/dev/null)\"", root);
	ck_assert_msg(system(cmd) == 0, "temporary files left under %s", root);
}

/* How many ERR lines went to the log since mkroot(). */
static int count_errors(void)
{
	int n = 0;

	for (const char *l = logbuf.data; l && *l; l = strchr(l, '\n') + 1)
		n += strncmp(l, "0 ", 2) == 0;
	return n;
}

static bool exists(const char *root, const char *rel)
{
	char *p = at(root, rel);
	bool r = access(p, F_OK) == 0;

	free(p);
	return r;
}

/* Every path under ROOT but var/ with its mode, and every file's content
 * (as a hash): equal strings mean the same bytes in the same places. */
static char *contents(const char *root)
{
	char cmd[1024], line[4096];
	struct buf b = BUF_INIT;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "cd '%s' && { find . -path ./var -prune -o -printf '%%p %%y %%m\n'; "
		 "find . -path ./var -prune -o -type f -exec sha256sum {} +; } | sort", root);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		buf_puts(&b, line);
	ck_assert_int_eq(pclose(f), 0);
	return buf_steal(&b);
}

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

static struct plan *new_plan(const char *root)
{
	struct plan *p;
	ck_assert_int_eq(plan_new(root, &p), 0);
	return p;
}

static const char *const update_initramfs[] = { "update-initramfs", "-u", "-k", "all", NULL };

#define GRUB "GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_DISTRIBUTOR=Debian\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"\"\n"
#define GRUB2 "GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_DISTRIBUTOR=Debian\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet iommu=pt\"\nGRUB_CMDLINE_LINUX=\"\"\n"
#define MODCONF "# written by gpuvirt; undo with gpuvirt undo\nblacklist nouveau\n"

/* ---- building and previewing ---- */

START_TEST(preview_shows_every_action)
{
	char *root = mkroot(), *text;
	struct plan *p = new_plan(root);

	put(root, "etc/default/grub", GRUB);
	put(root, "etc/modprobe.d/old.conf", "blacklist foo\n");
	ck_assert_int_eq(plan_run(p, update_initramfs, "rebuild the initramfs"), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/default/grub", GRUB2, strlen(GRUB2), 0644, "IOMMU passthrough mode"), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/modprobe.d/gpuvirt.conf", MODCONF, strlen(MODCONF), 0644,
					 "blacklist nouveau so vfio-pci can claim 0000:41:00.0"), 0);
	ck_assert_int_eq(plan_remove_file(p, "etc/modprobe.d/old.conf", "no longer needed"), 0);
	ck_assert_int_eq(plan_write_sysfs(p, "/sys/bus/pci/devices/0000:41:00.0/sriov_numvfs", "3", "three VFs"), 0);
	ck_assert_int_eq(plan_run(p, update_initramfs, "again"), 0);   /* not queued twice */
	ck_assert_uint_eq(plan_n_actions(p), 5);
	ck_assert_int_eq(plan_preview(p, &text, NULL), 0);
	ck_assert_str_eq(text,
		"# IOMMU passthrough mode\n"
		"--- a/etc/default/grub\n"
		"+++ b/etc/default/grub\n"
		"@@ -1,5 +1,5 @@\n"
		" GRUB_DEFAULT=0\n"
		" GRUB_TIMEOUT=5\n"
		" GRUB_DISTRIBUTOR=Debian\n"
		"-GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
		"+GRUB_CMDLINE_LINUX_DEFAULT=\"quiet iommu=pt\"\n"
		" GRUB_CMDLINE_LINUX=\"\"\n"
		"\n"
		"# blacklist nouveau so vfio-pci can claim 0000:41:00.0\n"
		"--- /dev/null\n"
		"+++ b/etc/modprobe.d/gpuvirt.conf\n"
		"@@ -0,0 +1,2 @@\n"
		"+# written by gpuvirt; undo with gpuvirt undo\n"
		"+blacklist nouveau\n"
		"\n"
		"# no longer needed\n"
		"--- a/etc/modprobe.d/old.conf\n"
		"+++ /dev/null\n"
		"@@ -1 +0,0 @@\n"
		"-blacklist foo\n"
		"\n"
		"# three VFs\n"
		"echo 3 > /sys/bus/pci/devices/0000:41:00.0/sriov_numvfs\n"
		"\n"
		"# rebuild the initramfs\n"
		"$ update-initramfs -u -k all\n");
	free(text);
	plan_free(p);
	free(root);
}
END_TEST

START_TEST(preview_changes_nothing)
{
	char *root = mkroot(), *before, *after, *text, *c;
	struct timespec old[2] = { { 1000000000, 0 }, { 1200000000, 0 } };  /* atime older than mtime */
	struct plan *p = new_plan(root);
	size_t n;
	char *g;

	put(root, "etc/default/grub", GRUB);
	g = at(root, "etc/default/grub");
	/* relatime would update this atime on a plain read */
	ck_assert_int_eq(utimensat(AT_FDCWD, g, old, 0), 0);
	free(g);
	ck_assert_int_eq(plan_write_file(p, "etc/default/grub", GRUB2, strlen(GRUB2), 0644, "x"), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/modprobe.d/gpuvirt.conf", MODCONF, strlen(MODCONF), 0644, "y"), 0);
	before = tree(root);
	ck_assert_int_eq(plan_preview(p, &text, NULL), 0);
	free(text);
	ck_assert_int_eq(plan_preview_json(p, &text, NULL), 0);
	free(text);
	ck_assert(!plan_is_empty(p));
	ck_assert_int_eq(plan_file_content(p, "etc/default/grub", &c, &n, NULL), 0);
	free(c);
	after = tree(root);
	ck_same_tree(before, after);
	/* no lock, no journal directory */
	ck_file(root, "var/lib/gpuvirt/lock", NULL);
	free(before);
	free(after);
	plan_free(p);
	free(root);
}
END_TEST

START_TEST(file_content_prefers_the_queued_one)
{
	char *root = mkroot(), *c;
	struct plan *p = new_plan(root);
	size_t n;

	put(root, "etc/default/grub", GRUB);
	ck_assert_int_eq(plan_file_content(p, "etc/default/grub", &c, &n, NULL), 0);
	ck_assert_str_eq(c, GRUB);
	free(c);
	ck_assert_int_eq(plan_file_content(p, "etc/modprobe.d/gpuvirt.conf", &c, &n, NULL), -ENOENT);
	ck_assert_int_eq(plan_write_file(p, "etc/modprobe.d/gpuvirt.conf", "a\n", 2, 0644, "one"), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/modprobe.d/gpuvirt.conf", "a\nb\n", 4, 0644, "two"), 0);
	ck_assert_uint_eq(plan_n_actions(p), 1);
	ck_assert_int_eq(plan_file_content(p, "etc/modprobe.d/gpuvirt.conf", &c, &n, NULL), 0);
	ck_assert_str_eq(c, "a\nb\n");
	ck_assert_uint_eq(n, 4);
	free(c);
	ck_assert_int_eq(plan_remove_file(p, "etc/default/grub", "gone"), 0);
	ck_assert_int_eq(plan_file_content(p, "etc/default/grub", &c, &n, NULL), -ENOENT);
	plan_free(p);
	free(root);
}
END_TEST

START_TEST(bad_paths_are_refused)
{
	char *root = mkroot();
	struct plan *p = new_plan(root);
	const char *const empty[] = { NULL };

	ck_assert_int_eq(plan_write_file(p, "/etc/x", "", 0, 0644, ""), -EINVAL);
	ck_assert_int_eq(plan_write_file(p, "etc/../../x", "", 0, 0644, ""), -EINVAL);
	ck_assert_int_eq(plan_write_file(p, "etc//x", "", 0, 0644, ""), -EINVAL);
	ck_assert_int_eq(plan_remove_file(p, "", ""), -EINVAL);
	ck_assert_int_eq(plan_write_sysfs(p, "/etc/x", "1", ""), -EINVAL);
	ck_assert_int_eq(plan_write_sysfs(p, "/sys/../etc/x", "1", ""), -EINVAL);
	ck_assert_int_eq(plan_write_sysfs(p, "/sys/x", "1\n2", ""), -EINVAL);
	ck_assert_int_eq(plan_run(p, empty, ""), -EINVAL);
	ck_assert_int_eq(plan_expect(p, "weird", "k", NULL), -EINVAL);
	ck_assert_uint_eq(plan_n_actions(p), 0);
	ck_assert(plan_is_empty(p));
	plan_free(p);
	free(root);
}
END_TEST

START_TEST(preview_json_is_stable)
{
	char *root = mkroot(), *json;
	struct plan *p = new_plan(root);
	struct buf want = BUF_INIT;

	put(root, "etc/a.conf", "x\n");
	ck_assert_int_eq(plan_write_file(p, "etc/a.conf", "x\n", 2, 0644, "same"), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/b.conf", "y\n", 2, 0644, "new \"b\""), 0);
	ck_assert_int_eq(plan_write_sysfs(p, "/sys/bus/pci/devices/0000:41:00.0/sriov_numvfs", "3", "vfs"), 0);
	ck_assert_int_eq(plan_run(p, update_initramfs, "initramfs"), 0);
	ck_assert_int_eq(plan_preview_json(p, &json, NULL), 0);
	buf_puts(&want, "{\"root\":");
	buf_json_str(&want, root);
	buf_puts(&want, ",\"actions\":["
		 "{\"kind\":\"write-file\",\"path\":\"etc/a.conf\",\"why\":\"same\",\"changed\":false,\"diff\":\"\"},"
		 "{\"kind\":\"write-file\",\"path\":\"etc/b.conf\",\"why\":\"new \\\"b\\\"\",\"changed\":true,"
		 "\"diff\":\"--- /dev/null\\n+++ b/etc/b.conf\\n@@ -0,0 +1 @@\\n+y\\n\"},"
		 "{\"kind\":\"write-sysfs\",\"path\":\"/sys/bus/pci/devices/0000:41:00.0/sriov_numvfs\",\"why\":\"vfs\",\"value\":\"3\"},"
		 "{\"kind\":\"run\",\"why\":\"initramfs\",\"argv\":[\"update-initramfs\",\"-u\",\"-k\",\"all\"]}"
		 "]}\n");
	ck_assert_str_eq(json, want.data);
	free(json);
	buf_free(&want);
	plan_free(p);
	free(root);
}
END_TEST

/* ---- applying ---- */

static const struct plan_apply_opts no_run = { .no_run = true };

START_TEST(apply_writes_and_journals)
{
	char *root = mkroot();
	struct plan *p = new_plan(root);
	struct gv_error e = { 0 };
	struct stat st;
	char *path;

	put(root, "etc/default/grub", GRUB);
	ck_assert_int_eq(plan_write_file(p, "etc/default/grub", GRUB2, strlen(GRUB2), 0644, "iommu"), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/modprobe.d/gpuvirt.conf", MODCONF, strlen(MODCONF), 0640, "bl"), 0);
	ck_assert_int_eq(plan_run(p, update_initramfs, "initramfs"), 0);
	ck_assert_int_eq(plan_expect(p, "cmdline", "iommu=pt", NULL), 0);
	ck_assert_int_eq(plan_apply(p, &no_run, &e), 0);
	ck_file(root, "etc/default/grub", GRUB2);
	ck_file(root, "etc/modprobe.d/gpuvirt.conf", MODCONF);
	path = at(root, "etc/modprobe.d/gpuvirt.conf");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	free(path);
	/* the command was listed, not run */
	ck_assert_ptr_nonnull(strstr(logbuf.data, "update-initramfs -u -k all"));
	ck_assert_int_eq(count_sets(root), 1);
	ck_file(root, "var/lib/gpuvirt/backup/0001/etc/default/grub", GRUB);
	ck_no_temps(root);
	plan_free(p);
	free(root);
}
END_TEST

START_TEST(second_apply_changes_nothing)
{
	char *root = mkroot(), *before, *after;
	struct plan *p = new_plan(root);
	struct gv_error e = { 0 };

	put(root, "etc/default/grub", GRUB);
	ck_assert_int_eq(plan_write_file(p, "etc/default/grub", GRUB2, strlen(GRUB2), 0644, "iommu"), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/modprobe.d/gpuvirt.conf", MODCONF, strlen(MODCONF), 0644, "bl"), 0);
	ck_assert_int_eq(plan_run(p, update_initramfs, "initramfs"), 0);
	ck_assert_int_eq(plan_apply(p, &no_run, &e), 0);
	ck_assert_int_eq(count_sets(root), 1);
	ck_assert(plan_is_empty(p));
	before = tree(root);
	buf_reset(&logbuf);
	ck_assert_int_eq(plan_apply(p, &no_run, &e), 0);
	after = tree(root);
	/* the lock file's times may move; nothing else does */
	ck_assert_int_eq(count_sets(root), 1);
	ck_assert_ptr_nonnull(strstr(logbuf.data, "nothing to change"));
	ck_assert_ptr_null(strstr(logbuf.data, "update-initramfs"));
	ck_same_tree(before, after);
	free(before);
	free(after);
	plan_free(p);
	free(root);
}
END_TEST

START_TEST(symlinked_file_keeps_its_link)
{
	char *root = mkroot(), *link, tgt[256], *text;
	struct plan *p = new_plan(root);
	struct gv_error e = { 0 };
	struct stat st;
	ssize_t n;

	put(root, "etc/shared/vfio.conf", "options old\n");
	ck_assert_int_eq(fsutil_mkdir_p((link = at(root, "etc/modprobe.d")), 0755, NULL), 0);
	free(link);
	link = at(root, "etc/modprobe.d/vfio.conf");
	/* absolute, as on the real system: it means ROOT/etc/shared/vfio.conf */
	ck_assert_int_eq(symlink("/etc/shared/vfio.conf", link), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/modprobe.d/vfio.conf", "options new\n", 12, 0644, "vfio"), 0);
	ck_assert_int_eq(plan_preview(p, &text, NULL), 0);
	ck_assert_ptr_nonnull(strstr(text, "resolves to etc/shared/vfio.conf"));
	ck_assert_ptr_nonnull(strstr(text, "-options old\n+options new\n"));
	free(text);
	ck_assert_int_eq(plan_apply(p, NULL, &e), 0);
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	n = readlink(link, tgt, sizeof(tgt) - 1);
	ck_assert_int_gt(n, 0);
	tgt[n] = '\0';
	ck_assert_str_eq(tgt, "/etc/shared/vfio.conf");
	ck_file(root, "etc/shared/vfio.conf", "options new\n");
	/* undo writes the target back, and the link is still a link */
	ck_assert_int_eq(journal_undo(root, NULL, &e), 0);
	ck_file(root, "etc/shared/vfio.conf", "options old\n");
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	free(link);
	plan_free(p);
	free(root);
}
END_TEST

START_TEST(read_only_etc_rolls_back)
{
	char *root = mkroot(), *etc, *before, *after;
	struct plan *p = new_plan(root);
	struct gv_error e = { 0 };

	if (!private_mounts("read_only_etc_rolls_back"))
		return;
	put(root, "boot/config", "old boot\n");
	etc = at(root, "etc");
	ck_assert_int_eq(fsutil_mkdir_p(etc, 0755, NULL), 0);
	ck_assert_int_eq(mount("tmpfs", etc, "tmpfs", 0, "size=64k"), 0);
	put(root, "etc/default/grub", GRUB);
	put(root, "etc/default/grub.d/README", "drop-ins\n");
	ck_assert_int_eq(mount(NULL, etc, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
	ck_assert_int_eq(plan_write_file(p, "boot/config", "new boot\n", 9, 0644, "first"), 0);
	ck_assert_int_eq(plan_write_file(p, "boot/new.cfg", "created\n", 8, 0644, "second"), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/default/grub", GRUB2, strlen(GRUB2), 0644, "third"), 0);
	before = tree(root);
	ck_assert_int_eq(plan_apply(p, &no_run, &e), -EROFS);
	ck_assert_msg(strstr(e.msg, "write etc/default/grub") && strstr(e.msg, "Read-only file system"), "%s", e.msg);
	ck_assert_msg(strstr(e.msg, "2 earlier changes rolled back"), "%s", e.msg);
	ck_file(root, "boot/config", "old boot\n");
	ck_file(root, "boot/new.cfg", NULL);
	ck_file(root, "etc/default/grub", GRUB);
	ck_no_temps(root);
	ck_assert_int_eq(count_sets(root), 0);
	/* one error, returned; the rollback itself logs none */
	ck_assert_msg(count_errors() == 0, "%s", logbuf.data);
	/* nothing was changed, so nothing of the journal is left either */
	ck_assert_msg(!exists(root, "var"), "var/lib/gpuvirt left behind");
	after = tree(root);
	free(before);
	free(after);
	plan_free(p);

	/* A new file in a read-only directory: never created, so the rollback
	 * has nothing to remove (it used to try, and log a second error). */
	p = new_plan(root);
	buf_reset(&logbuf);
	ck_assert_int_eq(plan_write_file(p, "etc/default/grub.d/zz-gpuvirt.cfg", "x\n", 2, 0644, "drop-in"), 0);
	ck_assert_int_eq(plan_apply(p, &no_run, &e), -EROFS);
	ck_assert_msg(strstr(e.msg, "write etc/default/grub.d/zz-gpuvirt.cfg") && strstr(e.msg, "Read-only file system"),
		      "%s", e.msg);
	ck_assert_msg(count_errors() == 0, "%s", logbuf.data);
	ck_assert_msg(!exists(root, "var"), "var/lib/gpuvirt left behind");
	umount(etc);
	free(etc);
	plan_free(p);
	free(root);
}
END_TEST

START_TEST(read_only_root_is_refused)
{
	char *root = mkroot();
	struct plan *p = new_plan(root);
	struct gv_error e = { 0 };

	if (!private_mounts("read_only_root_is_refused"))
		return;
	ck_assert_int_eq(mount("tmpfs", root, "tmpfs", 0, "size=64k"), 0);
	put(root, "etc/default/grub", GRUB);
	ck_assert_int_eq(mount(NULL, root, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/default/grub", GRUB2, strlen(GRUB2), 0644, "x"), 0);
	ck_assert_int_eq(plan_apply(p, NULL, &e), -EROFS);
	ck_assert_msg(strstr(e.msg, "Read-only file system"), "%s", e.msg);
	ck_file(root, "etc/default/grub", GRUB);
	umount(root);
	plan_free(p);
	free(root);
}
END_TEST

START_TEST(full_disk_rolls_back)
{
	char *root = mkroot(), *etc, *fill, *big;
	struct plan *p = new_plan(root);
	struct gv_error e = { 0 };
	char block[1024] = { 0 };
	int fd;

	if (!private_mounts("full_disk_rolls_back"))
		return;
	put(root, "boot/config", "old boot\n");
	etc = at(root, "etc");
	ck_assert_int_eq(fsutil_mkdir_p(etc, 0755, NULL), 0);
	ck_assert_int_eq(mount("tmpfs", etc, "tmpfs", 0, "size=16k"), 0);
	put(root, "etc/default/grub", GRUB);
	put(root, "etc/modprobe.d/README", "modprobe drop-ins\n");
	fill = at(root, "etc/fill");
	fd = open(fill, O_CREAT | O_WRONLY, 0644);
	while (write(fd, block, sizeof(block)) > 0)
		;
	close(fd);
	big = malloc(20000);
	memset(big, '#', 19999);
	big[19999] = '\n';
	ck_assert_int_eq(plan_write_file(p, "boot/config", "new boot\n", 9, 0644, "first"), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/default/grub", big, 20000, 0644, "big"), 0);
	ck_assert_int_eq(plan_apply(p, NULL, &e), -ENOSPC);
	ck_assert_msg(strstr(e.msg, "write etc/default/grub") && strstr(e.msg, "No space left on device"), "%s", e.msg);
	ck_file(root, "boot/config", "old boot\n");
	ck_file(root, "etc/default/grub", GRUB);
	ck_no_temps(root);
	ck_assert_int_eq(count_sets(root), 0);
	ck_assert_msg(count_errors() == 0, "%s", logbuf.data);
	ck_assert_msg(!exists(root, "var"), "var/lib/gpuvirt left behind");
	plan_free(p);

	/* A new file that does not fit: one error, no empty "rollback:" line */
	p = new_plan(root);
	buf_reset(&logbuf);
	ck_assert_int_eq(plan_write_file(p, "etc/modprobe.d/gpuvirt.conf", big, 20000, 0644, "big and new"), 0);
	ck_assert_int_eq(plan_apply(p, NULL, &e), -ENOSPC);
	ck_assert_msg(strstr(e.msg, "write etc/modprobe.d/gpuvirt.conf") && strstr(e.msg, "No space left on device"),
		      "%s", e.msg);
	ck_assert_msg(count_errors() == 0, "%s", logbuf.data);
	ck_file(root, "etc/modprobe.d/gpuvirt.conf", NULL);
	ck_no_temps(root);
	ck_assert_msg(!exists(root, "var"), "var/lib/gpuvirt left behind");
	free(big);
	umount(etc);
	free(etc);
	free(fill);
	plan_free(p);
	free(root);
}
END_TEST

START_TEST(crash_between_write_and_rename)
{
	char *root = mkroot(), name[256] = "";
	struct plan *p = new_plan(root);
	struct gv_error e = { 0 };
	struct journal_set *sets;
	size_t n;
	int status;
	pid_t pid;
	char cmd[512];
	FILE *f;

	put(root, "etc/default/grub", GRUB);
	ck_assert_int_eq(plan_write_file(p, "etc/default/grub", GRUB2, strlen(GRUB2), 0644, "x"), 0);
	testbed_use("ubuntu-v100");   /* the crash hook acts only inside a test bed */
	pid = fork();
	if (pid == 0) {
		char *target = at(root, "etc/default/grub");
		setenv(FSUTIL_CRASH_ENV, target, 1);   /* not the journal's own copies */
		plan_apply(p, NULL, NULL);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_file(root, "etc/default/grub", GRUB);
	snprintf(cmd, sizeof(cmd), "ls -A '%s/etc/default' | grep -v '^grub$'", root);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(fgets(name, sizeof(name), f));
	pclose(f);
	name[strcspn(name, "\n")] = '\0';
	ck_assert_msg(name[0] == '.' && strstr(name, FSUTIL_TEMP_INFIX), "leftover %s", name);
	size_t l = strlen(name);
	ck_assert(!(l >= 5 && !strcmp(name + l - 5, ".conf")) && !(l >= 4 && !strcmp(name + l - 4, ".cfg")));
	/* the journal knows the set was interrupted */
	ck_assert_int_eq(journal_list(root, &sets, &n, NULL), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(sets[0].interrupted);
	journal_sets_free(sets, n);
	/* a later apply rolls that set back, removes the leftover and goes on */
	ck_assert_int_eq(plan_apply(p, NULL, &e), 0);
	ck_file(root, "etc/default/grub", GRUB2);
	ck_no_temps(root);
	ck_assert_int_eq(journal_list(root, &sets, &n, NULL), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(!sets[0].interrupted);
	journal_sets_free(sets, n);
	ck_assert_int_eq(journal_undo(root, NULL, &e), 0);
	ck_file(root, "etc/default/grub", GRUB);
	plan_free(p);
	free(root);
}
END_TEST

/* A crash before the rename, then undo: every byte back where it was, no
 * temporary file, no directory the apply made. */
START_TEST(crash_then_undo_is_byte_identical)
{
	char *root = mkroot(), *before, *after;
	struct plan *p = new_plan(root);
	struct gv_error e = { 0 };
	int status;
	pid_t pid;

	put(root, "etc/default/grub", GRUB);
	put(root, "etc/initramfs-tools/modules", "# modules\n");
	before = contents(root);
	ck_assert_int_eq(plan_write_file(p, "etc/modprobe.d/gpuvirt.conf", MODCONF, strlen(MODCONF), 0644, "new"), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/default/grub", GRUB2, strlen(GRUB2), 0644, "x"), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/initramfs-tools/modules", "# modules\nvfio\n", 16, 0644, "y"), 0);
	testbed_use("ubuntu-v100");   /* the crash hook acts only inside a test bed */
	pid = fork();
	if (pid == 0) {
		char *target = at(root, "etc/initramfs-tools/modules");
		setenv(FSUTIL_CRASH_ENV, target, 1);
		plan_apply(p, NULL, NULL);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_file(root, "etc/default/grub", GRUB2);   /* the crash came after this one */
	ck_assert_int_eq(journal_undo(root, NULL, &e), 0);
	ck_no_temps(root);
	after = contents(root);
	ck_same_tree(before, after);
	free(before);
	free(after);
	plan_free(p);
	free(root);
}
END_TEST

/* Run FN in a child that holds a lock until told to let go. */
static pid_t hold_in_child(const char *path, bool posix, int *ret_go)
{
	int ready[2], go[2];
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(go), 0);
	pid = fork();
	if (pid == 0) {
		int fd;
		if (posix) {
			struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
			fd = open(path, O_RDWR | O_CREAT, 0640);
			if (fd < 0 || fcntl(fd, F_SETLK, &fl) < 0)
				_exit(1);
		} else if (fsutil_lock(path, &fd) < 0) {
			_exit(1);
		}
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	*ret_go = go[1];
	return pid;
}

START_TEST(package_manager_lock_refuses)
{
	char *root = mkroot(), *lock;
	struct plan *p = new_plan(root);
	struct gv_error e = { 0 };
	int go;
	pid_t pid;

	put(root, "etc/default/grub", GRUB);
	put(root, "var/lib/dpkg/lock-frontend", "");
	ck_assert_int_eq(plan_write_file(p, "etc/default/grub", GRUB2, strlen(GRUB2), 0644, "x"), 0);
	lock = at(root, "var/lib/dpkg/lock-frontend");
	pid = hold_in_child(lock, true, &go);
	ck_assert_int_eq(plan_apply(p, NULL, &e), -EBUSY);
	ck_assert_msg(strstr(e.msg, "package manager") && strstr(e.msg, "lock-frontend"), "%s", e.msg);
	ck_file(root, "etc/default/grub", GRUB);
	ck_assert_int_eq(write(go, "g", 1), 1);
	waitpid(pid, NULL, 0);
	ck_assert_int_eq(plan_apply(p, NULL, &e), 0);
	ck_file(root, "etc/default/grub", GRUB2);
	free(lock);
	plan_free(p);
	free(root);
}
END_TEST

START_TEST(two_appliers_at_once)
{
	char *root = mkroot(), *lock;
	struct plan *p = new_plan(root);
	struct gv_error e = { 0 };
	int go;
	pid_t pid;

	put(root, "etc/default/grub", GRUB);
	put(root, "var/lib/gpuvirt/lock", "");
	ck_assert_int_eq(plan_write_file(p, "etc/default/grub", GRUB2, strlen(GRUB2), 0644, "x"), 0);
	lock = at(root, "var/lib/gpuvirt/lock");
	pid = hold_in_child(lock, false, &go);
	ck_assert_int_eq(plan_apply(p, NULL, &e), -EBUSY);
	ck_assert_msg(strstr(e.msg, "another gpuvirt is applying"), "%s", e.msg);
	ck_assert_int_eq(journal_undo(root, NULL, &e), -EBUSY);
	ck_file(root, "etc/default/grub", GRUB);
	ck_assert_int_eq(write(go, "g", 1), 1);
	waitpid(pid, NULL, 0);
	ck_assert_int_eq(plan_apply(p, NULL, &e), 0);
	free(lock);
	plan_free(p);
	free(root);
}
END_TEST

START_TEST(hand_edit_is_refused_then_forced)
{
	char *root = mkroot();
	struct plan *p = new_plan(root), *q = new_plan(root);
	struct gv_error e = { 0 };
	struct plan_apply_opts force = { .force_hand_edits = true };
	const char *mine = "blacklist nouveau\noptions vfio-pci ids=10de:1db4\n";

	ck_assert_int_eq(plan_write_file(p, "etc/modprobe.d/gpuvirt.conf", MODCONF, strlen(MODCONF), 0644, "x"), 0);
	ck_assert_int_eq(plan_apply(p, NULL, &e), 0);
	put(root, "etc/modprobe.d/gpuvirt.conf", mine);
	ck_assert_int_eq(plan_write_file(q, "etc/modprobe.d/gpuvirt.conf", "blacklist nvidia\n", 17, 0644, "y"), 0);
	buf_reset(&logbuf);
	ck_assert_int_eq(plan_apply(q, NULL, &e), -EEXIST);
	ck_assert_msg(strstr(e.msg, "etc/modprobe.d/gpuvirt.conf") && strstr(e.msg, "edited by hand") &&
		      strstr(e.msg, "see the log for the three versions; --force-hand-edits overwrites it"), "%s", e.msg);
	ck_file(root, "etc/modprobe.d/gpuvirt.conf", mine);
	/* the three versions */
	ck_assert_ptr_nonnull(strstr(logbuf.data, "--- etc/modprobe.d/gpuvirt.conf (what gpuvirt wrote)"));
	ck_assert_ptr_nonnull(strstr(logbuf.data, "+++ etc/modprobe.d/gpuvirt.conf (what is there now)"));
	ck_assert_ptr_nonnull(strstr(logbuf.data, "+++ etc/modprobe.d/gpuvirt.conf (what gpuvirt would write)"));
	ck_assert_ptr_nonnull(strstr(logbuf.data, "+options vfio-pci ids=10de:1db4"));
	ck_assert_ptr_nonnull(strstr(logbuf.data, "+blacklist nvidia"));
	ck_assert_int_eq(count_sets(root), 1);
	ck_assert_int_eq(plan_apply(q, &force, &e), 0);
	ck_file(root, "etc/modprobe.d/gpuvirt.conf", "blacklist nvidia\n");
	/* undo brings back the hand-edited bytes exactly */
	ck_assert_int_eq(journal_undo(root, NULL, &e), 0);
	ck_file(root, "etc/modprobe.d/gpuvirt.conf", mine);
	plan_free(p);
	plan_free(q);
	free(root);
}
END_TEST

/* The TUI's case: the plan is built, a file changes while the preview is
 * open, then the person confirms. */
START_TEST(edit_after_plan_is_refused)
{
	char *root = mkroot(), *before, *after;
	struct plan *p = new_plan(root), *q;
	struct gv_error e = { 0 };
	const char *mine = GRUB "# mine\n";

	put(root, "etc/default/grub", GRUB);
	put(root, "etc/modprobe.d/old.conf", "blacklist foo\n");
	ck_assert_int_eq(plan_write_file(p, "etc/modprobe.d/gpuvirt.conf", MODCONF, strlen(MODCONF), 0644, "bl"), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/default/grub", GRUB2, strlen(GRUB2), 0644, "iommu"), 0);
	/* building on its own content keeps the base of the first proposal */
	ck_assert_int_eq(plan_write_file(p, "etc/default/grub", GRUB2, strlen(GRUB2), 0644, "iommu again"), 0);
	put(root, "etc/default/grub", mine);
	before = contents(root);
	ck_assert_int_eq(plan_apply(p, &no_run, &e), -ESTALE);
	ck_assert_str_eq(e.msg, "etc/default/grub: changed since the plan was made; make the plan again");
	after = contents(root);
	ck_same_tree(before, after);
	ck_assert_msg(!exists(root, "var"), "var/lib/gpuvirt left behind");
	ck_file(root, "etc/default/grub", mine);
	ck_file(root, "etc/modprobe.d/gpuvirt.conf", NULL);
	plan_free(p);

	/* a file that appeared after the plan was made */
	p = new_plan(root);
	ck_assert_int_eq(plan_write_file(p, "etc/modprobe.d/gpuvirt.conf", MODCONF, strlen(MODCONF), 0644, "bl"), 0);
	put(root, "etc/modprobe.d/gpuvirt.conf", "options mine\n");
	ck_assert_int_eq(plan_apply(p, &no_run, &e), -ESTALE);
	ck_assert_str_eq(e.msg, "etc/modprobe.d/gpuvirt.conf: changed since the plan was made; make the plan again");
	ck_file(root, "etc/modprobe.d/gpuvirt.conf", "options mine\n");
	plan_free(p);

	/* a file to remove that changed */
	p = new_plan(root);
	ck_assert_int_eq(plan_remove_file(p, "etc/modprobe.d/old.conf", "gone"), 0);
	put(root, "etc/modprobe.d/old.conf", "blacklist foo\nblacklist bar\n");
	ck_assert_int_eq(plan_apply(p, &no_run, &e), -ESTALE);
	ck_file(root, "etc/modprobe.d/old.conf", "blacklist foo\nblacklist bar\n");
	plan_free(p);

	/* made again, the plan starts from the edits and applies */
	q = new_plan(root);
	ck_assert_int_eq(plan_remove_file(q, "etc/modprobe.d/old.conf", "gone"), 0);
	ck_assert_int_eq(plan_apply(q, &no_run, &e), 0);
	ck_file(root, "etc/modprobe.d/old.conf", NULL);
	ck_assert_int_eq(count_sets(root), 1);
	plan_free(q);
	free(before);
	free(after);
	free(root);
}
END_TEST

/* `gpuvirt apply --plan`: the base travels in the file. */
START_TEST(saved_plan_refuses_later_edits)
{
	char *root = mkroot(), file[512], v1[512];
	struct plan *p = new_plan(root), *q = NULL;
	struct gv_error e = { 0 };
	const char *mine = GRUB "extra_line\n";

	put(root, "etc/default/grub", GRUB);
	ck_assert_int_eq(plan_write_file(p, "etc/default/grub", GRUB2, strlen(GRUB2), 0644, "iommu"), 0);
	snprintf(file, sizeof(file), "%s/p.plan", root);
	ck_assert_int_eq(plan_save(p, file, &e), 0);
	put(root, "etc/default/grub", mine);
	ck_assert_int_eq(plan_load(file, root, &q, &e), 0);
	ck_assert_int_eq(plan_apply(q, &no_run, &e), -ESTALE);
	ck_assert_str_eq(e.msg, "etc/default/grub: changed since the plan was made; make the plan again");
	ck_file(root, "etc/default/grub", mine);
	plan_free(q);
	q = NULL;
	/* unchanged since it was saved: applies */
	put(root, "etc/default/grub", GRUB);
	ck_assert_int_eq(plan_load(file, root, &q, &e), 0);
	ck_assert_int_eq(plan_apply(q, &no_run, &e), 0);
	ck_file(root, "etc/default/grub", GRUB2);
	plan_free(q);
	q = NULL;

	/* version 1 files still load, with a warning that they cannot be checked */
	snprintf(v1, sizeof(v1), "%s/v1.plan", root);
	put(root, "v1.plan", "gpuvirt-plan 1\nwrite etc/x.conf mode=0644\n|x\nremove etc/y.conf\nend\n");
	put(root, "etc/x.conf", "mine\n");
	buf_reset(&logbuf);
	ck_assert_int_eq(plan_load(v1, root, &q, &e), 0);
	ck_assert_msg(strstr(logbuf.data, "1 ") && strstr(logbuf.data, "v1.plan: a version 1 plan does not record"),
		      "%s", logbuf.data);
	/* saved again it says its files have no base, in a form plan_load reads */
	{
		char v2[4096], *text = NULL;
		size_t len;
		struct plan *again = NULL;

		snprintf(v2, sizeof(v2), "%s/v2.plan", root);
		ck_assert_int_eq(plan_save(q, v2, &e), 0);
		ck_assert_int_eq(fsutil_read_file(v2, &text, &len), 0);
		ck_assert_msg(strstr(text, "gpuvirt-plan 2\n") && strstr(text, "write etc/x.conf mode=0644 base=unknown\n") &&
			      strstr(text, "remove etc/y.conf base=unknown\n"), "%s", text);
		free(text);
		buf_reset(&logbuf);
		ck_assert_msg(plan_load(v2, root, &again, &e) == 0, "%s", e.msg);
		ck_assert_msg(strstr(logbuf.data, "v2.plan:5: base=unknown: edits made to etc/x.conf"), "%s",
			      logbuf.data);
		plan_free(again);
	}
	ck_assert_int_eq(plan_apply(q, &no_run, &e), 0);
	ck_file(root, "etc/x.conf", "x\n");
	plan_free(q);
	plan_free(p);
	free(root);
}
END_TEST

START_TEST(sysfs_write_read_back_and_journaled)
{
	const char *bed = testbed_use_copy("ubuntu-v100");
	const char *attr = "/sys/bus/pci/devices/0000:41:00.0/driver_override";
	char *root = mkroot(), *text;
	struct plan *p = new_plan(root);
	struct gv_error e = { 0 };
	FILE *f;

	(void)bed;
	f = fopen(attr, "w");
	ck_assert_ptr_nonnull(f);
	fputs("(null)\n", f);
	fclose(f);
	ck_assert_int_eq(plan_write_sysfs(p, attr, "vfio-pci", "bind by address"), 0);
	ck_assert_int_eq(plan_preview(p, &text, NULL), 0);
	ck_assert_str_eq(text, "# bind by address\necho vfio-pci > /sys/bus/pci/devices/0000:41:00.0/driver_override\n");
	free(text);
	ck_assert_int_eq(plan_apply(p, NULL, &e), 0);
	f = fopen(attr, "r");
	char line[64] = "";
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	fclose(f);
	ck_assert_str_eq(line, "vfio-pci\n");
	ck_assert(plan_is_empty(p));
	ck_assert_int_eq(count_sets(root), 1);
	plan_free(p);
	free(root);
}
END_TEST

START_TEST(sysfs_write_that_hangs_rolls_back)
{
	const char *bed = testbed_use_copy("ubuntu-v100");
	char fifo[512], *root = mkroot();
	struct plan *p = new_plan(root);
	struct gv_error e = { 0 };
	struct plan_apply_opts opts = { .sysfs_timeout_ms = 300 };

	snprintf(fifo, sizeof(fifo), "%s/sys/bus/pci/devices/0000:41:00.0/unbind-hang", bed);
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);
	put(root, "etc/default/grub", GRUB);
	ck_assert_int_eq(plan_write_file(p, "etc/default/grub", GRUB2, strlen(GRUB2), 0644, "x"), 0);
	ck_assert_int_eq(plan_write_sysfs(p, "/sys/bus/pci/devices/0000:41:00.0/unbind-hang", "0000:41:00.0", "y"), 0);
	ck_assert_int_eq(plan_apply(p, &opts, &e), -ETIMEDOUT);
	ck_assert_msg(strstr(e.msg, "apply stopped at echo 0000:41:00.0 > /sys/bus/pci/devices/0000:41:00.0/unbind-hang") &&
		      strstr(e.msg, "300 ms") && strstr(e.msg, "killed"), "%s", e.msg);
	ck_file(root, "etc/default/grub", GRUB);
	ck_assert_int_eq(count_sets(root), 0);
	plan_free(p);
	free(root);
}
END_TEST

/* ROOT gets the host's /usr read-only, so `chroot ROOT sh` works. */
static void make_chrootable(const char *root)
{
	static const char *const dirs[] = { "bin", "sbin", "lib", "lib64", "usr" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char host[64], target[256], *in = at(root, dirs[i]);
		struct stat st;
		ssize_t n;

		snprintf(host, sizeof(host), "/%s", dirs[i]);
		if (lstat(host, &st) < 0) {
			free(in);
			continue;
		}
		if (S_ISLNK(st.st_mode)) {
			n = readlink(host, target, sizeof(target) - 1);
			ck_assert_int_gt(n, 0);
			target[n] = '\0';
			ck_assert_int_eq(symlink(target, in), 0);
		} else {
			ck_assert_int_eq(mkdir(in, 0755), 0);
			ck_assert_int_eq(mount(host, in, NULL, MS_BIND | MS_REC, NULL), 0);
			ck_assert_int_eq(mount(NULL, in, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL), 0);
		}
		free(in);
	}
}

START_TEST(commands_run_in_chroot)
{
	char *root = mkroot();
	struct plan *p = new_plan(root);
	struct gv_error e = { 0 };
	const char *const mark[] = { "sh", "-c", "echo regenerated from $(cat /etc/x.conf) > /boot/marker", NULL };

	if (!private_mounts("commands_run_in_chroot"))
		return;
	make_chrootable(root);
	put(root, "boot/.keep", "");
	ck_assert_int_eq(plan_write_file(p, "etc/x.conf", "v2\n", 3, 0644, "x"), 0);
	ck_assert_int_eq(plan_run(p, mark, "regenerate"), 0);
	ck_assert_int_eq(plan_apply(p, NULL, &e), 0);
	/* it ran inside the root: /etc and /boot were ROOT's */
	ck_file(root, "boot/marker", "regenerated from v2\n");
	plan_free(p);
	free(root);
}
END_TEST

START_TEST(failing_command_rolls_back_files)
{
	char *root = mkroot();
	struct plan *p = new_plan(root);
	struct gv_error e = { 0 };
	const char *const ok[] = { "sh", "-c", "cat /etc/x.conf >> /boot/log", NULL };
	const char *const bad[] = { "sh", "-c", "echo initramfs failed >&2; exit 3", NULL };

	if (!private_mounts("failing_command_rolls_back_files"))
		return;
	make_chrootable(root);
	put(root, "etc/x.conf", "v1\n");
	put(root, "boot/log", "");
	ck_assert_int_eq(plan_write_file(p, "etc/x.conf", "v2\n", 3, 0644, "x"), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/y.conf", "new\n", 4, 0644, "y"), 0);
	ck_assert_int_eq(plan_run(p, ok, "first"), 0);
	ck_assert_int_eq(plan_run(p, bad, "second"), 0);
	ck_assert_int_eq(plan_apply(p, NULL, &e), -EIO);
	ck_assert_msg(strstr(e.msg, "exit 3'` failed (exit status 3)") && strstr(e.msg, "rolled back"), "%s", e.msg);
	ck_assert_ptr_nonnull(strstr(logbuf.data, "initramfs failed"));
	ck_file(root, "etc/x.conf", "v1\n");
	ck_file(root, "etc/y.conf", NULL);
	/* the command that had run, ran again on the old files */
	ck_file(root, "boot/log", "v2\nv1\n");
	ck_assert_int_eq(count_sets(root), 0);
	ck_no_temps(root);
	plan_free(p);
	free(root);
}
END_TEST

/* ---- plan files ---- */

START_TEST(plan_file_round_trips)
{
	char *root = mkroot(), file[512], file2[512], *a, *b, *t1, *t2;
	struct plan *p = new_plan(root), *q = NULL;
	struct gv_error e = { 0 };
	char all[256];
	size_t n;
	char *c;

	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	ck_assert_int_eq(plan_write_file(p, "etc/bytes.bin", all, 256, 0600, "every byte, 100% safe"), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/noeol.conf", "a\nb", 3, 0644, ""), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/empty.conf", "", 0, 0644, "empty"), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/nl.conf", "\n\n", 2, 0644, "newlines"), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/with space.conf", "x y\n", 4, 0644, "spaces"), 0);
	ck_assert_int_eq(plan_remove_file(p, "etc/old.conf", "gone"), 0);
	ck_assert_int_eq(plan_write_sysfs(p, "/sys/bus/pci/devices/0000:41:00.0/sriov_numvfs", "3", "vfs"), 0);
	const char *const argv[] = { "sh", "-c", "echo 'a b' %x", "", NULL };
	ck_assert_int_eq(plan_run(p, argv, "odd argv"), 0);
	ck_assert_int_eq(plan_expect(p, "cmdline", "iommu=pt", NULL), 0);
	ck_assert_int_eq(plan_expect(p, "driver", "0000:41:00.0", "vfio-pci"), 0);
	snprintf(file, sizeof(file), "%s/plan.txt", root);
	snprintf(file2, sizeof(file2), "%s/plan2.txt", root);
	ck_assert_int_eq(plan_save(p, file, &e), 0);
	ck_assert_int_eq(plan_load(file, root, &q, &e), 0);
	ck_assert_int_eq(plan_save(q, file2, &e), 0);
	a = get(root, "plan.txt");
	b = get(root, "plan2.txt");
	ck_assert_str_eq(a, b);
	ck_assert(strncmp(a, "gpuvirt-plan 2\n", 15) == 0);
	/* each file action names the file it was made from */
	ck_assert_ptr_nonnull(strstr(a, "\nwrite etc/bytes.bin mode=0600 base=absent\n"));
	ck_assert_ptr_nonnull(strstr(a, "\nremove etc/old.conf base=absent\n"));
	ck_assert_int_eq(plan_file_content(q, "etc/bytes.bin", &c, &n, NULL), 0);
	ck_assert_uint_eq(n, 256);
	ck_assert_int_eq(memcmp(c, all, 256), 0);
	free(c);
	ck_assert_int_eq(plan_file_content(q, "etc/noeol.conf", &c, &n, NULL), 0);
	ck_assert_uint_eq(n, 3);
	free(c);
	ck_assert_int_eq(plan_file_content(q, "etc/empty.conf", &c, &n, NULL), 0);
	ck_assert_uint_eq(n, 0);
	free(c);
	ck_assert_int_eq(plan_preview(p, &t1, NULL), 0);
	ck_assert_int_eq(plan_preview(q, &t2, NULL), 0);
	ck_assert_str_eq(t1, t2);
	free(t1);
	free(t2);
	free(a);
	free(b);
	plan_free(p);
	plan_free(q);
	free(root);
}
END_TEST

static void load_error(const char *root, const char *text, const char *want)
{
	char file[512];
	struct plan *q = NULL;
	struct gv_error e = { 0 };

	snprintf(file, sizeof(file), "%s/bad.plan", root);
	put(root, "bad.plan", text);
	ck_assert_int_eq(plan_load(file, root, &q, &e), -EINVAL);
	ck_assert_ptr_null(q);
	ck_assert_msg(strstr(e.msg, want) && strstr(e.msg, file), "got '%s', want '%s'", e.msg, want);
}

START_TEST(plan_load_names_the_line)
{
	char *root = mkroot();

	load_error(root, "gpuvirt-plan 3\nend\n", "bad.plan:1: unsupported plan version");
	load_error(root, "gpuvirt-plan 2\nwrite etc/x mode=0644\nend\n", "bad.plan:2: unknown or malformed");
	load_error(root, "gpuvirt-plan 2\nwrite etc/x mode=0644 base=sha256:12\nend\n", "bad.plan:2: bad or missing base");
	load_error(root, "gpuvirt-plan 2\nremove etc/x mode=0644\nend\n", "bad.plan:2: bad or missing base");
	load_error(root, "hello\n", "bad.plan:1: not a gpuvirt plan");
	load_error(root, "gpuvirt-plan 1\nwrite etc/x mode=0644\n|a\nfrobnicate\nend\n", "bad.plan:4: unknown");
	load_error(root, "gpuvirt-plan 1\nwrite /etc/x mode=0644\nend\n", "bad.plan:2: invalid action");
	load_error(root, "gpuvirt-plan 1\nwrite etc/x mode=0644\n|a%zz\nend\n", "bad.plan:3: bad %XX");
	load_error(root, "gpuvirt-plan 1\nwrite etc/x mode=0644\n|a\n", "no 'end' line");
	load_error(root, "gpuvirt-plan 1\n|a\nend\n", "bad.plan:2: content line outside");
	load_error(root, "gpuvirt-plan 1\nrun true\nremove etc/x\nend\n", "bad.plan:3: file and sysfs actions must come before");
	free(root);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("plan");

	tcase_add_test(tc, preview_shows_every_action);
	tcase_add_test(tc, preview_changes_nothing);
	tcase_add_test(tc, file_content_prefers_the_queued_one);
	tcase_add_test(tc, bad_paths_are_refused);
	tcase_add_test(tc, preview_json_is_stable);
	tcase_add_test(tc, apply_writes_and_journals);
	tcase_add_test(tc, second_apply_changes_nothing);
	tcase_add_test(tc, symlinked_file_keeps_its_link);
	tcase_add_test(tc, read_only_etc_rolls_back);
	tcase_add_test(tc, read_only_root_is_refused);
	tcase_add_test(tc, full_disk_rolls_back);
	tcase_add_test(tc, crash_between_write_and_rename);
	tcase_add_test(tc, crash_then_undo_is_byte_identical);
	tcase_add_test(tc, edit_after_plan_is_refused);
	tcase_add_test(tc, saved_plan_refuses_later_edits);
	tcase_add_test(tc, package_manager_lock_refuses);
	tcase_add_test(tc, two_appliers_at_once);
	tcase_add_test(tc, hand_edit_is_refused_then_forced);
	tcase_add_test(tc, sysfs_write_read_back_and_journaled);
	tcase_add_test(tc, sysfs_write_that_hangs_rolls_back);
	tcase_add_test(tc, commands_run_in_chroot);
	tcase_add_test(tc, failing_command_rolls_back_files);
	tcase_add_test(tc, plan_file_round_trips);
	tcase_add_test(tc, plan_load_names_the_line);
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
