/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The wizard: a list of steps (left pane), each with a status and a letter,
 * and the selected step's screen (right pane), over one draft.
 *
 * The wizard owns the draft of this run (core/propose/draft.h): the steps
 * are views that edit it (tui/wizard_step.h), the Apply & verify step
 * previews, saves and applies the plan built from it, exactly as
 * `gpuvirt plan` builds it for the same changes. It also owns every step's
 * view state, and what the steps and the header read of the snapshots
 * more than once: the draft measured against them, the next boot's
 * command line.
 *
 * Each step's ops (status and draw at least) live in its own tui/step_*.c
 * file; wizard.c's table points at them.
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/propose/draft.h"
#include "core/scan/bootdetect.h"
#include "core/util/cmdline.h"
#include "tui/layout.h"
#include "tui/wizdraft.h"

struct tui;
struct wizard_step_ops;

struct wizard_step {
	char letter;                        /* the key that opens the step */
	const char *title;
	const char *about;                  /* what the step is for, one sentence */
	const struct wizard_step_ops *ops;  /* status and draw are required */
	/* The step's own keys for the status line and the help, as
	 * "KEY:what" words ("space:pick p:preview"); NULL: none. */
	const char *keys;
	/* The same keys for the help, and those the status line has no room
	 * for, as "KEY\twhat it does\n" lines; NULL: the help shows KEYS. */
	const char *help;
};

struct wizard;

/* A wizard with an empty draft and every step's view state (T's snapshots
 * are not read yet). */
struct wizard *wizard_new(struct tui *t);
/* Free T's wizard, its draft and every step's state. */
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
/* The snapshots were taken again (T's host and conf are the new ones). */
void wizard_rescan(struct tui *t);

/* Draw the step list into the left pane and the step's screen into the
 * right pane. */
void wizard_draw_steps(struct tui *t, const struct layout_rect *r, bool focused);
void wizard_draw_screen(struct tui *t, const struct layout_rect *r, bool focused);

/* The draft of this run, which every step edits. */
struct draft *wizard_draft(struct tui *t);

/* The draft measured against the current snapshots (tui/wizdraft.h): taken
 * once per draft and snapshot, quietly (the proposal's log lines come
 * when the plan is previewed). */
const struct wizdraft_measure *wizard_measure(struct tui *t);

/* What the configuration snapshot says of the next boot's kernel command
 * line, for the boot loader of the draft (the person's choice, else the
 * detected one). Read once per snapshot and choice. */
struct wizard_boot {
	const struct boot_detection *det;   /* the snapshot's; NULL: the root cannot be read */
	enum boot_loader loader;            /* BOOT_AUTO: none found, or ambiguous and not chosen */
	bool needs_choice;                  /* ambiguous, and the person has not chosen */
	char *configured;                   /* the next boot's line; NULL when unknown */
	char cfg_error[512];                /* why it is unknown */
	struct cmdline_diff *pending;       /* configured against running; NULL when unknown */
};
const struct wizard_boot *wizard_boot(struct tui *t);

/* For the header, from wizard_boot(): the boot loader ("ambiguous" until
 * the person chooses; NULL when none was found) and whether the next boot's
 * kernel command line differs from the running one. */
void wizard_cmdline_facts(struct tui *t, const char **ret_loader, bool *ret_pending);
/* Start-up: the step the program is to open on (its opens_at_start(): on
 * "Apply & verify" when something applied before this boot is not in
 * effect), WHY the line for the log; -1 for none. */
int wizard_step_at_start(struct tui *t, char *why, size_t size);
