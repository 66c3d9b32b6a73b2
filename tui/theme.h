/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Colour themes of the full-screen program, without curses: the list of UI
 * elements, their built-in colours, and the parser of theme files.
 *
 * A theme file is plain text, one element per line:
 *
 *     # comment
 *     selected = white,blue,bold
 *     diff-add = green,default,bold
 *
 * "element = fg,bg[,attr...]"; a colour is a name (black, red, green, yellow,
 * blue, magenta, cyan, white, bright-black ... bright-white, default) or a
 * number 0..255; attributes are bold, reverse, underline, dim, blink,
 * standout, italic, normal. Elements a file does not name keep the colours
 * they had (the built-in defaults for a fresh theme).
 *
 * Themes are found by name in, in order: $XDG_CONFIG_HOME/gpuvirt/themes
 * (~/.config/gpuvirt/themes), the source tree next to the binary
 * (<exe dir>/../themes, then ./themes), and GV_DATADIR/themes. A NAME with a
 * '/' is a path to a file.
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/util/error.h"

/* Colours: -1 is the terminal's default, 0..255 the terminal's palette. */
#define THEME_DEFAULT (-1)
enum {
	THEME_BLACK, THEME_RED, THEME_GREEN, THEME_YELLOW,
	THEME_BLUE, THEME_MAGENTA, THEME_CYAN, THEME_WHITE,
};

/* Attributes, independent of curses' A_* values. */
enum {
	THEME_BOLD = 1 << 0,
	THEME_REVERSE = 1 << 1,
	THEME_UNDERLINE = 1 << 2,
	THEME_DIM = 1 << 3,
	THEME_BLINK = 1 << 4,
	THEME_STANDOUT = 1 << 5,
	THEME_ITALIC = 1 << 6,
};

/*
 * The UI elements: X(ENUM, "file-name", fg, bg, attributes, mono attributes).
 * The mono attributes are what the element looks like without colour (the
 * built-in mono theme, NO_COLOR, --no-color): reverse and bold only, so a
 * vt100 on a serial line shows every distinction that matters.
 */
#define THEME_ELEMENTS(X) \
	X(NORMAL,        "normal",        THEME_DEFAULT, THEME_DEFAULT, 0, 0) \
	X(HEADER,        "header",        THEME_WHITE,   THEME_BLUE,    THEME_BOLD, THEME_REVERSE) \
	X(HEADER_WARN,   "header-warn",   THEME_YELLOW,  THEME_BLUE,    THEME_BOLD, THEME_REVERSE | THEME_BOLD) \
	X(TITLE,         "title",         THEME_CYAN,    THEME_DEFAULT, 0, 0) \
	X(TITLE_ACTIVE,  "title-active",  THEME_CYAN,    THEME_DEFAULT, THEME_BOLD, THEME_BOLD) \
	X(BORDER,        "border",        THEME_BLUE,    THEME_DEFAULT, 0, 0) \
	X(SELECTED,      "selected",      THEME_CYAN,    THEME_BLACK,   THEME_REVERSE | THEME_BOLD, THEME_REVERSE) \
	X(GROUP,         "group",         THEME_YELLOW,  THEME_DEFAULT, THEME_BOLD, THEME_BOLD) \
	X(ADDRESS,       "address",       THEME_CYAN,    THEME_DEFAULT, 0, 0) \
	X(DRIVER,        "driver",        THEME_GREEN,   THEME_DEFAULT, 0, 0) \
	X(DRIVER_NONE,   "driver-none",   THEME_DEFAULT, THEME_DEFAULT, THEME_DIM, 0) \
	X(DRIVER_VFIO,   "driver-vfio",   THEME_MAGENTA, THEME_DEFAULT, THEME_BOLD, THEME_BOLD) \
	X(MARK_BOOT,     "mark-boot",     THEME_RED,     THEME_DEFAULT, THEME_BOLD, THEME_BOLD) \
	X(MARK_SHARED,   "mark-shared",   THEME_YELLOW,  THEME_DEFAULT, THEME_BOLD, THEME_BOLD) \
	X(LABEL,         "label",         THEME_CYAN,    THEME_DEFAULT, 0, 0) \
	X(DIM,           "dim",           THEME_DEFAULT, THEME_DEFAULT, THEME_DIM, 0) \
	X(LOG_ERROR,     "log-error",     THEME_RED,     THEME_DEFAULT, THEME_BOLD, THEME_BOLD) \
	X(LOG_WARN,      "log-warn",      THEME_YELLOW,  THEME_DEFAULT, 0, THEME_BOLD) \
	X(LOG_INFO,      "log-info",      THEME_DEFAULT, THEME_DEFAULT, 0, 0) \
	X(STATUS,        "status",        THEME_BLACK,   THEME_CYAN,    0, THEME_REVERSE) \
	X(STATUS_KEY,    "status-key",    THEME_WHITE,   THEME_CYAN,    THEME_BOLD, THEME_REVERSE | THEME_BOLD) \
	X(DIALOG,        "dialog",        THEME_BLACK,   THEME_WHITE,   0, 0) \
	X(DIALOG_TITLE,  "dialog-title",  THEME_BLUE,    THEME_WHITE,   THEME_BOLD, THEME_BOLD) \
	X(DIALOG_BORDER, "dialog-border", THEME_BLUE,    THEME_WHITE,   THEME_BOLD, THEME_BOLD) \
	X(INPUT,         "input",         THEME_BLUE,    THEME_WHITE,   THEME_REVERSE, THEME_REVERSE) \
	X(DIFF_FILE,     "diff-file",     THEME_BLUE,    THEME_WHITE,   THEME_BOLD, THEME_BOLD) \
	X(DIFF_HUNK,     "diff-hunk",     THEME_MAGENTA, THEME_WHITE,   0, 0) \
	X(DIFF_ADD,      "diff-add",      THEME_GREEN,   THEME_WHITE,   THEME_BOLD, THEME_BOLD) \
	X(DIFF_DEL,      "diff-del",      THEME_RED,     THEME_WHITE,   THEME_REVERSE, THEME_REVERSE) \
	X(DIFF_ACTION,   "diff-action",   THEME_BLACK,   THEME_WHITE,   THEME_BOLD, THEME_BOLD) \
	X(STEP_DONE,     "step-done",     THEME_GREEN,   THEME_DEFAULT, THEME_BOLD, THEME_BOLD) \
	X(STEP_TODO,     "step-todo",     THEME_YELLOW,  THEME_DEFAULT, 0, 0) \
	X(STEP_NA,       "step-na",       THEME_DEFAULT, THEME_DEFAULT, THEME_DIM, 0) \
	X(ERROR,         "error",         THEME_RED,     THEME_DEFAULT, THEME_BOLD, THEME_BOLD)

