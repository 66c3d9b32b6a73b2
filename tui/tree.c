/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util/xalloc.h"
#include "tui/screen.h"
#include "tui/tree.h"
#include "tui/tui.h"

struct tree *tree_new(void)
{
	struct tree *tr = calloc(1, sizeof(*tr));

	if (!tr)
		abort();
	tr->mark[0] = tr->mark[1] = -1;
	return tr;
}

void tree_free(struct tree *tr)
{
	if (!tr)
		return;
	free(tr->rows);
	free(tr->collapsed);
	free(tr->defined);
	free(tr);
}

static bool is_collapsed(const struct tree *tr, int group)
{
	for (size_t i = 0; i < tr->n_collapsed; i++)
		if (tr->collapsed[i] == group)
			return true;
	return false;
}

static struct tree_row *push(struct tree *tr, enum tree_kind kind, int depth, int group)
{
	struct tree_row *r;

	if (tr->n == tr->cap) {
		tr->cap = tr->cap ? tr->cap * 2 : 64;
		tr->rows = realloc(tr->rows, tr->cap * sizeof(*tr->rows));
		if (!tr->rows)
			abort();
	}
	r = &tr->rows[tr->n++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->depth = depth;
	r->group = group;
	return r;
}

static bool is_active(const struct host_device *d, const char *uuid)
{
	for (size_t i = 0; i < d->n_mdevs; i++)
		if (!strcasecmp(d->mdevs[i].uuid, uuid))
			return true;
	return false;
}

static void push_mdevs(struct tree *tr, const struct host_device *d, int depth, int group)
{
	for (size_t i = 0; i < d->n_mdevs; i++) {
		struct tree_row *r = push(tr, TREE_MDEV, depth, group);
		r->dev = d;
		r->mdev = &d->mdevs[i];
		r->def = tr->mc ? mdevconf_find(tr->mc, d->mdevs[i].uuid) : NULL;
		snprintf(r->key, sizeof(r->key), "mdev:%s", d->mdevs[i].uuid);
	}
	/* what mdevctl will start (or can start) but is not there now */
	for (size_t i = 0; tr->mc && i < mdevconf_n(tr->mc); i++) {
		const struct mdevconf_def *def = mdevconf_get(tr->mc, i);
		struct host_mdev *m;
		struct tree_row *r;

		if (strcasecmp(def->parent, d->address) || is_active(d, def->uuid))
			continue;
		m = &tr->defined[tr->n_defined++];
		*m = (struct host_mdev){ .uuid = def->uuid, .type = def->type, .iommu_group = -1 };
		r = push(tr, TREE_MDEV, depth, group);
		r->dev = d;
		r->mdev = m;
		r->def = def;
		r->defined_only = true;
		snprintf(r->key, sizeof(r->key), "mdev:%s", def->uuid);
	}
}

static void push_device(struct tree *tr, const struct host *h, const struct host_device *d,
			int depth, int group)
{
	struct tree_row *r = push(tr, TREE_DEVICE, depth, group);

	r->dev = d;
	snprintf(r->key, sizeof(r->key), "dev:%s", d->address);
	push_mdevs(tr, d, depth + 1, group);
	/* VFs hang under their PF, whatever group the kernel gave them. */
	for (size_t i = 0; i < d->n_vfs; i++) {
		const struct host_device *vf = host_find(h, d->vfs[i]);
		if (vf)
			push_device(tr, h, vf, depth + 1, group);
	}
}

/* A VF is listed under its PF when the PF is on the host. */
static bool listed_under_pf(const struct host *h, const struct host_device *d)
{
	return d->physfn && host_find(h, d->physfn);
}

static void push_group(struct tree *tr, const struct host *h, int id,
		       const struct host_device *const *devs, size_t n, bool has_gpu)
{
	size_t shown = 0;
	struct tree_row *g;

	for (size_t i = 0; i < n; i++)
		shown += !listed_under_pf(h, devs[i]);
	if (!shown)
		return;
	g = push(tr, TREE_GROUP, 0, id);
	g->has_gpu = has_gpu;
	g->n_members = n;
	if (id == TREE_NO_GROUP)
		snprintf(g->key, sizeof(g->key), "group:none");
	else
		snprintf(g->key, sizeof(g->key), "group:%d", id);
	if (is_collapsed(tr, id))
		return;
	for (size_t i = 0; i < n; i++)
		if (!listed_under_pf(h, devs[i]))
			push_device(tr, h, devs[i], 1, id);
}

static bool group_has_gpu(const struct host_iommu_group *g)
{
	for (size_t i = 0; i < g->n_devices; i++)
		if (host_device_is_display(g->devices[i]))
			return true;
	return false;
}

void tree_build(struct tree *tr, const struct host *h, const struct mdevconf *mc)
{
	char old_key[64] = "";
	size_t old_sel = tr->sel, n_groups = h ? host_n_groups(h) : 0;
	const struct host_device **loose = NULL;
	size_t n_loose = 0;
	bool loose_gpu = false;

	if (tr->n && tr->sel < tr->n)
		snprintf(old_key, sizeof(old_key), "%s", tr->rows[tr->sel].key);
	tr->n = 0;
	/* the definitions' rows point into this: sized once, never moved */
	tr->mc = mc;
	free(tr->defined);
	tr->defined = xcalloc(mc ? mdevconf_n(mc) + 1 : 1, sizeof(*tr->defined));
	tr->n_defined = 0;
	if (!h)
		goto select;
	/* Groups holding a GPU first, each pass in id order. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n_groups; i++) {
			const struct host_iommu_group *g = host_group(h, i);
			bool gpu = group_has_gpu(g);
			if (gpu == (pass == 0))
				push_group(tr, h, g->id, g->devices, g->n_devices, gpu);
		}
	/* Devices in no group: every device when the IOMMU is off. */
	for (size_t i = 0; i < host_n_devices(h); i++) {
		const struct host_device *d = host_device(h, i);
		if (d->iommu_group >= 0)
			continue;
		loose = realloc(loose, (n_loose + 1) * sizeof(*loose));
		if (!loose)
			abort();
		loose[n_loose++] = d;
		loose_gpu |= host_device_is_display(d);
	}
	if (n_loose)
		push_group(tr, h, TREE_NO_GROUP, loose, n_loose, loose_gpu);
	free(loose);
select:
	tr->sel = 0;
	if (*old_key) {
		bool found = false;
		for (size_t i = 0; i < tr->n; i++)
			if (!strcmp(tr->rows[i].key, old_key)) {
				tr->sel = i;
				found = true;
				break;
			}
		if (!found)
			tr->sel = old_sel < tr->n ? old_sel : (tr->n ? tr->n - 1 : 0);
	}
	tr->mark[0] = tr->mark[1] = -1;
}

const struct tree_row *tree_selected(const struct tree *tr)
{
	return tr->n ? &tr->rows[tr->sel] : NULL;
}

/* Keep the cursor inside the window; true when the window moved. */
static bool scroll_to_sel(struct tree *tr, int visible)
{
	size_t old = tr->top;

	if (visible < 1)
		visible = 1;
	if (tr->sel < tr->top)
		tr->top = tr->sel;
	else if (tr->sel >= tr->top + (size_t)visible)
		tr->top = tr->sel - (size_t)visible + 1;
	if (tr->n <= (size_t)visible)
		tr->top = 0;
	return tr->top != old;
}

bool tree_move_to(struct tree *tr, size_t row, int visible)
{
	size_t old = tr->sel;

	if (!tr->n)
		return false;
	if (row >= tr->n)
		row = tr->n - 1;
	tr->sel = row;
	if (scroll_to_sel(tr, visible))
		return true;
	if (old != tr->sel) {
		tr->mark[0] = (long)old;
		tr->mark[1] = (long)tr->sel;
	}
	return false;
}

bool tree_fold(struct tree *tr, const struct host *h, bool fold)
{
	const struct tree_row *r = tree_selected(tr);
	int group;

	if (!r)
		return false;
	group = r->group;
	if (fold) {
		if (r->kind != TREE_GROUP) {
			/* go up to the group row first, as a file manager does */
			for (size_t i = tr->sel; i-- > 0;)
				if (tr->rows[i].kind == TREE_GROUP) {
					tr->sel = i;
					break;
				}
			return true;
		}
		if (is_collapsed(tr, group))
			return false;
		tr->collapsed = realloc(tr->collapsed, (tr->n_collapsed + 1) * sizeof(int));
		if (!tr->collapsed)
			abort();
		tr->collapsed[tr->n_collapsed++] = group;
	} else {
		size_t i;
		if (r->kind != TREE_GROUP || !is_collapsed(tr, group))
			return false;
		for (i = 0; i < tr->n_collapsed && tr->collapsed[i] != group; i++)
			;
		tr->collapsed[i] = tr->collapsed[--tr->n_collapsed];
	}
	tree_build(tr, h, tr->mc);
	return true;
}

void tree_device_label(const struct host_device *d, char *buf, size_t size)
{
	const char *v = d->vendor_name ? d->vendor_name : "", *n = d->device_name ? d->device_name : "";
	const char *vb = strchr(v, '['), *ve = vb ? strchr(vb, ']') : NULL;
	const char *nb = strchr(n, '['), *ne = nb ? strchr(nb, ']') : NULL;
	int vlen;

	/* "Advanced Micro Devices, Inc. [AMD/ATI]" -> "AMD/ATI"; else the first word */
	if (vb && ve && ve > vb + 1) {
		v = vb + 1;
		vlen = (int)(ve - vb - 1);
	} else {
		vlen = (int)strcspn(v, " ,");
	}
	/* The marketing name in brackets says more than the chip's code name. */
	if (nb && ne && ne > nb + 1)
		snprintf(buf, size, "%.*s %.*s", vlen, v, (int)(ne - nb - 1), nb + 1);
	else
		snprintf(buf, size, "%.*s %s", vlen, v, n);
}

const char *tree_short_address(const struct host_device *d)
{
	if (!strncmp(d->address, "0000:", 5))
		return d->address + 5;
	return d->address;
}

static void draw_row(struct tui *t, const struct layout_rect *r, size_t i, bool focused)
{
	const struct tree_row *row = &t->tree->rows[i];
	int y = r->y + 1 + (int)(i - t->tree->top);
	int x = r->x, w = r->w, indent = 1 + row->depth * 2;
	bool sel = i == t->tree->sel;
	attr_t base = sel ? screen_attr(t, UI_SELECTED) : screen_attr(t, UI_NORMAL);
	char left[256], right[96];
	attr_t a_left = base, a_driver = base;
	int room, n;

	(void)focused;
	right[0] = '\0';
	switch (row->kind) {
	case TREE_GROUP:
		if (row->group == TREE_NO_GROUP)
			snprintf(left, sizeof(left), "%s No IOMMU group", is_collapsed(t->tree, row->group) ? "+" : "-");
		else
			snprintf(left, sizeof(left), "%s IOMMU group %d", is_collapsed(t->tree, row->group) ? "+" : "-",
				 row->group);
		snprintf(right, sizeof(right), "%zu fn%s%s", row->n_members, row->n_members == 1 ? "" : "s",
			 row->has_gpu ? ", GPU" : "");
		if (!sel)
			a_left = screen_attr(t, UI_GROUP);
		break;
	case TREE_DEVICE: {
		char label[160];
		tree_device_label(row->dev, label, sizeof(label));
		snprintf(left, sizeof(left), "%s%s %s", row->dev->physfn ? "VF " : "",
			 tree_short_address(row->dev), label);
		snprintf(right, sizeof(right), "%s", row->dev->driver ? row->dev->driver : "no driver");
		if (!sel) {
			if (!row->dev->driver)
				a_driver = screen_attr(t, UI_DRIVER_NONE);
			else if (!strcmp(row->dev->driver, "vfio-pci"))
				a_driver = screen_attr(t, UI_DRIVER_VFIO);
			else
				a_driver = screen_attr(t, UI_DRIVER);
		}
		break;
	}
	case TREE_MDEV:
		snprintf(left, sizeof(left), "mdev %.8s %s", row->mdev->uuid,
			 row->mdev->type ? row->mdev->type : "?");
		/* active, defined (mdevctl starts it at boot: auto), or both */
		snprintf(right, sizeof(right), "%s%s", row->defined_only ? "defined" : "active",
			 !row->def ? "" : row->def->start_auto ? " auto" : " manual");
		break;
	}

	/* [indent][left ... ][marks][ right] */
	screen_blank(y, x, indent, base);
	{
		const char *marks[2] = { NULL, NULL };
		int n_marks = 0, marks_w = 0, rw = (int)strlen(right);
		if (row->kind == TREE_DEVICE) {
			if (row->dev->boot_vga == 1)
				marks[n_marks++] = "boot";
			if (host_device_shares_group(t->host, row->dev))
				marks[n_marks++] = "shared";
		}
		for (int k = 0; k < n_marks; k++)
			marks_w += (int)strlen(marks[k]) + 1;
		room = w - indent - rw - marks_w - 2;
		if (room < 8)
			room = 8;
		n = screen_text(y, x + indent, room, a_left, left);
		screen_blank(y, x + indent + n, room - n, base);
		int cx = x + indent + room;
		for (int k = 0; k < n_marks; k++) {
			attr_t ma = sel ? base : screen_attr(t, k == 0 && row->dev->boot_vga == 1 ? UI_MARK_BOOT
									 : UI_MARK_SHARED);
			screen_blank(y, cx, 1, base);
			cx += 1 + screen_text(y, cx + 1, w - (cx - x) - 1, ma | A_BOLD, marks[k]);
		}
		if (cx < x + w) {
			screen_blank(y, cx, 1, base);
			cx++;
		}
		int rx = x + w - 1 - rw;
		if (rx < cx)
			rx = cx;
		screen_blank(y, cx, rx - cx, base);
		n = screen_text(y, rx, x + w - rx, row->kind == TREE_DEVICE ? a_driver : (sel ? base : screen_attr(t, UI_DIM)), right);
		screen_blank(y, rx + n, x + w - rx - n, base);
	}
}

void tree_draw(struct tui *t, const struct layout_rect *r, bool full, bool focused)
{
	struct tree *tr = t->tree;
	int visible = r->h - 1;
	attr_t normal = screen_attr(t, UI_NORMAL);

	if (full) {
		char title[64];
		scroll_to_sel(tr, visible);
		snprintf(title, sizeof(title), "%s Devices", focused ? ">" : " ");
		screen_line(r->y, r->x, r->w, screen_attr(t, focused ? UI_TITLE_ACTIVE : UI_TITLE), title);
		for (int i = 0; i < visible; i++) {
			size_t row = tr->top + (size_t)i;
			if (row < tr->n)
				draw_row(t, r, row, focused);
			else
				screen_blank(r->y + 1 + i, r->x, r->w, normal);
		}
		if (!tr->n)
			screen_line(r->y + 1, r->x, r->w, screen_attr(t, UI_DIM), "  (no PCI devices)");
		/* a scroll hint in the title row: where the window is */
		if (tr->n > (size_t)visible) {
			char pos[64];
			snprintf(pos, sizeof(pos), "%zu-%zu/%zu", tr->top + 1,
				 tr->top + (size_t)visible < tr->n ? tr->top + (size_t)visible : tr->n, tr->n);
			screen_text(r->y, r->x + r->w - 1 - (int)strlen(pos), (int)strlen(pos),
				    screen_attr(t, UI_DIM), pos);
		}
	} else {
		for (int k = 0; k < 2; k++) {
			long m = tr->mark[k];
			if (m >= (long)tr->top && m < (long)(tr->top + (size_t)visible) && (size_t)m < tr->n)
				draw_row(t, r, (size_t)m, focused);
		}
	}
	tr->mark[0] = tr->mark[1] = -1;
}
