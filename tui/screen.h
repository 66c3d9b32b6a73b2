/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Drawing primitives of the full-screen program: curses set-up and
 * tear-down, attributes from the theme, text cut to a width, blanks, lines
 * and boxes, and leaving the screen for a command that talks to the
 * terminal. They draw on stdscr; the loop in tui.c calls doupdate().
 */
#include <curses.h>
#include <stdbool.h>

#include "tui/layout.h"
#include "tui/theme.h"

struct tui;

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

/*
 * Leave the screen for a command that talks to the terminal (update-grub,
 * update-initramfs): curses' modes are saved, the terminal is back in its
 * normal mode and FMT is printed on it. screen_resume() comes back; the next
 * frame repaints every cell, so the caller's result includes TUI_DIRTY_ALL.
 */
void screen_suspend(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void screen_resume(void);
