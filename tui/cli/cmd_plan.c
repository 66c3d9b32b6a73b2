/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gpuvirt plan CHANGE... [--json]                  the preview; writes nothing
 * gpuvirt apply CHANGE... [--yes] [--no-run]       preview, confirm, apply
 * gpuvirt apply --plan FILE [--yes] [--no-run]     a plan saved from the wizard
 * gpuvirt undo [--yes] [--no-run]                  revert the last change set
 *
 * The same core calls as the wizard: change_parse() -> propose_build() ->
 * plan_preview() -> plan_apply(); journal_undo().
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/propose/boot.h"
#include "core/propose/change.h"
#include "core/scan/host.h"
#include "core/plan/journal.h"
#include "core/plan/plan.h"
#include "core/propose/propose.h"
#include "tui/cli/commands.h"

enum {
	OPT_CHANGE = 0x100,                 /* + enum change_kind */
	OPT_JSON = 0x200,
	OPT_YES,
	OPT_NO_RUN,
	OPT_PLAN,
	OPT_FORCE_BOOT_GPU,
	OPT_FORCE_HAND_EDITS,
	OPT_BOOTLOADER,
	OPT_HELP,
};

/* Which options each command takes. */
#define TAKES_CHANGES (1u << 0)
#define TAKES_JSON (1u << 1)
#define TAKES_APPLY (1u << 2)   /* --yes --no-run --force-hand-edits */
#define TAKES_PLAN (1u << 3)
#define TAKES_FORCE_GPU (1u << 4)

struct cli {
	struct change *changes;
	size_t n_changes;
	bool json, yes, no_run, force_boot_gpu, force_hand_edits;
	const char *plan_file;
	enum boot_loader boot_loader;   /* BOOT_AUTO: detect */
};

static const struct option options[] = {
	{ "iommu", no_argument, NULL, OPT_CHANGE + CHANGE_IOMMU },
	{ "cmdline-add", required_argument, NULL, OPT_CHANGE + CHANGE_CMDLINE_ADD },
	{ "cmdline-remove", required_argument, NULL, OPT_CHANGE + CHANGE_CMDLINE_REMOVE },
	{ "blacklist", required_argument, NULL, OPT_CHANGE + CHANGE_BLACKLIST },
	{ "vfio", required_argument, NULL, OPT_CHANGE + CHANGE_VFIO },
	{ "vfs", required_argument, NULL, OPT_CHANGE + CHANGE_VFS },
	{ "mdev", required_argument, NULL, OPT_CHANGE + CHANGE_MDEV },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "yes", no_argument, NULL, OPT_YES },
	{ "no-run", no_argument, NULL, OPT_NO_RUN },
	{ "plan", required_argument, NULL, OPT_PLAN },
	{ "force-boot-gpu", no_argument, NULL, OPT_FORCE_BOOT_GPU },
	{ "force-hand-edits", no_argument, NULL, OPT_FORCE_HAND_EDITS },
	{ "bootloader", required_argument, NULL, OPT_BOOTLOADER },
	{ "help", no_argument, NULL, OPT_HELP },
	{}
};

static void usage(FILE *f, const char *cmd)
{
	if (!strcmp(cmd, "plan"))
		fputs("usage: gpuvirt plan CHANGE... [--json] [--force-boot-gpu] [--bootloader NAME]\n", f);
	else if (!strcmp(cmd, "apply"))
		fputs("usage: gpuvirt apply CHANGE... [--yes] [--no-run] [--force-boot-gpu] [--force-hand-edits]\n"
		      "                     [--bootloader NAME]\n"
		      "       gpuvirt apply --plan FILE [--yes] [--no-run] [--force-hand-edits]\n", f);
	else
		fputs("usage: gpuvirt undo [--yes] [--no-run] [--force-hand-edits]\n", f);
	if (strcmp(cmd, "undo"))
		fputs("CHANGE: --iommu | --cmdline-add ARG | --cmdline-remove KEY | --blacklist MODULE\n"
		      "        --vfio ADDRESS | --vfs ADDRESS=N | --mdev PARENT:TYPE[=COUNT]\n", f);
}

static void cli_free(struct cli *c)
{
	change_array_free(c->changes, c->n_changes);
	c->changes = NULL;
	c->n_changes = 0;
}

