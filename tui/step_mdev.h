/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Wizard step "Mediated devices": the mdev parents (GPUs with mdev types,
 * NVIDIA VFs with vGPU types they can take), their types and instances;
 * the --mdev PARENT:TYPE=COUNT, --mdev-remove UUID and --vgpu VF=TYPE_ID
 * changes of the wizard's draft.
 */
#include "tui/wizard_step.h"

extern const struct wizard_step_ops step_mdev_ops;
