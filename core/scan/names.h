/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Vendor and device names from pci.ids through libpci, without the udev
 * hwdb. libpci's default error handler exits the process; ours logs the
 * problem and the lookup falls back to the numeric form, so nothing inside
 * libpci can end gpuvirt.
 */
struct names;

/* Never fails: without pci.ids every name is numeric. */
struct names *names_new(void);
void names_free(struct names *n);

/* Owned strings. Unknown ids give "Vendor 1234" and "Device 1234:abcd". */
char *names_vendor(struct names *n, int vendor_id);
char *names_device(struct names *n, int vendor_id, int device_id);
/* The class name of a 24-bit class code ("3D controller"), from its base
 * class and subclass; "Class 0302" when unknown. */
char *names_class(struct names *n, int class_code);
