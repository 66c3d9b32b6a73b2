/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The journal's manifest reader (core/plan/journal.h journal_list, and the
 * recording side core/plan uses, journal-txn.h). Input: a manifest, written
 * as ROOT/var/lib/gpuvirt/journal/0001 of a scratch root. Properties:
 *   - journal_list() and journal_txn_last() agree on whether set 1 is
 *     still applied, and on its number;
 *   - the manifest written back (journal_txn_mark_undone() rewrites it with
 *     state "undone"), with its state put back, reads as the same set:
 *     files, directories, sysfs values, commands and their undo, summary,
 *     time and expectations; written back once more it is the same bytes;
 *   - the undo plan made from it (undo_plan()) previews.
 */
#include "core/plan/journal-txn.h"
#include "core/plan/plan.h"
#include "core/plan/undo.h"
#include "tests/fuzz/fuzz.h"

#define MANIFEST "var/lib/gpuvirt/journal/0001"

static bool argv_eq(char **a, char **b)
{
	if (!a || !b)
		return a == b;
	for (; *a && *b; a++, b++)
		if (strcmp(*a, *b))
			return false;
	return !*a && !*b;
}

static void check_same_record(const struct journal_record *a, const struct journal_record *b)
{
	CHECK(a->id == b->id, "the id changed in the round trip: %d, read back %d", a->id, b->id);
	CHECK(a->interrupted == b->interrupted, "'interrupted' changed in the round trip: %d, read back %d", a->interrupted, b->interrupted);
	CHECK(!strcmp(a->when, b->when), "the time changed in the round trip: '%s', read back '%s'", a->when, b->when);
	CHECK(!strcmp(a->summary, b->summary), "the summary changed in the round trip: '%s', read back '%s'", a->summary, b->summary);
	CHECK(a->n_files == b->n_files, "the files changed in the round trip: %zu, read back %zu", a->n_files, b->n_files);
	for (size_t i = 0; i < a->n_files; i++) {
		const struct journal_file *x = &a->files[i], *y = &b->files[i];
		CHECK(!strcmp(x->path, y->path) && !strcmp(x->target, y->target), "a file changed in the round trip: %zu "
		      "'%s' -> '%s', read back '%s' -> '%s'", i, x->path, x->target, y->path, y->target);
		CHECK(x->had_before == y->had_before && x->has_after == y->has_after, "a file changed in the round trip: "
		      "%zu, before/after presence", i);
		CHECK(!x->had_before || !strcmp(x->before_sha, y->before_sha), "a file changed in the round trip: %zu, before hash", i);
		CHECK(!x->has_after || !strcmp(x->after_sha, y->after_sha), "a file changed in the round trip: %zu, after hash", i);
		CHECK((x->mode & 07777) == (y->mode & 07777), "a file changed in the round trip: %zu, mode %o, read back %o", i,
		      (unsigned)x->mode, (unsigned)y->mode);
	}
	CHECK(a->n_dirs == b->n_dirs, "the directories changed in the round trip: %zu, read back %zu", a->n_dirs, b->n_dirs);
	for (size_t i = 0; i < a->n_dirs; i++)
		CHECK(!strcmp(a->dirs[i].dir, b->dirs[i].dir) && a->dirs[i].n == b->dirs[i].n,
		      "a directory changed in the round trip: %zu '%s' (%zu), read back '%s' (%zu)", i, a->dirs[i].dir, a->dirs[i].n,
		      b->dirs[i].dir, b->dirs[i].n);
	CHECK(a->n_sysfs == b->n_sysfs, "the sysfs values changed in the round trip: %zu, read back %zu", a->n_sysfs, b->n_sysfs);
	for (size_t i = 0; i < a->n_sysfs; i++)
		CHECK(!strcmp(a->sysfs[i].attr, b->sysfs[i].attr) && fuzz_streq(a->sysfs[i].before, b->sysfs[i].before) &&
		      !strcmp(a->sysfs[i].after, b->sysfs[i].after), "a sysfs value changed in the round trip: %zu '%s'", i, a->sysfs[i].attr);
	CHECK(a->n_runs == b->n_runs, "the commands changed in the round trip: %zu, read back %zu", a->n_runs, b->n_runs);
	for (size_t i = 0; i < a->n_runs; i++) {
		const struct journal_run *x = &a->runs[i], *y = &b->runs[i];
		CHECK(argv_eq(x->argv, y->argv) && argv_eq(x->undo, y->undo), "a command changed in the round trip: %zu", i);
		CHECK(x->status < 0 ? y->status < 0 : x->status == y->status, "a command's status changed in the round trip: %zu: %d, read back %d",
		      i, x->status, y->status);
	}
}

