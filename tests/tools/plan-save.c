/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * plan-save ROOT FILE CHANGE...
 *
 * Build the plan `gpuvirt --root ROOT plan CHANGE...` would preview (the
 * same change_parse_argv() -> propose_build() calls, on the host as this
 * process sees it: run it under umockdev-wrapper) and save it to FILE with
 * plan_save(). The TUI tests open FILE in the wizard's Apply step and
 * compare the preview dialog with what `gpuvirt plan` prints.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/propose/change.h"
#include "core/scan/host.h"
#include "core/plan/plan.h"
#include "core/propose/propose.h"

int main(int argc, char **argv)
{
	struct gv_error err = { 0 };
	struct change *changes = NULL;
	struct host *h = NULL;
	struct sysconf *sc = NULL;
	struct plan *p = NULL;
	size_t n = 0;
	int rc = 1;

	if (argc < 4) {
		fprintf(stderr, "usage: plan-save ROOT FILE CHANGE...\n");
		return 2;
	}
	if (change_parse_argv(argc - 3, argv + 3, &changes, &n, &err) < 0 ||
	    host_scan(&h, &err) < 0 || sysconf_load(argv[1], h, &sc, &err) < 0 || plan_new(argv[1], &p) < 0 ||
	    propose_build(h, sc, argv[1], changes, n, NULL, p, &err) < 0 ||
	    plan_save(p, argv[2], &err) < 0) {
		fprintf(stderr, "plan-save: %s\n", err.msg);
		goto out;
	}
	rc = 0;
out:
	plan_free(p);
	sysconf_free(sc);
	host_free(h);
	change_array_free(changes, n);
	return rc;
}
