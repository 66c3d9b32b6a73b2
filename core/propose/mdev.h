/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Mediated devices and NVIDIA's per-VF vGPU (SRIOV-MDEV-VM.md §2), as the
 * proposal engine (propose.h) makes them:
 *
 *   --mdev P:T=N    gpuvirt's own instances of type T on parent P
 *                   (mdev_own()) number N: the missing ones made now (UUIDs
 *                   from libuuid, each written to T's create and read back)
 *                   with one mdevctl definition each, start auto
 *                   (etc/mdevctl.d/P/UUID), the surplus removed newest
 *                   first with their definitions; nothing when they number
 *                   N already, so applying it twice is applying it once.
 *                   Instances gpuvirt did not make stay (an info line names
 *                   them). Several --mdev P:T add up. Where mdevctl's udev
 *                   rule cannot start them at boot (Debian 12's calls
 *                   /usr/sbin/mdevctl), gpuvirt's own rule. On an iGPU
 *                   with GVT-g that is off: i915.enable_gvt=1 and kvmgt,
 *                   and the definitions, for mdevctl to start at boot.
 *                   --mdev P:T=0 removes all of gpuvirt's own.
 *   --mdev-remove U 1 to U's remove, and its definition goes.
 *                   Both refuse while a VM holds an instance they remove.
 *   --vgpu VF=ID    NVIDIA vGPU 17+ (no mdev bus): the PF's VFs enabled
 *                   when they are not (by the PF's --vfs when there is
 *                   one, which must leave the VF), 0 then ID to the VF's
 *                   nvidia/current_vgpu_type, and a oneshot unit
 *                   (etc/systemd/system/gpuvirt-vgpu.service) that sets it
 *                   again at every boot once the VF exists. The VF stays on
 *                   nvidia.
 *
 * The sysfs writes are in the plan whatever the root; plan_apply() makes
 * them only when told to (plan_apply_opts.no_live).
 */
#include <stddef.h>

#include "core/plan/plan.h"
#include "core/propose/change.h"
#include "core/scan/host.h"
#include "core/scan/sysconf.h"
#include "core/util/error.h"

/* The unit that sets the VFs' vGPU types at boot, and what starts it. */
#define MDEV_VGPU_UNIT "etc/systemd/system/gpuvirt-vgpu.service"
#define MDEV_VGPU_WANTS "etc/systemd/system/multi-user.target.d/gpuvirt-vgpu.conf"

/*
 * Check change I of CHANGES (N in all: the others are looked at where two
 * changes cannot go together) against host H and configuration root ROOT
 * (snapshot SC), adding nothing. Returns 0, or -ENODEV (no such parent,
 * instance or VF), -EINVAL (not an mdev parent, a type it does not have,
 * more to make than are available, a VF without NVIDIA's vGPU interface, a
 * type it cannot take, the device also bound to vfio-pci), -EBUSY (a VM
 * holds what it would remove or change, named in ERR). When the change needs a kernel argument (GVT-g's
 * i915.enable_gvt=1) and *RET_ARG is not NULL, *RET_ARG gets it.
 */
int mdev_check(const struct host *h, const struct sysconf *sc, const char *root, const struct change *changes,
	       size_t n, size_t i, const char **ret_arg, struct gv_error *err);

/*
 * gpuvirt's own instances of TYPE on PARENT: the mdevs its change sets still
 * applied under ROOT made (the journal's "mdev" expectations, oldest first),
 * as far as each still exists: live on H or defined in SC's mdevctl
 * definitions (SC may be NULL: live only). On a --root whose instances were
 * never made live, the definitions are what count. Returns 0 with the
 * UUIDs (owned, free with mdev_own_free()) in *RET, or -errno with ERR when
 * the journal cannot be read.
 */
int mdev_own(const struct host *h, const struct sysconf *sc, const char *root, const char *parent,
	     const char *type, char ***ret, size_t *ret_n, struct gv_error *err);
void mdev_own_free(char **v, size_t n);

/*
 * Add the actions of every --mdev, --mdev-remove and --vgpu of CHANGES to P
 * (checked with mdev_check() first). Returns 0 or -errno with ERR.
 */
int mdev_propose(const struct host *h, const struct sysconf *sc, const char *root, const struct change *changes,
		 size_t n, struct plan *p, struct gv_error *err);

/* Warn (gv_log()) when binding D to vfio-pci takes vGPU from it: it offers
 * mdev types or NVIDIA's per-VF vGPU. */
void mdev_warn_vfio(const struct host_device *d);
