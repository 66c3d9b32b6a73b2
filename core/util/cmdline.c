/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/buf.h"
#include "core/util/cmdline.h"
#include "core/util/xalloc.h"

struct tok {
	char *sep;    /* white space before the argument, as written */
	char *text;   /* the argument, as written */
};

struct cmdline {
	struct tok *v;
	size_t n, cap;
	char *tail;   /* separator + "--" + rest, verbatim; NULL when absent */
	char *trail;  /* white space after the last argument (when no tail) */
};

/* Keys the kernel (or the userspace reading /proc/cmdline) accumulates over
 * every occurrence instead of keeping the last one. */
static const char *const accumulating_keys[] = {
	"console", "video", "initcall_blacklist", "modprobe.blacklist", "rd.driver.pre",
	"rd.driver.post", "rd.driver.blacklist", "memmap", "hugepagesz", "hugepages",
	"acpi_osi", "pci", "earlycon", NULL,
};

static bool is_space(char ch)
{
	return isspace((unsigned char)ch);
}

/* Length of the argument starting at S (S not white space), by the kernel's
 * next_arg() rule: a double quote toggles quoting anywhere. Sets *balanced. */
static size_t arg_len(const char *s, bool *balanced)
{
	bool in_quote = false;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (is_space(s[i]) && !in_quote)
			break;
		if (s[i] == '"')
			in_quote = !in_quote;
	}
	if (balanced)
		*balanced = !in_quote;
	return i;
}

/* Normalized key of the argument TEXT (length N): quotes dropped, part before
 * the first '=', '-' -> '_'. */
static char *key_of(const char *text, size_t n)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < n && text[i] != '='; i++) {
		if (text[i] == '"')
			continue;
		buf_putc(&b, text[i] == '-' ? '_' : text[i]);
	}
	return buf_steal(&b);
}

/* Canonical form for comparisons: normalized key, '=', value without quotes. */
static char *canon_of(const char *text)
{
	struct buf b = BUF_INIT;
	const char *eq;
	char *key = key_of(text, strlen(text));

	buf_puts(&b, key);
	free(key);
	eq = strchr(text, '=');
	if (eq) {
		buf_putc(&b, '=');
		for (const char *p = eq + 1; *p; p++)
			if (*p != '"')
				buf_putc(&b, *p);
	}
	return buf_steal(&b);
}

char *cmdline_arg_key(const char *arg)
{
	return key_of(arg, strlen(arg));
}

char *cmdline_arg_canon(const char *arg)
{
	return canon_of(arg);
}

bool cmdline_arg_balanced(const char *arg)
{
	bool balanced;

	arg_len(arg, &balanced);
	return balanced;
}

static bool key_eq(const char *text, const char *nkey)
{
	char *k = key_of(text, strlen(text));
	bool r = strcmp(k, nkey) == 0;

	free(k);
	return r;
}

static bool arg_eq(const char *a, const char *b)
{
	char *ca = canon_of(a), *cb = canon_of(b);
	bool r = strcmp(ca, cb) == 0;

	free(ca);
	free(cb);
	return r;
}

static void push(struct cmdline *c, char *sep, char *text)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		c->v = xreallocarray(c->v, cap, sizeof(*c->v));
		c->cap = cap;
	}
	c->v[c->n].sep = sep;
	c->v[c->n].text = text;
	c->n++;
}

int cmdline_parse(const char *line, struct cmdline **ret)
{
	struct cmdline *c = xcalloc(1, sizeof(*c));
	const char *p = line ? line : "";

	for (;;) {
		const char *ws = p;
		while (*p && is_space(*p))
			p++;
		if (!*p) {
			c->trail = xstrndup(ws, (size_t)(p - ws));
			break;
		}
		size_t n = arg_len(p, NULL);
		if (n == 2 && p[0] == '-' && p[1] == '-') {
			c->tail = xstrdup(ws);
			c->trail = xstrndup("", 0);
			break;
		}
		push(c, xstrndup(ws, (size_t)(p - ws)), xstrndup(p, n));
		p += n;
	}
	*ret = c;
	return 0;
}

void cmdline_free(struct cmdline *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].sep);
		free(c->v[i].text);
	}
	free(c->v);
	free(c->tail);
	free(c->trail);
	free(c);
}

size_t cmdline_n_args(const struct cmdline *c)
{
	return c->n;
}

const char *cmdline_arg(const struct cmdline *c, size_t i)
{
	return i < c->n ? c->v[i].text : NULL;
}

const char *cmdline_tail(const struct cmdline *c)
{
	if (!c->tail)
		return NULL;
	const char *p = c->tail;
	while (is_space(*p))
		p++;
	return p;
}

