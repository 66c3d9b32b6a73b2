/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Dialogs: a message box, input boxes (text, number, choice) and the
 * preview-and-confirm dialog. They stack (at most TUI_MAX_DIALOGS), take
 * every key while open, and draw last, over the panes.
 *
 * A dialog's DONE callback runs after the dialog is closed, so it may open
 * another one (input box -> preview -> result message).
 */
#include <stdbool.h>
#include <stddef.h>

struct tui;
struct plan;

struct dialog_result {
	bool accepted;      /* Enter on an input box, 'y' on a preview */
	const char *text;   /* input: what was typed; choice: the chosen string */
	long number;        /* number box: the value */
	size_t choice;      /* choice box: the index */
};

/* Returns what else changed, as a key handler does (tui/tui.h): redraw
 * bits, a rescan; 0 for nothing more. */
typedef unsigned (*dialog_done_fn)(struct tui *t, void *userdata, const struct dialog_result *res);

/* A box with TEXT (wrapped; '\n' breaks lines); any key closes it, except
 * that the scroll keys (tui/scroll.h) scroll a text taller than the box. */
void dialog_message(struct tui *t, const char *title, const char *text);

/*
 * The preview-and-confirm dialog: TEXT is a plan's preview exactly as
 * `gpuvirt plan` prints it (unified diffs, "echo V > /sys/...", "$ cmd").
 * '+' and '-' lines are set apart by attribute (bold, reverse video), not
 * colour alone. Scroll keys scroll; 'y' accepts; any other key cancels.
 */
void dialog_preview(struct tui *t, const char *title, const char *text, dialog_done_fn done,
		    void *userdata);

/* Render plan P with plan_preview() and open dialog_preview() on it.
 * Returns 0, or -errno when the preview could not be rendered (logged). */
int dialog_preview_plan(struct tui *t, const struct plan *p, dialog_done_fn done, void *userdata);

/* Input boxes. Enter accepts, Esc (or Ctrl-G) cancels. */
void dialog_input_text(struct tui *t, const char *title, const char *prompt, const char *initial,
		       dialog_done_fn done, void *userdata);
/* Digits only; Enter with a value outside MIN..MAX says so and stays open. */
void dialog_input_number(struct tui *t, const char *title, const char *prompt, long initial,
			 long min, long max, dialog_done_fn done, void *userdata);
/* One of N CHOICES: arrows, j/k, space or a choice's first letter pick. */
void dialog_input_choice(struct tui *t, const char *title, const char *prompt,
			 const char *const *choices, size_t n, size_t initial,
			 dialog_done_fn done, void *userdata);

/* Give KEY to the top dialog: every key is its own, so this returns
 * TUI_HANDLED with what to draw again (and what its DONE callback returned
 * when it closed); 0 when no dialog is open. */
unsigned dialog_key(struct tui *t, int key);
/* Draw every open dialog, bottom first. */
void dialog_draw_all(struct tui *t);
/* Close all without calling their callbacks (at exit). */
void dialog_close_all(struct tui *t);
