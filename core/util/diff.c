/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Myers' O(ND) greedy algorithm ("An O(ND) Difference Algorithm and Its
 * Variations", 1986) on lines, after stripping the common prefix and suffix,
 * which for configuration files is nearly everything.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/diff.h"
#include "core/util/xalloc.h"

struct line {
	const char *s;
	size_t len;   /* including the '\n', when there is one */
};

enum op { OP_EQ, OP_DEL, OP_INS };

struct edit {
	enum op op;
	size_t a, b;  /* line index in A (EQ, DEL) and in B (EQ, INS) */
};

static struct line *split_lines(const char *s, size_t len, size_t *ret_n)
{
	size_t n = 0, cap = 16;
	struct line *v = xmalloc(cap * sizeof(*v));

	for (size_t i = 0; i < len;) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (s + i)) + 1 : len - i;
		if (n == cap) {
			cap *= 2;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n].s = s + i;
		v[n].len = l;
		n++;
		i += l;
	}
	*ret_n = n;
	return v;
}

static bool line_eq(const struct line *x, const struct line *y)
{
	return x->len == y->len && memcmp(x->s, y->s, x->len) == 0;
}

struct edits {
	struct edit *v;
	size_t n, cap;
};

static void edits_push(struct edits *e, enum op op, size_t a, size_t b)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 64;
		e->v = xreallocarray(e->v, e->cap, sizeof(*e->v));
	}
	e->v[e->n++] = (struct edit){ op, a, b };
}

/* Past this many differing lines a minimal diff costs too much memory
 * (Myers keeps O(D^2) state); delete-all/insert-all is still a valid diff. */
#define DIFF_MAX_D 8000

/* The shortest edit script from A[0..n) to B[0..m), appended in reverse. */
static void myers_reverse(const struct line *A, long n, const struct line *B, long m, long a0, long b0,
			  struct edits *out)
{
	long max = n + m, off = max + 1, d, x, y;
	long *v, **trace;

