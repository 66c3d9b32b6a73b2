/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The full-screen program's shared state and its drawing primitives.
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
#include <stddef.h>

#include "core/scan/host.h"
#include "core/scan/sysconf.h"
#include "tui/layout.h"
#include "core/util/log.h"
#include "tui/theme.h"
#include "tui/cli/commands.h"

struct tree;
struct logpane;
struct wizard;
struct dialog;

enum tui_view { TUI_VIEW_DEVICES, TUI_VIEW_WIZARD };
enum tui_focus { TUI_FOCUS_LEFT, TUI_FOCUS_RIGHT, TUI_FOCUS_LOG, TUI_N_FOCUS };

enum {
	TUI_DIRTY_HEADER = 1 << 0,
	TUI_DIRTY_LEFT = 1 << 1,    /* the whole left pane (tree or step list) */
	TUI_DIRTY_RIGHT = 1 << 2,   /* details or the step's screen */
	TUI_DIRTY_LOG = 1 << 3,
	TUI_DIRTY_STATUS = 1 << 4,
	TUI_DIRTY_FRAME = 1 << 5,   /* divider and log rule */
	TUI_DIRTY_DIALOG = 1 << 6,
	TUI_DIRTY_ALL = (1 << 7) - 1,
};

#define TUI_MAX_DIALOGS 4

/* Keys by their control codes, for the vt100's sake. */
#define TUI_CTRL(c) ((c) & 0x1f)
#define TUI_KEY_ESC 27

struct tui {
	const struct gv_globals *g;
	struct session *session;     /* root, demo and host (tui/main.c opens it) */
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
	unsigned dirty;              /* TUI_DIRTY_* */
	int right_scroll;            /* first line of the details pane */
	int right_lines;             /* lines the right pane had to show last time */

	bool quit;
	int exit_status;

	/* Screen */
	SCREEN *scr;
	bool ascii;                  /* + - | instead of the line-drawing set */
	bool color;                  /* colour pairs are in use */
	attr_t style[UI_N_ELEMENTS];
};

/* Mark parts of the screen for the next frame. */
void tui_dirty(struct tui *t, unsigned what);

/* Take a new snapshot of the host (udev event, 'r', after apply). Keeps the
 * selection by PCI address. Logs and keeps the old one on failure. */
void tui_rescan(struct tui *t, const char *why);

/* The device the tree's cursor is on (a VF or PF; the parent of an mdev),
 * or NULL on a group row. For wizard steps that act on "this device". */
const struct host_device *tui_selected_device(const struct tui *t);

/* Curses set-up and tear-down. TH is used when colour is wanted and the
 * terminal has it, MONO otherwise (a vt100 gets the mono theme's attributes,
 * not the colour theme's minus its colours). screen_open() returns -1 with
 * a message on stderr when the terminal cannot be driven. */
int screen_open(struct tui *t, const struct theme *th, const struct theme *mono, bool want_color);
void screen_close(struct tui *t);

/* Attributes of a UI element (colour pair and attributes). */
attr_t screen_attr(const struct tui *t, enum theme_element e);

/*
 * Write S at (Y, X) in at most W columns with attributes A; control
 * characters show as '?'. screen_line() also fills the rest of the W columns
 * with blanks in A. Both return the columns written (text only).
 */
int screen_text(int y, int x, int w, attr_t a, const char *s);
int screen_line(int y, int x, int w, attr_t a, const char *s);
/* Fill W columns at (Y, X) with blanks in A. */
void screen_blank(int y, int x, int w, attr_t a);
/* Blank a whole rectangle. */
void screen_clear_rect(const struct layout_rect *r, attr_t a);

/* Lines and boxes: the line-drawing set, or + - | under --ascii. */
void screen_hline(const struct tui *t, int y, int x, int w, attr_t a);
void screen_vline(const struct tui *t, int y, int x, int h, attr_t a);
void screen_box(const struct tui *t, int y, int x, int h, int w, attr_t a);
/* The tee where the divider meets the log rule. */
chtype screen_btee(const struct tui *t);
