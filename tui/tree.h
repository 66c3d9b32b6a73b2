/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The device tree: IOMMU groups (groups with a GPU first), their devices,
 * under a PF its VFs, under a device its mediated devices (active ones, and
 * the ones mdevctl has defined under the root, with their state). Rows are keyed
 * ("group:66", "dev:0000:41:00.0", "mdev:<uuid>") so that a rescan, which
 * makes a new host snapshot and a new set of rows, keeps the cursor where it
 * was (tmux mode_tree tags).
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/scan/host.h"
#include "core/scan/mdevconf.h"
#include "tui/layout.h"

struct tui;

enum tree_kind { TREE_GROUP, TREE_DEVICE, TREE_MDEV };

#define TREE_NO_GROUP (-1)   /* the pseudo group of devices without one */

struct tree_row {
	enum tree_kind kind;
	int depth;
	int group;                       /* group id, or TREE_NO_GROUP */
	const struct host_device *dev;   /* the device, or an mdev's parent */
	const struct host_mdev *mdev;
	/* mdev rows: mdevctl's definition of it under the root, NULL when none;
	 * DEFINED_ONLY: not active on the host (mdev then points into the
	 * tree's own copies of the definitions' uuid and type) */
	const struct mdevconf_def *def;
	bool defined_only;
	bool has_gpu;                    /* group rows: holds a display device */
	size_t n_members;                /* group rows: functions in the group */
	char key[64];
};

struct tree {
	struct tree_row *rows;
	size_t n, cap;
	size_t sel, top;
	int *collapsed;                  /* group ids folded by the person */
	size_t n_collapsed;
	/* Rows to repaint when the pane is not dirty as a whole. */
	long mark[2];
	const struct mdevconf *mc;       /* the definitions of the last build */
	struct host_mdev *defined;       /* defined-only mdevs as rows show them */
	size_t n_defined;
};

struct tree *tree_new(void);
void tree_free(struct tree *tr);

/* Rebuild the rows from snapshot H and mdevctl's definitions MC (may be
 * NULL), keeping the cursor on the same key (or as close to its old
 * position as the new rows allow). Both must outlive the rows. */
void tree_build(struct tree *tr, const struct host *h, const struct mdevconf *mc);

/* The row under the cursor, NULL when there are none. */
const struct tree_row *tree_selected(const struct tree *tr);

/*
 * Move the cursor to ROW (clamped to the last). VISIBLE is the number of
 * rows the pane shows. Returns true when the view scrolled (the whole pane
 * must be repainted); otherwise the old and new rows are marked for
 * repainting.
 */
bool tree_move_to(struct tree *tr, size_t row, int visible);

/* Fold or unfold the group under the cursor (or the group of the row under
 * the cursor: the cursor goes to the group row). Returns true when the rows
 * changed. */
bool tree_fold(struct tree *tr, const struct host *h, bool fold);

/* Draw the pane: everything, or only the marked rows when FULL is false. */
void tree_draw(struct tui *t, const struct layout_rect *r, bool full, bool focused);

/* The short display name of a device: "NVIDIA Tesla V100 PCIe 16GB" from
 * "NVIDIA Corporation" and "GV100GL [Tesla V100 PCIe 16GB]". */
void tree_device_label(const struct host_device *d, char *buf, size_t size);
/* The address as lspci prints it: without the domain when it is 0000. */
const char *tree_short_address(const struct host_device *d);
