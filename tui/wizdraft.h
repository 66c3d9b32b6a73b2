/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The wizard's draft seen from its steps, without curses (built into
 * libgpuvirt-ui for the unit tests): a step's choices as edits of the one
 * draft (core/propose/draft.h), a step's part of the draft for its own
 * preview, the draft measured against the snapshots, and the draft as the
 * command a person can type on the next host.
 *
 * A step never keeps what it drafted: a toggle is on when its changes are
 * in the draft, a GPU is picked when its --vfio change is.
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/plan/journal.h"
#include "core/propose/draft.h"
#include "core/scan/host.h"
#include "core/scan/sysconf.h"
#include "core/scan/vmconf.h"
#include "core/util/error.h"

/* A set of change kinds: the part of the draft a step edits. */
#define WIZDRAFT_KIND(k) (1u << (k))
#define WIZDRAFT_CMDLINE (WIZDRAFT_KIND(CHANGE_IOMMU) | WIZDRAFT_KIND(CHANGE_CMDLINE_ADD) | \
			  WIZDRAFT_KIND(CHANGE_CMDLINE_REMOVE))
#define WIZDRAFT_DRIVERS (WIZDRAFT_KIND(CHANGE_BLACKLIST) | WIZDRAFT_KIND(CHANGE_VFIO))
#define WIZDRAFT_SRIOV WIZDRAFT_KIND(CHANGE_VFS)
#define WIZDRAFT_ASSIGN WIZDRAFT_KIND(CHANGE_ASSIGN)
#define WIZDRAFT_ALL ((1u << _CHANGE_KIND_MAX) - 1)

/*
 * A toggle: the changes of KIND with each argument of ARGS (NULL-terminated;
 * NULL for a kind without one, --iommu). On when every one is in D.
 * Switching it on adds the missing ones, off removes them all. Returns the
 * new state. An argument change_parse() refuses is never in the draft.
 */
bool wizdraft_toggle_on(const struct draft *d, enum change_kind kind, const char *const *args);
bool wizdraft_toggle(struct draft *d, enum change_kind kind, const char *const *args);

/* ADDRESS (canonical) is picked for vfio-pci: its --vfio change is in D. */
bool wizdraft_picked(const struct draft *d, const char *address);
/* Pick ADDRESS; FORCED (its address was typed at the guard) sets the
 * draft's --force-boot-gpu. */
void wizdraft_pick(struct draft *d, const char *address, bool forced);
/* Drop the pick of ADDRESS; --force-boot-gpu goes with the last pick that
 * H guards (propose_vfio_guard()). */
void wizdraft_drop(struct draft *d, const struct host *h, const char *address);

/* The VF count drafted for PF ADDRESS (canonical): its --vfs change's; -1
 * when none is. */
int wizdraft_vfs(const struct draft *d, const char *address);
/* Draft --vfs ADDRESS=COUNT in place of the count drafted for ADDRESS (the
 * proposal takes one count a PF); COUNT < 0 drops it. */
void wizdraft_set_vfs(struct draft *d, const char *address, int count);

/* The --assign change drafted for DEVICE (a canonical PCI address or an mdev
 * UUID in lower case), NULL when none is. Borrowed from D. */
const struct change *wizdraft_assigned(const struct draft *d, const char *device);
/*
 * Draft --assign of DEVICE to the VM of KIND named VM (a libvirt domain, a
 * Proxmox VMID; its next free hostpci) in place of the one drafted for
 * DEVICE; VM NULL drops it. Returns 0, or -EINVAL with ERR naming --assign
 * and what is wrong (assign_spec_parse()), and D unchanged.
 */
int wizdraft_assign(struct draft *d, const char *device, enum vmconf_kind kind, const char *vm,
		    struct gv_error *err);
/*
 * Whether assign change C is in place: the configuration of its VM among
 * VMS (vmconf_scan()) names its device. Its plan alone cannot say: once the
 * <hostdev> file is written that plan writes nothing, though the virsh or
 * qm command may only have been listed.
 */
bool wizdraft_assign_in_vm(const struct vmconf_list *vms, const struct change *c);
/*
 * Whether assign change C was applied with its command left to run: one of
 * the N journal SETS (journal_list()) lists a command not run (--no-run)
 * that names C's device and its VM (`virsh attach-device win11
 * .../0000:41:00.0.xml`, `qm set 100 -hostpci0 0000:00:02.1,...`).
 */
bool wizdraft_assign_not_run(const struct journal_set *sets, size_t n, const struct change *c);

/* Changes of D whose kind is in KINDS. */
size_t wizdraft_count(const struct draft *d, unsigned kinds);
/* A copy of D with only the changes whose kind is in KINDS, and D's
 * options (the boot loader, the forced boot GPU, those of --vfs): what a
 * step previews on its own. Owned. */
struct draft *wizdraft_part(const struct draft *d, unsigned kinds);
/* A and B hold the same changes in the same order, with the same options. */
bool wizdraft_equal(const struct draft *a, const struct draft *b);

