/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util/log.h"
#include "tui/cli/commands.h"

/*
 * Commands are linked in as their files land; a command whose file is not
 * part of this build says so instead of pretending (weak references resolve
 * to NULL).
 */
#pragma weak cmd_check
#pragma weak cmd_plan
#pragma weak cmd_apply
#pragma weak cmd_undo
#pragma weak cmd_export
#pragma weak tui_run

typedef int (*cmd_fn)(int, char **, const struct gv_globals *);

static const struct {
	const char *name;
	cmd_fn *fn_ref;
} commands[] = {
	{ "list", NULL },
	{ "check", NULL },
	{ "plan", NULL },
	{ "apply", NULL },
	{ "undo", NULL },
	{ "export", NULL },
};

static cmd_fn lookup(const char *name)
{
	if (!strcmp(name, "list"))
		return cmd_list;
	if (!strcmp(name, "check"))
		return cmd_check;
	if (!strcmp(name, "plan"))
		return cmd_plan;
	if (!strcmp(name, "apply"))
		return cmd_apply;
	if (!strcmp(name, "undo"))
		return cmd_undo;
	if (!strcmp(name, "export"))
		return cmd_export;
	return NULL;
}

static void usage(FILE *f)
{
	fputs("usage: gpuvirt [--root DIR] [--theme NAME] [--ascii] [--no-color]   full-screen wizard\n"
	      "       gpuvirt --demo                        the wizard on a built-in sample host\n"
	      "       gpuvirt list   [--all] [--json]\n"
	      "       gpuvirt check  [--json]\n"
	      "       gpuvirt plan   CHANGE... [--json]\n"
	      "       gpuvirt apply  CHANGE... [--yes] [--no-run]\n"
	      "       gpuvirt apply  --plan FILE [--yes] [--no-run]\n"
	      "       gpuvirt undo   [--yes] [--no-run]\n"
	      "       gpuvirt export DEVICE --format libvirt|qemu|proxmox\n"
	      "CHANGE: --iommu | --cmdline-add ARG | --cmdline-remove KEY | --blacklist MODULE\n"
	      "        --vfio ADDRESS | --vfs ADDRESS=N | --mdev PARENT:TYPE[=COUNT]\n"
	      "See gpuvirt(8).\n", f);
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
	if (access("/sys/.gpuvirt-testbed", F_OK) == 0)
		return 0;
	fprintf(stderr, "gpuvirt: GPUVIRT_EXPECT_TESTBED is set but /sys is not a test bed; refusing to run\n");
	return -1;
}

static int run(int argc, char **argv, const struct gv_globals *g);

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
	struct gv_globals g = { .root = "/" };
	int c;

	(void)commands;
	if (guard_testbed() < 0)
		return 2;
	cli_log_to_stderr();

	/* Global options come before the command; "+" stops at the first non-option. */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (!*optarg) {
				fprintf(stderr, "gpuvirt: --root: empty directory name\n");
				return 2;
			}
			g.root = optarg;
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
			g.demo = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			puts("gpuvirt " GV_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	/* Every later path is ROOT/etc/..., and commands chroot into it: make it
	 * absolute once, here, and refuse what is not a directory. */
	char *root = realpath(g.root, NULL);
	struct stat st;
	const char *why = !root || stat(root, &st) < 0 ? strerror(errno) : !S_ISDIR(st.st_mode) ? "not a directory" : NULL;
	if (why) {
		fprintf(stderr, "gpuvirt: --root %s: %s\n", g.root, why);
		free(root);
		return 2;
	}
	g.root = root;

	int rc = run(argc, argv, &g);
	free(root);
	return rc;
}

static int run(int argc, char **argv, const struct gv_globals *g)
{
	if (optind >= argc) {
		if (!tui_run) {
			fprintf(stderr, "gpuvirt: the full-screen program is not part of this build\n");
			return 2;
		}
		return tui_run(g);
	}

	cmd_fn fn = lookup(argv[optind]);
	if (!fn) {
		bool known = false;
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			known |= !strcmp(commands[i].name, argv[optind]);
		if (known)
			fprintf(stderr, "gpuvirt: '%s' is not part of this build yet\n", argv[optind]);
		else {
			fprintf(stderr, "gpuvirt: unknown command '%s'\n", argv[optind]);
			usage(stderr);
		}
		return 2;
	}
	/* Let the command parse its own options from a fresh getopt state. */
	int sub_argc = argc - optind;
	char **sub_argv = argv + optind;
	optind = 0;
	return fn(sub_argc, sub_argv, g);
}
