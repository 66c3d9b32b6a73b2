/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/verify/checks.h"
#include "core/verify/fwcheck.h"
#include "core/verify/lint.h"
#include "core/verify/mdevcheck.h"
#include "core/verify/sriov-check.h"
#include "core/verify/verify.h"
#include "core/verify/vmcheck.h"

struct findings *checks_run(const struct host *h, const struct sysconf *sc, const char *root)
{
	struct findings *fs = findings_new();

	fwcheck_run(fs, h);
	lint_run(fs, h, sc, root);
	mdevcheck_lint(fs, h, sc, root);
	vmcheck_run(fs, h, root);      /* configuration too: under the lint's heading */
	sriov_check_run(fs, h, sc, root);
	verify_run(fs, h, sc, root);
	return fs;
}
