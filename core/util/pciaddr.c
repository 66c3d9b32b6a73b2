/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/util/field.h"
#include "core/util/pciaddr.h"

/* Parse exactly n..max hex digits ending at a delimiter; returns chars used. */
static int parse_hex(const char *s, int min, int max, uint32_t *ret)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < max && field_hexval(s[i]) >= 0; i++)
		v = v << 4 | (uint32_t)field_hexval(s[i]);
	if (i < min || field_hexval(s[i]) >= 0)
		return -1;
	*ret = v;
	return i;
}

int pciaddr_parse(const char *s, struct pciaddr *ret)
{
	uint32_t domain = 0, bus, dev, fn;
	const char *p = s;
	int n;

	if (!s)
		return -EINVAL;
	/* Full form has two colons. */
	if (strchr(s, ':') != strrchr(s, ':')) {
		n = parse_hex(p, 4, 8, &domain);
		if (n < 0 || p[n] != ':')
			return -EINVAL;
		p += n + 1;
	}
	n = parse_hex(p, 2, 2, &bus);
	if (n < 0 || p[n] != ':')
		return -EINVAL;
	p += n + 1;
	n = parse_hex(p, 2, 2, &dev);
	if (n < 0 || p[n] != '.' || dev > 0x1f)
		return -EINVAL;
	p += n + 1;
	if (p[0] < '0' || p[0] > '7' || p[1] != '\0')
		return -EINVAL;
	fn = (uint32_t)(p[0] - '0');

	ret->domain = domain;
	ret->bus = (uint8_t)bus;
	ret->dev = (uint8_t)dev;
	ret->fn = (uint8_t)fn;
	return 0;
}

char *pciaddr_format(const struct pciaddr *a, char buf[PCIADDR_STRLEN])
{
	snprintf(buf, PCIADDR_STRLEN, "%04x:%02x:%02x.%x", a->domain, a->bus, a->dev, a->fn);
	return buf;
}

int pciaddr_cmp(const struct pciaddr *a, const struct pciaddr *b)
{
	if (a->domain != b->domain)
		return a->domain < b->domain ? -1 : 1;
	if (a->bus != b->bus)
		return a->bus < b->bus ? -1 : 1;
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->fn != b->fn)
		return a->fn < b->fn ? -1 : 1;
	return 0;
}

bool pciaddr_same_slot(const struct pciaddr *a, const struct pciaddr *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->dev == b->dev;
}
