/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util/buf.h"
#include "core/util/field.h"
#include "core/util/fsutil.h"
#include "core/plan/journal.h"
#include "core/util/log.h"
#include "core/plan/plan.h"
#include "core/plan/undo.h"
#include "testbed.h"
#include "tests/unit/testroot.h"

static char *mkroot(void)
{
	return testroot_new("journal");
}

static void put(const char *root, const char *rel, const char *s, size_t n)
{
	testroot_put(root, rel, s, n, 0);
}

/* Byte-exact comparison; WANT NULL means absent. */
static void ck_bytes(const char *root, const char *rel, const char *want, size_t want_len)
{
	char *p = fsutil_join(root, rel), *d = NULL;
	size_t n = 0;
	int r = fsutil_read_file(p, &d, &n);

	free(p);
	if (!want) {
		ck_assert_msg(r == -ENOENT, "%s still exists", rel);
		return;
	}
	ck_assert_msg(r == 0, "%s: %s", rel, strerror(-r));
	ck_assert_msg(n == want_len && memcmp(d, want, n) == 0, "%s differs", rel);
	free(d);
}

static int apply_one(const char *root, const char *rel, const char *content, const char *const *argv,
		     const struct plan_apply_opts *o)
{
	struct plan *p;
	struct gv_error e = { 0 };
	int r;

	ck_assert_int_eq(plan_new(root, &p), 0);
	ck_assert_int_eq(plan_write_file(p, rel, content, strlen(content), 0644, "test"), 0);
	if (argv)
		ck_assert_int_eq(plan_run(p, argv, "regenerate"), 0);
	ck_assert_int_eq(plan_expect(p, "module", "vfio_pci", NULL), 0);
	r = plan_apply(p, o, &e);
	plan_free(p);
	return r;
}

static const struct plan_apply_opts no_run = { .no_run = true };
static const struct journal_undo_opts undo_no_run = { .no_run = true };

/* The journal's hashes are SHA-256 (FIPS 180-4 test vector "abc"), as
 * sha256sum(1) prints them, so a person can check a file by hand. */
START_TEST(journal_hash_is_sha256)
{
	char *root = mkroot(), *m = NULL, *path;
	size_t n;

	ck_assert_int_eq(apply_one(root, "etc/abc.conf", "abc", NULL, NULL), 0);
	path = fsutil_join(root, JOURNAL_DIR "/journal/0001");
	ck_assert_int_eq(fsutil_read_file(path, &m, &n), 0);
	ck_assert_msg(strstr(m, "file etc/abc.conf target=etc/abc.conf before=absent "
			     "after=sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad mode=0644\n"),
		      "%s", m);
	free(m);
	free(path);
	free(root);
}
END_TEST

START_TEST(undo_restores_bytes_exactly)
{
	char *root = mkroot();
	struct gv_error e = { 0 };
	const char old[] = "GRUB_X=\"a\"\r\n\tno newline at end \xff\x01";
	char *p;
	struct stat st;

	put(root, "etc/default/grub", old, sizeof(old) - 1);
	p = fsutil_join(root, "etc/default/grub");
	ck_assert_int_eq(chmod(p, 0600), 0);
	ck_assert_int_eq(apply_one(root, "etc/default/grub", "GRUB_X=\"b\"\n", NULL, NULL), 0);
	ck_assert_int_eq(apply_one(root, "etc/modprobe.d/new/gpuvirt.conf", "blacklist nouveau\n", NULL, NULL), 0);
	ck_assert_int_eq(journal_undo(root, NULL, &e), 0);
	/* the file gpuvirt created is gone, and so is the directory it made */
	ck_bytes(root, "etc/modprobe.d/new/gpuvirt.conf", NULL, 0);
	char *dir = fsutil_join(root, "etc/modprobe.d");
	ck_assert_int_eq(access(dir, F_OK), -1);
	free(dir);
	ck_assert_int_eq(journal_undo(root, NULL, &e), 0);
	ck_bytes(root, "etc/default/grub", old, sizeof(old) - 1);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	/* nothing left to undo */
	ck_assert_int_eq(journal_undo(root, NULL, &e), -ENOENT);
	ck_assert_ptr_nonnull(strstr(e.msg, "nothing to undo"));
	free(p);
	free(root);
}
END_TEST

