/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Wizard step "Kernel command line": the boot loader and its evidence, the
 * running line against the next boot's, lint findings, and the IOMMU (and
 * other) arguments to add as toggles.
 */
#include <stdbool.h>

#include "tui/wizard_step.h"

struct tui;

extern const struct wizard_step_ops step_cmdline_ops;

/* What the step knows of the boot loader ("ambiguous" until the person
 * chooses; NULL when none was found) and whether the next boot's line
 * differs from the running one. Read once per snapshot and root; cheap to
 * call on every draw. */
void step_cmdline_facts(struct tui *t, const char **ret_loader, bool *ret_pending);