/* Returns 0, 1 when --help was printed, or -1 after a one-line usage error. */
static int parse(int argc, char **argv, unsigned takes, struct cli *c)
{
	const char *cmd = argv[0];
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		const char *word = argv[optind - 1];
		bool ok = true;

		if (opt >= OPT_CHANGE && opt < OPT_CHANGE + _CHANGE_KIND_MAX) {
			struct change ch;
			struct gv_error err = { 0 };

			if (!(takes & TAKES_CHANGES)) {
				fprintf(stderr, "gpuvirt %s: %s is not an option of %s\n", cmd, word, cmd);
				return -1;
			}
			if (change_parse((enum change_kind)(opt - OPT_CHANGE), optarg, &ch, &err) < 0) {
				fprintf(stderr, "gpuvirt %s: %s\n", cmd, err.msg);
				return -1;
			}
			if (change_array_add(&c->changes, &c->n_changes, &ch) < 0) {
				change_clear(&ch);
				fprintf(stderr, "gpuvirt %s: out of memory\n", cmd);
				return -1;
			}
			change_clear(&ch);
			continue;
		}
		switch (opt) {
		case OPT_JSON:
			ok = takes & TAKES_JSON;
			c->json = true;
			break;
		case OPT_YES:
			ok = takes & TAKES_APPLY;
			c->yes = true;
			break;
		case OPT_NO_RUN:
			ok = takes & TAKES_APPLY;
			c->no_run = true;
			break;
		case OPT_FORCE_HAND_EDITS:
			ok = takes & TAKES_APPLY;
			c->force_hand_edits = true;
			break;
		case OPT_PLAN:
			ok = takes & TAKES_PLAN;
			c->plan_file = optarg;
			break;
		case OPT_FORCE_BOOT_GPU:
			ok = takes & TAKES_FORCE_GPU;
			c->force_boot_gpu = true;
			break;
		case OPT_BOOTLOADER:
			/* where the evidence is ambiguous, the person decides */
			ok = takes & TAKES_CHANGES;
			if (ok && (boot_loader_from_name(optarg, &c->boot_loader) < 0 || c->boot_loader == BOOT_AUTO)) {
				fprintf(stderr, "gpuvirt %s: --bootloader: unknown boot loader '%s' (grub, grub-bls, "
					"proxmox-boot-tool, systemd-boot, kernelstub)\n", cmd, optarg);
				return -1;
			}
			break;
		case OPT_HELP:
			usage(stdout, cmd);
			return 1;
		case ':':
			fprintf(stderr, "gpuvirt %s: %s needs an argument\n", cmd, word);
			return -1;
		default:
			fprintf(stderr, "gpuvirt %s: unknown option '%s'\n", cmd, word);
			usage(stderr, cmd);
			return -1;
		}
		if (!ok) {
			fprintf(stderr, "gpuvirt %s: %s is not an option of %s\n", cmd, word, cmd);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "gpuvirt %s: unexpected argument '%s'\n", cmd, argv[optind]);
		return -1;
	}
	return 0;
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
static bool confirm(const char *cmd, const char *question, bool yes)
{
	char line[64];

	if (yes)
		return true;
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "gpuvirt %s: not a terminal, so nothing was %s; pass --yes to %s without asking\n",
			cmd, !strcmp(cmd, "undo") ? "undone" : "applied", cmd);
		return false;
	}
	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

/* Scan the host and build the plan for the parsed changes. Returns an exit status. */
static int build(const char *cmd, const struct cli *c, const struct gv_globals *g, struct plan **ret)
{
	struct propose_opts po = { .force_boot_gpu = c->force_boot_gpu, .boot_loader = c->boot_loader };
	struct gv_error err = { 0 };
	struct host *h = NULL;
	struct sysconf *sc = NULL;
	struct plan *p = NULL;
	int r, status = 0;

	r = host_scan(&h, &err);
	if (r >= 0)
		r = sysconf_load(g->root, h, &sc, &err);
	if (r < 0) {
		fprintf(stderr, "gpuvirt %s: %s\n", cmd, err.msg[0] ? err.msg : strerror(-r));
		status = 1;
		goto out;
	}
	r = plan_new(g->root, &p);
	if (r < 0) {
		fprintf(stderr, "gpuvirt %s: %s: %s\n", cmd, g->root, strerror(-r));
		status = 1;
		goto out;
	}
	r = propose_build(h, sc, g->root, c->changes, c->n_changes, &po, p, &err);
	if (r < 0) {
		fprintf(stderr, "gpuvirt %s: %s\n", cmd, err.msg[0] ? err.msg : strerror(-r));
		status = propose_exit_status(r);
		goto out;
	}
	*ret = p;
	p = NULL;
out:
	plan_free(p);
	sysconf_free(sc);
	host_free(h);
	return status;
}

static int print_preview(const char *cmd, const struct plan *p, bool json)
{
	struct gv_error err = { 0 };
	char *text = NULL;
	int r = json ? plan_preview_json(p, &text, &err) : plan_preview(p, &text, &err);

	if (r < 0) {
		fprintf(stderr, "gpuvirt %s: %s\n", cmd, err.msg[0] ? err.msg : strerror(-r));
		return 1;
	}
	fputs(text, stdout);
	if (json && (!*text || text[strlen(text) - 1] != '\n'))
		putchar('\n');
	free(text);
	fflush(stdout);
	return 0;
}