START_TEST(undo_twice_goes_back_two_sets)
{
	char *root = mkroot();
	struct gv_error e = { 0 };
	struct journal_set *sets;
	size_t n;

	put(root, "etc/x.conf", "v0\n", 3);
	ck_assert_int_eq(apply_one(root, "etc/x.conf", "v1\n", NULL, NULL), 0);
	ck_assert_int_eq(apply_one(root, "etc/x.conf", "v2\n", NULL, NULL), 0);
	ck_assert_int_eq(journal_list(root, &sets, &n, &e), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_lt(sets[0].id, sets[1].id);
	journal_sets_free(sets, n);
	ck_assert_int_eq(journal_undo(root, NULL, &e), 0);
	ck_bytes(root, "etc/x.conf", "v1\n", 3);
	ck_assert_int_eq(journal_undo(root, NULL, &e), 0);
	ck_bytes(root, "etc/x.conf", "v0\n", 3);
	ck_assert_int_eq(journal_list(root, &sets, &n, &e), 0);
	ck_assert_uint_eq(n, 0);
	journal_sets_free(sets, n);
	/* a new set after undos gets a new id; the old backups stay */
	ck_assert_int_eq(apply_one(root, "etc/x.conf", "v3\n", NULL, NULL), 0);
	ck_assert_int_eq(journal_list(root, &sets, &n, &e), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(sets[0].id, 3);
	journal_sets_free(sets, n);
	free(root);
}
END_TEST

START_TEST(list_has_expectations_and_pending)
{
	char *root = mkroot();
	struct gv_error e = { 0 };
	struct journal_set *sets;
	size_t n;
	const char *const argv[] = { "update-initramfs", "-u", "-k", "all", NULL };

	ck_assert_int_eq(apply_one(root, "etc/modprobe.d/gpuvirt.conf", "blacklist nouveau\n", argv, &no_run), 0);
	ck_assert_int_eq(journal_list(root, &sets, &n, &e), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(sets[0].id, 1);
	ck_assert(!sets[0].interrupted);
	ck_assert_int_eq(strlen(sets[0].when), 20);
	ck_assert_ptr_nonnull(strstr(sets[0].summary, "write etc/modprobe.d/gpuvirt.conf"));
	ck_assert_uint_eq(sets[0].n_expects, 1);
	ck_assert_str_eq(sets[0].expects[0].kind, "module");
	ck_assert_str_eq(sets[0].expects[0].key, "vfio_pci");
	ck_assert_ptr_null(sets[0].expects[0].value);
	ck_assert_uint_eq(sets[0].n_pending, 1);
	ck_assert_str_eq(sets[0].pending[0], "update-initramfs -u -k all");
	journal_sets_free(sets, n);
	/* undo with no_run lists the command again */
	buf_reset(&logbuf);
	ck_assert_int_eq(journal_undo(root, &undo_no_run, &e), 0);
	ck_assert_ptr_nonnull(strstr(logbuf.data, "update-initramfs -u -k all"));
	free(root);
}
END_TEST

START_TEST(journal_is_readable_text_beside_nothing)
{
	char *root = mkroot(), *m = NULL, cmd[512];
	size_t n;

	put(root, "etc/modprobe.d/other.conf", "options x y=1\n", 14);
	ck_assert_int_eq(apply_one(root, "etc/modprobe.d/other.conf", "options x y=2\n", NULL, NULL), 0);
	char *path = fsutil_join(root, JOURNAL_DIR "/journal/0001");
	ck_assert_int_eq(fsutil_read_file(path, &m, &n), 0);
	free(path);
	ck_assert(strncmp(m, "gpuvirt-journal 1\nid 1\nstate applied\nwhen ", 42) == 0);
	char want[512];
	snprintf(want, sizeof(want), "file etc/modprobe.d/other.conf target=etc/modprobe.d/other.conf "
		 "before=sha256:671ee37fa82f200ae1569f25aec5c73d13d0d6e3baaea60e1b2b73080d8acc57 "
		 "after=sha256:0fa1802544bd33343588239b5ef65b1995f6793a0feb404cde4d5a3121442dd1 mode=0644\n");
	ck_assert_msg(strstr(m, want), "%s", m);
	ck_assert_ptr_nonnull(strstr(m, "expect module vfio_pci\nend\n"));
	free(m);
	/* backups live under var/lib/gpuvirt/backup, never beside the original */
	ck_bytes(root, JOURNAL_DIR "/backup/0001/etc/modprobe.d/other.conf", "options x y=1\n", 14);
	snprintf(cmd, sizeof(cmd), "test \"$(ls -A '%s/etc/modprobe.d')\" = other.conf", root);
	ck_assert_int_eq(system(cmd), 0);
	free(root);
}
END_TEST

START_TEST(undo_refuses_hand_edits)
{
	char *root = mkroot();
	struct gv_error e = { 0 };
	struct journal_undo_opts force = { .force_hand_edits = true };

	put(root, "etc/kernel/cmdline", "root=/dev/sda1 quiet\n", 21);
	ck_assert_int_eq(apply_one(root, "etc/kernel/cmdline", "root=/dev/sda1 quiet iommu=pt\n", NULL, NULL), 0);
	put(root, "etc/kernel/cmdline", "root=/dev/sda1 quiet iommu=pt mine\n", 35);
	buf_reset(&logbuf);
	ck_assert_int_eq(journal_undo(root, NULL, &e), -EEXIST);
	ck_assert_msg(strstr(e.msg, "etc/kernel/cmdline") && strstr(e.msg, "edited by hand") &&
		      strstr(e.msg, "see the log for the three versions; --force-hand-edits overwrites it"), "%s", e.msg);
	ck_assert_ptr_nonnull(strstr(logbuf.data, "+root=/dev/sda1 quiet iommu=pt mine"));
	ck_bytes(root, "etc/kernel/cmdline", "root=/dev/sda1 quiet iommu=pt mine\n", 35);
	ck_assert_int_eq(journal_undo(root, &force, &e), 0);
	ck_bytes(root, "etc/kernel/cmdline", "root=/dev/sda1 quiet\n", 21);
	free(root);
}
END_TEST

START_TEST(undo_with_no_journal)
{
	char *root = mkroot();
	struct gv_error e = { 0 };
	struct journal_set *sets = NULL;
	size_t n = 7;

	ck_assert_int_eq(journal_undo(root, NULL, &e), -ENOENT);
	ck_assert_int_eq(journal_list(root, &sets, &n, &e), 0);
	ck_assert_uint_eq(n, 0);
	journal_sets_free(sets, n);
	free(root);
}
END_TEST

/* Set names are parsed bounded: a hostile name neither aborts the next apply
 * (int overflow of max+1) nor makes a set that undo can never reach. */
START_TEST(journal_ids_are_bounded)
{
	char *root = mkroot();
	struct gv_error e = { 0 };
	struct journal_set *sets = NULL;
	size_t n = 0;
	char *from, *to;

	put(root, JOURNAL_DIR "/journal/2147483647", "id 2147483647\n", 14);
	put(root, JOURNAL_DIR "/journal/99999999999999999999", "x\n", 2);
	put(root, JOURNAL_DIR "/journal/7", "x\n", 2);
	ck_assert_int_eq(apply_one(root, "etc/a.conf", "a\n", NULL, &no_run), 0);
	ck_assert_int_eq(journal_list(root, &sets, &n, &e), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(sets[0].id, 1);
	journal_sets_free(sets, n);
	ck_assert_msg(strstr(buf_str(&logbuf), "journal/2147483647: not a change set name"), "%s", buf_str(&logbuf));
	ck_assert(strstr(buf_str(&logbuf), "journal/99999999999999999999: not a change set name"));
	ck_assert(strstr(buf_str(&logbuf), "journal/7: not a change set name"));
	ck_assert_int_eq(journal_undo(root, &undo_no_run, &e), 0);
	ck_bytes(root, "etc/a.conf", NULL, 0);

	/* the last number gpuvirt gives: the next apply is refused, not wrapped */
	ck_assert_int_eq(apply_one(root, "etc/b.conf", "b\n", NULL, &no_run), 0);
	from = fsutil_join(root, JOURNAL_DIR "/journal/0001");
	to = fsutil_join(root, JOURNAL_DIR "/journal/999999");
	ck_assert_int_eq(rename(from, to), 0);
	ck_assert_int_eq(apply_one(root, "etc/c.conf", "c\n", NULL, &no_run), -ENOSPC);
	ck_bytes(root, "etc/c.conf", NULL, 0);
	free(from);
	free(to);
	free(root);
}
END_TEST

/* A manifest is untrusted: one without its 'when' is refused, naming the
 * file, rather than read and written back as "when (null)". */
START_TEST(manifest_without_when_is_refused)
{
	static const char m[] = "gpuvirt-journal 1\nid 1\nstate applied\nsummary no time\nend\n";
	char *root = mkroot();
	struct gv_error e = { 0 };
	struct journal_set *sets = NULL;
	size_t n = 0;

	put(root, JOURNAL_DIR "/journal/0001", m, sizeof(m) - 1);
	ck_assert_int_eq(journal_list(root, &sets, &n, &e), -EINVAL);
	ck_assert_msg(strstr(e.msg, "journal/0001: incomplete journal entry (no 'when' line)"), "%s", e.msg);
	free(root);
}
END_TEST

START_TEST(field_encoding_round_trips)
{
	struct buf enc = BUF_INIT, dec = BUF_INIT;
	const char s[] = "a b%c\n\x01\x7f\xc3\xa9";

	field_encode(&enc, s, sizeof(s) - 1, true);
	ck_assert_str_eq(enc.data, "a%20b%25c%0A%01%7F\xc3\xa9");
	ck_assert_int_eq(field_decode(&dec, enc.data), 0);
	ck_assert_uint_eq(dec.len, sizeof(s) - 1);
	ck_assert_int_eq(memcmp(dec.data, s, dec.len), 0);
	buf_reset(&dec);
	ck_assert_int_eq(field_decode(&dec, "%4"), -EINVAL);
	buf_free(&enc);
	buf_free(&dec);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("journal");

	tcase_add_test(tc, journal_hash_is_sha256);
	tcase_add_test(tc, undo_restores_bytes_exactly);
	tcase_add_test(tc, undo_twice_goes_back_two_sets);
	tcase_add_test(tc, list_has_expectations_and_pending);
	tcase_add_test(tc, journal_is_readable_text_beside_nothing);
	tcase_add_test(tc, undo_refuses_hand_edits);
	tcase_add_test(tc, undo_with_no_journal);
	tcase_add_test(tc, field_encoding_round_trips);
	tcase_add_test(tc, manifest_without_when_is_refused);
	tcase_add_test(tc, journal_ids_are_bounded);
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