	if (max == 0)
		return;
	if (max > DIFF_MAX_D) {
		for (long i = m; i-- > 0;)
			edits_push(out, OP_INS, (size_t)(a0 + n), (size_t)(b0 + i));
		for (long i = n; i-- > 0;)
			edits_push(out, OP_DEL, (size_t)(a0 + i), (size_t)(b0));
		return;
	}
	v = xcalloc((size_t)(2 * max + 3), sizeof(long));
	trace = xcalloc((size_t)max + 1, sizeof(long *));
	for (d = 0; d <= max; d++) {
		/* Round d reads diagonals -(d+1)..d+1 only: keep just those. */
		trace[d] = xmalloc((size_t)(2 * d + 3) * sizeof(long));
		memcpy(trace[d], v + off - (d + 1), (size_t)(2 * d + 3) * sizeof(long));
		for (long k = -d; k <= d; k += 2) {
			if (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
				x = v[off + k + 1];
			else
				x = v[off + k - 1] + 1;
			y = x - k;
			while (x < n && y < m && line_eq(&A[x], &B[y])) {
				x++;
				y++;
			}
			v[off + k] = x;
			if (x >= n && y >= m)
				goto found;
		}
	}
found:
	x = n;
	y = m;
	for (long dd = d; dd > 0; dd--) {
		long *pv = trace[dd] + dd + 1, k = x - y, pk, px, py;

		if (k == -dd || (k != dd && pv[k - 1] < pv[k + 1]))
			pk = k + 1;
		else
			pk = k - 1;
		px = pv[pk];
		py = px - pk;
		while (x > px && y > py) {
			x--;
			y--;
			edits_push(out, OP_EQ, (size_t)(a0 + x), (size_t)(b0 + y));
		}
		if (x == px) {
			y--;
			edits_push(out, OP_INS, (size_t)(a0 + x), (size_t)(b0 + y));
		} else {
			x--;
			edits_push(out, OP_DEL, (size_t)(a0 + x), (size_t)(b0 + y));
		}
	}
	while (x > 0 && y > 0) {
		x--;
		y--;
		edits_push(out, OP_EQ, (size_t)(a0 + x), (size_t)(b0 + y));
	}
	for (long i = 0; i <= d && i <= max; i++)
		free(trace[i]);
	free(trace);
	free(v);
}

static void put_line(struct buf *out, char mark, const struct line *l)
{
	buf_putc(out, mark);
	buf_append(out, l->s, l->len);
	if (l->len == 0 || l->s[l->len - 1] != '\n')
		buf_puts(out, "\n\\ No newline at end of file\n");
}

static void put_range(struct buf *out, char sign, size_t start, size_t count)
{
	/* diff(1) names an empty range by the line before it. */
	buf_printf(out, " %c%zu", sign, count ? start + 1 : start);
	if (count != 1)
		buf_printf(out, ",%zu", count);
}

int diff_unified(struct buf *out, const char *label_a, const char *a, size_t alen,
		 const char *label_b, const char *b, size_t blen, unsigned context)
{
	size_t na, nb, pre = 0, suf = 0;
	struct line *A, *B;
	struct edits e = { 0 };

	if (alen == blen && (alen == 0 || memcmp(a, b, alen) == 0))
		return 0;
	A = split_lines(a, alen, &na);
	B = split_lines(b, blen, &nb);
	while (pre < na && pre < nb && line_eq(&A[pre], &B[pre]))
		pre++;
	while (suf < na - pre && suf < nb - pre && line_eq(&A[na - 1 - suf], &B[nb - 1 - suf]))
		suf++;

	/* The script, in order: prefix, the middle (built reversed), suffix. */
	for (size_t i = 0; i < suf; i++)
		edits_push(&e, OP_EQ, na - 1 - i, nb - 1 - i);
	myers_reverse(A + pre, (long)(na - pre - suf), B + pre, (long)(nb - pre - suf), (long)pre, (long)pre, &e);
	for (size_t i = pre; i-- > 0;)
		edits_push(&e, OP_EQ, i, i);
	for (size_t i = 0, j = e.n - 1; i < j; i++, j--) {
		struct edit t = e.v[i];
		e.v[i] = e.v[j];
		e.v[j] = t;
	}

	buf_printf(out, "--- %s\n+++ %s\n", label_a, label_b);
	for (size_t i = 0; i < e.n;) {
		size_t first, last, start, end, ca = 0, cb = 0, a_start, b_start;

		while (i < e.n && e.v[i].op == OP_EQ)
			i++;
		if (i == e.n)
			break;
		first = i;
		/* Extend the hunk while the next change is within 2*context lines. */
		last = i;
		for (size_t j = i + 1; j < e.n; j++) {
			if (e.v[j].op == OP_EQ)
				continue;
			if (j - last - 1 > 2 * (size_t)context)
				break;
			last = j;
		}
		start = first > context ? first - context : 0;
		end = last + 1 + context < e.n ? last + 1 + context : e.n;
		a_start = e.v[start].a;
		b_start = e.v[start].b;
		for (size_t j = start; j < end; j++) {
			if (e.v[j].op != OP_INS)
				ca++;
			if (e.v[j].op != OP_DEL)
				cb++;
		}
		/* For an insertion-only (or deletion-only) hunk the index on the
		 * untouched side is where the change happens. */
		buf_puts(out, "@@");
		put_range(out, '-', a_start, ca);
		put_range(out, '+', b_start, cb);
		buf_puts(out, " @@\n");
		for (size_t j = start; j < end; j++) {
			switch (e.v[j].op) {
			case OP_EQ: put_line(out, ' ', &A[e.v[j].a]); break;
			case OP_DEL: put_line(out, '-', &A[e.v[j].a]); break;
			case OP_INS: put_line(out, '+', &B[e.v[j].b]); break;
			}
		}
		i = end;
	}
	free(e.v);
	free(A);
	free(B);
	return 1;
}
