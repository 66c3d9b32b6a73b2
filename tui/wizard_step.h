/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * What a wizard step implements: a struct of callbacks, one per step file
 * (tui/step_*.c, each with its own header naming its ops). A step edits its
 * part of the wizard's draft; tui/drafts.c gathers every step's build() into
 * the one plan the "Apply & verify" step previews and applies.
 */
#include <stddef.h>

#include "core/util/error.h"
#include "tui/layout.h"

struct tui;
struct plan;

enum wizard_status {
	WIZARD_NA,      /* not available in this version */
	WIZARD_TODO,    /* something to look at or decide */
	WIZARD_DONE,    /* nothing left to do (or all checks pass) */
	WIZARD_WARN,    /* done, with a caveat */
	WIZARD_INFO,    /* neutral: "2 changes drafted" */
};

struct wizard_step_ops {
	/* Status for the step list: fill TEXT (one short line). */
	enum wizard_status (*status)(struct tui *t, char *text, size_t size);
	/* The step became the selected one (refresh its data). May be NULL. */
	void (*enter)(struct tui *t);
	/* Draw the step's screen into R (the title row is drawn for you: R
	 * starts below it), from line t->right.top on; set t->right.lines. */
	void (*draw)(struct tui *t, const struct layout_rect *r);
	/* A key while this step is selected: TUI_HANDLED with what else it
	 * changed (tui/tui.h), or 0 when the key is not the step's. The keys
	 * the wizard keeps for itself are q ? w Tab h l, the step letters,
	 * Ctrl-C and, where the step does not take them, the moving keys of
	 * tui/scroll.h but space and b. May be NULL. */
	unsigned (*key)(struct tui *t, int key);
	/* Add this step's drafted changes to P. May be NULL (nothing to add). */
	int (*build)(struct tui *t, struct plan *p, struct gv_error *err);
	/* The host was rescanned: drop anything that pointed into the old one. */
	void (*rescan)(struct tui *t);
	/* The program ends: free the step's state. */
	void (*cleanup)(struct tui *t);
};
