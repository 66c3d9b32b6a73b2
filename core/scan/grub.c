/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util/buf.h"
#include "core/util/cmdline.h"
#include "core/scan/grub.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

enum { V_LINUX, V_DEFAULT, N_VARS };
static const char *const var_names[N_VARS] = { "GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT" };

struct gfile {
	char *path;          /* relative to the root */
	char *content;       /* NULL: the file does not exist */
	size_t len;
	bool ours;
};

struct assign {
	int var;
	size_t line;
	size_t val_start, val_end;   /* the value's bytes after '=' */
	char quote;                  /* '"' or '\'' when the whole value is one quoted string, else 0 */
};

struct scan {
	const struct gfile *f;
	const char *s;
	size_t len, pos;
	int depth, case_depth;
	char *val[N_VARS];           /* values as the shell would have them now (NULL: unset) */
	struct assign *as;
	size_t n_as;
	size_t first_multiline;      /* where the first quoted string spanning lines opened, or SIZE_MAX */
	struct gv_error *err;
};

enum tkind { T_EOF, T_NL, T_OP, T_WORD };

struct token {
	enum tkind kind;
	size_t start, end;
	char op[3];
};

static size_t line_at(const struct scan *sc, size_t off)
{
	size_t line = 1;

	for (size_t i = 0; i < off && i < sc->len; i++)
		if (sc->s[i] == '\n')
			line++;
	return line;
}

static int refuse(const struct scan *sc, size_t off, const char *why)
{
	return gv_error_set(sc->err, -EINVAL, "%s:%zu: %s", sc->f->path, line_at(sc, off), why);
}

/* ---- lexer: enough of sh to find where every word and command ends ---- */

static int skip_dq(struct scan *sc);
static int skip_bq(struct scan *sc);
static int skip_paren(struct scan *sc);
static int skip_brace(struct scan *sc);

/* An unbalanced quote shows up where the shell runs out of text, far from
 * the line at fault: blame the first quoted string that ran over a line end
 * (the one the person forgot to close), when there is one. */
static int unbalanced(struct scan *sc, size_t open, const char *what)
{
	char why[96];

	snprintf(why, sizeof(why), "unbalanced %s", what);
	return refuse(sc, sc->first_multiline < open ? sc->first_multiline : open, why);
}

static void note_multiline(struct scan *sc, size_t open, size_t end)
{
	if (sc->first_multiline == SIZE_MAX && memchr(sc->s + open, '\n', end - open))
		sc->first_multiline = open;
}

static int skip_sq(struct scan *sc)
{
	size_t open = sc->pos;
	const char *q = memchr(sc->s + sc->pos + 1, '\'', sc->len - sc->pos - 1);

	if (!q)
		return unbalanced(sc, open, "single quote");
	sc->pos = (size_t)(q - sc->s) + 1;
	note_multiline(sc, open, sc->pos);
	return 0;
}

/* After '$' at sc->pos: skip $( ), ${ } or just the '$'. */
static int skip_dollar(struct scan *sc)
{
	if (sc->pos + 1 < sc->len && sc->s[sc->pos + 1] == '(')
		return skip_paren(sc);
	if (sc->pos + 1 < sc->len && sc->s[sc->pos + 1] == '{')
		return skip_brace(sc);
	sc->pos++;
	return 0;
}

static int skip_dq(struct scan *sc)
{
	size_t open = sc->pos;
	int r;

	sc->pos++;
	while (sc->pos < sc->len) {
		char c = sc->s[sc->pos];
		if (c == '\\') {
			sc->pos += 2;
		} else if (c == '"') {
			sc->pos++;
			note_multiline(sc, open, sc->pos);
			return 0;
		} else if (c == '`') {
			if ((r = skip_bq(sc)) < 0)
				return r;
		} else if (c == '$') {
			if ((r = skip_dollar(sc)) < 0)
				return r;
		} else {
			sc->pos++;
		}
	}
	return unbalanced(sc, open, "double quote");
}

static int skip_bq(struct scan *sc)
{
	size_t open = sc->pos;

	sc->pos++;
	while (sc->pos < sc->len) {
		char c = sc->s[sc->pos];
		if (c == '\\') {
			sc->pos += 2;
		} else if (c == '`') {
			sc->pos++;
			return 0;
		} else {
			sc->pos++;
		}
	}
	return unbalanced(sc, open, "backtick");
}

static int skip_paren(struct scan *sc)
{
	size_t open = sc->pos;
	int depth = 1, r;

	sc->pos += 2;
	while (sc->pos < sc->len) {
		char c = sc->s[sc->pos];
		if (c == '\\') {
			sc->pos += 2;
		} else if (c == '\'') {
			if ((r = skip_sq(sc)) < 0)
				return r;
		} else if (c == '"') {
			if ((r = skip_dq(sc)) < 0)
				return r;
		} else if (c == '`') {
			if ((r = skip_bq(sc)) < 0)
				return r;
		} else if (c == '(') {
			depth++;
			sc->pos++;
		} else if (c == ')') {
			sc->pos++;
			if (--depth == 0)
				return 0;
		} else {
			sc->pos++;
		}
	}
	return refuse(sc, open, "unterminated $(");
}

static int skip_brace(struct scan *sc)
{
	size_t open = sc->pos;
	int r;

	sc->pos += 2;
	while (sc->pos < sc->len) {
		char c = sc->s[sc->pos];
		if (c == '\\') {
			sc->pos += 2;
		} else if (c == '\'') {
			if ((r = skip_sq(sc)) < 0)
				return r;
		} else if (c == '"') {
			if ((r = skip_dq(sc)) < 0)
				return r;
		} else if (c == '`') {
			if ((r = skip_bq(sc)) < 0)
				return r;
		} else if (c == '$') {
			if ((r = skip_dollar(sc)) < 0)
				return r;
		} else if (c == '}') {
			sc->pos++;
			return 0;
		} else {
			sc->pos++;
		}
	}
	return refuse(sc, open, "unterminated ${");
}

