/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Wizard step "Firmware checks": the firmware checklist of `gpuvirt check`,
 * one finding per line with its evidence and its fix.
 */
#include "tui/wizard_step.h"

extern const struct wizard_step_ops step_firmware_ops;
