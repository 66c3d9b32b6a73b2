/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The plan value as the files of core/plan see it (plan.c builds it,
 * preview.c shows it, apply.c applies it, planfile.c saves and loads it,
 * reverse.c makes one from a change set). Nothing outside core/plan
 * includes this header: to everyone else a plan is opaque (plan.h).
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <sha2.h>

#include "core/plan/plan.h"
#include "core/util/error.h"

/* What a file action was computed from: the content on disk when the plan
 * first named the file. apply refuses when the file no longer has it, so a
 * saved or previewed plan never overwrites edits made after it was built. */
enum base_kind {
	BASE_NONE,     /* unknown (a version 1 plan file, or unreadable then): not checked */
	BASE_ABSENT,   /* the file did not exist */
	BASE_SHA,      /* base_sha is the sha256 of its content */
};

struct action {
	enum plan_action_kind kind;
	char *path;        /* file, directory: relative to the root; sysfs: absolute */
	char *content;     /* write */
	size_t len;
	mode_t mode;       /* write: mode if the file is new */
	bool mode_exact;   /* write: the file ends with MODE even if it exists (undo) */
	char *value;       /* sysfs */
	char *undo_path, *undo_value;  /* sysfs: the write that reverses it; NULL: the value before */
	char **argv;       /* run, NULL-terminated */
	/* A run that changes something outside the root's files (a VM's
	 * configuration), so re-running it is no reversal: */
	char **undo_argv;  /* what reverses it (undo, rollback); NULL: a regeneration command */
	char **check_argv; /* run right after it; NULL: no read-back */
	char *check_text;  /* what CHECK_ARGV's output must contain */
	char *why;
	enum base_kind base;   /* files */
	char base_sha[SHA256_DIGEST_STRING_LENGTH];
	int base_set;      /* > 0: the base is what change set BASE_SET wrote, so a
			    * file that differs was edited by hand (undo) */
};

struct expect {
	char *kind, *key, *value;
};

struct plan {
	char *root;
	struct action *a;
	size_t n;
	struct expect *e;
	size_t n_e;
	int undoes;        /* > 0: the reversal of that change set (reverse.c) */
};

/* What a file action finds on disk and would do. */
struct fileview {
	char *target;    /* symlinks resolved, relative to the root */
	char *abs;       /* root/target */
	char *now;       /* current bytes, NULL when absent */
	size_t now_len;
	mode_t mode;     /* current mode, or the action's mode_if_new */
	bool changes;
};

/* A why, value or key gpuvirt can keep on one line. */
bool plan_text_ok(const char *s);

/* Queue the removal of directory DIR (relative to the root) when it is
 * empty by then: the undo of one gpuvirt created. Queued once. */
int plan_remove_dir(struct plan *p, const char *dir, const char *why);

/* The file action queued for PATH, or NULL. */
struct action *plan_find_file(struct plan *p, const char *path);

/* Look at the file action A names under the plan's root (ERR may be NULL).
 * Returns 0 with V filled (clear it with plan_fileview_clear()) or -errno. */
int plan_fileview_get(const struct plan *p, const struct action *a, struct fileview *v, struct gv_error *err);
void plan_fileview_clear(struct fileview *v);

/* Whether directory DIR (relative to the root) is there: 1, with
 * RET_EMPTY telling whether it holds nothing, or 0. */
int plan_dir_look(const struct plan *p, const char *dir, bool *ret_empty);

/* Whether the file V shows is still what action A was computed from. */
bool plan_base_holds(const struct action *a, const struct fileview *v);

/* The attribute's current value, trimmed; NULL when it cannot be read. */
char *plan_sysfs_read(const char *attr);

/* True for the kernel's write-only PCI attributes (bind, unbind,
 * drivers_probe, new_id, remove_id, remove): actions, with no value to put
 * back. */
bool plan_sysfs_write_only(const char *attr);
