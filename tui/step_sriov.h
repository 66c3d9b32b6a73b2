/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Wizard step "SR-IOV VFs": each PF with the VFs it offers, has now and gets
 * at the next boot, why VFs did not appear, and the count to set (--vfs
 * ADDRESS=N) with where the VFs go (--vfs-driver), which edit the wizard's
 * draft.
 */
#include "tui/wizard_step.h"

extern const struct wizard_step_ops step_sriov_ops;
