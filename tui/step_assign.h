/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Wizard step "Assign to a VM": a GPU, VF or mdev (the device tree's
 * selection carries over), the libvirt or Proxmox VM under the root that
 * gets it (--assign, in the wizard's draft) or only its export text, and the
 * guest's checklist.
 */
#include "tui/wizard_step.h"

extern const struct wizard_step_ops step_assign_ops;
