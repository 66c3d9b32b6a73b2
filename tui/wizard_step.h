/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * What a wizard step implements: a struct of callbacks, one per step file
 * (tui/step_*.c, each with its own header naming its ops).
 *
 * A step is a view. What the person asks for lives in the wizard's one
 * draft (wizard_draft(), core/propose/draft.h): a step edits it and reads
 * back from it what is picked or switched on. What the step needs only to
 * draw (a cursor, what it read from the snapshots) is its view state: the
 * wizard makes it with new() and hands it to every callback as ST; no step
 * keeps state of its own in its file.
 */
#include <stdbool.h>
#include <stddef.h>

#include "tui/layout.h"

struct tui;

enum wizard_status {
	WIZARD_TODO,    /* something to look at or decide */
	WIZARD_DONE,    /* nothing left to do (or all checks pass) */
	WIZARD_WARN,    /* done, with a caveat */
	WIZARD_INFO,    /* neutral: "2 changes drafted" */
};

struct wizard_step_ops {
	/* The step's view state, zeroed or as the step likes; owned by the
	 * wizard, released with free(). NULL: the step has none (ST is
	 * NULL). */
	void *(*new)(struct tui *t);
	void (*free)(void *st);
	/* Status for the step list: fill TEXT (one short line). */
	enum wizard_status (*status)(struct tui *t, void *st, char *text, size_t size);
	/* The step became the selected one (refresh its data). May be NULL. */
	void (*enter)(struct tui *t, void *st);
	/* Draw the step's screen into R (the title row is drawn for you: R
	 * starts below it), from line t->right.top on; set t->right.lines. */
	void (*draw)(struct tui *t, void *st, const struct layout_rect *r);
	/* A key while this step is selected: TUI_HANDLED with what else it
	 * changed (tui/tui.h), or 0 when the key is not the step's. The keys
	 * the wizard keeps for itself are q ? w Tab h l, the step letters,
	 * Ctrl-C and, where the step does not take them, the moving keys of
	 * tui/scroll.h but space and b. May be NULL. */
	unsigned (*key)(struct tui *t, void *st, int key);
	/* The snapshots were taken again: drop anything that pointed into the
	 * old ones. May be NULL. */
	void (*rescan)(struct tui *t, void *st);
	/* Start-up, before the first draw (not under --demo): true when the
	 * program is to open on this step, WHY the line the log gets about it.
	 * May be NULL. */
	bool (*opens_at_start)(struct tui *t, void *st, char *why, size_t size);
};
