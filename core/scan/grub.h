/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * GRUB's command line as grub-mkconfig computes it: it sources
 * etc/default/grub with /bin/sh, then (Debian, Ubuntu, Proxmox: a Debian
 * patch) every etc/default/grub.d/ *.cfg in glob order, later assignments
 * winning, and puts "${GRUB_CMDLINE_LINUX} ${GRUB_CMDLINE_LINUX_DEFAULT}" on
 * the linux line of the normal entries.
 *
 * This module evaluates those files without running them: assignments with
 * double, single or no quotes, backslash-newline continuation, `export X=...`,
 * duplicates (the last wins), and `$GRUB_CMDLINE_LINUX_DEFAULT` /
 * `${GRUB_CMDLINE_LINUX}` references to the earlier value. Everything else
 * that could change the two variables (command substitution, other
 * variables, `if`/`case`/`&&` around an assignment, `.`/`eval`, bash's `+=`,
 * unbalanced quotes, CRLF line endings, a file `sh -n` rejects) is refused
 * with "FILE:LINE: reason", and nothing is written. Assignments to other
 * variables are skipped whatever they contain (GRUB_DISTRIBUTOR=`lsb_release
 * ...` is normal).
 *
 * Where the drop-ins are read, gpuvirt writes its own drop-in GRUB_DROPIN with
 * the full intended values (computed from the effective values, so removing
 * works too); it is named "zz-" so it sorts after the drop-ins distributions
 * ship (init-select.cfg, kdump-tools.cfg, 50-cloudimg-settings.cfg: in the C
 * order dash's glob uses, 'z' comes after digits and every other letter), and
 * a drop-in that still sorts after it and overrides it is refused by name.
 * Elsewhere the last assignment in etc/default/grub is edited in place and
 * every other byte is kept.
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/util/error.h"

#define GRUB_DEFAULTS "etc/default/grub"
#define GRUB_DROPIN_DIR "etc/default/grub.d"
#define GRUB_DROPIN "etc/default/grub.d/zz-gpuvirt.cfg"

/* Read PATH (relative to the root) into an owned NUL-terminated buffer:
 * 0, -ENOENT when absent, or -errno with err set. plan_file_content() fits. */
typedef int (*grub_read_fn)(void *userdata, const char *path, char **ret_content, size_t *ret_len,
			    struct gv_error *err);

struct grub_source {
	const char *root;      /* configuration root; etc/default/grub.d is listed there */
	grub_read_fn read;     /* NULL: read the files under root directly */
	void *userdata;
	bool dropins;          /* grub-mkconfig reads etc/default/grub.d: see grub_reads_dropins() */
};

/*
 * Whether grub-mkconfig on the system under ROOT reads etc/default/grub.d.
 * Reading it is a Debian patch, so: Debian-family evidence
 * (etc/debian_version, or ID/ID_LIKE debian or ubuntu in etc/os-release) ->
 * true; evidence of another distribution (os-release without them) -> false,
 * even if the directory exists; no distribution evidence -> whether
 * etc/default/grub.d exists.
 */
bool grub_reads_dropins(const char *root);

/* The effective GRUB_CMDLINE_LINUX and GRUB_CMDLINE_LINUX_DEFAULT (owned;
 * NULL when never set), or -errno with "FILE:LINE: reason". */
int grub_effective(const struct grub_source *src, char **ret_linux, char **ret_default,
		   struct gv_error *err);

/* The result of grub_propose(). */
struct grub_edit {
	char *path;            /* file to write or remove, relative to the root */
	char *content;         /* its new bytes; NULL: remove the file */
	size_t len;
	bool changed;          /* false: the files already say this (nothing to do) */
	char *cmdline_linux;   /* effective values once the edit is in place */
	char *cmdline_default;
};

/*
 * Compute the edit that adds ADD (each one kernel argument; an existing value
 * of the same key is replaced) and removes every argument whose key is in
 * REMOVE_KEYS from GRUB's effective command line. Additions go where the key
 * already is, else to GRUB_CMDLINE_LINUX_DEFAULT (GRUB_CMDLINE_LINUX when
 * only that one is set, as on Fedora); removals apply to both variables.
 * Refuses (-EINVAL, err "FILE:LINE: reason") whatever it cannot evaluate;
 * -E2BIG when the line would not fit in the kernel's CMDLINE_SIZE.
 */
int grub_propose(const struct grub_source *src, const char *const *add, size_t n_add,
		 const char *const *remove_keys, size_t n_remove, struct grub_edit **ret,
		 struct gv_error *err);
void grub_edit_free(struct grub_edit *e);

/* Run `/bin/sh -n` on CONTENT; -EINVAL with "PATH:LINE: sh -n: ..." when it
 * fails. A missing /bin/sh is not an error (logged). */
int grub_sh_check(const char *path, const char *content, size_t len, struct gv_error *err);

/* CONTENT as one sh word in double quotes (\ " $ ` escaped). Owned. */
char *grub_sh_quote(const char *value);
