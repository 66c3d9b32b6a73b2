/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "core/plan/plan.h"
#include "tui/drafts.h"
#include "tui/step_cmdline.h"
#include "tui/step_drivers.h"
#include "tui/tui.h"

/* The steps with a build(), in the wizard's order (tui/wizard.c). */
static const struct wizard_step_ops *const drafting[] = {
	&step_cmdline_ops,
	&step_drivers_ops,
};

int drafts_build_plan(struct tui *t, struct plan **ret, struct gv_error *err)
{
	struct plan *p = NULL;
	int r;

	r = plan_new(t->root, &p);
	if (r < 0)
		return gv_error_set(err, r, "cannot start a plan for %s: %s", t->root, strerror(-r));
	for (size_t i = 0; i < sizeof(drafting) / sizeof(drafting[0]); i++) {
		r = drafting[i]->build(t, p, err);
		if (r < 0) {
			plan_free(p);
			return r;
		}
	}
	*ret = p;
	return 0;
}