static bool is_meta(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' ||
	       c == '(' || c == ')' || c == '<' || c == '>';
}

static int next_token(struct scan *sc, struct token *t)
{
	int r;

	for (;;) {
		while (sc->pos < sc->len && (sc->s[sc->pos] == ' ' || sc->s[sc->pos] == '\t'))
			sc->pos++;
		if (sc->pos + 1 < sc->len && sc->s[sc->pos] == '\\' && sc->s[sc->pos + 1] == '\n') {
			sc->pos += 2;
			continue;
		}
		if (sc->pos < sc->len && sc->s[sc->pos] == '#') {
			while (sc->pos < sc->len && sc->s[sc->pos] != '\n')
				sc->pos++;
			continue;
		}
		break;
	}
	memset(t, 0, sizeof(*t));
	t->start = sc->pos;
	if (sc->pos >= sc->len) {
		t->kind = T_EOF;
		return 0;
	}
	char c = sc->s[sc->pos];
	char n = sc->pos + 1 < sc->len ? sc->s[sc->pos + 1] : '\0';
	if (c == '\n') {
		t->kind = T_NL;
		sc->pos++;
	} else if (c == ';' || c == '&' || c == '|' || c == '(' || c == ')') {
		t->kind = T_OP;
		t->op[0] = c;
		sc->pos++;
		if ((c == '&' || c == '|' || c == ';') && n == c) {
			t->op[1] = c;
			sc->pos++;
		}
	} else if (c == '<' || c == '>') {
		if (c == '<' && n == '<')
			return refuse(sc, sc->pos, "here-document: gpuvirt does not evaluate those");
		t->kind = T_OP;
		t->op[0] = c;
		sc->pos++;
		if (n == '>' || n == '&' || n == '|')
			sc->pos++;
	} else {
		t->kind = T_WORD;
		while (sc->pos < sc->len && !is_meta(sc->s[sc->pos])) {
			c = sc->s[sc->pos];
			if (c == '\\') {
				sc->pos += 2;
			} else if (c == '\'') {
				if ((r = skip_sq(sc)) < 0)
					return r;
			} else if (c == '"') {
				if ((r = skip_dq(sc)) < 0)
					return r;
			} else if (c == '`') {
				if ((r = skip_bq(sc)) < 0)
					return r;
			} else if (c == '$') {
				if ((r = skip_dollar(sc)) < 0)
					return r;
			} else {
				sc->pos++;
			}
		}
		if (sc->pos > sc->len)
			sc->pos = sc->len;
	}
	t->end = sc->pos;
	return 0;
}

/* ---- evaluating the values of the two variables ---- */

static int var_of(const char *s, size_t n)
{
	for (int v = 0; v < N_VARS; v++)
		if (strlen(var_names[v]) == n && strncmp(s, var_names[v], n) == 0)
			return v;
	return -1;
}

static bool name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

/* Length of NAME in NAME=... at S (N bytes), or 0 when the word is not an
 * assignment. */
static size_t assignment_name(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !name_start(s[0]))
		return 0;
	while (i < n && name_char(s[i]))
		i++;
	return i < n && s[i] == '=' ? i : 0;
}

static int eval_value(struct scan *sc, size_t start, size_t end, struct buf *out);

static int expand(struct scan *sc, size_t *i, size_t end, struct buf *out)
{
	const char *s = sc->s;
	size_t p = *i;
	char n = p + 1 < end ? s[p + 1] : '\0';
	char why[160];

	if (n == '(')
		return refuse(sc, p, "command substitution $(...): gpuvirt cannot evaluate it");
	if (n == '{') {
		/* the matching '}': a word may hold ${...} of its own */
		size_t close = p + 2, depth = 1;
		while (close < end && depth) {
			if (s[close] == '\\' && close + 1 < end)
				close++;
			else if (s[close] == '{')
				depth++;
			else if (s[close] == '}')
				depth--;
			if (depth)
				close++;
		}
		if (depth)
			return refuse(sc, p, "unterminated ${");
		size_t name = p + 2, q = name;
		while (q < close && name_char(s[q]))
			q++;
		int v = var_of(s + name, q - name);
		if (v < 0) {
			size_t l = close - name;
			snprintf(why, sizeof(why), "${%.*s}: gpuvirt evaluates only $GRUB_CMDLINE_LINUX and $GRUB_CMDLINE_LINUX_DEFAULT",
				 (int)(l > 60 ? 60 : l), s + name);
			return refuse(sc, p, why);
		}
		/* ${V:-word} ${V-word} use the word when V is empty (:) or
		 * unset; ${V:+word} ${V+word} when V is set (and, with ':',
		 * not empty), as sh does; the assigning and failing forms
		 * (= := ? :?) are refused. */
		bool colon = q < close && s[q] == ':';
		char op = q + colon < close ? s[q + colon] : '\0';
		const char *val = sc->val[v];
		bool set = val && (!colon || *val);
		int r;

		if (q == close) {
			if (val)
				buf_puts(out, val);
		} else if (op == '-' || op == '+') {
			bool use_word = op == '-' ? !set : set;
			if (use_word) {
				r = eval_value(sc, q + colon + 1, close, out);
				if (r < 0)
					return r;
			} else if (op == '-') {
				buf_puts(out, val);
			}
		} else {
			snprintf(why, sizeof(why), "${%.*s}: gpuvirt evaluates only ${VAR}, ${VAR-word}, ${VAR:-word}, "
				 "${VAR+word} and ${VAR:+word}", (int)(close - name > 60 ? 60 : close - name), s + name);
			return refuse(sc, p, why);
		}
		*i = close + 1;
		return 0;
	}
	if (name_start(n)) {
		size_t q = p + 1;
		while (q < end && name_char(s[q]))
			q++;
		int v = var_of(s + p + 1, q - p - 1);
		if (v < 0) {
			snprintf(why, sizeof(why), "$%.*s: gpuvirt evaluates only $GRUB_CMDLINE_LINUX and $GRUB_CMDLINE_LINUX_DEFAULT",
				 (int)(q - p - 1 > 60 ? 60 : q - p - 1), s + p + 1);
			return refuse(sc, p, why);
		}
		if (sc->val[v])
			buf_puts(out, sc->val[v]);
		*i = q;
		return 0;
	}
	if ((n >= '0' && n <= '9') || (n && strchr("@*#?$!-", n))) {
		snprintf(why, sizeof(why), "special parameter $%c: gpuvirt cannot evaluate it", n);
		return refuse(sc, p, why);
	}
	buf_putc(out, '$');    /* a lone '$' is literal */
	*i = p + 1;
	return 0;
}

