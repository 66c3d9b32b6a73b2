/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gpuvirt plan CHANGE... [--json] [--save FILE]    the preview; writes nothing
 *                                                  but FILE, the plan to apply
 * gpuvirt plan --undo [--json]                     the undo's preview (cmd_undo.c)
 *
 * The same core calls as the wizard: the CHANGE options make a draft,
 * draft_build_plan() -> plan_preview(), plan_save().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/plan/plan.h"
#include "tui/cli/cli.h"
#include "tui/cli/commands.h"

static void plan_usage(FILE *f)
{
	fputs("usage: gpuvirt plan CHANGE... [--json] [--save FILE] [--force-boot-gpu] [--bootloader NAME]\n"
	      "                    [--vfs-driver vfio-pci] [--boot-only] [--force-vfs-in-use]\n"
	      "       gpuvirt plan --undo [--json]\n", f);
	cli_usage_changes(f);
}

int cmd_plan(int argc, char **argv, const struct gv_globals *g, struct session *s)
{
	struct gv_error err = { 0 };
	struct cli_opts c = { 0 };
	struct plan *p = NULL;
	int r, status;

	status = cli_parse(argc, argv, CLI_TAKES_CHANGES | CLI_TAKES_JSON | CLI_TAKES_FORCE_GPU | CLI_TAKES_SAVE |
				   CLI_TAKES_UNDO,
			   plan_usage, &c);
	if (status) {
		status = status > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
		goto out;
	}
	if (c.undo) {
		if (draft_n(c.draft) || c.save_file) {
			fprintf(stderr, "gpuvirt plan: --undo takes no CHANGE and no --save\n");
			status = CLI_EXIT_USAGE;
		} else {
			status = cli_undo_preview(s, c.json);
		}
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