char *cmdline_format(const struct cmdline *c)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < c->n; i++) {
		buf_puts(&b, c->v[i].sep);
		buf_puts(&b, c->v[i].text);
	}
	if (c->tail)
		buf_puts(&b, c->tail);
	buf_puts(&b, c->trail);
	return buf_steal(&b);
}

size_t cmdline_length(const struct cmdline *c)
{
	size_t n = strlen(c->trail) + (c->tail ? strlen(c->tail) : 0);

	for (size_t i = 0; i < c->n; i++)
		n += strlen(c->v[i].sep) + strlen(c->v[i].text);
	return n;
}

bool cmdline_has_key(const struct cmdline *c, const char *key)
{
	char *nk = key_of(key, strlen(key));
	bool r = false;

	for (size_t i = 0; i < c->n && !r; i++)
		r = key_eq(c->v[i].text, nk);
	free(nk);
	return r;
}

const char *cmdline_find(const struct cmdline *c, const char *key)
{
	char *nk = key_of(key, strlen(key));
	const char *found = NULL;

	for (size_t i = 0; i < c->n; i++)
		if (key_eq(c->v[i].text, nk))
			found = c->v[i].text;
	free(nk);
	return found;
}

bool cmdline_contains(const struct cmdline *c, const char *arg)
{
	for (size_t i = 0; i < c->n; i++)
		if (arg_eq(c->v[i].text, arg))
			return true;
	return false;
}

int cmdline_check_arg(const char *arg, struct gv_error *err)
{
	bool balanced;

	if (!arg || !*arg)
		return gv_error_set(err, -EINVAL, "empty kernel argument");
	if (is_space(arg[0]) || arg_len(arg, &balanced) != strlen(arg))
		return gv_error_set(err, -EINVAL, "'%s': white space outside quotes makes more than one kernel argument", arg);
	if (!balanced)
		return gv_error_set(err, -EINVAL, "'%s': unbalanced double quote", arg);
	if (strcmp(arg, "--") == 0)
		return gv_error_set(err, -EINVAL, "'--' is not a kernel argument (it ends the kernel's part of the line)");
	if (arg[0] == '=' || (arg[0] == '"' && arg[1] == '='))
		return gv_error_set(err, -EINVAL, "'%s': no parameter name before '='", arg);
	return 0;
}

bool cmdline_key_accumulates(const char *nkey)
{
	for (size_t i = 0; accumulating_keys[i]; i++) {
		char *k = key_of(accumulating_keys[i], strlen(accumulating_keys[i]));
		bool r = strcmp(k, nkey) == 0;
		free(k);
		if (r)
			return true;
	}
	return false;
}

static void drop(struct cmdline *c, size_t i)
{
	/* The first argument's separator is the line's leading white space:
	 * hand it to the argument that becomes first. */
	if (i == 0 && c->n > 1) {
		free(c->v[1].sep);
		c->v[1].sep = c->v[0].sep;
	} else {
		free(c->v[i].sep);
	}
	free(c->v[i].text);
	memmove(&c->v[i], &c->v[i + 1], (c->n - i - 1) * sizeof(c->v[0]));
	c->n--;
}

