/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a plan would do, as a person reads it (unified diffs, echo and $
 * lines) and as JSON (built with json-c); a preview reads the files and
 * writes nothing.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/plan/plan-internal.h"
#include "core/util/buf.h"
#include "core/util/diff.h"
#include "core/util/exec.h"
#include "core/util/jsonout.h"

/* The directory part of a preview: what an undo does with a directory
 * gpuvirt created (it can only tell at apply whether it is empty by then). */
static void dir_line(const struct plan *p, const struct action *a, struct buf *out, bool *ret_changes)
{
	bool empty;

	*ret_changes = plan_dir_look(p, a->path, &empty) > 0;
	if (*ret_changes)
		buf_printf(out, "rmdir %s\n", a->path);
	else
		buf_printf(out, "# %s: already absent\n", a->path);
}

/* The file part of a preview: a diff, or a line saying nothing changes. */
static int file_diff(const struct plan *p, const struct action *a, struct buf *out, bool *ret_changes,
		     struct gv_error *err)
{
	struct buf la = BUF_INIT, lb = BUF_INIT;
	struct fileview v;
	int r;

	r = plan_fileview_get(p, a, &v, err);
	if (r < 0)
		return r;
	*ret_changes = v.changes;
	if (!v.changes) {
		buf_printf(out, "# %s: %s\n", a->path, a->kind == PLAN_WRITE_FILE ? "unchanged" : "already absent");
		goto out;
	}
	if (strcmp(v.target, a->path) != 0)
		buf_printf(out, "# %s resolves to %s; that file is written, the link is kept\n", a->path, v.target);
	buf_printf(&la, "a/%s", a->path);
	buf_printf(&lb, "b/%s", a->path);
	if (a->kind == PLAN_WRITE_FILE) {
		if (!diff_unified(out, v.now ? la.data : "/dev/null", v.now ? v.now : "", v.now_len, lb.data,
				  a->content, a->len, DIFF_CONTEXT) && !v.now)
			/* creating an empty file */
			buf_printf(out, "--- /dev/null\n+++ %s\n", lb.data);
		if (a->mode_exact && v.now && v.mode != a->mode)
			buf_printf(out, "# %s: mode %04o -> %04o\n", a->path, (unsigned)v.mode, (unsigned)a->mode);
	} else {
		if (!diff_unified(out, la.data, v.now, v.now_len, "/dev/null", "", 0, DIFF_CONTEXT))
			buf_printf(out, "--- %s\n+++ /dev/null\n", la.data);
	}
out:
	buf_free(&la);
	buf_free(&lb);
	plan_fileview_clear(&v);
	return 0;
}

int plan_preview(const struct plan *p, char **ret_text, struct gv_error *err)
{
	struct buf b = BUF_INIT;
	bool changes;
	int r;

	for (size_t i = 0; i < p->n; i++) {
		const struct action *a = &p->a[i];

		if (i)
			buf_putc(&b, '\n');
		if (a->why && *a->why)
			buf_printf(&b, "# %s\n", a->why);
		switch (a->kind) {
		case PLAN_WRITE_FILE:
		case PLAN_REMOVE_FILE:
			r = file_diff(p, a, &b, &changes, err);
			if (r < 0)
				goto fail;
			break;
		case PLAN_WRITE_SYSFS:
			buf_printf(&b, "echo %s > %s\n", a->value, a->path);
			break;
		case PLAN_REMOVE_DIR:
			dir_line(p, a, &b, &changes);
			break;
		case PLAN_RUN: {
			char *line = exec_argv_str((const char *const *)a->argv);
			buf_printf(&b, "$ %s\n", line);
			free(line);
			if (a->check_argv) {
				line = exec_argv_str((const char *const *)a->check_argv);
				buf_printf(&b, "# read back: %s shows %s\n", line, a->check_text);
				free(line);
			}
			if (a->undo_argv) {
				line = exec_argv_str((const char *const *)a->undo_argv);
				buf_printf(&b, "# undo: %s\n", line);
				free(line);
			}
			break;
		}
		}
	}
	if (!b.data)
		buf_append(&b, "", 0);
	*ret_text = buf_steal(&b);
	return 0;
fail:
	buf_free(&b);
	return r;
}

static const char *kind_name(enum plan_action_kind k)
{
	switch (k) {
	case PLAN_WRITE_FILE: return "write-file";
	case PLAN_REMOVE_FILE: return "remove-file";
	case PLAN_WRITE_SYSFS: return "write-sysfs";
	case PLAN_RUN: return "run";
	case PLAN_REMOVE_DIR: return "remove-dir";
	}
	return "?";
}

static struct json_object *json_argv(char **argv)
{
	struct json_object *arr = jsonout_array();

	for (size_t j = 0; argv[j]; j++)
		jsonout_push(arr, jsonout_str(argv[j]));
	return arr;
}

int plan_preview_json(const struct plan *p, char **ret_json, struct gv_error *err)
{
	struct json_object *doc = jsonout_object(), *actions = jsonout_array();
	struct buf b = BUF_INIT, d = BUF_INIT;
	bool changes;
	int r;

	jsonout_set(doc, "root", jsonout_str(p->root));
	jsonout_set(doc, "actions", actions);
	for (size_t i = 0; i < p->n; i++) {
		const struct action *a = &p->a[i];
		struct json_object *o = jsonout_object();

		jsonout_push(actions, o);
		jsonout_set(o, "kind", jsonout_str(kind_name(a->kind)));
		if (a->kind != PLAN_RUN)
			jsonout_set(o, "path", jsonout_str(a->path));
		jsonout_set(o, "why", jsonout_str(a->why));
		switch (a->kind) {
		case PLAN_WRITE_FILE:
		case PLAN_REMOVE_FILE:
			buf_reset(&d);
			r = file_diff(p, a, &d, &changes, err);
			if (r < 0)
				goto fail;
			jsonout_set(o, "changed", jsonout_bool(changes));
			jsonout_set(o, "diff", jsonout_str(changes ? buf_str(&d) : ""));
			break;
		case PLAN_WRITE_SYSFS:
			jsonout_set(o, "value", jsonout_str(a->value));
			break;
		case PLAN_REMOVE_DIR:
			buf_reset(&d);
			dir_line(p, a, &d, &changes);
			jsonout_set(o, "changed", jsonout_bool(changes));
			break;
		case PLAN_RUN:
			jsonout_set(o, "argv", json_argv(a->argv));
			if (a->undo_argv)
				jsonout_set(o, "undo", json_argv(a->undo_argv));
			if (a->check_argv) {
				jsonout_set(o, "readback", json_argv(a->check_argv));
				jsonout_set(o, "expect", jsonout_str(a->check_text));
			}
			break;
		}
	}
	jsonout_plain(&b, doc);
	buf_putc(&b, '\n');
	jsonout_free(doc);
	buf_free(&d);
	*ret_json = buf_steal(&b);
	return 0;
fail:
	jsonout_free(doc);
	buf_free(&b);
	buf_free(&d);
	return r;
}