enum theme_element {
#define THEME_X_ENUM(e, name, fg, bg, attrs, mono) UI_##e,
	THEME_ELEMENTS(THEME_X_ENUM)
#undef THEME_X_ENUM
	UI_N_ELEMENTS
};

struct theme_style {
	short fg, bg;       /* THEME_DEFAULT or 0..255 */
	unsigned attrs;     /* THEME_BOLD | ... */
};

struct theme {
	char name[64];
	struct theme_style style[UI_N_ELEMENTS];
};

/* The built-in colours ("default") or the built-in mono theme ("mono":
 * default colours everywhere, mono attributes). */
void theme_init_default(struct theme *t);
void theme_init_mono(struct theme *t);

/* True when some element of T uses a colour other than the default: a theme
 * without colours never needs the terminal's colour support. */
bool theme_uses_color(const struct theme *t);

/* The element's name in theme files, or NULL; and back (-1 when unknown). */
const char *theme_element_name(enum theme_element e);
int theme_element_from_name(const char *name);

/* Parse one "fg,bg[,attr...]" value or a colour name; -EINVAL when unknown. */
int theme_parse_color(const char *s, short *ret);
int theme_parse_attr(const char *s, unsigned *ret);

/*
 * Apply the theme text TEXT (LEN bytes, need not be NUL-terminated) on top
 * of T. FILENAME names the text in errors ("x.theme:3: unknown colour
 * 'bleu'"). On error T is untouched and -EINVAL is returned.
 */
int theme_parse(struct theme *t, const char *text, size_t len, const char *filename,
		struct gv_error *err);

/* Read and parse the file at PATH on top of T. */
int theme_load_file(struct theme *t, const char *path, struct gv_error *err);

/*
 * Find the file of theme NAME in the search path described above. EXE_DIR
 * is the directory of the running binary (NULL to skip it). Returns 0 and an
 * owned path, -ENOENT when no directory has it, -EINVAL for a bad name.
 */
int theme_find(const char *name, const char *exe_dir, char **ret_path, struct gv_error *err);

/*
 * The whole story of --theme: start from the built-in theme of that name
 * (default or mono) and apply the file of that name when one is found.
 * "default" and "mono" need no file; any other name must have one. Returns
 * 0, or -errno with err naming the file and line at fault.
 */
int theme_load(struct theme *t, const char *name, const char *exe_dir, struct gv_error *err);
