/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Wizard step "Kernel command line": the boot loader and its evidence, the
 * running line against the next boot's, lint findings, and the IOMMU (and
 * other) arguments to add as toggles, which edit the wizard's draft.
 */
#include "tui/wizard_step.h"

extern const struct wizard_step_ops step_cmdline_ops;
