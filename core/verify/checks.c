/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/verify/checks.h"
#include "core/verify/fwcheck.h"
#include "core/verify/lint.h"
#include "core/verify/verify.h"

struct findings *checks_run_with(const struct host *h, const struct firmware *fw, const char *root)
{
	struct findings *fs = findings_new();

	fwcheck_run(fs, h, fw);
	lint_run(fs, h, fw, root);
	verify_run(fs, h, fw, root);
	return fs;
}

int checks_run(const struct host *h, const char *root, struct findings **ret, struct gv_error *err)
{
	struct firmware *fw = NULL;
	int r;

	r = firmware_scan(&fw, err);
	if (r < 0)
		return r;
	*ret = checks_run_with(h, fw, root);
	firmware_free(fw);
	return 0;
}
