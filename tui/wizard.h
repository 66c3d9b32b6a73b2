/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The wizard: a list of steps (left pane), each with a status and a letter,
 * and the selected step's screen (right pane).
 *
 * A step is a struct of callbacks (tui/wizard_step.h). A step without
 * callbacks says plainly that it is "not available in this version"; to
 * give a step its real screen, write its ops in its own tui/step_*.c file
 * and point the step's entry in wizard.c's table at them.
 */
#include <stdbool.h>
#include <stddef.h>

#include "tui/layout.h"

struct tui;
struct wizard_step_ops;

struct wizard_step {
	char letter;                        /* the key that opens the step */
	const char *title;
	const char *about;                  /* what the step is for, one sentence */
	const struct wizard_step_ops *ops;  /* NULL: not available in this version */
	/* The step's own keys for the status line and the help, as
	 * "KEY:what" words ("space:pick p:preview"); NULL: none. */
	const char *keys;
};

struct wizard;

struct wizard *wizard_new(void);
/* Free T's wizard and every step's state. */
void wizard_free(struct tui *t);

/* Step I, NULL past the last. */
const struct wizard_step *wizard_step(size_t i);
/* The step that opens with LETTER, -1 when none. */
int wizard_step_by_letter(int letter);

/* Select step I (calls its enter()). Returns what to draw again. */
unsigned wizard_select(struct tui *t, size_t i);
size_t wizard_selected(const struct tui *t);

/* Keys while the wizard view is up (after dialogs and the global keys):
 * TUI_HANDLED with what to draw again, 0 when not the wizard's. */
unsigned wizard_key(struct tui *t, int key);
/* The snapshot changed. */
void wizard_rescan(struct tui *t);

/* Draw the step list into the left pane and the step's screen into the
 * right pane. */
void wizard_draw_steps(struct tui *t, const struct layout_rect *r, bool focused);
void wizard_draw_screen(struct tui *t, const struct layout_rect *r, bool focused);

/* For the header: the boot loader ("ambiguous" until the person chooses;
 * NULL when none was found) and whether the next boot's kernel command line
 * differs from the running one. Cheap to call on every draw. */
void wizard_cmdline_facts(struct tui *t, const char **ret_loader, bool *ret_pending);
/* Start-up: true when something applied before this boot is not in effect;
 * WHY gets one line about it. The wizard then opens on "Apply & verify". */
bool wizard_apply_verify_at_start(struct tui *t, char *why, size_t size);
