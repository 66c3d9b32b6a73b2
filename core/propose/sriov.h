/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * SR-IOV virtual functions (SRIOV-MDEV-VM.md §1): how many VFs a PF gets at
 * the next boot and what says so, and the plan for --vfs ADDRESS=N.
 *
 * The count at boot is what one of these sets (the first that has a line
 * for the PF):
 *
 *   sysfsutils   "PATH = VALUE" lines in etc/sysfs.conf, then
 *                etc/sysfs.d/ *.conf in name order (gpuvirt's is
 *                SRIOV_SYSFS_FILE); read only when sysfsutils is installed
 *                under the root, and etc/sysfs.d only beside an
 *                etc/sysfs.conf (Debian 13, Proxmox 9)
 *   udev         a rule that writes ATTR{sriov_numvfs} (gpuvirt's,
 *                SRIOV_UDEV_FILE, does it when the PF's driver binds:
 *                earlier the kernel answers ENOENT)
 *   the driver   a parameter that makes VFs when it loads (igb max_vfs=7),
 *                in modprobe.d or on the next boot's command line
 *
 * --vfs ADDRESS=N becomes, in this order:
 *   - the kernel command line the driver needs when the next boot's lacks
 *     it (i915.enable_guc=3 i915.max_vfs=M, xe.max_vfs=M), through the
 *     command-line engine (core/propose/boot.h): sriov_cmdline_args();
 *   - the count at boot: SRIOV_SYSFS_FILE (and an empty etc/sysfs.conf when
 *     missing) when sysfsutils is installed, else SRIOV_UDEV_FILE; never
 *     both, and lines of other sysfsutils files for the PF move into
 *     gpuvirt's; N = 0 removes them;
 *   - the count now, unless boot_only or the running driver cannot:
 *     sriov_numvfs 0 first between two non-zero counts (the kernel says
 *     EBUSY otherwise), sriov_drivers_autoprobe 0 when the VFs are for VMs,
 *     then N; each VF's driver_override and drivers_probe for vfio-pci.
 *     plan_apply() makes these writes in a child with a timeout and reads
 *     each back (core/plan/plan.h);
 *   - with vf_driver SRIOV_VF_VFIO, every VF bound to vfio-pci at every
 *     boot by address, and the vfio modules loaded at boot.
 *   - the expectations checked after the reboot: "numvfs" ADDRESS N, and
 *     "driver" VF vfio-pci.
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/plan/plan.h"
#include "core/propose/change.h"
#include "core/scan/host.h"
#include "core/scan/sysconf.h"
#include "core/util/error.h"

/* The files gpuvirt owns, relative to the configuration root. */
#define SRIOV_SYSFS_FILE "etc/sysfs.d/gpuvirt.conf"
#define SRIOV_UDEV_FILE "etc/udev/rules.d/70-gpuvirt-sriov.rules"

/* Which driver the VFs get. */
enum sriov_vf_driver {
	SRIOV_VF_HOST,   /* the PF's driver, when sriov_drivers_autoprobe lets it (the kernel's default) */
	SRIOV_VF_VFIO,   /* vfio-pci, at once and at every boot; no host driver takes them first */
};

/* The options of --vfs (the draft carries them, core/propose/draft.h). */
struct sriov_opts {
	enum sriov_vf_driver vf_driver;   /* --vfs-driver */
	bool boot_only;                   /* --boot-only: leave the running host alone */
	bool force_in_use;                /* --force-vfs-in-use: remove VFs bound to vfio-pci */
};

/* Parse a --vfs-driver argument: "vfio-pci" (or "vfio_pci"), "host".
 * Returns 0 or -EINVAL. */
int sriov_vf_driver_parse(const char *name, enum sriov_vf_driver *ret);
/* "host", "vfio-pci". */
const char *sriov_vf_driver_name(enum sriov_vf_driver d);

/* ---- the count at the next boot ---- */

enum sriov_persist {
	SRIOV_PERSIST_NONE,        /* nothing: no VFs after a reboot */
	SRIOV_PERSIST_SYSFSUTILS,
	SRIOV_PERSIST_UDEV,
	SRIOV_PERSIST_DRIVER,
};

struct sriov_boot {
	enum sriov_persist via;
	int count;           /* -1 with SRIOV_PERSIST_NONE */
	char *where;         /* "etc/sysfs.d/gpuvirt.conf:3"; NULL with NONE */
	char *file;          /* the file that says it, relative to the root; NULL
			      * with NONE and for the next boot's command line */
	char *ignored;       /* why nothing reads it at boot; NULL when something does */
};

/* The root's SR-IOV configuration, read once. */
struct sriov_conf;

/* Read the SR-IOV configuration under ROOT (its configuration snapshot SC).
 * Unreadable files count as absent (gv_log says so). Owned. */
struct sriov_conf *sriov_conf_load(const char *root, const struct sysconf *sc);
void sriov_conf_free(struct sriov_conf *c);

/* True when sysfsutils is installed under the root; *RET_EVIDENCE (may be
 * NULL) the file that says so, or NULL. */
bool sriov_conf_sysfsutils(const struct sriov_conf *c, const char **ret_evidence);

/* What sets PF's count at the next boot. Clear RET with sriov_boot_clear(). */
void sriov_conf_boot(const struct sriov_conf *c, const struct host_device *pf, struct sriov_boot *ret);
void sriov_boot_clear(struct sriov_boot *b);

/* "none", "sysfsutils", "udev", "driver". */
const char *sriov_persist_name(enum sriov_persist p);

/* ---- the plan ---- */

/*
 * Check change C (CHANGE_VFS) against host H: the address is a PF of this
 * host, still what the scan saw, the count fits, the driver can make VFs
 * (now, or with the module installed for the next boot), and (unless
 * boot_only or force_in_use) no VF that the new count removes is bound to
 * vfio-pci. Returns 0, or with ERR one line naming the device:
 *   -ENODEV  not on this host, or gone since the scan;
 *   -EINVAL  a VF's address, no SR-IOV capability, a count above what
 *            limits it (the message names the maximum and the limit);
 *   -ENOPKG  the driver cannot make VFs and no SR-IOV build is installed;
 *   -EBUSY   VFs bound to vfio-pci would go (the message names them).
 */
int sriov_check_change(const struct host *h, const struct sysconf *sc, const struct change *c,
		const struct sriov_opts *o, struct gv_error *err);

/*
 * The kernel arguments the driver of C's PF needs at the next boot and the
 * configuration of SC's root lacks (CONFIGURED: the next boot's command
 * line, NULL when unknown): appended to *ARGS (owned strings, *N_ARGS of
 * them). For i915 "i915.enable_guc=3" and "i915.max_vfs=M", for xe
 * "xe.max_vfs=M", M the count or the larger value already there.
 */
void sriov_cmdline_args(const struct host *h, const struct sysconf *sc, const char *configured,
			const struct change *c, char ***args, size_t *n_args);

/*
 * Add the boot-time and live actions of the N CHANGES of kind CHANGE_VFS in
 * CHANGES (others are skipped) to P, after sriov_check_change() passed for each.
 * Content is read through plan_file_content(), so earlier proposals count.
 * Returns 0 or -errno with ERR.
 */
int sriov_propose(struct plan *p, const struct host *h, const struct sysconf *sc, const struct change *changes,
		  size_t n, const struct sriov_opts *o, struct gv_error *err);