int cmdline_add(struct cmdline *c, const char *arg)
{
	char *nkey = NULL;
	size_t first = (size_t)-1, count = 0, same = 0;
	int r;

	r = cmdline_check_arg(arg, NULL);
	if (r < 0)
		return r;
	nkey = key_of(arg, strlen(arg));
	for (size_t i = 0; i < c->n; i++) {
		if (!key_eq(c->v[i].text, nkey))
			continue;
		if (first == (size_t)-1)
			first = i;
		count++;
		if (arg_eq(c->v[i].text, arg))
			same++;
	}
	if (cmdline_key_accumulates(nkey)) {
		if (same > 0) {
			r = 0;
			goto out;
		}
		first = (size_t)-1;  /* append */
	} else if (count == 1 && same == 1) {
		r = 0;
		goto out;
	}

	/* Size check on the result before touching anything. */
	size_t len = cmdline_length(c);
	if (first != (size_t)-1) {
		len = len - strlen(c->v[first].text) + strlen(arg);
		for (size_t i = first + 1; i < c->n; i++)
			if (key_eq(c->v[i].text, nkey))
				len -= strlen(c->v[i].sep) + strlen(c->v[i].text);
	} else {
		len += strlen(arg) + (c->n > 0 || c->tail ? 1 : 0);
	}
	if (len + 1 > CMDLINE_SIZE) {
		r = -E2BIG;
		goto out;
	}

	if (first != (size_t)-1) {
		free(c->v[first].text);
		c->v[first].text = xstrndup(arg, strlen(arg));
		for (size_t i = c->n; i-- > first + 1;)
			if (key_eq(c->v[i].text, nkey))
				drop(c, i);
	} else if (c->n > 0 && !cmdline_arg_balanced(c->v[c->n - 1].text)) {
		/* An argument whose double quote never closes runs to the end of
		 * the line, for the kernel too: appended, ARG would be inside its
		 * quotes. It goes before it, with its separator. */
		size_t last = c->n - 1;

		push(c, xstrdup(" "), c->v[last].text);
		c->v[last].text = xstrdup(arg);
	} else if (c->tail) {
		/* Before `--`: the new argument takes the separator the tail had,
		 * and the tail gets one space. */
		const char *t = cmdline_tail(c);
		char *newtail = xasprintf(" %s", t);
		char *sep = xstrndup(c->tail, (size_t)(t - c->tail));
		push(c, sep, xstrndup(arg, strlen(arg)));
		free(c->tail);
		c->tail = newtail;
	} else {
		push(c, xstrndup(c->n > 0 ? " " : "", c->n > 0 ? 1 : 0), xstrndup(arg, strlen(arg)));
	}
	r = 1;
out:
	free(nkey);
	return r;
}

int cmdline_remove(struct cmdline *c, const char *key)
{
	int removed = 0;
	bool exact = strchr(key, '=') != NULL;
	char *nkey = key_of(key, strlen(key));

	for (size_t i = c->n; i-- > 0;) {
		if (exact ? arg_eq(c->v[i].text, key) : key_eq(c->v[i].text, nkey)) {
			drop(c, i);
			removed++;
		}
	}
	free(nkey);
	return removed;
}

/* ---- comparison ---- */

static bool ignored_in_compare(const char *canon)
{
	return strncmp(canon, "BOOT_IMAGE=", 11) == 0 || strcmp(canon, "BOOT_IMAGE") == 0 ||
	       strncmp(canon, "initrd=", 7) == 0;
}

static void canon_list(const struct cmdline *c, char ***ret, size_t *ret_n)
{
	char **v = xcalloc(c->n + 2, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < c->n; i++) {
		char *k = canon_of(c->v[i].text);
		if (ignored_in_compare(k)) {
			free(k);
			continue;
		}
		v[n++] = k;
	}
	if (c->tail) {
		/* The tail as one item, with trailing white space trimmed. */
		const char *t = cmdline_tail(c);
		size_t l = strlen(t);
		while (l > 0 && is_space(t[l - 1]))
			l--;
		v[n++] = xstrndup(t, l);
	}
	*ret = v;
	*ret_n = n;
}

static void push_str(char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

int cmdline_compare(const char *want, const char *have, struct cmdline_diff **ret)
{
	struct cmdline *cw = NULL, *ch = NULL;
	char **lw = NULL, **lh = NULL;
	size_t nw = 0, nh = 0;
	bool *used = NULL;
	struct cmdline_diff *d = NULL;

	cmdline_parse(want, &cw);
	cmdline_parse(have, &ch);
	canon_list(cw, &lw, &nw);
	canon_list(ch, &lh, &nh);
	d = xcalloc(1, sizeof(*d));
	used = xcalloc(nh + 1, sizeof(*used));
	for (size_t i = 0; i < nw; i++) {
		size_t j;
		for (j = 0; j < nh; j++)
			if (!used[j] && strcmp(lw[i], lh[j]) == 0)
				break;
		if (j < nh)
			used[j] = true;
		else
			push_str(&d->missing, &d->n_missing, lw[i]);
	}
	for (size_t j = 0; j < nh; j++)
		if (!used[j])
			push_str(&d->extra, &d->n_extra, lh[j]);
	*ret = d;
	for (size_t i = 0; i < nw; i++)
		free(lw[i]);
	for (size_t i = 0; i < nh; i++)
		free(lh[i]);
	free(lw);
	free(lh);
	free(used);
	cmdline_free(cw);
	cmdline_free(ch);
	return 0;
}

void cmdline_diff_free(struct cmdline_diff *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_missing; i++)
		free(d->missing[i]);
	for (size_t i = 0; i < d->n_extra; i++)
		free(d->extra[i]);
	free(d->missing);
	free(d->extra);
	free(d);
}

bool cmdline_diff_empty(const struct cmdline_diff *d)
{
	return !d || (d->n_missing == 0 && d->n_extra == 0);
}
