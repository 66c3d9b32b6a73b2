/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Verification after the reboot: every change set still applied in the
 * journal under the root, its expectations against the running host, one
 * finding each (verify-cmdline, verify-module, verify-no-module,
 * verify-driver, verify-numvfs, verify-mdev, verify-vgpu: core/verify/
 * mdevcheck.h, which also checks every mdev definition under the root,
 * gpuvirt's or not), one per command left pending
 * (verify-pending), and the journal itself (verify-journal: nothing applied,
 * unreadable, an expectation this version does not know). A change set
 * applied after the running kernel booted is a warning ("reboot"); one
 * applied before it is a failure whose fix says where to look.
 */
#include "core/scan/firmware.h"
#include "core/scan/host.h"
#include "core/scan/sysconf.h"
#include "core/verify/findings.h"

/* Append the verification of the journal under ROOT (configuration snapshot
 * SC) against host H and its firmware facts to FS, category FINDING_VERIFY,
 * each finding with the set_id of the change set it is about. An unreadable
 * journal is a finding. */
void verify_run(struct findings *fs, const struct host *h, const struct sysconf *sc, const char *root);