static int eval_value(struct scan *sc, size_t start, size_t end, struct buf *out)
{
	const char *s = sc->s;
	size_t i = start;
	int r;

	while (i < end) {
		char c = s[i];
		if (c == '\\') {
			if (i + 1 < end && s[i + 1] != '\n')
				buf_putc(out, s[i + 1]);
			i += 2;
		} else if (c == '\'') {
			const char *q = memchr(s + i + 1, '\'', end - i - 1);
			buf_append(out, s + i + 1, (size_t)(q - (s + i + 1)));
			i = (size_t)(q - s) + 1;
		} else if (c == '"') {
			i++;
			while (i < end && s[i] != '"') {
				if (s[i] == '\\') {
					char n = s[i + 1];
					if (n == '$' || n == '`' || n == '"' || n == '\\')
						buf_putc(out, n);
					else if (n != '\n')
						buf_append(out, s + i, 2);
					i += 2;
				} else if (s[i] == '$') {
					if ((r = expand(sc, &i, end, out)) < 0)
						return r;
				} else if (s[i] == '`') {
					return refuse(sc, i, "command substitution `...`: gpuvirt cannot evaluate it");
				} else {
					buf_putc(out, s[i++]);
				}
			}
			i++;
		} else if (c == '$') {
			if ((r = expand(sc, &i, end, out)) < 0)
				return r;
		} else if (c == '`') {
			return refuse(sc, i, "command substitution `...`: gpuvirt cannot evaluate it");
		} else if (c == '~' && (i == start || s[i - 1] == ':')) {
			return refuse(sc, i, "unquoted ~ (tilde expansion): gpuvirt cannot evaluate it");
		} else {
			buf_putc(out, c);
			i++;
		}
	}
	return 0;
}

static char quote_style(const char *s, size_t start, size_t end)
{
	if (end - start >= 2 && s[start] == '\'' && s[end - 1] == '\'' &&
	    !memchr(s + start + 1, '\'', end - start - 2))
		return '\'';
	if (end - start >= 2 && s[start] == '"' && s[end - 1] == '"') {
		/* one double-quoted string: no unescaped '"' inside */
		for (size_t i = start + 1; i < end - 1; i++) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				return 0;
		}
		return '"';
	}
	return 0;
}

static bool word_is(const struct scan *sc, const struct token *w, const char *text)
{
	size_t n = strlen(text);

	return w->end - w->start == n && strncmp(sc->s + w->start, text, n) == 0;
}

static bool mentions_var(const struct scan *sc, const struct token *w)
{
	return memmem(sc->s + w->start, w->end - w->start, "GRUB_CMDLINE_LINUX", 18) != NULL;
}

/* ${GRUB_CMDLINE_LINUX:=x} and ${GRUB_CMDLINE_LINUX=x} assign. */
static bool assigns_by_expansion(const struct scan *sc, const struct token *w)
{
	const char *p = sc->s + w->start, *end = sc->s + w->end;

	while ((p = memmem(p, (size_t)(end - p), "${GRUB_CMDLINE_LINUX", 20)) != NULL) {
		p += 20;
		if (end - p >= 8 && strncmp(p, "_DEFAULT", 8) == 0)
			p += 8;
		if (p < end && (*p == '=' || (*p == ':' && p + 1 < end && p[1] == '=')))
			return true;
	}
	return false;
}

