/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "core/util/field.h"

void field_encode(struct buf *out, const char *s, size_t len, bool space)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || c == '%' || (space && c == ' '))
			buf_printf(out, "%%%02X", c);
		else
			buf_putc(out, (char)c);
	}
	if (len == 0 && space)
		buf_puts(out, "%");
}

int field_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int field_decode(struct buf *out, const char *field)
{
	if (strcmp(field, "%") == 0) {
		buf_append(out, "", 0);
		return 0;
	}
	for (const char *p = field; *p; p++) {
		if (*p != '%') {
			buf_putc(out, *p);
			continue;
		}
		int h = field_hexval(p[1]), l = h < 0 ? -1 : field_hexval(p[2]);
		if (h < 0 || l < 0)
			return -EINVAL;
		buf_putc(out, (char)(h * 16 + l));
		p += 2;
	}
	buf_append(out, "", 0);
	return 0;
}
