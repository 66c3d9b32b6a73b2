/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Mediated devices and vGPU after the reboot (SRIOV-MDEV-VM.md §2.5):
 *
 *   verify-mdev    every definition under the root with "start": "auto"
 *                  exists with its type under its parent, or the finding
 *                  says why not: the parent is missing or not registered
 *                  (its vGPU driver, GVT-g), the type is gone, no instance
 *                  of it is left, or nothing started it at boot (no
 *                  mdevctl, its udev rule calls a binary that is not there).
 *                  Each carries the change set that wrote the definition.
 *   verify-vgpu    an NVIDIA VF has the vGPU type gpuvirt gave it.
 *
 * and, with the configuration lint:
 *
 *   mdev-definition   a definition mdevctl cannot read (it then reads none)
 *   mdev-boot         auto definitions that nothing starts at boot
 *   vgpu-manager      NVIDIA's vGPU manager not enabled where vGPUs are
 */
#include <stddef.h>

#include "core/plan/journal.h"
#include "core/scan/host.h"
#include "core/scan/sysconf.h"
#include "core/verify/findings.h"

/* Append the verify-mdev finding of every auto definition under ROOT
 * (configuration snapshot SC) and an info one for each manual definition,
 * against host H; SETS (N of them, the journal's change sets still
 * applied) give each the set whose "mdev" expectation names its UUID. */
void mdevcheck_definitions(struct findings *fs, const struct host *h, const struct sysconf *sc, const char *root,
			   const struct journal_set *sets, size_t n);

/* Append the verify-mdev finding of the journal's expectation that mdev
 * UUID exists as VALUE ("PARENT:TYPE") when no definition under the root
 * covers it (mdevcheck_definitions() does those), with SET_ID; REF names
 * the change set in evidence, PENDING it was applied after this boot. */
void mdevcheck_expected(struct findings *fs, const struct host *h, const struct sysconf *sc, const char *uuid,
			const char *value, bool pending, const char *ref, int set_id);

/* Append the verify-vgpu finding of the expectation that VF has vGPU type
 * VALUE, with SET_ID. */
void mdevcheck_vgpu(struct findings *fs, const struct host *h, const struct sysconf *sc, const char *root,
		    const char *vf, const char *value, bool pending, const char *ref, int set_id);

/* Append the lint findings (category FINDING_LINT): definitions that do not
 * parse, auto definitions nothing starts at boot, NVIDIA's vGPU manager. */
void mdevcheck_lint(struct findings *fs, const struct host *h, const struct sysconf *sc, const char *root);
