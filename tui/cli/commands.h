/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The faces of gpuvirt: each line-mode command and the full-screen program
 * live in their own tui/ file and are reached through this table of entry
 * points. ARGV holds the command's own arguments (argv[0] is the command
 * name); global options are already parsed into G. Each returns the process
 * exit status: 0 success, 1 a check failed or an apply was refused or rolled
 * back, 2 bad usage or bad input.
 */
#include <stdbool.h>

struct gv_globals {
	const char *root;        /* configuration root, "/" by default */
	const char *theme;       /* NULL: default, or mono without colour */
	bool ascii;              /* draw lines with + - | */
	bool no_color;
	bool demo;               /* built-in sample host, scratch root */
};

int cmd_list(int argc, char **argv, const struct gv_globals *g);
int cmd_check(int argc, char **argv, const struct gv_globals *g);
int cmd_plan(int argc, char **argv, const struct gv_globals *g);
int cmd_apply(int argc, char **argv, const struct gv_globals *g);
int cmd_undo(int argc, char **argv, const struct gv_globals *g);
/* `gpuvirt plan --undo [--json]`: the preview `gpuvirt undo` shows; writes nothing. */
int cli_undo_preview(const struct gv_globals *g, bool json);
int cmd_export(int argc, char **argv, const struct gv_globals *g);
/* The full-screen wizard. */
int tui_run(const struct gv_globals *g);

/* Shared by the line-mode commands: route core log lines to stderr. */
void cli_log_to_stderr(void);
