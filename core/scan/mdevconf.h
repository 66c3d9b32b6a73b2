/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * mdevctl's configuration under the root (SRIOV-MDEV-VM.md §2.2): the
 * persistent definitions etc/mdevctl.d/PARENT/UUID, read with json-c as
 * mdevctl reads them, and whether anything starts them at boot (mdevctl's
 * udev rule, which in Debian 12 calls a binary that is not there, or
 * gpuvirt's own); plus whether NVIDIA's vGPU manager is enabled. One
 * snapshot per root, part of the configuration snapshot
 * (sysconf_mdevconf()); nothing in it changes after mdevconf_load().
 *
 * A definition mdevctl would not take (not JSON, no mdev_type or start,
 * attrs neither an array nor null) is an error naming its file, and the
 * others are still read: mdevctl itself gives up on all of them then.
 * Files whose name is not a UUID are skipped, as mdevctl skips them.
 */
#include <stdbool.h>
#include <stddef.h>


struct mdevconf;

/* The directory of the definitions, under the root. */
#define MDEVCONF_DIR "etc/mdevctl.d"
/* gpuvirt's udev rule, where the packaged one cannot run (DESIGN.md §3). */
#define MDEVCONF_OWN_RULE "etc/udev/rules.d/60-gpuvirt-mdevctl.rules"

struct mdevconf_attr {
	char *key, *value;             /* written to the instance's KEY after create */
};

struct mdevconf_def {
	char *parent;                  /* the directory's name: "0000:41:00.0" */
	char *uuid;                    /* the file's name, lower case */
	char *path;                    /* "etc/mdevctl.d/PARENT/UUID" */
	char *type;                    /* "nvidia-300" */
	bool start_auto;               /* "start": "auto"; anything else is manual */
	struct mdevconf_attr *attrs; size_t n_attrs;
};

struct mdevconf_error {
	char *path;                    /* "etc/mdevctl.d/PARENT/UUID" */
	char *reason;                  /* "not JSON: ...", "no \"mdev_type\"" */
};

/* What starts the auto definitions when their parent registers. */
enum mdevconf_boot {
	MDEVCONF_BOOT_NO_MDEVCTL,      /* mdevctl is not installed under the root */
	MDEVCONF_BOOT_NO_RULE,         /* installed, but no udev rule calls it */
	MDEVCONF_BOOT_BROKEN,          /* its rule calls a binary that is not there (Debian 12) */
	MDEVCONF_BOOT_OK,              /* its rule works */
};

/* Read the definitions and facts under ROOT: an owned snapshot, never an
 * error (a missing etc/mdevctl.d is an empty one; one that cannot be read
 * is an error entry of its own). */
struct mdevconf *mdevconf_load(const char *root);
void mdevconf_free(struct mdevconf *mc);

/* The definitions, by parent then UUID. */
size_t mdevconf_n(const struct mdevconf *mc);
const struct mdevconf_def *mdevconf_get(const struct mdevconf *mc, size_t i);
/* By UUID (any case); NULL when none. */
const struct mdevconf_def *mdevconf_find(const struct mdevconf *mc, const char *uuid);

/* The definitions that do not parse, by path. */
size_t mdevconf_n_errors(const struct mdevconf *mc);
const struct mdevconf_error *mdevconf_error(const struct mdevconf *mc, size_t i);

/* Whether the packaged start-at-boot works; in *RET_BINARY (when not NULL)
 * the installed binary ("/usr/bin/mdevctl", NULL when none), in *RET_RULE
 * the rule file and in *RET_CALLS the program it runs (NULL when none). */
enum mdevconf_boot mdevconf_boot(const struct mdevconf *mc, const char **ret_binary, const char **ret_rule,
				 const char **ret_calls);
/* gpuvirt's own rule (MDEVCONF_OWN_RULE) is there. */
bool mdevconf_own_rule(const struct mdevconf *mc);
/* True when either rule starts the auto definitions at boot. */
bool mdevconf_starts_at_boot(const struct mdevconf *mc);

/* NVIDIA's vGPU manager: its unit installed under the root, and enabled
 * (a *.wants/nvidia-vgpu-mgr.service link under etc/systemd/system). */
bool mdevconf_vgpu_mgr_installed(const struct mdevconf *mc);
bool mdevconf_vgpu_mgr_enabled(const struct mdevconf *mc);

/* A definition as mdevctl writes it (serde's pretty JSON: two spaces, keys
 * mdev_type, start, attrs in that order, no final newline). Owned. */
char *mdevconf_render(const char *type, bool start_auto, const struct mdevconf_attr *attrs, size_t n_attrs);

/* True when S is a UUID as mdevctl and the kernel take it: 8-4-4-4-12 hex
 * digits. */
bool mdevconf_uuid_ok(const char *s);