static int process_command(struct scan *sc, struct token *w, size_t n, bool conditional)
{
	size_t idx = 0, i;
	bool export_mode = false;
	int r;

	/* Reserved words that open or close shell logic. */
	while (idx < n) {
		if (word_is(sc, &w[idx], "if") || word_is(sc, &w[idx], "while") ||
		    word_is(sc, &w[idx], "until") || word_is(sc, &w[idx], "{")) {
			sc->depth++;
		} else if (word_is(sc, &w[idx], "fi") || word_is(sc, &w[idx], "done") ||
			   word_is(sc, &w[idx], "}")) {
			sc->depth--;
		} else if (word_is(sc, &w[idx], "case") || word_is(sc, &w[idx], "for")) {
			if (word_is(sc, &w[idx], "case"))
				sc->case_depth++;
			sc->depth++;
			for (i = idx; i < n; i++)
				if (mentions_var(sc, &w[i]) && assigns_by_expansion(sc, &w[i]))
					return refuse(sc, w[i].start, "assignment by ${...=...}: gpuvirt cannot evaluate it");
			return 0;
		} else if (word_is(sc, &w[idx], "esac")) {
			sc->case_depth--;
			sc->depth--;
		} else if (!(word_is(sc, &w[idx], "then") || word_is(sc, &w[idx], "else") ||
			     word_is(sc, &w[idx], "elif") || word_is(sc, &w[idx], "do") ||
			     word_is(sc, &w[idx], "!"))) {
			break;
		}
		idx++;
	}
	if (idx == n)
		return 0;

	for (i = idx; i < n; i++)
		if (assigns_by_expansion(sc, &w[i]))
			return refuse(sc, w[i].start, "assignment by ${GRUB_CMDLINE_...=...}: gpuvirt cannot evaluate it");

	const char *first = sc->s + w[idx].start;
	size_t first_len = w[idx].end - w[idx].start;
	for (int v = 0; v < N_VARS; v++) {
		size_t l = strlen(var_names[v]);
		if (first_len > l + 1 && strncmp(first, var_names[v], l) == 0 && first[l] == '+' && first[l + 1] == '=')
			return refuse(sc, w[idx].start,
				      "'+=' is bash only: /bin/sh (dash), which grub-mkconfig runs, takes it for a command and fails");
	}

	/* Assignments before the command word. */
	i = idx;
	while (i < n && assignment_name(sc->s + w[i].start, w[i].end - w[i].start))
		i++;
	size_t cmd = i;
	if (cmd < n && (word_is(sc, &w[cmd], "export") || word_is(sc, &w[cmd], "readonly") ||
			word_is(sc, &w[cmd], "local"))) {
		export_mode = true;
	} else if (cmd < n) {
		if (word_is(sc, &w[cmd], ".") || word_is(sc, &w[cmd], "source") || word_is(sc, &w[cmd], "eval"))
			return refuse(sc, w[cmd].start, "'.', 'source' or 'eval': gpuvirt cannot follow what it runs");
		/* Reading the variables ([ "$GRUB_CMDLINE_LINUX" = ... ]) changes
		 * nothing; naming one to a builtin that sets or unsets it does. */
		static const char *const setters[] = { "read", "unset", "getopts", "printf", "declare",
						       "typeset", "let", "set", NULL };
		bool setter = false;
		for (size_t k = 0; setters[k]; k++)
			setter = setter || word_is(sc, &w[cmd], setters[k]);
		for (size_t j = cmd; j < n; j++) {
			bool bare = var_of(sc->s + w[j].start, w[j].end - w[j].start) >= 0;
			if (bare || (setter && mentions_var(sc, &w[j])))
				return refuse(sc, w[j].start,
					      "GRUB_CMDLINE_LINUX given to a command that may change it: gpuvirt cannot evaluate it");
		}
	}

	for (size_t j = idx; j < n; j++) {
		if (j >= cmd && !(export_mode && j > cmd))
			continue;
		size_t nl = assignment_name(sc->s + w[j].start, w[j].end - w[j].start);
		if (!nl)
			continue;
		int v = var_of(sc->s + w[j].start, nl);
		if (v < 0)
			continue;
		if (sc->depth > 0 || conditional)
			return refuse(sc, w[j].start,
				      "assignment inside shell logic (if, case, &&, ||, a function): gpuvirt cannot tell which value grub-mkconfig gets");
		if (cmd < n && !export_mode)
			return refuse(sc, w[j].start, "assignment for one command only: gpuvirt cannot evaluate it");
		struct buf b = BUF_INIT;
		size_t vs = w[j].start + nl + 1, ve = w[j].end;
		if ((r = eval_value(sc, vs, ve, &b)) < 0) {
			buf_free(&b);
			return r;
		}
		free(sc->val[v]);
		sc->val[v] = buf_steal(&b);
		sc->as = xreallocarray(sc->as, sc->n_as + 1, sizeof(*sc->as));
		sc->as[sc->n_as++] = (struct assign){ v, line_at(sc, w[j].start), vs, ve, quote_style(sc->s, vs, ve) };
	}
	return 0;
}

/* Evaluate one file on top of the values in SC (sc->val in/out). */
static int scan_file(struct scan *sc)
{
	struct token *w = NULL, t;
	size_t n = 0, cap = 0;
	bool prev_cond = false;
	int r = 0;

	sc->pos = 0;
	sc->depth = sc->case_depth = 0;
	sc->first_multiline = SIZE_MAX;
	/* dash keeps a carriage return as part of the text: "quiet\r" as a value,
	 * "\r" as a command on a blank line (grub-mkconfig runs under set -e). */
	for (size_t i = 0, ls = 0; i <= sc->len; i++) {
		if (i < sc->len && sc->s[i] == '\0')
			return refuse(sc, i, "NUL byte: not a text file");
		if (i == sc->len || sc->s[i] == '\n') {
			size_t k = ls;
			while (k < i && (sc->s[k] == ' ' || sc->s[k] == '\t'))
				k++;
			if (k < i && sc->s[k] != '#' && memchr(sc->s + ls, '\r', i - ls))
				return refuse(sc, ls, "carriage return (CRLF line ending): /bin/sh keeps it as part of the text; convert the file to LF line endings (dos2unix)");
			ls = i + 1;
		}
	}
	for (;;) {
		if ((r = next_token(sc, &t)) < 0)
			goto out;
		if (t.kind == T_WORD) {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				w = xreallocarray(w, cap, sizeof(*w));
			}
			w[n++] = t;
			continue;
		}
		if (t.kind == T_OP && (t.op[0] == '<' || t.op[0] == '>')) {
			/* a redirection: its target word is no argument */
			struct token target;
			if ((r = next_token(sc, &target)) < 0)
				goto out;
			if (target.kind != T_WORD) {
				r = refuse(sc, t.start, "redirection without a target");
				goto out;
			}
			continue;
		}
		bool this_cond = t.kind == T_OP && (strcmp(t.op, "&&") == 0 || strcmp(t.op, "||") == 0 ||
						    strcmp(t.op, "|") == 0 || strcmp(t.op, "&") == 0);
		if ((r = process_command(sc, w, n, prev_cond || this_cond)) < 0)
			goto out;
		n = 0;
		prev_cond = this_cond && strcmp(t.op, "&") != 0;
		if (t.kind == T_OP && sc->case_depth == 0) {
			if (t.op[0] == '(')
				sc->depth++;
			else if (t.op[0] == ')')
				sc->depth--;
		}
		if (t.kind == T_EOF)
			break;
	}
	if (sc->depth != 0)
		r = refuse(sc, sc->len, "unbalanced shell logic (if/fi, case/esac, {}, ())");
