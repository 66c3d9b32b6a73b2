/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Wizard step "Apply & verify": the wizard's draft (or a saved plan file)
 * as one plan and as the equivalent command, previewed and applied, or
 * saved as a plan file; undo of the last change set; below it, "After the
 * reboot": the journal against the running host.
 */
#include <stdbool.h>
#include <stddef.h>

#include "tui/wizard_step.h"

struct tui;

extern const struct wizard_step_ops step_apply_ops;

/* Start-up: verify the journal under T's root against the running host
 * (only a directory listing when nothing was applied), into the step's
 * view state ST. True when something applied before this boot is not in
 * effect: the wizard should open on this step, which then shows its "After
 * the reboot" section; WHY gets one line naming the first such expectation
 * and its change set. */
bool step_apply_verify_at_start(struct tui *t, void *st, char *why, size_t size);
