/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * What each initramfs tool (found by core/scan/sysconf.h) needs from
 * gpuvirt (REFERENCE.md §3): where modules that must load early go, and the
 * command that rebuilds the images.
 *
 *   tool             modules file
 *   initramfs-tools  etc/initramfs-tools/modules (lines added)
 *   dracut           etc/dracut.conf.d/gpuvirt.conf
 *   mkinitcpio       etc/mkinitcpio.conf.d/gpuvirt.conf
 */
#include <stddef.h>

#include "core/scan/sysconf.h"
#include "core/util/error.h"

/* The root-relative file that lists modules for the initramfs; NULL for NONE. */
const char *initramfs_modules_file(enum initramfs_tool tool);

/* The command that rebuilds every image, NULL-terminated and static:
 * update-initramfs -u -k all, dracut -f --regenerate-all, mkinitcpio -P.
 * NULL for NONE. */
const char *const *initramfs_regen_argv(enum initramfs_tool tool);

/*
 * The content of initramfs_modules_file(TOOL) with MODULES included:
 * CONTENT is its current content (NULL when the file does not exist).
 * Modules already listed stay where they are and are not repeated; lines
 * that are not ours are never touched. Returns 1 and the owned new content
 * when something was added, 0 and a copy of the content when everything was
 * already there, or -EINVAL for INITRAMFS_NONE.
 */
int initramfs_add_modules(enum initramfs_tool tool, const char *content, const char *const *modules,
			  size_t n_modules, char **ret_content, struct gv_error *err);