out:
	free(w);
	return r;
}

static void scan_reset(struct scan *sc, const struct gfile *f, struct gv_error *err)
{
	sc->f = f;
	sc->s = f->content;
	sc->len = f->len;
	sc->err = err;
	free(sc->as);
	sc->as = NULL;
	sc->n_as = 0;
}

static void vals_copy(char *dst[N_VARS], char *const src[N_VARS])
{
	for (int v = 0; v < N_VARS; v++) {
		free(dst[v]);
		dst[v] = src[v] ? xstrdup(src[v]) : NULL;
	}
}

static void vals_free(char *v[N_VARS])
{
	for (int i = 0; i < N_VARS; i++) {
		free(v[i]);
		v[i] = NULL;
	}
}

/* ---- sh -n ---- */

int grub_sh_check(const char *path, const char *content, size_t len, struct gv_error *err)
{
	int in[2] = { -1, -1 }, errp[2] = { -1, -1 };
	pid_t pid;
	int status = 0, r = 0;
	char msg[512];
	size_t got = 0;
	void (*old)(int);

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		r = gv_error_set(err, -errno, "%s: sh -n: %s", path, strerror(errno));
		goto out;
	}
	old = signal(SIGPIPE, SIG_IGN);
	pid = fork();
	if (pid < 0) {
		r = gv_error_set(err, -errno, "%s: sh -n: %s", path, strerror(errno));
		signal(SIGPIPE, old);
		goto out;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(errp[1], 2);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 1);
		execl("/bin/sh", "sh", "-n", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	in[0] = -1;
	close(errp[1]);
	errp[1] = -1;
	for (size_t off = 0; off < len;) {
		ssize_t k = write(in[1], content + off, len - off);
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	close(in[1]);
	in[1] = -1;
	for (;;) {
		ssize_t k = read(errp[0], msg + got, sizeof(msg) - 1 - got);
		if (k <= 0)
			break;
		got += (size_t)k;
		if (got == sizeof(msg) - 1) {
			char sink[256];
			while (read(errp[0], sink, sizeof(sink)) > 0)
				;
			break;
		}
	}
	msg[got] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	signal(SIGPIPE, old);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && got == 0) {
		gv_log(GV_LOG_INFO, "%s: /bin/sh not found; skipping the sh -n check", path);
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* dash: "sh: 3: Syntax error: Unterminated quoted string" */
		unsigned long line = 0;
		char *nl = strchr(msg, '\n');
		const char *text = msg;
		if (nl)
			*nl = '\0';
		if (strncmp(msg, "sh: ", 4) == 0) {
			char *endp;
			line = strtoul(msg + 4, &endp, 10);
			if (endp != msg + 4 && strncmp(endp, ": ", 2) == 0)
				text = endp + 2;
			else
				line = 0;
		}
		if (line)
			r = gv_error_set(err, -EINVAL, "%s:%lu: sh -n: %s", path, line, text);
		else
			r = gv_error_set(err, -EINVAL, "%s: sh -n: %s", path, *text ? text : "syntax error");
	}
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	return r;
}

char *grub_sh_quote(const char *value)
{
	struct buf b = BUF_INIT;

	buf_putc(&b, '"');
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '"' || *p == '$' || *p == '`')
			buf_putc(&b, '\\');
		buf_putc(&b, *p);
	}
	buf_putc(&b, '"');
	return buf_steal(&b);
}

static char *quote_like(const char *value, char style)
{
	if (style == '\'' && !strchr(value, '\'')) {
		struct buf b = BUF_INIT;
		buf_printf(&b, "'%s'", value);
		return buf_steal(&b);
	}
	return grub_sh_quote(value);
}

/* ---- the files ---- */

static int read_direct(void *userdata, const char *path, char **ret_content, size_t *ret_len,
		       struct gv_error *err)
{
	const char *root = userdata;
	char *full = xasprintf("%s/%s", root, path);
	FILE *f;
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t k;

	f = fopen(full, "re");
	free(full);
	if (!f) {
		if (errno == ENOENT)
			return -ENOENT;
		return gv_error_set(err, -errno, "%s: %s", path, strerror(errno));
	}
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, k);
	if (ferror(f)) {
		int e = errno ? errno : EIO;
		fclose(f);
		buf_free(&b);
		return gv_error_set(err, -e, "%s: %s", path, strerror(e));
	}
	fclose(f);
	*ret_len = b.len;
	*ret_content = buf_steal(&b);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void files_free(struct gfile *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].path);
		free(f[i].content);
	}
	free(f);
}

/* Main file first, then the drop-ins in the order grub-mkconfig sources them
 * (dash's glob: byte order, dot-files skipped), our own among them. */
