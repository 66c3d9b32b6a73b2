/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * `gpuvirt check`: every producer of findings (core/verify/findings.h) run
 * into one list, in this order:
 *   firmware   the checklist (core/verify/fwcheck.h)
 *   lint       the configuration under the root (core/verify/lint.h), and
 *              mdevctl's (core/verify/mdevcheck.h)
 *   VMs        the devices the VMs under the root name (core/verify/vmcheck.h)
 *   sriov      why SR-IOV VFs did not appear (core/verify/sriov-check.h)
 *   verify     the journal's change sets against the running host
 *              (core/verify/verify.h)
 */
#include "core/scan/host.h"
#include "core/scan/sysconf.h"
#include "core/verify/findings.h"

/*
 * Run everything on host snapshot H (its devices and firmware facts) and the
 * configuration snapshot SC of ROOT: the checklist, the lint of the
 * configuration under ROOT, the devices of its VMs and the verification of
 * the journal under ROOT.
 * Returns an owned list; an unreadable file is a finding, never an error.
 */
struct findings *checks_run(const struct host *h, const struct sysconf *sc, const char *root);
