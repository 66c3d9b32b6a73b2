/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * PCI addresses. Domains above ffff are real (Intel VMD puts devices in
 * 10000:xx:xx.x), so the domain is 32 bits and the text form is at least four
 * hex digits, as the kernel writes it.
 */
#include <stdbool.h>
#include <stdint.h>

#define PCIADDR_STRLEN 20 /* "ffffffff:ff:1f.7" plus NUL, rounded up */

struct pciaddr {
	uint32_t domain;
	uint8_t bus;
	uint8_t dev;  /* 0..31 */
	uint8_t fn;   /* 0..7 */
};

/* Parse "0000:41:00.0" or the short "41:00.0" (domain 0). Hex is accepted in
 * either case. Returns 0, or -EINVAL with *ret untouched. */
int pciaddr_parse(const char *s, struct pciaddr *ret);

/* Canonical form: "%04x:%02x:%02x.%x" (domain grows past four digits). */
char *pciaddr_format(const struct pciaddr *a, char buf[PCIADDR_STRLEN]);

/* Total order: domain, bus, device, function. */
int pciaddr_cmp(const struct pciaddr *a, const struct pciaddr *b);

/* True when both are functions of one slot (same domain, bus and device). */
bool pciaddr_same_slot(const struct pciaddr *a, const struct pciaddr *b);
