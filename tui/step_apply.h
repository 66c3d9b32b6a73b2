/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Wizard step "Apply & verify": the wizard's draft (or a saved plan file)
 * as one plan and as the equivalent command, previewed and applied, or
 * saved as a plan file; undo of the last change set; below it, "After the
 * reboot": the journal against the running host.
 */
#include "tui/wizard_step.h"

extern const struct wizard_step_ops step_apply_ops;
