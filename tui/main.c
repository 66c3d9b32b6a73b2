/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/session.h"
#include "core/util/log.h"
#include "core/util/testbed.h"
#include "tui/cli/cli.h"
#include "tui/cli/commands.h"

/* What main does for a command before running it. */
#define CMD_SESSION (1u << 0)        /* open the session (root, --demo, host) for it */
#define CMD_OWN_SCRATCH (1u << 1)    /* --demo: a scratch root of its own, removed at exit */

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv, const struct gv_globals *g, struct session *s);
	unsigned flags;
};

static int cmd_wizard(int argc, char **argv, const struct gv_globals *g, struct session *s)
{
	return tui_run(g, s);
}

/* A line-mode command's --demo scratch root is kept between commands
 * (`--demo apply`, then `--demo undo`); the wizard's lives for one run. */
static const struct cmd wizard = { NULL, cmd_wizard, CMD_SESSION | CMD_OWN_SCRATCH };

static const struct cmd commands[] = {
	{ "list", cmd_list, CMD_SESSION },
	{ "check", cmd_check, CMD_SESSION },
	{ "plan", cmd_plan, CMD_SESSION },
	{ "apply", cmd_apply, CMD_SESSION },
	{ "undo", cmd_undo, CMD_SESSION },
	{ "export", cmd_export, CMD_SESSION },
};

static void usage(FILE *f)
{
	fputs("usage: gpuvirt [--root DIR] [--theme NAME] [--ascii] [--no-color]   full-screen wizard\n"
	      "       gpuvirt --demo [COMMAND]               the built-in sample host, on a scratch root\n"
	      "       gpuvirt list   [--all] [--json]\n"
	      "       gpuvirt check  [--json]\n"
	      "       gpuvirt plan   CHANGE... [--json] [--save FILE]\n"
	      "       gpuvirt apply  CHANGE... [--yes] [--no-run]\n"
	      "       gpuvirt apply  --plan FILE [--yes] [--no-run]\n"
	      "       gpuvirt undo   [--yes] [--no-run] [--force-hand-edits]\n"
	      "       gpuvirt plan   --undo [--json]\n"
	      "       gpuvirt export DEVICE --format libvirt|qemu|proxmox\n", f);
	cli_usage_changes(f);
	fputs("See gpuvirt(8).\n", f);
}

static void log_stderr(void *userdata, enum gv_log_level level, const char *msg)
{
	static const char *const prefix[] = { "error", "warning", "info", "debug" };

	if (level == GV_LOG_DEBUG && !getenv("GPUVIRT_DEBUG"))
		return;
	fprintf(stderr, "gpuvirt: %s: %s\n", prefix[level], msg);
}

void cli_log_to_stderr(void)
{
	gv_log_set(log_stderr, NULL);
}

/*
 * Tests set GPUVIRT_EXPECT_TESTBED=1: then gpuvirt refuses to run unless what
 * it sees at /sys is a fixture test bed, so a broken test set-up can never
 * read or write the real machine.
 */
static int guard_testbed(void)
{
	const char *e = getenv("GPUVIRT_EXPECT_TESTBED");

	if (!e || !*e || !strcmp(e, "0"))
		return 0;
	if (testbed_active())
		return 0;
	fprintf(stderr, "gpuvirt: GPUVIRT_EXPECT_TESTBED is set but /sys is not a test bed; refusing to run\n");
	return -1;
}

static const struct cmd *lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* Open the session CMD asks for and run CMD on its own arguments. */
static int run(const struct cmd *cmd, int argc, char **argv, const struct gv_globals *g,
	       struct session_opts *so)
{
	struct gv_error err = { 0 };
	struct session *s = NULL;
	int r;

	if (cmd->flags & CMD_SESSION) {
		so->fresh_scratch = cmd->flags & CMD_OWN_SCRATCH;
		r = session_open(so, &s, &err);
		if (r < 0) {
			fprintf(stderr, "gpuvirt: %s\n", err.msg);
			return cli_exit_status(r);
		}
		if (session_demo(s) && !so->fresh_scratch)
			fprintf(stderr, "gpuvirt: --demo: the sample host; its configuration is the scratch root %s "
				"(kept between commands; remove it to start over)\n", session_root(s));
	}
	r = cmd->fn(argc, argv, g, s);
	session_close(s);
	return r;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "theme", required_argument, NULL, 't' },
		{ "ascii", no_argument, NULL, 'a' },
		{ "no-color", no_argument, NULL, 'C' },
		{ "no-colour", no_argument, NULL, 'C' },
		{ "demo", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	struct gv_globals g = { 0 };
	struct session_opts so = { 0 };
	const struct cmd *cmd = &wizard;
	int c;

	if (guard_testbed() < 0)
		return CLI_EXIT_USAGE;
	cli_log_to_stderr();

	/* Global options come before the command; "+" stops at the first non-option. */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (!*optarg) {
				fprintf(stderr, "gpuvirt: --root: empty directory name\n");
				return CLI_EXIT_USAGE;
			}
			so.root = optarg;
			break;
		case 't':
			g.theme = optarg;
			break;
		case 'a':
			g.ascii = true;
			break;
		case 'C':
			g.no_color = true;
			break;
		case 'D':
			so.demo = true;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		case 'V':
			puts("gpuvirt " GV_VERSION);
			return CLI_EXIT_OK;
		default:
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cmd = lookup(argv[optind]);
		if (!cmd) {
			fprintf(stderr, "gpuvirt: unknown command '%s'\n", argv[optind]);
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
		if (!cmd->fn) {
			fprintf(stderr, "gpuvirt: '%s' is not part of this build yet\n", cmd->name);
			return CLI_EXIT_USAGE;
		}
	}
	/* the command parses its own options from a fresh getopt state */
	argc -= optind;
	argv += optind;
	optind = 0;
	return run(cmd, argc, argv, &g, &so);
}
