/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The wizard: a list of steps (left pane), each with a status and a letter,
 * and the selected step's screen (right pane).
 *
 * A step is a struct of callbacks. A step without callbacks says plainly that
 * it is "not available in this version"; to give a step its real screen,
 * write a `const struct wizard_step_ops` (in its own tui/step_*.c file) and
 * point the step's entry in wizard.c's table at it. Steps edit the wizard's
 * draft (their own state); the "Apply & verify" step asks every step's
 * build() to add its actions to one plan, previews it with plan_preview()
 * (the text `gpuvirt plan` prints) and applies it on an explicit 'y'.
 */
#include <stdbool.h>
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
	 * starts below it). */
	void (*draw)(struct tui *t, const struct layout_rect *r);
	/* A key while this step is selected; true when consumed. The keys the
	 * wizard keeps for itself are q ? w Tab j k g G h l, the step letters
	 * and Ctrl-C. May be NULL. */
	bool (*key)(struct tui *t, int key);
	/* Add this step's drafted changes to P. May be NULL (nothing to add). */
	int (*build)(struct tui *t, struct plan *p, struct gv_error *err);
	/* The host was rescanned: drop anything that pointed into the old one. */
	void (*rescan)(struct tui *t);
	/* The program ends: free the step's state. */
	void (*cleanup)(struct tui *t);
};

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
void wizard_free(struct tui *t);

size_t wizard_n_steps(void);
const struct wizard_step *wizard_step(size_t i);
/* The step that opens with LETTER, -1 when none. */
int wizard_step_by_letter(int letter);

/* Select step I (calls its enter()). */
void wizard_select(struct tui *t, size_t i);
size_t wizard_selected(const struct tui *t);

/* Build the plan of every step's draft (a plan for T's root). Returns 0 and
 * an owned plan, or -errno with err set. */
int wizard_build_plan(struct tui *t, struct plan **ret, struct gv_error *err);

/* Keys while the wizard view is up (after dialogs and the global keys);
 * true when consumed. */
bool wizard_key(struct tui *t, int key);
/* The snapshot changed. */
void wizard_rescan(struct tui *t);

/* Draw the step list into the left pane and the step's screen into the
 * right pane. */
void wizard_draw_steps(struct tui *t, const struct layout_rect *r, bool focused);
void wizard_draw_screen(struct tui *t, const struct layout_rect *r, bool focused);

/* Apply a plan the way the "Apply & verify" step does: root check, preview,
 * 'y', plan_apply(), result message, rescan. Takes ownership of P. Wizard
 * steps with their own "apply now" use this too. */
void wizard_preview_and_apply(struct tui *t, struct plan *p);

/* A step's own "preview and apply": a plan for T's root from BUILD (the
 * step's build()), then wizard_preview_and_apply(); a failure is shown and
 * logged under WHAT. */
void wizard_preview_step(struct tui *t, const char *what,
			 int (*build)(struct tui *t, struct plan *p, struct gv_error *err));

/* What the Kernel command line step knows, for the header: the boot loader
 * ("ambiguous" until the person chooses; NULL when none was found) and
 * whether the next boot's line differs from the running one. Read once per
 * snapshot and root by that step; cheap to call on every draw. */
void wizard_cmdline_facts(struct tui *t, const char **ret_loader, bool *ret_pending);

/* Options of the Apply step (tui/step_apply.c), used by every apply path:
 * list commands instead of running them; sysfs write timeout. */
bool wizard_apply_no_run(struct tui *t);
int wizard_apply_timeout_ms(struct tui *t);
/* Start-up: verify the journal under T's root against the running host
 * (only a directory listing when nothing was applied). True when something
 * applied before this boot is not in effect: the wizard should open on the
 * Apply step, which then shows its "After the reboot" section; WHY gets one
 * line naming the first such expectation and its change set. */
bool wizard_apply_verify_at_start(struct tui *t, char *why, size_t size);

/* The steps with a real screen so far (tui/step_*.c). */
extern const struct wizard_step_ops wizard_step_firmware;
extern const struct wizard_step_ops wizard_step_apply;
extern const struct wizard_step_ops wizard_step_cmdline;
extern const struct wizard_step_ops wizard_step_drivers;

/* For step screens: draw LINE at row *Y of R (wrapping at word boundaries)
 * in element E, advancing *Y; nothing below R. */
void wizard_text(struct tui *t, const struct layout_rect *r, int *y, int e, const char *line);
