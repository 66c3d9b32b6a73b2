/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Undo as a plan: undo_plan() previews the reversal of the last change set
 * and plan_apply() applies it like any plan. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/plan/journal.h"
#include "core/plan/plan.h"
#include "core/plan/undo.h"
#include "core/util/buf.h"
#include "core/util/fsutil.h"
#include "core/util/log.h"
#include "testbed.h"
#include "tests/unit/testroot.h"

static char *mkroot(void)
{
	return testroot_new("undo");
}

static void put(const char *root, const char *rel, const char *s, mode_t mode)
{
	testroot_put(root, rel, s, strlen(s), mode);
}

/* The file's content, or NULL when absent. */
static char *get(const char *root, const char *rel)
{
	char *p = fsutil_join(root, rel), *d = NULL;
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

static mode_t mode_of(const char *root, const char *rel)
{
	char *p = fsutil_join(root, rel);
	struct stat st;

	ck_assert_int_eq(stat(p, &st), 0);
	free(p);
	return st.st_mode & 07777;
}

static bool exists(const char *root, const char *rel)
{
	char *p = fsutil_join(root, rel);
	bool r = access(p, F_OK) == 0;

	free(p);
	return r;
}

/* Every path under ROOT (the journal included) with its type, mode, size,
 * mtime and content hash: equal strings mean nothing was written. */
static char *tree(const char *root)
{
	char cmd[1024], line[4096];
	struct buf b = BUF_INIT;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "cd '%s' && { find . ! -path . -printf '%%p %%y %%m %%s %%T@\\n'; "
		 "find . -type f -exec sha256sum {} +; } | sort", root);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		buf_puts(&b, line);
	ck_assert_int_eq(pclose(f), 0);
	return buf_steal(&b);
}

/* The same without var/ (the journal) and without times: the configuration. */
static char *config(const char *root)
{
	char cmd[1024], line[4096];
	struct buf b = BUF_INIT;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "cd '%s' && { find . -path ./var -prune -o -printf '%%p %%y %%m\\n'; "
		 "find . -path ./var -prune -o -type f -exec sha256sum {} +; } | sort", root);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		buf_puts(&b, line);
	ck_assert_int_eq(pclose(f), 0);
	return buf_steal(&b);
}

static int count_sets(const char *root)
{
	struct journal_set *sets;
	size_t n;

	ck_assert_int_eq(journal_list(root, &sets, &n, NULL), 0);
	journal_sets_free(sets, n);
	return (int)n;
}

static const struct plan_apply_opts no_run = { .no_run = true };
static const char *const update_initramfs[] = { "update-initramfs", "-u", "-k", "all", NULL };

#define OLD_GRUB "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
#define NEW_GRUB "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet iommu=pt\"\n"
#define MODCONF "blacklist nouveau\n"

/* One change set that changes a file (mode 0600), creates one in two new
 * directories, removes one (mode 0640) and names a command. */
static void apply_set(const char *root)
{
	struct plan *p;
	struct gv_error e = { 0 };

	ck_assert_int_eq(plan_new(root, &p), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/default/grub", NEW_GRUB, strlen(NEW_GRUB), 0644, "iommu"), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/modprobe.d/new/gpuvirt.conf", MODCONF, strlen(MODCONF), 0644, "bl"), 0);
	ck_assert_int_eq(plan_remove_file(p, "etc/old.conf", "gone"), 0);
	ck_assert_int_eq(plan_run(p, update_initramfs, "initramfs"), 0);
	ck_assert_msg(plan_apply(p, &no_run, &e) == 0, "%s", e.msg);
	plan_free(p);
}

static void setup_root(const char *root)
{
	put(root, "etc/default/grub", OLD_GRUB, 0600);
	put(root, "etc/old.conf", "options foo bar=1\n", 0640);
}

