/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Plan files (core/plan/plan.h plan_load/plan_save). Input: a plan file,
 * written to the scratch directory and loaded against an empty root there.
 * For a file that loads:
 *   - saved again (plan_save) it loads back, and that plan saves to the same
 *     bytes: save(load(save(load(x)))) == save(load(x));
 *   - both plans have the same actions and the same preview, as text and as
 *     JSON.
 * A file that does not load is refused with -EINVAL and a message that
 * names it.
 */
#include "core/plan/plan.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *root, *in, *saved, *again;
	struct plan *p = NULL, *p2 = NULL;
	struct gv_error err = { 0 };
	char *text1 = NULL, *text2 = NULL, *json1 = NULL, *json2 = NULL, *b1, *b2;
	size_t l1 = 0, l2 = 0;
	int r;

	if (!root) {
		root = fuzz_path("root");
		in = fuzz_path("in.plan");
		saved = fuzz_path("saved.plan");
		again = fuzz_path("again.plan");
		CHECK(mkdir(root, 0755) == 0, "mkdir %s: %s", root, strerror(errno));
	}
	fuzz_write(in, data, size);
	r = plan_load(in, root, &p, &err);
	if (r < 0) {
		CHECK(r == -EINVAL, "plan_load returned %d: %s", r, err.msg);
		CHECK(strstr(err.msg, in) == err.msg, "the error does not name the file: %s", err.msg);
		return 0;
	}

	r = plan_save(p, saved, &err);
	CHECK(r == 0, "a loaded plan does not save: %s", err.msg);
	r = plan_load(saved, root, &p2, &err);
	CHECK(r == 0, "a loaded plan, saved again, does not load: %s", err.msg);
	r = plan_save(p2, again, &err);
	CHECK(r == 0, "the plan read back does not save: %s", err.msg);
	b1 = fuzz_read(saved, &l1);
	b2 = fuzz_read(again, &l2);
	CHECK(b1 && b2 && l1 == l2 && !memcmp(b1, b2, l1), "saving the plan read back gives other bytes:\n"
	      "--- saved\n%s--- saved again\n%s", b1 ? b1 : "", b2 ? b2 : "");

	CHECK(plan_n_actions(p) == plan_n_actions(p2), "%zu actions, %zu read back", plan_n_actions(p),
	      plan_n_actions(p2));
	CHECK(plan_is_empty(p) == plan_is_empty(p2), "emptiness differs in the round trip");
	r = plan_preview(p, &text1, &err);
	CHECK(r == 0, "no preview: %s", err.msg);
	r = plan_preview(p2, &text2, &err);
	CHECK(r == 0 && !strcmp(text1, text2), "the preview differs in the round trip");
	r = plan_preview_json(p, &json1, &err);
	CHECK(r == 0, "no JSON preview: %s", err.msg);
	r = plan_preview_json(p2, &json2, &err);
	CHECK(r == 0 && !strcmp(json1, json2), "the JSON preview differs in the round trip");

	free(text1);
	free(text2);
	free(json1);
	free(json2);
	free(b1);
	free(b2);
	plan_free(p);
	plan_free(p2);
	return 0;
}
