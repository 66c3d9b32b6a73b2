/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The full-screen program's state, which its panes, dialogs and wizard steps
 * share, and what a key handler returns.
 *
 * A handler neither repaints nor calls back into the main loop: it returns
 * what its key changed (TUI_DIRTY_* bits, a TUI_RESCAN_* request) together
 * with TUI_HANDLED, or 0 when the key is not its own, and the loop in tui.c
 * applies the result (htop's HandlerResult). The loop itself, tui_run(), is
 * reached from main() through tui/cli/commands.h, as every face is.
 *
 * Drawing model (DESIGN.md §4): layout_compute() gives the pane rectangles;
 * every pane draws into its rectangle on stdscr when its dirty bit is set;
 * dialogs draw last; the main loop calls doupdate() once per iteration. The
 * tree also keeps per-row dirty marks so that moving the cursor rewrites two
 * rows and the details pane, nothing else. ncurses then sends only the cells
 * that changed, which is what a 115200 baud serial console needs.
 */
#include <curses.h>
#include <stdbool.h>

#include "core/scan/host.h"
#include "core/scan/sysconf.h"
#include "core/util/log.h"
#include "tui/layout.h"
#include "tui/scroll.h"
#include "tui/theme.h"

struct gv_globals;
struct tree;
struct logpane;
struct wizard;
struct dialog;

enum tui_view { TUI_VIEW_DEVICES, TUI_VIEW_WIZARD };

/* How plans are applied: the Apply step's n and t (tui/apply_flow.c). */
struct tui_apply {
	bool set;                    /* the defaults have been taken */
	bool no_run;                 /* list commands instead of running them */
	long timeout_s;              /* for one sysfs write */
};
enum tui_focus { TUI_FOCUS_LEFT, TUI_FOCUS_RIGHT, TUI_FOCUS_LOG, TUI_N_FOCUS };

/* A key handler's result: the parts of the screen to draw again and what
 * else the loop is to do. */
enum {
	TUI_DIRTY_HEADER = 1 << 0,
	TUI_DIRTY_LEFT = 1 << 1,    /* the whole left pane (tree or step list) */
	TUI_DIRTY_RIGHT = 1 << 2,   /* details or the step's screen */
	TUI_DIRTY_LOG = 1 << 3,
	TUI_DIRTY_STATUS = 1 << 4,
	TUI_DIRTY_FRAME = 1 << 5,   /* divider and log rule */
	TUI_DIRTY_DIALOG = 1 << 6,
	TUI_DIRTY_ALL = (1 << 7) - 1,
	/* take a new snapshot of the host (then everything is drawn again):
	 * something was applied, or undone */
	TUI_RESCAN_APPLIED = 1 << 7,
	TUI_RESCAN_UNDONE = 1 << 8,
	TUI_HANDLED = 1 << 9,       /* the key was this handler's */
};

#define TUI_MAX_DIALOGS 4

/* Keys by their control codes, for the vt100's sake. */
#define TUI_CTRL(c) ((c) & 0x1f)
#define TUI_KEY_ESC 27

struct tui {
	const struct gv_globals *g;
	struct session *session;     /* root, demo and snapshots (tui/main.c opens it) */
	const char *root;            /* session_root(): a scratch dir in the demo */
	bool demo;
	bool is_root;                /* euid 0: write actions allowed */
	const struct host *host;     /* session_host(): the current snapshot */
	const struct sysconf *conf;  /* session_sysconf(): the configuration snapshot of root */
	struct tree *tree;
	struct logpane *log;
	struct wizard *wiz;
	struct dialog *dialogs[TUI_MAX_DIALOGS];
	int n_dialogs;

	struct layout lay;
	enum tui_view view;
	enum tui_focus focus;
	unsigned dirty;              /* TUI_DIRTY_*: what the next frame draws */
	struct scroll right;         /* the details pane or the step's screen */

	struct tui_apply apply;

	bool quit;
	int exit_status;

	/* Screen */
	SCREEN *scr;
	bool ascii;                  /* + - | instead of the line-drawing set */
	bool color;                  /* colour pairs are in use */
	attr_t style[UI_N_ELEMENTS];
};
