/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The initramfs tool of the configuration root (REFERENCE.md §3): which one
 * it is, found from evidence under the root (never from which binary the
 * running system happens to have), where modules that must load early go,
 * and the command that rebuilds the images.
 *
 *   tool             evidence                                 modules file
 *   initramfs-tools  etc/initramfs-tools/                     etc/initramfs-tools/modules (lines added)
 *   dracut           etc/dracut.conf.d/, etc/dracut.conf       etc/dracut.conf.d/gpuvirt.conf
 *   mkinitcpio       etc/mkinitcpio.conf, etc/mkinitcpio.conf.d etc/mkinitcpio.conf.d/gpuvirt.conf
 */
#include <stddef.h>

#include "core/util/error.h"

enum initramfs_tool {
	INITRAMFS_NONE,
	INITRAMFS_TOOLS,       /* Debian, Ubuntu, Proxmox */
	INITRAMFS_DRACUT,      /* Fedora, RHEL, openSUSE */
	INITRAMFS_MKINITCPIO,  /* Arch */
};

/*
 * Find the tool under ROOT. Returns 0 with the tool (INITRAMFS_NONE when
 * there is no evidence at all) and, when RET_EVIDENCE is not NULL, the
 * root-relative path that decided it (a static string; NULL for NONE).
 * When several tools leave configuration behind, the one whose program is
 * installed under the root wins, and gv_log() says which was chosen.
 */
int initramfs_detect(const char *root, enum initramfs_tool *ret_tool, const char **ret_evidence);

/* "initramfs-tools", "dracut", "mkinitcpio", or "none". */
const char *initramfs_tool_name(enum initramfs_tool tool);

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
 * already there, -EINVAL for INITRAMFS_NONE, or -ENOMEM.
 */
int initramfs_add_modules(enum initramfs_tool tool, const char *content, const char *const *modules,
			  size_t n_modules, char **ret_content, struct gv_error *err);
