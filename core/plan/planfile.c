/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Plan files ("gpuvirt-plan 2"): a plan saved as readable text, so that
 * `gpuvirt apply --plan FILE` applies exactly what was previewed. The
 * 'undo' and 'readback' lines of a command that changes a VM's
 * configuration came later within version 2: a file without them reads
 * as before, and an older gpuvirt refuses a file with them (unknown line)
 * rather than apply a command it could not undo.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/plan/plan-internal.h"
#include "core/util/buf.h"
#include "core/util/field.h"
#include "core/util/fsutil.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

static void put_field(struct buf *b, const char *s)
{
	buf_putc(b, ' ');
	field_encode(b, s, strlen(s), true);
}

static void put_base(struct buf *b, const struct action *a)
{
	if (a->base == BASE_SHA)
		buf_printf(b, " base=sha256:%s", a->base_sha);
	else if (a->base == BASE_ABSENT)
		buf_puts(b, " base=absent");
	else
		/* a version 1 plan's file, or one unreadable when the plan was
		 * made: said so, since version 2 requires the field */
		buf_puts(b, " base=unknown");
}

/* "base=sha256:HEX", "base=absent" or "base=unknown" into A. Returns false
 * when malformed. */
static bool parse_base(const char *field, struct action *a)
{
	const char *v = field + 5;

	if (strcmp(v, "unknown") == 0) {
		a->base = BASE_NONE;
		return true;
	}
	if (strcmp(v, "absent") == 0) {
		a->base = BASE_ABSENT;
		return true;
	}
	if (strncmp(v, "sha256:", 7) != 0 || strlen(v + 7) != SHA256_DIGEST_STRING_LENGTH - 1 ||
	    strspn(v + 7, "0123456789abcdef") != SHA256_DIGEST_STRING_LENGTH - 1)
		return false;
	a->base = BASE_SHA;
	memcpy(a->base_sha, v + 7, SHA256_DIGEST_STRING_LENGTH);
	return true;
}

static void put_argv(struct buf *b, char **argv)
{
	for (size_t j = 0; argv[j]; j++)
		put_field(b, argv[j]);
}

int plan_save(const struct plan *p, const char *file, struct gv_error *err)
{
	struct buf b = BUF_INIT;
	int r;

	if (p->undoes)
		return gv_error_set(err, -EINVAL, "%s: an undo is not saved as a plan: `gpuvirt undo` makes it "
				    "again from the journal", file);
	buf_puts(&b, "gpuvirt-plan 2\n");
	buf_puts(&b, "# Apply with: gpuvirt apply --plan FILE. Fields are %XX-encoded;\n"
		     "# '|' lines are the new file's lines, 'noeol' means no final newline;\n"
		     "# base= is the file the plan was made from (apply refuses if it changed).\n");
	for (size_t i = 0; i < p->n; i++) {
		if (p->a[i].undo_argv) {
			buf_puts(&b, "# 'undo' is the command that reverses the one before it; 'readback'\n"
				     "# EXPECT ARGV... runs after it and its output must contain EXPECT.\n");
			break;
		}
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct action *a = &p->a[i];

		switch (a->kind) {
		case PLAN_WRITE_FILE:
			buf_puts(&b, "write");
			put_field(&b, a->path);
			buf_printf(&b, " mode=%04o", (unsigned)a->mode);
			put_base(&b, a);
			buf_putc(&b, '\n');
			break;
		case PLAN_REMOVE_FILE:
			buf_puts(&b, "remove");
			put_field(&b, a->path);
			put_base(&b, a);
			buf_putc(&b, '\n');
			break;
		case PLAN_WRITE_SYSFS:
			buf_puts(&b, "sysfs");
			put_field(&b, a->path);
			put_field(&b, a->value);
			if (a->undo_path) {
				buf_puts(&b, " undo");
				put_field(&b, a->undo_path);
				put_field(&b, a->undo_value);
			}
			buf_putc(&b, '\n');
			break;
		case PLAN_REMOVE_DIR:   /* undo plans only, refused above */
			break;
		case PLAN_RUN:
			buf_puts(&b, "run");
			put_argv(&b, a->argv);
			buf_putc(&b, '\n');
			break;
		}
		if (a->why && *a->why) {
			buf_puts(&b, "why ");
			field_encode(&b, a->why, strlen(a->why), false);
			buf_putc(&b, '\n');
		}
		if (a->undo_argv) {
			buf_puts(&b, "undo");
			put_argv(&b, a->undo_argv);
			buf_putc(&b, '\n');
		}
		if (a->check_argv) {
			buf_puts(&b, "readback");
			put_field(&b, a->check_text);
			put_argv(&b, a->check_argv);
			buf_putc(&b, '\n');
		}
		if (a->kind == PLAN_WRITE_FILE) {
			size_t pos = 0;
			while (pos < a->len) {
				const char *nl = memchr(a->content + pos, '\n', a->len - pos);
				size_t n = nl ? (size_t)(nl - (a->content + pos)) : a->len - pos;
				buf_putc(&b, '|');
				field_encode(&b, a->content + pos, n, false);
				buf_putc(&b, '\n');
				pos += n + (nl ? 1 : 0);
				if (!nl)
					buf_puts(&b, "noeol\n");
			}
		}
	}
	for (size_t i = 0; i < p->n_e; i++) {
		buf_puts(&b, "expect");
		put_field(&b, p->e[i].kind);
		put_field(&b, p->e[i].key);
		if (p->e[i].value)
			put_field(&b, p->e[i].value);
		buf_putc(&b, '\n');
	}
	buf_puts(&b, "end\n");
	r = fsutil_write_atomic(file, b.data, b.len, 0644, err);
	buf_free(&b);
	return r < 0 ? r : 0;
}

