/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gpuvirt undo [--yes] [--no-run] [--force-hand-edits]   revert the last change set
 * gpuvirt plan --undo [--json]                            its preview; writes nothing
 *
 * Undo is a plan: undo_plan() -> plan_preview() -> confirm -> plan_apply(),
 * the calls `gpuvirt apply` makes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/plan/journal.h"
#include "core/plan/plan.h"
#include "core/plan/undo.h"
#include "core/util/xalloc.h"
#include "tui/cli/cli.h"
#include "tui/cli/commands.h"

static void usage(FILE *f)
{
	fputs("usage: gpuvirt undo [--yes] [--no-run] [--force-hand-edits] [--live]\n", f);
}

/* "# undo change set N, applied WHEN: SUMMARY", from the journal's list. */
static void print_header(const char *root, int set)
{
	struct journal_set *sets = NULL;
	size_t n = 0;

	if (journal_list(root, &sets, &n, NULL) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (sets[i].id == set) {
			/* the journal is a file under the root: its words are shown, never obeyed */
			char *line = xasprintf("# undo change set %d, %s %s: %s\n\n", set,
					       sets[i].interrupted ? "interrupted" : "applied",
					       sets[i].when ? sets[i].when : "?", sets[i].summary ? sets[i].summary : "");
			cli_puts_visible(line, stdout);
			free(line);
		}
	journal_sets_free(sets, n);
}

/* Build the undo of the last change set under G's root and print it as
 * CMD does; *RET_PLAN (when not NULL) gets the plan. Returns an exit status. */
static int show(const char *cmd, const char *root, bool json, struct plan **ret_plan)
{
	struct gv_error err = { 0 };
	struct plan *p = NULL;
	char *text = NULL;
	int r;

	r = undo_plan(root, &p, &err);
	if (r == -ENOENT) {
		fprintf(stderr, "gpuvirt %s: nothing to undo under %s\n", cmd, root);
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
		print_header(root, undo_plan_set(p));
	if (json)
		fputs(text, stdout);
	else
		cli_puts_visible(text, stdout);
	fflush(stdout);
	free(text);
	if (ret_plan)
		*ret_plan = p;
	else
		plan_free(p);
	return 0;
}

int cli_undo_preview(struct session *s, bool json)
{
	return show("plan", session_root(s), json, NULL);
}

int cmd_undo(int argc, char **argv, const struct gv_globals *g, struct session *s)
{
	struct cli_opts c = { 0 };
	struct plan *p = NULL;
	char question[64];
	int status;

	status = cli_parse(argc, argv, CLI_TAKES_APPLY, usage, &c);
	if (status) {
		status = status > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
		goto out;
	}
	if (c.live && session_demo(s)) {
		fprintf(stderr, "gpuvirt undo: --live: nothing live is written under --demo\n");
		status = CLI_EXIT_USAGE;
		goto out;
	}
	if (cli_needs_root(session_root(s))) {
		fprintf(stderr, "gpuvirt undo: writing the configuration under / needs root; run it with sudo\n");
		status = CLI_EXIT_FAILED;
		goto out;
	}
	status = show("undo", session_root(s), false, &p);
	if (status)
		goto out;
	snprintf(question, sizeof(question), "Undo change set %d?", undo_plan_set(p));
	status = cli_confirm_apply("undo", question, &c, s, p);
	if (status)
		goto out;
	printf("Undone. Reboot for the previous configuration to take effect.\n");
	status = CLI_EXIT_OK;
out:
	plan_free(p);
	cli_opts_clear(&c);
	return status;
}
