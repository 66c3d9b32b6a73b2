/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The faces of gpuvirt: each line-mode command and the full-screen program
 * live in their own file and are reached through the command table in
 * tui/main.c, which parses the global options into G and opens the session
 * S (root, --demo, host snapshot) for them, once. ARGV holds the command's
 * own arguments (argv[0] is the command name). Each returns the process exit
 * status (tui/cli/cli.h: 0 success, 1 a check failed or an apply was refused
 * or rolled back, 2 bad usage or bad input).
 */
#include <stdbool.h>

#include "core/session.h"

/* The global options that are not the session's. */
struct gv_globals {
	const char *theme;       /* NULL: default, or mono without colour */
	bool ascii;              /* draw lines with + - | */
	bool no_color;
};

int cmd_list(int argc, char **argv, const struct gv_globals *g, struct session *s);
int cmd_check(int argc, char **argv, const struct gv_globals *g, struct session *s);
int cmd_plan(int argc, char **argv, const struct gv_globals *g, struct session *s);
int cmd_apply(int argc, char **argv, const struct gv_globals *g, struct session *s);
int cmd_undo(int argc, char **argv, const struct gv_globals *g, struct session *s);
int cmd_export(int argc, char **argv, const struct gv_globals *g, struct session *s);
/* `gpuvirt plan --undo [--json]`: the preview `gpuvirt undo` shows; writes nothing. */
int cli_undo_preview(struct session *s, bool json);
/* The full-screen wizard. */
int tui_run(const struct gv_globals *g, struct session *s);

/* Route core log lines to stderr (the full-screen program does again at exit). */
void cli_log_to_stderr(void);
