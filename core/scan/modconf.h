/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * modprobe configuration, two halves:
 *
 *  - struct modconf: what the configuration under a root already says
 *    (blacklists, options, softdeps, install commands), read with libkmod
 *    from ROOT/etc/modprobe.d, ROOT/run/modprobe.d, ROOT/lib/modprobe.d and
 *    ROOT/usr/lib/modprobe.d, so a blacklist that already exists elsewhere is
 *    reported instead of written twice. libkmod does not say which file a
 *    directive came from; a plain scan of the same files finds it for the
 *    message. libkmod prints parse errors on stderr while it loads; they are
 *    captured and sent through gv_log() as warnings naming file and line.
 *
 *  - struct modconf_file: gpuvirt's own drop-in, etc/modprobe.d/gpuvirt.conf
 *    (DESIGN.md §3), as a small model that is parsed, edited and rendered
 *    again. Rendering is deterministic, so the same edits give the same
 *    bytes and a second apply changes nothing.
 *
 * Module names are compared the way kmod does ('-' and '_' alike).
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/util/error.h"

/* The drop-in gpuvirt owns, relative to the configuration root. */
#define MODCONF_FILE "etc/modprobe.d/gpuvirt.conf"

struct modconf;

/* Read the modprobe configuration under ROOT. Returns 0 and an owned
 * snapshot, or -EIO with ERR set when libkmod cannot read it at all.
 * core/scan/sysconf.h is the one caller: everyone else reads its snapshot. */
int modconf_load(const char *root, struct modconf **ret, struct gv_error *err);
void modconf_free(struct modconf *mc);

/*
 * Lookups. Each returns true when the configuration has the directive; then
 * *RET_WHERE (when RET_WHERE is not NULL) is the file that says it, relative
 * to the root ("etc/modprobe.d/blacklist-nouveau.conf"), "the kernel command
 * line" for mod.opt= / modprobe.blacklist= arguments libkmod merges in, or
 * NULL when the source could not be found. Borrowed, valid until
 * modconf_free().
 */
bool modconf_has_blacklist(const struct modconf *mc, const char *module, const char **ret_where);
/* Option KEY=VALUE for MODULE; VALUE NULL matches any value. */
bool modconf_has_option(const struct modconf *mc, const char *module, const char *key, const char *value,
			const char **ret_where);
/* "softdep MODULE pre: ... PRE ..." */
bool modconf_has_softdep_pre(const struct modconf *mc, const char *module, const char *pre,
			     const char **ret_where);

/*
 * The value MODULE's option KEY gets from configuration other than
 * EXCEPT_FILE (a root-relative path such as MODCONF_FILE, or NULL), the last
 * one the kernel would see; NULL when none. Owned by the caller. *RET_WHERE
 * as above. Used to spot a conflicting "options vfio-pci ids=" elsewhere.
 */
char *modconf_option_elsewhere(const struct modconf *mc, const char *module, const char *key,
			       const char *except_file, const char **ret_where);

/* Compare module names as kmod does: '-' equals '_'. */
bool modconf_module_eq(const char *a, const char *b);

struct modconf_file;

/*
 * Parse gpuvirt's drop-in. CONTENT NULL (or "") gives an empty model.
 * Comment lines are dropped (render writes its own header); directives the
 * model does not manage are kept as they are. Owned.
 */
struct modconf_file *modconf_file_parse(const char *content);
void modconf_file_free(struct modconf_file *f);

/* True when the model holds no directive at all. */
bool modconf_file_is_empty(const struct modconf_file *f);

/*
 * Edits. Each returns 1 when the model changed, 0 when it already said so
 * (modconf_file_add_option(): -EINVAL for an empty key). Lookups (_has_)
 * say whether this file alone has the directive.
 */
bool modconf_file_has_blacklist(const struct modconf_file *f, const char *module);
int modconf_file_add_blacklist(struct modconf_file *f, const char *module);
/* OPTION is "key=value"; a different value for the same key in this file is replaced. */
bool modconf_file_has_option(const struct modconf_file *f, const char *module, const char *option);
int modconf_file_add_option(struct modconf_file *f, const char *module, const char *option);
/* vfio-pci's ids= list ("10de:1db4"), merged into one "options vfio-pci ids=" line. */
int modconf_file_add_vfio_id(struct modconf_file *f, const char *id);
bool modconf_file_has_softdep_pre(const struct modconf_file *f, const char *module, const char *pre);
int modconf_file_add_softdep_pre(struct modconf_file *f, const char *module, const char *pre);
/*
 * Bind ADDRESS by driver_override from inside modprobe: an "install
 * vfio_pci" command that writes vfio-pci into driver_override of every
 * such address, then loads vfio-pci. Together with "softdep DRIVER pre:
 * vfio-pci" this runs before DRIVER loads, in the initramfs too, which a
 * udev rule alone cannot promise (see man/30-plan.man).
 */
int modconf_file_add_override(struct modconf_file *f, const char *address);

/* The file's content: the header comment, then the directives in a fixed
 * order (blacklists, options, softdeps, install, others). Owned. */
char *modconf_file_render(const struct modconf_file *f);

/* Modules loaded at boot by systemd-modules-load, gpuvirt's own list. */
#define MODCONF_AUTOLOAD_FILE "etc/modules-load.d/gpuvirt.conf"

/*
 * The modules vfio-pci needs at boot for KERNEL_RELEASE ("6.8.0-45-generic"):
 * vfio, vfio_iommu_type1, vfio_pci, and vfio_virqfd before 6.2 only (later
 * kernels build it into vfio, and listing it breaks initramfs builds). An
 * unknown or unreadable release counts as new: a missing vfio_virqfd is
 * loaded as a dependency anyway, a stray one is an error. Fills RET with
 * static names and returns how many (at most 4).
 */
size_t modconf_vfio_modules(const char *kernel_release, const char *ret[4]);

/*
 * The content of MODCONF_AUTOLOAD_FILE with MODULES listed: CONTENT is its
 * current content (NULL when absent); names already there are kept, in
 * their order, except a "name" ending in a backslash (dropped with a
 * warning: written back it would join the next line). Returns 1 and the
 * owned new content when something was
 * added, 0 and an owned copy when not.
 */
int modconf_autoload_add(const char *content, const char *const *modules, size_t n_modules,
			 char **ret_content);