/* Change I of the draft against the snapshots (draft_change_pending()). */
enum wizdraft_state {
	WIZDRAFT_TODO,     /* the configuration does not say it yet */
	WIZDRAFT_DONE,     /* the configuration says it: in place */
	WIZDRAFT_FAILED,   /* it does not fit the host or root (why: the measure's WHY) */
};

struct wizdraft_measure {
	size_t n;                      /* changes measured */
	enum wizdraft_state *state;    /* one per change, in the draft's order */
	size_t n_todo, n_done, n_failed;
	/* the whole draft as one plan (draft_build_plan()) */
	int plan_r;                    /* 0, or its -errno */
	bool plan_empty;               /* that plan changes nothing (plan_is_empty()) */
	char why[512];                 /* plan_r's message, else the first failed change's; "" */
};

/* Measure every change of D on host H and configuration SC of ROOT, and
 * build the whole plan once. Fills M (release it first when reused). */
void wizdraft_measure(const struct draft *d, const struct host *h, const struct sysconf *sc, const char *root,
		      struct wizdraft_measure *m);
void wizdraft_measure_release(struct wizdraft_measure *m);

/* M's counts for the changes of D whose kind is in KINDS (M measured D). */
void wizdraft_measure_part(const struct wizdraft_measure *m, const struct draft *d, unsigned kinds,
			   size_t *ret_todo, size_t *ret_done, size_t *ret_failed);

/*
 * Whether what M measured as in place waits for the next boot: a device
 * picked for vfio-pci that host H still has on another driver, a
 * blacklisted module a device of H still uses, or an argument of the
 * command line when CMDLINE_PENDING (the next boot's line differs from
 * the running one).
 */
bool wizdraft_reboot_pending(const struct draft *d, const struct wizdraft_measure *m, const struct host *h,
			     bool cmdline_pending);

/*
 * The command line that repeats WORDS (NULL-terminated: "apply", "--vfio",
 * "0000:41:00.0") on the same root: "gpuvirt --root /mnt apply ...", with
 * --demo instead of --root under the demo and neither on "/", every word
 * shell-quoted (exec_argv_str()). Owned.
 */
char *wizdraft_command(const char *root, bool demo, const char *const *words);
/* D as the equivalent command: wizdraft_command() of draft_argv(D, VERB). */
char *wizdraft_draft_command(const struct draft *d, const char *verb, const char *root, bool demo);

/* ---- the "Mediated devices" step: --mdev, --mdev-remove, --vgpu ---- */

#define WIZDRAFT_MDEV (WIZDRAFT_KIND(CHANGE_MDEV) | WIZDRAFT_KIND(CHANGE_MDEV_REMOVE) | WIZDRAFT_KIND(CHANGE_VGPU))

/* The --mdev change of TYPE on PARENT (canonical address) in D, NULL when
 * none. Borrowed, valid until D changes. */
const struct change *wizdraft_mdev(const struct draft *d, const char *parent, const char *type);
/* Make the --mdev of TYPE on PARENT in D say COUNT (0: remove gpuvirt's
 * own of that type), in place of one with another count; COUNT < 0 drops
 * it. Returns 0, or -EINVAL when change_parse() refuses the words (nothing
 * changed then). */
int wizdraft_mdev_set(struct draft *d, const char *parent, const char *type, long count);

/* The --vgpu change of VF (canonical address) in D, NULL when none. */
const struct change *wizdraft_vgpu(const struct draft *d, const char *vf);
/* Make the --vgpu of VF in D say type ID, in place of another; ID < 0
 * drops it. Returns 0 or -EINVAL as wizdraft_mdev_set(). */
int wizdraft_vgpu_set(struct draft *d, const char *vf, long id);

/* How many of gpuvirt's own instances of TYPE on PARENT there are on host
 * H and under ROOT (mdev_own()); 0 when the journal cannot be read. */
size_t wizdraft_mdev_own(const struct host *h, const struct sysconf *sc, const char *root, const char *parent,
			 const char *type);

/*
 * Whether C, a change of WIZDRAFT_MDEV, is in place on host H and root
 * ROOT (snapshot SC): --mdev P:T=N when the proposal of it alone changes
 * nothing (draft_change_pending(), quietly: gpuvirt's own instances of T
 * on P number N), --mdev-remove U when U is neither on H nor defined (the
 * proposal refuses an instance that is not there), --vgpu VF=ID when VF
 * has ID now or gpuvirt's boot unit under ROOT sets it (on a root whose
 * sysfs writes are not made, the proposal would write it again).
 */
bool wizdraft_mdev_in_place(const struct change *c, const struct host *h, const struct sysconf *sc,
			    const char *root);
/* The changes of WIZDRAFT_MDEV in D that are not in place
 * (wizdraft_mdev_in_place()), with D's options: what the step previews.
 * Owned. */
struct draft *wizdraft_mdev_todo(const struct draft *d, const struct host *h, const struct sysconf *sc,
				 const char *root);
