/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gpuvirt plan CHANGE... [--json] [--save FILE]    the preview; writes nothing
 *                                                  but FILE, the plan to apply
 * gpuvirt undo [--yes] [--no-run]                  revert the last change set
 *
 * The same core calls as the wizard: change_parse() -> propose_build() ->
 * plan_preview(), plan_save(); journal_undo().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/plan/journal.h"
#include "core/plan/plan.h"
#include "tui/cli/cli.h"
#include "tui/cli/commands.h"

static void plan_usage(FILE *f)
{
	fputs("usage: gpuvirt plan CHANGE... [--json] [--save FILE] [--force-boot-gpu] [--bootloader NAME]\n", f);
	cli_usage_changes(f);
}

int cmd_plan(int argc, char **argv, const struct gv_globals *g, struct session *s)
{
	struct gv_error err = { 0 };
	struct cli_opts c = { 0 };
	struct plan *p = NULL;
	int r, status;

	status = cli_parse(argc, argv, CLI_TAKES_CHANGES | CLI_TAKES_JSON | CLI_TAKES_FORCE_GPU | CLI_TAKES_SAVE,
			   plan_usage, &c);
	if (status) {
		status = status > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
		goto out;
	}
	if (!draft_n(c.draft)) {
		fprintf(stderr, "gpuvirt plan: no CHANGE given (--vfio ADDRESS, --blacklist MODULE, ...)\n");
		status = CLI_EXIT_USAGE;
		goto out;
	}
	status = cli_build_plan("plan", &c, s, &p);
	if (status)
		goto out;
	if (!c.json && plan_is_empty(p))
		puts("# nothing to change: the configuration already says all of this");
	status = cli_print_preview("plan", p, c.json);
	if (status || !c.save_file)
		goto out;
	/* the file is the person's own, outside the root: plan writes nothing else */
	r = plan_save(p, c.save_file, &err);
	if (r < 0) {
		fprintf(stderr, "gpuvirt plan: %s\n", err.msg[0] ? err.msg : strerror(-r));
		status = CLI_EXIT_FAILED;
		goto out;
	}
	/* a plan is for the root it was made on: the hint names that root */
	fprintf(stderr, "gpuvirt plan: saved to %s; `gpuvirt%s%s apply --plan %s` applies it\n", c.save_file,
		session_demo(s) ? " --demo" : strcmp(session_root(s), "/") ? " --root " : "",
		session_demo(s) || !strcmp(session_root(s), "/") ? "" : session_root(s), c.save_file);
out:
	plan_free(p);
	cli_opts_clear(&c);
	return status;
}

static void undo_usage(FILE *f)
{
	fputs("usage: gpuvirt undo [--yes] [--no-run] [--force-hand-edits]\n", f);
}

int cmd_undo(int argc, char **argv, const struct gv_globals *g, struct session *s)
{
	struct journal_undo_opts uo = { 0 };
	struct journal_set *sets = NULL;
	struct gv_error err = { 0 };
	struct cli_opts c = { 0 };
	size_t n = 0;
	char question[64];
	int r, status;

	status = cli_parse(argc, argv, CLI_TAKES_APPLY, undo_usage, &c);
	if (status) {
		status = status > 0 ? 0 : 2;
		goto out;
	}
	if (cli_needs_root(session_root(s))) {
		fprintf(stderr, "gpuvirt undo: writing the configuration under / needs root; run it with sudo\n");
		status = 1;
		goto out;
	}
	r = journal_list(session_root(s), &sets, &n, &err);
	if (r < 0) {
		fprintf(stderr, "gpuvirt undo: %s\n", err.msg[0] ? err.msg : strerror(-r));
		status = 1;
		goto out;
	}
	if (!n) {
		fprintf(stderr, "gpuvirt undo: nothing to undo under %s\n", session_root(s));
		status = 1;
		goto out;
	}
	printf("Change set %d, applied %s: %s\n", sets[n - 1].id, sets[n - 1].when ? sets[n - 1].when : "?",
	       sets[n - 1].summary ? sets[n - 1].summary : "");
	fflush(stdout);
	snprintf(question, sizeof(question), "Undo change set %d?", sets[n - 1].id);
	if (!cli_confirm("undo", question, c.yes)) {
		status = 1;
		goto out;
	}
	uo.no_run = c.no_run || session_demo(s);
	uo.force_hand_edits = c.force_hand_edits;
	r = journal_undo(session_root(s), &uo, &err);
	if (r < 0) {
		fprintf(stderr, "gpuvirt undo: %s\n", err.msg[0] ? err.msg : strerror(-r));
		status = 1;
		goto out;
	}
	printf("Undone. Reboot for the previous configuration to take effect.\n");
	status = 0;
out:
	journal_sets_free(sets, n);
	cli_opts_clear(&c);
	return status;
}
