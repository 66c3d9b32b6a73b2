/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Applying from the full-screen program, the same for every step and for
 * undo: the plan built from a draft exactly as `gpuvirt plan` builds it,
 * previewed exactly as it prints it, applied only on an explicit 'y', root
 * checked, the screen left while commands talk to the terminal, the result
 * in a message and new snapshots. And the options every apply path shares,
 * which the "Apply & verify" step changes.
 */
#include <stdbool.h>

#include "core/util/error.h"

struct tui;
struct tui_apply;
struct plan;
struct draft;

/* The apply options of T (tui/tui.h), the defaults taken on first use:
 * commands run only on the real root outside the demo (on a scratch copy
 * there is nothing to run them in), 5 s for one sysfs write. */
struct tui_apply *apply_flow_settings(struct tui *t);

/* The plan of draft D on T's session: draft_build_plan() with its host and
 * configuration snapshots and its root, the call `gpuvirt plan` makes.
 * Returns 0 and an owned plan, or -errno with ERR saying why. */
int apply_flow_build(struct tui *t, const struct draft *d, struct plan **ret, struct gv_error *err);

/* Preview P, and on 'y' apply it: root check, plan_apply(), result
 * message, rescan. Takes ownership of P; an empty plan says "Nothing to
 * apply" instead. An undo plan (core/plan/undo.h) is applied the same way
 * and says "undone". */
void apply_flow_preview(struct tui *t, struct plan *p);

/* A step's own "preview and apply": the plan of D (apply_flow_build()),
 * then apply_flow_preview(); a failure is shown and logged under WHAT. */
void apply_flow_preview_draft(struct tui *t, const char *what, const struct draft *d);

/* Undo: the reversal of the last change set under T's root (undo_plan()),
 * previewed as `gpuvirt plan --undo` prints it, applied on 'y' through
 * apply_flow_preview()'s path. "Nothing to undo" when the journal has
 * nothing to revert. */
void apply_flow_preview_undo(struct tui *t);

/* Whether T may write to its root: not when it is this host's "/" and
 * gpuvirt is not root. Then a "Root is needed" message says DOING (as
 * "Applying changes to this host") needs root, and to INSTEAD (as "try the
 * change") on a copy of the configuration with --root. */
bool apply_flow_may_write(struct tui *t, const char *doing, const char *instead);
