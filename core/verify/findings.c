/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "core/util/buf.h"
#include "core/util/jsonout.h"
#include "core/util/xalloc.h"
#include "core/verify/findings.h"

struct findings {
	struct finding *v;
	size_t n, cap;
};

struct findings *findings_new(void)
{
	return xcalloc(1, sizeof(struct findings));
}

void findings_free(struct findings *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->n; i++) {
		free((char *)fs->v[i].id);
		free((char *)fs->v[i].title);
		free((char *)fs->v[i].evidence);
		free((char *)fs->v[i].fix);
	}
	free(fs->v);
	free(fs);
}

void findings_add(struct findings *fs, const struct finding *f)
{
	struct finding *to;

	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? fs->cap * 2 : 16;
		fs->v = xreallocarray(fs->v, fs->cap, sizeof(*fs->v));
	}
	to = &fs->v[fs->n++];
	*to = *f;
	to->id = xstrdup(f->id);
	to->title = xstrdup(f->title);
	to->evidence = xstrdup(f->evidence ? f->evidence : "");
	to->fix = xstrdup(f->fix);
}

size_t findings_n(const struct findings *fs)
{
	return fs->n;
}

const struct finding *findings_get(const struct findings *fs, size_t i)
{
	return i < fs->n ? &fs->v[i] : NULL;
}

const struct finding *findings_find(const struct findings *fs, const char *id)
{
	for (size_t i = 0; i < fs->n; i++)
		if (!strcmp(fs->v[i].id, id))
			return &fs->v[i];
	return NULL;
}

bool findings_any_fail(const struct findings *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		if (fs->v[i].status == FINDING_FAIL)
			return true;
	return false;
}

bool findings_verification_pending(const struct findings *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		if (fs->v[i].category == FINDING_VERIFY &&
		    (fs->v[i].status == FINDING_FAIL || fs->v[i].status == FINDING_WARN))
			return true;
	return false;
}

const char *finding_status_name(enum finding_status s)
{
	switch (s) {
	case FINDING_PASS:
		return "pass";
	case FINDING_WARN:
		return "warn";
	case FINDING_FAIL:
		return "fail";
	case FINDING_INFO:
		return "info";
	}
	return "info";
}

char *findings_to_json(const struct findings *fs)
{
	struct buf b = BUF_INIT;

	/* one finding a line, so that a person can grep the document */
	buf_puts(&b, "{\"findings\": [");
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		struct json_object *o = jsonout_object();

		jsonout_set(o, "id", jsonout_str(f->id));
		jsonout_set(o, "status", jsonout_str(finding_status_name(f->status)));
		jsonout_set(o, "title", jsonout_str(f->title));
		jsonout_set(o, "evidence", jsonout_str(f->evidence));
		jsonout_set(o, "fix", jsonout_str(f->fix));
		jsonout_set(o, "set", f->set_id > 0 ? jsonout_int(f->set_id) : NULL);
		buf_puts(&b, i ? ",\n  " : "\n  ");
		jsonout_inline(&b, o);
		jsonout_free(o);
	}
	buf_puts(&b, fs->n ? "\n]}\n" : "]}\n");
	return buf_steal(&b);
}
