/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "core/util/text.h"

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