static char **argv_copy(char *const *argv)
{
	size_t n = 0;
	char **copy;

	while (argv[n])
		n++;
	copy = xreallocarray(NULL, n + 1, sizeof(*copy));
	for (size_t i = 0; i <= n; i++)
		copy[i] = argv[i] ? xstrdup(argv[i]) : NULL;
	return copy;
}

static int load_fail(struct gv_error *err, const char *file, size_t line, const char *what)
{
	return gv_error_set(err, -EINVAL, "%s:%zu: %s", file, line, what);
}

int plan_load(const char *file, const char *root, struct plan **ret, struct gv_error *err)
{
	struct plan *p = NULL;
	struct buf content = BUF_INIT;
	char *data = NULL, **f = NULL;
	size_t len, lineno = 0, nf = 0;
	bool ended = false, in_write = false, noeol = false;
	struct action *last = NULL;
	int r, version = 1;

	r = fsutil_read_file(file, &data, &len);
	if (r < 0)
		return gv_error_set(err, r, "%s: %s", file, strerror(-r));
	if (memchr(data, '\0', len)) {
		r = load_fail(err, file, 1, "not a text file");
		goto out;
	}
	r = plan_new(root, &p);
	if (r < 0) {
		gv_error_set(err, r, "%s: bad root", root);
		goto out;
	}
	for (char *line = data, *next; line && *line; line = next) {
		char *nl = strchr(line, '\n');
		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		if (ended) {
			r = load_fail(err, file, lineno, "text after 'end'");
			goto out;
		}
		if (lineno == 1) {
			if (strcmp(line, "gpuvirt-plan 2") == 0) {
				version = 2;
			} else if (strcmp(line, "gpuvirt-plan 1") == 0) {
				version = 1;
				gv_log(GV_LOG_WARN, "%s: a version 1 plan does not record the files it was made from: "
				       "edits made to them since would be overwritten; make the plan again to be safe",
				       file);
			} else {
				r = load_fail(err, file, 1, strncmp(line, "gpuvirt-plan ", 13) == 0
					      ? "unsupported plan version (this gpuvirt reads versions 1 and 2)"
					      : "not a gpuvirt plan (first line must be 'gpuvirt-plan 2')");
				goto out;
			}
			continue;
		}
		if (line[0] == '|' || strcmp(line, "noeol") == 0) {
			if (!in_write || noeol) {
				r = load_fail(err, file, lineno, "content line outside a 'write' action");
				goto out;
			}
			if (line[0] == '|') {
				if (field_decode(&content, line + 1) < 0) {
					r = load_fail(err, file, lineno, "bad %XX escape");
					goto out;
				}
				buf_putc(&content, '\n');
			} else {
				if (content.len == 0) {
					r = load_fail(err, file, lineno, "'noeol' without a content line");
					goto out;
				}
				content.len--;   /* drop the last newline */
				content.data[content.len] = '\0';
				noeol = true;
			}
			continue;
		}
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strncmp(line, "why ", 4) == 0) {
			struct buf w = BUF_INIT;
			if (!last || last->why[0] || content.len || noeol) {
				r = load_fail(err, file, lineno, "'why' must follow an action, once");
				goto out;
			}
			if (field_decode(&w, line + 4) < 0 || !plan_text_ok(buf_str(&w))) {
				buf_free(&w);
				r = load_fail(err, file, lineno, "bad %XX escape");
				goto out;
			}
			free(last->why);
			last->why = buf_steal(&w);
			continue;
		}
		/* Any other line ends the content of the previous write. */
		if (in_write && last) {
			free(last->content);
			last->len = content.len;
			last->content = xmemdup(content.data ? content.data : "", content.len);
			buf_reset(&content);
		}
		in_write = false;
		noeol = false;
		/* Split and decode the fields. */
		for (size_t i = 0; i < nf; i++)
			free(f[i]);
		nf = 0;
		for (char *tok = line, *sp; tok; tok = sp) {
			sp = strchr(tok, ' ');
			if (sp)
				*sp++ = '\0';
			if (!*tok) {
				r = load_fail(err, file, lineno, "empty field (two spaces in a row?)");
				goto out;
			}
			struct buf d = BUF_INIT;
			if (field_decode(&d, tok) < 0) {
				buf_free(&d);
				r = load_fail(err, file, lineno, "bad %XX escape");
				goto out;
			}
			f = xrealloc(f, (nf + 1) * sizeof(char *));
			f[nf++] = buf_steal(&d);
		}
		const char *kw = f[0];
		bool is_run = strcmp(kw, "run") == 0;
		size_t before = p->n;
		if (strcmp(kw, "undo") == 0 || strcmp(kw, "readback") == 0) {
			bool undo = kw[0] == 'u';
			if (version < 2 || !last || last->kind != PLAN_RUN || (undo ? last->undo_argv != NULL
			    : !last->undo_argv || last->check_argv) || nf < (undo ? 2u : 3u) || (!undo && (!*f[1] || !plan_text_ok(f[1])))) {
				r = load_fail(err, file, lineno, undo ? "'undo' must follow a command, once"
					      : "'readback EXPECT ARGV...' must follow a command's 'undo', once");
				goto out;
			}
			f = xrealloc(f, (nf + 1) * sizeof(char *));
			f[nf] = NULL;
			if (undo) {
				last->undo_argv = argv_copy(f + 1);
			} else {
				last->check_text = xstrdup(f[1]);
				last->check_argv = argv_copy(f + 2);
			}
			continue;
		}
		last = NULL;
		if (!is_run && strcmp(kw, "expect") != 0 && strcmp(kw, "end") != 0 && p->n &&
		    p->a[p->n - 1].kind == PLAN_RUN) {
			r = load_fail(err, file, lineno, "file and sysfs actions must come before commands");
			goto out;
		}
		if (strcmp(kw, "end") == 0 && nf == 1) {
			ended = true;
			continue;
		} else if (strcmp(kw, "write") == 0 && nf == (version == 2 ? 4u : 3u) && strncmp(f[2], "mode=", 5) == 0) {
			char *end;
			unsigned long mode = strtoul(f[2] + 5, &end, 8);
			if (*end || end == f[2] + 5 || mode > 07777) {
				r = load_fail(err, file, lineno, "bad mode (want mode=0644)");
				goto out;
			}
			if (plan_find_file(p, f[1])) {
				r = load_fail(err, file, lineno, "the same file twice");
				goto out;
			}
			r = plan_write_file(p, f[1], "", 0, (mode_t)mode, NULL);
			in_write = r == 0;
		} else if (strcmp(kw, "remove") == 0 && nf == (version == 2 ? 3u : 2u)) {
			if (plan_find_file(p, f[1])) {
				r = load_fail(err, file, lineno, "the same file twice");
				goto out;
			}
			r = plan_remove_file(p, f[1], NULL);
		} else if (strcmp(kw, "sysfs") == 0 && nf == 3) {
			r = plan_write_sysfs(p, f[1], f[2], NULL);
		} else if (strcmp(kw, "sysfs") == 0 && nf == 6 && !strcmp(f[3], "undo")) {
			r = plan_write_sysfs_undo(p, f[1], f[2], f[4], f[5], NULL);
		} else if (is_run && nf >= 2) {
			f = xrealloc(f, (nf + 1) * sizeof(char *));
			f[nf] = NULL;
			r = plan_run(p, (const char *const *)f + 1, NULL);
			if (r == 0 && p->n == before) {
				r = load_fail(err, file, lineno, "the same command twice");
				goto out;
			}
		} else if (strcmp(kw, "expect") == 0 && (nf == 3 || nf == 4)) {
			r = plan_expect(p, f[1], f[2], nf == 4 ? f[3] : NULL);
			if (r < 0) {
				r = load_fail(err, file, lineno, "bad expectation (kind key [value])");
				goto out;
			}
			continue;
		} else {
			r = load_fail(err, file, lineno, "unknown or malformed line");
			goto out;
		}
		if (r < 0) {
			r = load_fail(err, file, lineno,
				      "invalid action (paths are relative to the root, sysfs paths start with /sys/)");
			goto out;
		}
		/* Commands come last, so the action just added is the last one. */
		last = &p->a[p->n - 1];
		/* The base is the file's when the plan was made, not now. */
		if (last->kind == PLAN_WRITE_FILE || last->kind == PLAN_REMOVE_FILE) {
			last->base = BASE_NONE;
			if (version == 2 && (strncmp(f[nf - 1], "base=", 5) != 0 || !parse_base(f[nf - 1], last))) {
				r = load_fail(err, file, lineno, "bad or missing base (want base=sha256:HEX, base=absent "
					      "or base=unknown)");
				goto out;
			}
			if (version == 2 && last->base == BASE_NONE)
				gv_log(GV_LOG_WARN, "%s:%zu: base=unknown: edits made to %s since the plan was made "
				       "would be overwritten; make the plan again to be safe", file, lineno, last->path);
		}
	}
	if (!ended) {
		r = load_fail(err, file, lineno, "no 'end' line: the plan is truncated");
		goto out;
	}
	*ret = p;
	p = NULL;
	r = 0;
out:
	for (size_t i = 0; i < nf; i++)
		free(f[i]);
	free(f);
	buf_free(&content);
	free(data);
	plan_free(p);
	return r;
}
