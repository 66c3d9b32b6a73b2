/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Wizard step "Drivers & vfio": which GPUs (and their group's functions) go
 * to vfio-pci at boot, which host drivers are blacklisted: the --vfio and
 * --blacklist changes of the wizard's draft.
 */
#include "tui/wizard_step.h"

extern const struct wizard_step_ops step_drivers_ops;
