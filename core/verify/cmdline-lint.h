/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Lint of one kernel command line: findings an administrator should act on.
 * Module parameters (`mod.param=value`) are checked against the modules
 * installed under ROOT/lib/modules/KERNEL_RELEASE (libkmod, "parm" info)
 * and against gpuvirt's own table (core/scan/kparam.h); core parameters
 * against the table. An unknown bare word without a dot is not a finding:
 * the kernel passes it to init.
 *
 * Finding ids (stable, for `gpuvirt check --json`):
 *   cmdline-too-long        fail  the line does not fit in CMDLINE_SIZE
 *   cmdline-unbalanced-quote warn
 *   cmdline-unknown-module  fail when the module index says it does not exist
 *                           or it is a near miss of a known one (915 -> i915);
 *                           warn when nothing is known about it
 *   cmdline-unknown-param   fail when the installed module (or the table, for a
 *                           near miss) says the parameter does not exist
 *   cmdline-bad-value       warn/fail: a value the parameter does not take
 *                           (amd_iommu=on is a no-op: warn; intel_iommu=off: fail)
 *   cmdline-acs-override    warn  pcie_acs_override weakens isolation, patched kernels only
 *   cmdline-duplicate       warn  one key with different values (the last wins)
 *   cmdline-unknown-core    warn  a near miss of a known core parameter (intel_iomu=on)
 */
#include "core/verify/findings.h"

/*
 * Lint LINE, appending one finding per problem to FS (category FINDING_LINT,
 * status warn or fail, with the gpuvirt command that fixes it). A finding's
 * evidence is the argument at fault as written, or "" for one about the
 * whole line (cmdline-too-long): only the caller knows where the line came
 * from, so it names the place. Module parameters are checked against DB
 * (the configuration snapshot's, sysconf_kparam(): the modules installed for
 * the host's kernel and gpuvirt's own table).
 */
struct kparam_db;
void cmdline_lint(struct findings *fs, const char *line, const struct kparam_db *db);
