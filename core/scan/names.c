/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <pci/pci.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/log.h"
#include "core/scan/names.h"
#include "core/util/xalloc.h"

struct names {
	struct pci_access *pacc;
	bool broken;   /* pci.ids failed once: stay numeric, log once */
};

/* libpci reports fatal errors through a callback it expects not to return;
 * we jump back to the lookup that called it. One lookup at a time. */
static jmp_buf *names_jmp;

__attribute__((format(printf, 1, 2), noreturn))
static void names_error(char *msg, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, msg);
	vsnprintf(buf, sizeof(buf), msg, ap);
	va_end(ap);
	buf[strcspn(buf, "\n")] = '\0';
	gv_log(GV_LOG_WARN, "pci.ids: %s", buf);
	if (names_jmp)
		longjmp(*names_jmp, 1);
	abort(); /* unreachable: every libpci call below sets names_jmp */
}

__attribute__((format(printf, 1, 2)))
static void names_warning(char *msg, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, msg);
	vsnprintf(buf, sizeof(buf), msg, ap);
	va_end(ap);
	buf[strcspn(buf, "\n")] = '\0';
	gv_log(GV_LOG_DEBUG, "libpci: %s", buf);
}

__attribute__((format(printf, 1, 2)))
static void names_debug(char *msg, ...)
{
	(void)msg;
}

struct names *names_new(void)
{
	struct names *n = xcalloc(1, sizeof(*n));

	n->pacc = pci_alloc();
	if (!n->pacc) {
		n->broken = true;
		return n;
	}
	n->pacc->error = names_error;
	n->pacc->warning = names_warning;
	n->pacc->debug = names_debug;
	/* Only the name database is used: no bus scan, no hwdb. */
	const char *ids = getenv("GPUVIRT_PCI_IDS");
	if (ids)
		pci_set_name_list_path(n->pacc, (char *)ids, 0);
	return n;
}

void names_free(struct names *n)
{
	if (!n)
		return;
	if (n->pacc)
		pci_cleanup(n->pacc);
	free(n);
}

static char *names_lookup(struct names *n, int flags, int vendor_id, int device_id)
{
	char buf[256];
	const char *r = NULL;
	jmp_buf jb;

	if (n->broken || !n->pacc || vendor_id < 0)
		return NULL;
	names_jmp = &jb;
	if (setjmp(jb) == 0) {
		if (flags & PCI_LOOKUP_CLASS)
			r = pci_lookup_name(n->pacc, buf, sizeof(buf),
					    flags | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB,
					    vendor_id);
		else if (flags & PCI_LOOKUP_DEVICE)
			r = pci_lookup_name(n->pacc, buf, sizeof(buf),
					    flags | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB,
					    vendor_id, device_id);
		else
			r = pci_lookup_name(n->pacc, buf, sizeof(buf),
					    flags | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB,
					    vendor_id);
	} else {
		n->broken = true;
		r = NULL;
	}
	names_jmp = NULL;
	return xstrdup(r);
}

char *names_vendor(struct names *n, int vendor_id)
{
	char *s = names_lookup(n, PCI_LOOKUP_VENDOR, vendor_id, 0);

	if (s)
		return s;
	return vendor_id < 0 ? xstrdup("Vendor unknown") : xasprintf("Vendor %04x", vendor_id);
}

char *names_device(struct names *n, int vendor_id, int device_id)
{
	char *s = device_id < 0 ? NULL : names_lookup(n, PCI_LOOKUP_DEVICE, vendor_id, device_id);

	if (s)
		return s;
	if (vendor_id < 0 || device_id < 0)
		return xstrdup("Device unknown");
	return xasprintf("Device %04x:%04x", vendor_id, device_id);
}

char *names_class(struct names *n, int class_code)
{
	char *s = class_code < 0 ? NULL : names_lookup(n, PCI_LOOKUP_CLASS, class_code >> 8, 0);

	if (s)
		return s;
	if (class_code < 0)
		return xstrdup("Class unknown");
	return xasprintf("Class %04x", class_code >> 8);
}