int cmd_plan(int argc, char **argv, const struct gv_globals *g)
{
	struct cli c = { 0 };
	struct plan *p = NULL;
	int status;

	status = parse(argc, argv, TAKES_CHANGES | TAKES_JSON | TAKES_FORCE_GPU, &c);
	if (status) {
		status = status > 0 ? 0 : 2;
		goto out;
	}
	if (!c.n_changes) {
		fprintf(stderr, "gpuvirt plan: no CHANGE given (--vfio ADDRESS, --blacklist MODULE, ...)\n");
		status = 2;
		goto out;
	}
	status = build("plan", &c, g, &p);
	if (status)
		goto out;
	if (!c.json && plan_is_empty(p))
		puts("# nothing to change: the configuration already says all of this");
	status = print_preview("plan", p, c.json);
out:
	plan_free(p);
	cli_free(&c);
	return status;
}

int cmd_apply(int argc, char **argv, const struct gv_globals *g)
{
	struct plan_apply_opts ao = { 0 };
	struct gv_error err = { 0 };
	struct cli c = { 0 };
	struct plan *p = NULL;
	char question[64];
	int r, status;

	status = parse(argc, argv, TAKES_CHANGES | TAKES_APPLY | TAKES_PLAN | TAKES_FORCE_GPU, &c);
	if (status) {
		status = status > 0 ? 0 : 2;
		goto out;
	}
	if (c.plan_file && c.n_changes) {
		fprintf(stderr, "gpuvirt apply: give CHANGEs or --plan FILE, not both\n");
		status = 2;
		goto out;
	}
	if (!c.plan_file && !c.n_changes) {
		fprintf(stderr, "gpuvirt apply: nothing to apply: give CHANGEs or --plan FILE\n");
		status = 2;
		goto out;
	}
	if (needs_root(g->root)) {
		fprintf(stderr, "gpuvirt apply: writing the configuration under / needs root; run it with sudo "
			"(`gpuvirt plan` shows the changes without it)\n");
		status = 1;
		goto out;
	}
	if (c.plan_file) {
		r = plan_load(c.plan_file, g->root, &p, &err);
		if (r < 0) {
			fprintf(stderr, "gpuvirt apply: %s\n", err.msg[0] ? err.msg : strerror(-r));
			status = 2;
			goto out;
		}
	} else {
		status = build("apply", &c, g, &p);
		if (status)
			goto out;
	}
	if (plan_is_empty(p)) {
		puts("Nothing to change: the configuration already says all of this.");
		status = 0;
		goto out;
	}
	status = print_preview("apply", p, false);
	if (status)
		goto out;
	snprintf(question, sizeof(question), "Apply %zu changes?", plan_n_actions(p));
	if (!confirm("apply", question, c.yes)) {
		status = 1;
		goto out;
	}
	ao.no_run = c.no_run;
	ao.force_hand_edits = c.force_hand_edits;
	r = plan_apply(p, &ao, &err);
	if (r < 0) {
		fprintf(stderr, "gpuvirt apply: %s\n", err.msg[0] ? err.msg : strerror(-r));
		status = 1;
		goto out;
	}
	printf("Applied. Reboot for the changes to take effect; `gpuvirt check` verifies them after the reboot%s.\n",
	       c.no_run ? " (the commands listed above as not run are still to run)" : "");
	status = 0;
out:
	plan_free(p);
	cli_free(&c);
	return status;
}

int cmd_undo(int argc, char **argv, const struct gv_globals *g)
{
	struct journal_undo_opts uo = { 0 };
	struct journal_set *sets = NULL;
	struct gv_error err = { 0 };
	struct cli c = { 0 };
	size_t n = 0;
	char question[64];
	int r, status;

	status = parse(argc, argv, TAKES_APPLY, &c);
	if (status) {
		status = status > 0 ? 0 : 2;
		goto out;
	}
	if (needs_root(g->root)) {
		fprintf(stderr, "gpuvirt undo: writing the configuration under / needs root; run it with sudo\n");
		status = 1;
		goto out;
	}
	r = journal_list(g->root, &sets, &n, &err);
	if (r < 0) {
		fprintf(stderr, "gpuvirt undo: %s\n", err.msg[0] ? err.msg : strerror(-r));
		status = 1;
		goto out;
	}
	if (!n) {
		fprintf(stderr, "gpuvirt undo: nothing to undo under %s\n", g->root);
		status = 1;
		goto out;
	}
	printf("Change set %d, applied %s: %s\n", sets[n - 1].id, sets[n - 1].when ? sets[n - 1].when : "?",
	       sets[n - 1].summary ? sets[n - 1].summary : "");
	fflush(stdout);
	snprintf(question, sizeof(question), "Undo change set %d?", sets[n - 1].id);
	if (!confirm("undo", question, c.yes)) {
		status = 1;
		goto out;
	}
	uo.no_run = c.no_run;
	uo.force_hand_edits = c.force_hand_edits;
	r = journal_undo(g->root, &uo, &err);
	if (r < 0) {
		fprintf(stderr, "gpuvirt undo: %s\n", err.msg[0] ? err.msg : strerror(-r));
		status = 1;
		goto out;
	}
	printf("Undone. Reboot for the previous configuration to take effect.\n");
	status = 0;
out:
	journal_sets_free(sets, n);
	cli_free(&c);
	return status;
}
