/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gpuvirt undo [--yes] [--no-run] [--force-hand-edits]   revert the last change set
 * gpuvirt plan --undo [--json]                            its preview; writes nothing
 *
 * Undo is a plan: undo_plan() -> plan_preview() -> confirm -> plan_apply(),
 * the calls `gpuvirt apply` makes.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/plan/journal.h"
#include "core/plan/plan.h"
#include "core/plan/undo.h"
#include "tui/cli/commands.h"

enum { OPT_YES = 0x100, OPT_NO_RUN, OPT_FORCE_HAND_EDITS, OPT_HELP };

static const struct option options[] = {
	{ "yes", no_argument, NULL, OPT_YES },
	{ "no-run", no_argument, NULL, OPT_NO_RUN },
	{ "force-hand-edits", no_argument, NULL, OPT_FORCE_HAND_EDITS },
	{ "help", no_argument, NULL, OPT_HELP },
	{}
};

static void usage(FILE *f)
{
	fputs("usage: gpuvirt undo [--yes] [--no-run] [--force-hand-edits]\n", f);
}

/* Writing to the real / takes root; a --root directory is the caller's business. */
static bool needs_root(const char *root)
{
	char *r;
	bool slash;

	if (geteuid() == 0)
		return false;
	r = realpath(root, NULL);
	slash = r && !strcmp(r, "/");
	free(r);
	return slash;
}

/* Ask on a terminal; without one, only --yes goes ahead. */
static bool confirm(int set, bool yes)
{
	char line[64];

	if (yes)
		return true;
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "gpuvirt undo: not a terminal, so nothing was undone; pass --yes to undo without asking\n");
		return false;
	}
	fprintf(stderr, "Undo change set %d? [y/N] ", set);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

/* "# undo change set N, applied WHEN: SUMMARY", from the journal's list. */
static void print_header(const char *root, int set)
{
	struct journal_set *sets = NULL;
	size_t n = 0;

	if (journal_list(root, &sets, &n, NULL) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (sets[i].id == set)
			printf("# undo change set %d, %s %s: %s\n\n", set, sets[i].interrupted ? "interrupted" : "applied",
			       sets[i].when, sets[i].summary);
	journal_sets_free(sets, n);
}

/* Build the undo of the last change set under G's root and print it as
 * CMD does; *RET_PLAN (when not NULL) gets the plan. Returns an exit status. */
static int show(const char *cmd, const struct gv_globals *g, bool json, struct plan **ret_plan)
{
	struct gv_error err = { 0 };
	struct plan *p = NULL;
	char *text = NULL;
	int r;

	r = undo_plan(g->root, &p, &err);
	if (r == -ENOENT) {
		fprintf(stderr, "gpuvirt %s: nothing to undo under %s\n", cmd, g->root);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "gpuvirt %s: %s\n", cmd, err.msg[0] ? err.msg : strerror(-r));
		return 1;
	}
	r = json ? plan_preview_json(p, &text, &err) : plan_preview(p, &text, &err);
	if (r < 0) {
		fprintf(stderr, "gpuvirt %s: %s\n", cmd, err.msg[0] ? err.msg : strerror(-r));
		plan_free(p);
		return 1;
	}
	if (!json)
		print_header(g->root, undo_plan_set(p));
	fputs(text, stdout);
	fflush(stdout);
	free(text);
	if (ret_plan)
		*ret_plan = p;
	else
		plan_free(p);
	return 0;
}

int cli_undo_preview(const struct gv_globals *g, bool json)
{
	return show("plan", g, json, NULL);
}

int cmd_undo(int argc, char **argv, const struct gv_globals *g)
{
	struct plan_apply_opts ao = { 0 };
	struct gv_error err = { 0 };
	struct plan *p = NULL;
	bool yes = false;
	int opt, r, status;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		switch (opt) {
		case OPT_YES:
			yes = true;
			break;
		case OPT_NO_RUN:
			ao.no_run = true;
			break;
		case OPT_FORCE_HAND_EDITS:
			ao.force_hand_edits = true;
			break;
		case OPT_HELP:
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "gpuvirt undo: unknown option '%s'\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "gpuvirt undo: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (needs_root(g->root)) {
		fprintf(stderr, "gpuvirt undo: writing the configuration under / needs root; run it with sudo\n");
		return 1;
	}
	status = show("undo", g, false, &p);
	if (status)
		return status;
	if (!confirm(undo_plan_set(p), yes)) {
		status = 1;
		goto out;
	}
	r = plan_apply(p, &ao, &err);
	if (r < 0) {
		fprintf(stderr, "gpuvirt undo: %s\n", err.msg[0] ? err.msg : strerror(-r));
		status = 1;
		goto out;
	}
	printf("Undone. Reboot for the previous configuration to take effect.\n");
	status = 0;
out:
	plan_free(p);
	return status;
}