static void check_same_expects(const struct journal_set *a, const struct journal_set *b)
{
	CHECK(a->n_expects == b->n_expects, "the expectations changed in the round trip: %zu, read back %zu", a->n_expects, b->n_expects);
	for (size_t i = 0; i < a->n_expects; i++)
		CHECK(!strcmp(a->expects[i].kind, b->expects[i].kind) && !strcmp(a->expects[i].key, b->expects[i].key) &&
		      fuzz_streq(a->expects[i].value, b->expects[i].value), "an expectation changed in the round trip: %zu", i);
	CHECK(a->n_pending == b->n_pending, "the pending commands changed in the round trip: %zu, read back %zu", a->n_pending, b->n_pending);
	for (size_t i = 0; i < a->n_pending; i++)
		CHECK(!strcmp(a->pending[i], b->pending[i]), "a pending command changed in the round trip: '%s', read back '%s'", a->pending[i],
		      b->pending[i]);
}

/* Put STATE back on the manifest's "state undone" line (it is the third). */
static char *restate(const char *text, const char *state)
{
	const char *at = strstr(text, "\nstate undone\n");
	size_t head, n;
	char *out;

	CHECK(at, "the manifest written back has no 'state undone' line:\n%s", text);
	head = (size_t)(at - text) + strlen("\nstate ");
	n = head + strlen(state) + strlen(at + strlen("\nstate undone")) + 1;
	out = malloc(n);
	if (!out)
		abort();
	snprintf(out, n, "%.*s%s%s", (int)head, text, state, at + strlen("\nstate undone"));
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *root, *jdir, *manifest;
	struct journal_set *sets = NULL, *sets2 = NULL;
	struct journal_txn *t = NULL, *t2 = NULL;
	struct journal_record a, b;
	struct plan *undo = NULL;
	struct gv_error err = { 0 };
	size_t n = 0, n2 = 0, l1, l2;
	char *s1, *s2, *back, *preview = NULL;
	int r, rl;

	if (!root) {
		root = fuzz_path("root");
		jdir = fuzz_path("root/var/lib/gpuvirt");
		manifest = fuzz_path("root/" MANIFEST);
	}
	fuzz_rm_rf(jdir);
	fuzz_write(manifest, data, size);

	rl = journal_list(root, &sets, &n, &err);
	r = journal_txn_last(root, &t, NULL);
	CHECK((rl < 0) == (r < 0 && r != -ENOENT), "journal_list %d, journal_txn_last %d", rl, r);
	if (rl < 0) {
		CHECK(strstr(err.msg, MANIFEST), "the error does not name the manifest: %s", err.msg);
		return 0;
	}
	CHECK(n <= 1, "one manifest, %zu sets", n);
	CHECK((n == 1) == (r == 0), "journal_list lists %zu sets, journal_txn_last returns %d", n, r);
	if (!n) {
		journal_sets_free(sets, n);
		return 0;
	}
	CHECK(sets[0].id == 1 && journal_txn_id(t) == 1, "set 0001 listed as %d, read as %d", sets[0].id,
	      journal_txn_id(t));
	journal_txn_record(t, &a);
	CHECK(sets[0].interrupted == a.interrupted, "journal_list and the record disagree on 'interrupted'");
	CHECK(!strcmp(sets[0].summary, a.summary), "journal_list and the record disagree on the summary");

	r = undo_plan(root, &undo, &err);
	if (r == 0) {
		CHECK(undo_plan_set(undo) == 1, "the undo plan reverses set %d", undo_plan_set(undo));
		r = plan_preview(undo, &preview, &err);
		CHECK(r == 0, "the undo plan has no preview: %s", err.msg);
		free(preview);
		plan_free(undo);
	}

	/* the manifest written back */
	char *state = strdup(a.interrupted ? "applying" : "applied");
	r = journal_txn_mark_undone(t, &err);
	CHECK(r == 0, "the manifest cannot be written back: %s", err.msg);
	s1 = fuzz_read(manifest, &l1);
	CHECK(s1 && strlen(s1) == l1, "the manifest written back has a NUL byte");
	back = restate(s1, state);
	fuzz_write(manifest, back, strlen(back));
	r = journal_txn_last(root, &t2, &err);
	CHECK(r == 0, "the manifest written back does not read: %s\n%s", err.msg, back);
	journal_txn_record(t2, &b);
	check_same_record(&a, &b);
	CHECK(journal_list(root, &sets2, &n2, &err) == 0 && n2 == 1, "the manifest written back is not listed");
	check_same_expects(&sets[0], &sets2[0]);
	CHECK(journal_txn_mark_undone(t2, &err) == 0, "the manifest read back cannot be written: %s", err.msg);
	s2 = fuzz_read(manifest, &l2);
	CHECK(s2 && l1 == l2 && !memcmp(s1, s2, l1), "written back twice, the manifest changed:\n--- once\n%s"
	      "--- twice\n%s", s1, s2 ? s2 : "");

	free(state);
	free(s1);
	free(s2);
	free(back);
	journal_txn_free(t);
	journal_txn_free(t2);
	journal_sets_free(sets, n);
	journal_sets_free(sets2, n2);
	return 0;
}