static int load_files(const struct grub_source *src, struct gfile **ret, size_t *ret_n, struct gv_error *err)
{
	grub_read_fn rd = src->read ? src->read : read_direct;
	void *ud = src->read ? src->userdata : (void *)src->root;
	char **names = NULL;
	size_t n_names = 0;
	struct gfile *files = NULL;
	size_t n = 0;
	int r = 0;
	const char *ours = GRUB_DROPIN + sizeof(GRUB_DROPIN_DIR);

	if (src->dropins) {
		char *dir = xasprintf("%s/%s", src->root, GRUB_DROPIN_DIR);
		DIR *d;
		struct dirent *de;
		bool have_ours = false;

		d = opendir(dir);
		free(dir);
		while (d && (de = readdir(d))) {
			size_t l = strlen(de->d_name);
			if (de->d_name[0] == '.' || l < 5 || strcmp(de->d_name + l - 4, ".cfg") != 0)
				continue;
			names = xreallocarray(names, n_names + 1, sizeof(*names));
			names[n_names++] = xstrdup(de->d_name);
			if (strcmp(de->d_name, ours) == 0)
				have_ours = true;
		}
		if (d)
			closedir(d);
		if (!have_ours) {
			names = xreallocarray(names, n_names + 1, sizeof(*names));
			names[n_names++] = xstrdup(ours);
		}
		qsort(names, n_names, sizeof(*names), cmp_str);
	}
	files = xcalloc(n_names + 1, sizeof(*files));
	for (size_t i = 0; i <= n_names; i++) {
		struct gfile *f = &files[n++];
		if (i == 0)
			f->path = xstrdup(GRUB_DEFAULTS);
		else
			f->path = xasprintf("%s/%s", GRUB_DROPIN_DIR, names[i - 1]);
		f->ours = strcmp(f->path, GRUB_DROPIN) == 0;
		r = rd(ud, f->path, &f->content, &f->len, err);
		if (r == -ENOENT) {
			f->content = NULL;
			f->len = 0;
			r = 0;
		} else if (r < 0) {
			goto out;
		}
	}
	*ret = files;
	*ret_n = n;
	files = NULL;
out:
	for (size_t i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	if (files)
		files_free(files, n);
	return r;
}

static int check_and_scan(struct scan *sc, const struct gfile *f, struct gv_error *err)
{
	int r;

	scan_reset(sc, f, err);
	if (!f->content)
		return 0;
	r = scan_file(sc);
	if (r < 0)
		return r;
	/* Our reading agrees with the shell's only on files the shell accepts. */
	return grub_sh_check(f->path, f->content, f->len, err);
}

int grub_effective(const struct grub_source *src, char **ret_linux, char **ret_default,
		   struct gv_error *err)
{
	struct gfile *files = NULL;
	size_t n = 0;
	struct scan sc = { 0 };
	int r;

	r = load_files(src, &files, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = check_and_scan(&sc, &files[i], err);
		if (r < 0)
			goto out;
	}
	*ret_linux = sc.val[V_LINUX];
	*ret_default = sc.val[V_DEFAULT];
	sc.val[V_LINUX] = sc.val[V_DEFAULT] = NULL;
out:
	vals_free(sc.val);
	free(sc.as);
	files_free(files, n);
	return r;
}

/* ---- the edit ---- */

/* Apply the edits to the two values (in/out). */
static int edit_values(char *val[N_VARS], const char *const *add, size_t n_add,
		       const char *const *remove_keys, size_t n_remove, struct gv_error *err)
{
	struct cmdline *c[N_VARS] = { NULL, NULL };
	int target = (val[V_DEFAULT] || !val[V_LINUX]) ? V_DEFAULT : V_LINUX;
	int r = 0;

	for (int v = 0; v < N_VARS; v++)
		if ((r = cmdline_parse(val[v] ? val[v] : "", &c[v])) < 0)
			goto out;
	for (size_t i = 0; i < n_remove; i++)
		for (int v = 0; v < N_VARS; v++)
			cmdline_remove(c[v], remove_keys[i]);
	for (size_t i = 0; i < n_add; i++) {
		char *key = cmdline_arg_key(add[i]);
		int t = target;
		if (cmdline_has_key(c[V_LINUX], key) && !cmdline_has_key(c[V_DEFAULT], key))
			t = V_LINUX;
		free(key);
		r = cmdline_check_arg(add[i], err);
		if (r < 0)
			goto out;
		r = cmdline_add(c[t], add[i]);
		if (r == -E2BIG) {
			r = gv_error_set(err, r, "adding %s: the kernel command line would be longer than %d bytes",
					 add[i], CMDLINE_SIZE - 1);
			goto out;
		}
		if (r < 0)
			goto out;
		/* The same argument in the other variable would be there twice. */
		if (cmdline_contains(c[!t], add[i])) {
			char *k = cmdline_arg_key(add[i]);
			bool eq = strchr(add[i], '=') != NULL;
			cmdline_remove(c[!t], eq ? add[i] : k);
			free(k);
		}
	}
	for (int v = 0; v < N_VARS; v++) {
		char *s = cmdline_format(c[v]);
		/* untouched and unset stays unset */
		if (!val[v] && !*s) {
			free(s);
			continue;
		}
		free(val[v]);
		val[v] = s;
	}
	size_t total = strlen(val[V_LINUX] ? val[V_LINUX] : "") + 1 + strlen(val[V_DEFAULT] ? val[V_DEFAULT] : "");
	if (total + 1 > CMDLINE_SIZE)
		r = gv_error_set(err, -E2BIG, "the kernel command line would be %zu bytes, more than the kernel's %d",
				 total, CMDLINE_SIZE - 1);
	else
		r = 0;
out:
	for (int v = 0; v < N_VARS; v++)
		cmdline_free(c[v]);
	return r;
}

static bool streq_null(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The edits took: every added argument exactly once, no removed key. */
static bool result_ok(char *const val[N_VARS], const char *const *add, size_t n_add,
		      const char *const *remove_keys, size_t n_remove)
{
	struct buf b = BUF_INIT;
	struct cmdline *c = NULL;
	bool ok = true;

	buf_printf(&b, "%s %s", val[V_LINUX] ? val[V_LINUX] : "", val[V_DEFAULT] ? val[V_DEFAULT] : "");
	if (cmdline_parse(buf_str(&b), &c) < 0) {
		buf_free(&b);
		return false;
	}
	for (size_t i = 0; i < n_remove && ok; i++)
		if (strchr(remove_keys[i], '=') ? cmdline_contains(c, remove_keys[i]) : cmdline_has_key(c, remove_keys[i]))
			ok = false;
	for (size_t i = 0; i < n_add && ok; i++) {
		struct cmdline *one = NULL;
		if (cmdline_parse(buf_str(&b), &one) < 0) {
			ok = false;
			break;
		}
		/* exactly once: removing the exact argument removes one occurrence */
		ok = cmdline_contains(one, add[i]) && cmdline_remove(one, add[i]) == 1;
		cmdline_free(one);
	}
	cmdline_free(c);
	buf_free(&b);
	return ok;
}

static const char dropin_header[] =
	"# Written by gpuvirt: the kernel command line for GPU passthrough.\n"
	"# grub-mkconfig reads this after /etc/default/grub and the other drop-ins\n"
	"# (the name sorts last); it sets the whole value, so removals hold too.\n"
	"# Undo: gpuvirt undo (or delete this file and run update-grub).\n";

static int propose_dropin(struct gfile *files, size_t n, const char *const *add, size_t n_add,
			  const char *const *remove_keys, size_t n_remove, struct grub_edit *e,
			  struct gv_error *err)
{
	struct scan sc = { 0 };
	char *pre[N_VARS] = { NULL, NULL }, *want[N_VARS] = { NULL, NULL };
	size_t ours = n;
	struct buf b = BUF_INIT;
	int r;

	for (size_t i = 0; i < n; i++) {
		if (files[i].ours) {
			ours = i;
			vals_copy(pre, sc.val);
		}
		r = check_and_scan(&sc, &files[i], err);
		if (r < 0)
			goto out;
		if (files[i].ours) {
			vals_copy(want, sc.val);
			r = edit_values(want, add, n_add, remove_keys, n_remove, err);
			if (r < 0)
				goto out;
			vals_copy(sc.val, want);
		}
	}
	if (!result_ok(sc.val, add, n_add, remove_keys, n_remove)) {
		/* A drop-in after ours undid the edit: name the last one that set
		 * a variable. */
		const char *path = NULL;
		size_t line = 0;
		for (size_t i = ours + 1; i < n; i++) {
			scan_reset(&sc, &files[i], err);
			vals_copy(sc.val, want);
			if (files[i].content && scan_file(&sc) == 0 && sc.n_as) {
				path = files[i].path;
				line = sc.as[sc.n_as - 1].line;
			}
		}
		if (path)
			r = gv_error_set(err, -EINVAL, "%s:%zu: sets %s after gpuvirt's %s and undoes the change; rename or edit that file",
					 path, line, "the kernel command line", GRUB_DROPIN);
		else
			r = gv_error_set(err, -EINVAL, "%s: the edit does not give the intended command line", GRUB_DROPIN);
		goto out;
	}
	e->cmdline_linux = sc.val[V_LINUX] ? xstrdup(sc.val[V_LINUX]) : NULL;
	e->cmdline_default = sc.val[V_DEFAULT] ? xstrdup(sc.val[V_DEFAULT]) : NULL;
	e->path = xstrdup(GRUB_DROPIN);

	bool lines = false;
	buf_puts(&b, dropin_header);
	for (int v = 0; v < N_VARS; v++) {
		if (streq_null(want[v], pre[v]))
			continue;
		char *q = grub_sh_quote(want[v] ? want[v] : "");
		buf_printf(&b, "%s=%s\n", var_names[v], q);
		free(q);
		lines = true;
	}
	if (!lines) {
		/* Everything is back to what the other files say. */
		e->content = NULL;
		e->changed = files[ours].content != NULL;
	} else {
		e->len = b.len;
		e->content = buf_steal(&b);
		e->changed = !files[ours].content || files[ours].len != e->len ||
			     memcmp(files[ours].content, e->content, e->len) != 0;
		r = grub_sh_check(GRUB_DROPIN, e->content, e->len, err);
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	buf_free(&b);
	vals_free(pre);
	vals_free(want);
	vals_free(sc.val);
	free(sc.as);
	return r;
}

static int propose_main(struct gfile *main_file, const char *const *add, size_t n_add,
			const char *const *remove_keys, size_t n_remove, struct grub_edit *e,
			struct gv_error *err)
{
	struct scan sc = { 0 };
	char *want[N_VARS] = { NULL, NULL };
	struct assign *last[N_VARS] = { NULL, NULL };
	struct buf b = BUF_INIT;
	struct gfile edited = { 0 };
	int r;

	r = check_and_scan(&sc, main_file, err);
	if (r < 0)
		goto out;
	vals_copy(want, sc.val);
	r = edit_values(want, add, n_add, remove_keys, n_remove, err);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < sc.n_as; i++)
		last[sc.as[i].var] = &sc.as[i];

	/* Replace the value of the last assignment of each changed variable,
	 * in file order; append the ones never set. */
	const char *s = main_file->content ? main_file->content : "";
	size_t len = main_file->content ? main_file->len : 0, at = 0;
	int order[N_VARS] = { V_LINUX, V_DEFAULT };
	if (last[V_LINUX] && last[V_DEFAULT] && last[V_DEFAULT]->val_start < last[V_LINUX]->val_start) {
		order[0] = V_DEFAULT;
		order[1] = V_LINUX;
	}
	if (!main_file->content)
		buf_puts(&b, "# Written by gpuvirt; see grub(8) and info -f grub -n 'Simple configuration'.\n");
	for (int k = 0; k < N_VARS; k++) {
		int v = order[k];
		if (!last[v] || streq_null(want[v], sc.val[v]))
			continue;
		char *q = quote_like(want[v] ? want[v] : "", last[v]->quote);
		buf_append(&b, s + at, last[v]->val_start - at);
		buf_puts(&b, q);
		free(q);
		at = last[v]->val_end;
	}
	buf_append(&b, s + at, len - at);
	bool crlf = false;   /* refused earlier where it matters; keep the style anyway */
	for (int v = 0; v < N_VARS; v++) {
		if (last[v] || streq_null(want[v], sc.val[v]))
			continue;
		if (b.len > 0 && b.data[b.len - 1] != '\n')
			buf_puts(&b, crlf ? "\r\n" : "\n");
		char *q = grub_sh_quote(want[v] ? want[v] : "");
		buf_printf(&b, "%s=%s\n", var_names[v], q);
		free(q);
	}

	/* The shell must read back exactly what we meant. */
	edited.path = main_file->path;
	edited.content = b.data ? b.data : (char *)"";
	edited.len = b.len;
	struct scan check = { 0 };
	r = check_and_scan(&check, &edited, err);
	if (r == 0 && (!streq_null(check.val[V_LINUX], want[V_LINUX]) ||
		       !streq_null(check.val[V_DEFAULT], want[V_DEFAULT])))
		r = gv_error_set(err, -EINVAL, "%s: another line computes its value from the edited variable; edit the file by hand",
				 main_file->path);
	vals_free(check.val);
	free(check.as);
	if (r < 0)
		goto out;
	e->path = xstrdup(main_file->path);
	e->cmdline_linux = want[V_LINUX] ? xstrdup(want[V_LINUX]) : NULL;
	e->cmdline_default = want[V_DEFAULT] ? xstrdup(want[V_DEFAULT]) : NULL;
	e->changed = !main_file->content || main_file->len != b.len || memcmp(main_file->content, buf_str(&b), b.len) != 0;
	e->len = b.len;
	e->content = buf_steal(&b);
	r = 0;
out:
	buf_free(&b);
	vals_free(want);
	vals_free(sc.val);
	free(sc.as);
	return r;
}

int grub_propose(const struct grub_source *src, const char *const *add, size_t n_add,
		 const char *const *remove_keys, size_t n_remove, struct grub_edit **ret,
		 struct gv_error *err)
{
	struct gfile *files = NULL;
	size_t n = 0;
	struct grub_edit *e = NULL;
	int r;

	for (size_t i = 0; i < n_add; i++)
		if ((r = cmdline_check_arg(add[i], err)) < 0)
			return r;
	for (size_t i = 0; i < n_remove; i++)
		if (!remove_keys[i] || !*remove_keys[i] || strpbrk(remove_keys[i], " \t\n"))
			return gv_error_set(err, -EINVAL, "'%s': not a kernel parameter name", remove_keys[i] ? remove_keys[i] : "");
	r = load_files(src, &files, &n, err);
	if (r < 0)
		return r;
	e = xcalloc(1, sizeof(*e));
	if (src->dropins)
		r = propose_dropin(files, n, add, n_add, remove_keys, n_remove, e, err);
	else
		r = propose_main(&files[0], add, n_add, remove_keys, n_remove, e, err);
	if (r < 0)
		goto out;
	*ret = e;
	e = NULL;
out:
	grub_edit_free(e);
	files_free(files, n);
	return r;
}

void grub_edit_free(struct grub_edit *e)
{
	if (!e)
		return;
	free(e->path);
	free(e->content);
	free(e->cmdline_linux);
	free(e->cmdline_default);
	free(e);
}

/* ---- which distributions read grub.d ---- */

static bool os_release_debian(const char *root, bool *found)
{
	static const char *const paths[] = { "etc/os-release", "usr/lib/os-release" };
	bool debian = false;

	*found = false;
	for (size_t i = 0; i < 2 && !*found; i++) {
		char *p = xasprintf("%s/%s", root, paths[i]), line[512];
		FILE *f = fopen(p, "re");

		free(p);
		if (!f)
			continue;
		*found = true;
		while (fgets(line, sizeof(line), f)) {
			if (strncmp(line, "ID=", 3) != 0 && strncmp(line, "ID_LIKE=", 8) != 0)
				continue;
			const char *v = strchr(line, '=') + 1;
			char word[64];
			size_t wl = 0;
			for (const char *c = v;; c++) {
				if (*c == '"' || *c == '\'')
					continue;
				if (!*c || *c == ' ' || *c == '\n') {
					word[wl] = '\0';
					if (strcmp(word, "debian") == 0 || strcmp(word, "ubuntu") == 0)
						debian = true;
					wl = 0;
					if (!*c || *c == '\n')
						break;
				} else if (wl < sizeof(word) - 1) {
					word[wl++] = *c;
				}
			}
		}
		fclose(f);
	}
	return debian;
}

bool grub_reads_dropins(const char *root)
{
	char *p = xasprintf("%s/etc/debian_version", root);
	struct stat st;
	bool found, r;

	r = access(p, F_OK) == 0;
	free(p);
	if (r)
		return true;
	if (os_release_debian(root, &found))
		return true;
	if (found)
		return false;
	p = xasprintf("%s/%s", root, GRUB_DROPIN_DIR);
	r = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
	free(p);
	return r;
}