START_TEST(undo_previews_the_reversal)
{
	char *root = mkroot(), *text, *before, *after;
	struct plan *u = NULL;
	struct gv_error e = { 0 };

	setup_root(root);
	apply_set(root);
	before = tree(root);
	ck_assert_msg(undo_plan(root, &u, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(undo_plan_set(u), 1);
	ck_assert(!plan_is_empty(u));
	ck_assert_int_eq(plan_preview(u, &text, &e), 0);
	ck_assert_str_eq(text,
		"# as it was before change set 1\n"
		"--- /dev/null\n"
		"+++ b/etc/old.conf\n"
		"@@ -0,0 +1 @@\n"
		"+options foo bar=1\n"
		"\n"
		"# created by change set 1\n"
		"--- a/etc/modprobe.d/new/gpuvirt.conf\n"
		"+++ /dev/null\n"
		"@@ -1 +0,0 @@\n"
		"-blacklist nouveau\n"
		"\n"
		"# as it was before change set 1\n"
		"--- a/etc/default/grub\n"
		"+++ b/etc/default/grub\n"
		"@@ -1,2 +1,2 @@\n"
		" GRUB_DEFAULT=0\n"
		"-GRUB_CMDLINE_LINUX_DEFAULT=\"quiet iommu=pt\"\n"
		"+GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
		"\n"
		"# made by change set 1; removed when empty\n"
		"rmdir etc/modprobe.d/new\n"
		"\n"
		"# made by change set 1; removed when empty\n"
		"rmdir etc/modprobe.d\n"
		"\n"
		"# regenerate from the configuration before change set 1\n"
		"$ update-initramfs -u -k all\n");
	free(text);
	ck_assert_int_eq(plan_preview_json(u, &text, &e), 0);
	ck_assert_ptr_nonnull(strstr(text, "{\"kind\":\"remove-dir\",\"path\":\"etc/modprobe.d/new\","));
	free(text);
	/* an undo is made again from the journal, never saved */
	ck_assert_int_eq(plan_save(u, "/nonexistent/undo.plan", &e), -EINVAL);
	/* previewing wrote nothing, the journal included */
	after = tree(root);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	plan_free(u);
	free(root);
}
END_TEST

START_TEST(undo_applies_through_plan_apply)
{
	char *root = mkroot(), *orig, *now;
	struct plan *u = NULL, *none = NULL;
	struct gv_error e = { 0 };
	char *manifest;

	setup_root(root);
	orig = config(root);
	apply_set(root);
	ck_assert_int_eq(undo_plan(root, &u, &e), 0);
	buf_reset(&logbuf);
	ck_assert_msg(plan_apply(u, &no_run, &e) == 0, "%s", e.msg);
	/* every byte and mode as before; what the set created is gone */
	now = config(root);
	ck_assert_str_eq(orig, now);
	ck_file(root, "etc/default/grub", OLD_GRUB);
	ck_assert_uint_eq(mode_of(root, "etc/default/grub"), 0600);
	ck_file(root, "etc/old.conf", "options foo bar=1\n");
	ck_assert_uint_eq(mode_of(root, "etc/old.conf"), 0640);
	ck_assert(!exists(root, "etc/modprobe.d"));
	/* the command was listed again */
	ck_assert_ptr_nonnull(strstr(logbuf.data, "still to run: update-initramfs -u -k all"));
	/* the set is undone, and no new set was recorded for the undo */
	ck_assert_int_eq(count_sets(root), 0);
	ck_assert(!exists(root, "var/lib/gpuvirt/journal/0002"));
	manifest = get(root, "var/lib/gpuvirt/journal/0001");
	ck_assert_ptr_nonnull(strstr(manifest, "\nstate undone\n"));
	free(manifest);
	ck_assert_int_eq(undo_plan(root, &none, &e), -ENOENT);
	ck_assert_ptr_null(none);
	ck_assert_ptr_nonnull(strstr(e.msg, "nothing to undo"));
	free(orig);
	free(now);
	plan_free(u);
	free(root);
}
END_TEST

/* A mode changed by hand since (the bytes are still gpuvirt's) goes back too. */
START_TEST(undo_restores_a_mode)
{
	char *root = mkroot(), *text, *p;
	struct plan *u = NULL;
	struct gv_error e = { 0 };

	setup_root(root);
	apply_set(root);
	p = fsutil_join(root, "etc/default/grub");
	ck_assert_int_eq(chmod(p, 0644), 0);
	free(p);
	ck_assert_int_eq(undo_plan(root, &u, &e), 0);
	ck_assert_int_eq(plan_preview(u, &text, &e), 0);
	ck_assert_msg(strstr(text, "+GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n# etc/default/grub: mode 0644 -> 0600\n"),
		      "%s", text);
	free(text);
	ck_assert_int_eq(plan_apply(u, &no_run, &e), 0);
	ck_file(root, "etc/default/grub", OLD_GRUB);
	ck_assert_uint_eq(mode_of(root, "etc/default/grub"), 0600);
	plan_free(u);
	free(root);
}
END_TEST

START_TEST(undo_refuses_a_hand_edit)
{
	char *root = mkroot(), *text, *before, *after;
	struct plan *u = NULL;
	struct gv_error e = { 0 };
	struct plan_apply_opts force = { .no_run = true, .force_hand_edits = true };
	const char *mine = NEW_GRUB "GRUB_TIMEOUT=1\n";

	setup_root(root);
	apply_set(root);
	put(root, "etc/default/grub", mine, 0600);
	ck_assert_int_eq(undo_plan(root, &u, &e), 0);
	/* the preview starts from what is there now */
	ck_assert_int_eq(plan_preview(u, &text, &e), 0);
	ck_assert_msg(strstr(text, "-GRUB_TIMEOUT=1\n"), "%s", text);
	free(text);
	before = tree(root);
	buf_reset(&logbuf);
	ck_assert_int_eq(plan_apply(u, &no_run, &e), -EEXIST);
	ck_assert_msg(strstr(e.msg, "etc/default/grub was edited by hand since gpuvirt wrote it (change set 1)") &&
		      strstr(e.msg, "--force-hand-edits overwrites it"), "%s", e.msg);
	ck_assert_ptr_nonnull(strstr(logbuf.data, "+GRUB_TIMEOUT=1"));
	/* refused before anything was touched; the set is still applied */
	after = tree(root);
	ck_assert_str_eq(before, after);
	ck_assert_int_eq(count_sets(root), 1);
	ck_assert_int_eq(plan_apply(u, &force, &e), 0);
	ck_file(root, "etc/default/grub", OLD_GRUB);
	ck_assert_int_eq(count_sets(root), 0);
	free(before);
	free(after);
	plan_free(u);
	free(root);
}
END_TEST

/* The journal moved on between the preview and the confirmation. */
START_TEST(undo_of_a_set_no_longer_last_is_refused)
{
	char *root = mkroot(), *before, *now;
	struct plan *u = NULL, *p;
	struct gv_error e = { 0 };

	setup_root(root);
	apply_set(root);
	ck_assert_int_eq(undo_plan(root, &u, &e), 0);
	ck_assert_int_eq(plan_new(root, &p), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/x.conf", "x\n", 2, 0644, "x"), 0);
	ck_assert_int_eq(plan_apply(p, &no_run, &e), 0);
	plan_free(p);
	before = config(root);
	ck_assert_int_eq(plan_apply(u, &no_run, &e), -ESTALE);
	ck_assert_msg(strstr(e.msg, "change set 1 is no longer the last one applied"), "%s", e.msg);
	now = config(root);
	ck_assert_str_eq(before, now);
	free(now);
	ck_assert_int_eq(count_sets(root), 2);
	free(before);
	plan_free(u);
	free(root);
}
END_TEST

/* Sysfs attributes go back to the value read before; a failure part-way
 * rolls the undo back, and the set stays applied. */
START_TEST(undo_puts_sysfs_back_and_rolls_back)
{
	const char *bed = testbed_use_copy("ubuntu-v100");
	const char *attr = "/sys/bus/pci/devices/0000:41:00.0/sriov_numvfs";
	char *root = mkroot(), *text, line[64] = "", fake[4200];
	struct plan *p, *u = NULL;
	struct gv_error e = { 0 };
	struct plan_apply_opts quick = { .no_run = true, .sysfs_timeout_ms = 300 };
	FILE *f;

	snprintf(fake, sizeof(fake), "%s%s", bed, attr);
	f = fopen(fake, "w");
	ck_assert_ptr_nonnull(f);
	fputs("0\n", f);
	fclose(f);
	put(root, "etc/default/grub", OLD_GRUB, 0644);
	ck_assert_int_eq(plan_new(root, &p), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/default/grub", NEW_GRUB, strlen(NEW_GRUB), 0644, "iommu"), 0);
	ck_assert_int_eq(plan_write_sysfs(p, attr, "3", "three VFs"), 0);
	ck_assert_int_eq(plan_apply(p, &no_run, &e), 0);
	plan_free(p);

	ck_assert_int_eq(undo_plan(root, &u, &e), 0);
	ck_assert_int_eq(plan_preview(u, &text, &e), 0);
	ck_assert_msg(strstr(text, "# its value before change set 1\n"
			     "echo 0 > /sys/bus/pci/devices/0000:41:00.0/sriov_numvfs\n"), "%s", text);
	free(text);

	/* the attribute now hangs: the file restored before it is put forward again */
	ck_assert_int_eq(unlink(fake), 0);
	ck_assert_int_eq(mkfifo(fake, 0644), 0);
	ck_assert_int_eq(plan_apply(u, &quick, &e), -ETIMEDOUT);
	ck_assert_msg(strstr(e.msg, "apply stopped at echo 0 > /sys/bus/pci/devices/0000:41:00.0/sriov_numvfs") &&
		      strstr(e.msg, "1 earlier change rolled back"), "%s", e.msg);
	ck_file(root, "etc/default/grub", NEW_GRUB);
	ck_assert_int_eq(count_sets(root), 1);

	ck_assert_int_eq(unlink(fake), 0);
	f = fopen(fake, "w");
	fputs("3\n", f);
	fclose(f);
	ck_assert_int_eq(plan_apply(u, &quick, &e), 0);
	ck_file(root, "etc/default/grub", OLD_GRUB);
	f = fopen(attr, "r");
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	fclose(f);
	ck_assert_str_eq(line, "0\n");
	ck_assert_int_eq(count_sets(root), 0);
	plan_free(u);
	free(root);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("undo");
	TCase *tc = tcase_create("undo");

	tcase_add_test(tc, undo_previews_the_reversal);
	tcase_add_test(tc, undo_applies_through_plan_apply);
	tcase_add_test(tc, undo_restores_a_mode);
	tcase_add_test(tc, undo_refuses_a_hand_edit);
	tcase_add_test(tc, undo_of_a_set_no_longer_last_is_refused);
	tcase_add_test(tc, undo_puts_sysfs_back_and_rolls_back);
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
