/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "core/util/text.h"
#include "core/util/xalloc.h"

static int is_continuation(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

size_t text_wrap_row(const char *s, size_t width, unsigned flags, const char **ret_next)
{
	size_t len, cut;

	if (width < 1)
		width = 1;
	len = strnlen(s, width + 1);
	cut = len;
	if (len > width) {
		/* s[width] exists: a blank there ends a row of exactly WIDTH */
		cut = width;
		while (cut > 0 && s[cut] != ' ')
			cut--;
		if (cut == 0 && (flags & TEXT_WRAP_PUNCT)) {
			cut = width;
			while (cut > 1 && !strchr("/:,", s[cut - 1]))
				cut--;
			if (cut <= 1)
				cut = 0;
		}
		if (cut == 0) {
			cut = width;
			while (cut > 1 && is_continuation(s[cut]))
				cut--;
		}
	}
	*ret_next = s + cut + strspn(s + cut, " ");
	return cut;
}

bool text_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned c = *p, n, min;
		unsigned long cp;

		if (c < 0x80) {
			p++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			n = 1, min = 0x80, cp = c & 0x1f;
		else if ((c & 0xf0) == 0xe0)
			n = 2, min = 0x800, cp = c & 0x0f;
		else if ((c & 0xf8) == 0xf0)
			n = 3, min = 0x10000, cp = c & 0x07;
		else
			return false;
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

char *text_visible(const char *s)
{
	size_t n = 0;
	char *out, *o;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += (*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f ? 2 : 1;
	o = out = xmalloc(n + 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f) {
			*o++ = '^';
			*o++ = (char)(*p ^ 0x40);
		} else {
			*o++ = (char)*p;
		}
	}
	*o = '\0';
	return out;
}
