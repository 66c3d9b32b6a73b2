/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gpuvirt apply CHANGE... [--yes] [--no-run]       preview, confirm, apply
 * gpuvirt apply --plan FILE [--yes] [--no-run]     a plan saved by `plan --save`
 *
 * The same core calls as the wizard: change_parse() -> propose_build() or
 * plan_load() -> plan_preview() -> plan_apply().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/plan/plan.h"
#include "tui/cli/cli.h"
#include "tui/cli/commands.h"

static void apply_usage(FILE *f)
{
	fputs("usage: gpuvirt apply CHANGE... [--yes] [--no-run] [--force-boot-gpu] [--force-hand-edits]\n"
	      "                     [--bootloader NAME] [--vfs-driver vfio-pci] [--boot-only | --live]\n"
	      "                     [--force-vfs-in-use]\n"
	      "       gpuvirt apply --plan FILE [--yes] [--no-run] [--force-hand-edits] [--live]\n", f);
	cli_usage_changes(f);
}

int cmd_apply(int argc, char **argv, const struct gv_globals *g, struct session *s)
{
	struct gv_error err = { 0 };
	struct cli_opts c = { 0 };
	struct plan *p = NULL;
	const char *root = session_root(s);
	char question[64];
	int r, status;

	status = cli_parse(argc, argv, CLI_TAKES_CHANGES | CLI_TAKES_APPLY | CLI_TAKES_PLAN | CLI_TAKES_FORCE_GPU,
			   apply_usage, &c);
	if (status) {
		status = status > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
		goto out;
	}
	if (c.plan_file && draft_n(c.draft)) {
		fprintf(stderr, "gpuvirt apply: give CHANGEs or --plan FILE, not both\n");
		status = CLI_EXIT_USAGE;
		goto out;
	}
	if (!c.plan_file && !draft_n(c.draft)) {
		fprintf(stderr, "gpuvirt apply: nothing to apply: give CHANGEs or --plan FILE\n");
		status = CLI_EXIT_USAGE;
		goto out;
	}
	if (c.live && session_demo(s)) {
		fprintf(stderr, "gpuvirt apply: --live: the demo's sample host is not this machine; nothing live is "
			"written under --demo\n");
		status = CLI_EXIT_USAGE;
		goto out;
	}
	if (cli_needs_root(root)) {
		fprintf(stderr, "gpuvirt apply: writing the configuration under / needs root; run it with sudo "
			"(`gpuvirt plan` shows the changes without it)\n");
		status = CLI_EXIT_FAILED;
		goto out;
	}
	if (c.plan_file) {
		r = plan_load(c.plan_file, root, &p, &err);
		if (r < 0) {
			fprintf(stderr, "gpuvirt apply: %s\n", err.msg[0] ? err.msg : strerror(-r));
			status = CLI_EXIT_USAGE;
			goto out;
		}
	} else {
		status = cli_build_plan("apply", &c, s, &p);
		if (status)
			goto out;
	}
	if (plan_is_empty(p)) {
		puts("Nothing to change: the configuration already says all of this.");
		status = CLI_EXIT_OK;
		goto out;
	}
	status = cli_print_preview("apply", p, false);
	if (status)
		goto out;
	snprintf(question, sizeof(question), "Apply %zu changes?", plan_n_actions(p));
	status = cli_confirm_apply("apply", question, &c, s, p);
	if (status)
		goto out;
	if (session_demo(s))
		printf("Applied to the demo's scratch root %s; `gpuvirt --demo undo` takes it back.\n", root);
	else
		printf("Applied. Reboot for the changes to take effect; `gpuvirt check` verifies them after the "
		       "reboot%s.\n", c.no_run ? " (the commands listed above as not run are still to run)" : "");
	status = CLI_EXIT_OK;
out:
	plan_free(p);
	cli_opts_clear(&c);
	return status;
}
