/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Wizard step "Apply & verify": the steps' drafts (or a saved plan file) as
 * one plan, previewed and applied; below it, "After the reboot": the journal
 * against the running host.
 */
#include <stdbool.h>
#include <stddef.h>

#include "tui/wizard_step.h"

struct tui;

extern const struct wizard_step_ops step_apply_ops;

/* Start-up: verify the journal under T's root against the running host
 * (only a directory listing when nothing was applied). True when something
 * applied before this boot is not in effect: the wizard should open on this
 * step, which then shows its "After the reboot" section; WHY gets one line
 * naming the first such expectation and its change set. */
bool step_apply_verify_at_start(struct tui *t, char *why, size_t size);
