/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Applying from the full-screen program, the same for every step: the plan
 * previewed exactly as `gpuvirt plan` prints it, applied only on an explicit
 * 'y', root checked, the screen left while commands talk to the terminal,
 * the result in a message and a new snapshot of the host. And the options
 * every apply path shares, which the "Apply & verify" step changes.
 */
#include <stdbool.h>

#include "core/util/error.h"

struct tui;
struct tui_apply;
struct plan;

/* The apply options of T (tui/tui.h), the defaults taken on first use:
 * commands run only on the real root outside the demo (on a scratch copy
 * there is nothing to run them in), 5 s for one sysfs write. */
struct tui_apply *apply_flow_settings(struct tui *t);

/* Preview P, and on 'y' apply it: root check, plan_apply(), result
 * message, rescan. Takes ownership of P; an empty plan says "Nothing to
 * apply" instead. */
void apply_flow_preview(struct tui *t, struct plan *p);

/* A step's own "preview and apply": a plan for T's root from BUILD (the
 * step's build()), then apply_flow_preview(); a failure is shown and logged
 * under WHAT. */
void apply_flow_preview_step(struct tui *t, const char *what,
			     int (*build)(struct tui *t, struct plan *p, struct gv_error *err));

/* Whether T may write to its root: not when it is this host's "/" and
 * gpuvirt is not root. Then a "Root is needed" message says DOING (as
 * "Applying changes to this host") needs root, and to INSTEAD (as "try the
 * change") on a copy of the configuration with --root. */
bool apply_flow_may_write(struct tui *t, const char *doing, const char *instead);
