/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/xalloc.h"
#include "tui/screen.h"
#include "tui/scroll.h"
#include "tui/step_apply.h"
#include "tui/step_cmdline.h"
#include "tui/step_drivers.h"
#include "tui/step_firmware.h"
#include "tui/textview.h"
#include "tui/tui.h"
#include "tui/wizard.h"

/*
 * The steps, in the order a host goes through them. A NULL ops pointer is a
 * capability this build does not have yet: the step says so, no fake screen.
 */
static const struct wizard_step steps[] = {
	{ 'f', "Firmware checks",
	  "Check that the firmware and the kernel turned on what passthrough needs: "
	  "VT-x/AMD-V, the IOMMU (VT-d/AMD-Vi), interrupt remapping, KVM.",
	  &step_firmware_ops, NULL },
	{ 'c', "Kernel command line",
	  "Add the IOMMU parameters (intel_iommu=on iommu=pt ...) to the boot loader's "
	  "command line, in the file this host's boot loader really reads.",
	  &step_cmdline_ops, "i:IOMMU e:i915 x:sysfb b:loader p:preview" },
	{ 'd', "Drivers & vfio",
	  "Keep host drivers off the GPU and bind it (and its audio function) to vfio-pci "
	  "at boot, by id or by address.",
	  &step_drivers_ops, "space:pick 1-9:blacklist p:preview u:undo" },
	{ 's', "SR-IOV VFs",
	  "Choose how many virtual functions a PF creates, now and at every boot.",
	  NULL, NULL },
	{ 'm', "Mediated devices",
	  "Create vGPU (mdev) instances of a type the GPU offers and start them at boot.",
	  NULL, NULL },
	{ 'v', "Assign to a VM",
	  "Give a device, VF or mdev to a VM: libvirt <hostdev>, QEMU -device vfio-pci or "
	  "Proxmox hostpciN.",
	  NULL, NULL },
	{ 'a', "Apply & verify",
	  "Preview every drafted change as a diff, apply it with a journal, and check after "
	  "the reboot that it took effect.",
	  &step_apply_ops, "p:preview o:open-plan x:forget n:run/list t:timeout" },
};

#define N_STEPS (sizeof(steps) / sizeof(steps[0]))

struct wizard {
	size_t sel;
};

struct wizard *wizard_new(void)
{
	return xcalloc(1, sizeof(struct wizard));
}

void wizard_free(struct tui *t)
{
	if (!t->wiz)
		return;
	for (size_t i = 0; i < N_STEPS; i++)
		if (steps[i].ops && steps[i].ops->cleanup)
			steps[i].ops->cleanup(t);
	free(t->wiz);
	t->wiz = NULL;
}

const struct wizard_step *wizard_step(size_t i)
{
	return i < N_STEPS ? &steps[i] : NULL;
}

int wizard_step_by_letter(int letter)
{
	for (size_t i = 0; i < N_STEPS; i++)
		if (steps[i].letter == letter)
			return (int)i;
	return -1;
}

unsigned wizard_select(struct tui *t, size_t i)
{
	if (i >= N_STEPS)
		return 0;
	t->wiz->sel = i;
	t->right.top = 0;
	if (steps[i].ops && steps[i].ops->enter)
		steps[i].ops->enter(t);
	/* the status line shows the step's own keys */
	return TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT | TUI_DIRTY_STATUS;
}

size_t wizard_selected(const struct tui *t)
{
	return t->wiz->sel;
}

void wizard_rescan(struct tui *t)
{
	for (size_t i = 0; i < N_STEPS; i++)
		if (steps[i].ops && steps[i].ops->rescan)
			steps[i].ops->rescan(t);
}

void wizard_cmdline_facts(struct tui *t, const char **ret_loader, bool *ret_pending)
{
	/* the step reads them once per snapshot and root, and follows the
	 * person's choice of boot loader: one source for the header too */
	step_cmdline_facts(t, ret_loader, ret_pending);
}

bool wizard_apply_verify_at_start(struct tui *t, char *why, size_t size)
{
	return step_apply_verify_at_start(t, why, size);
}

unsigned wizard_key(struct tui *t, int key)
{
	const struct wizard_step *s = &steps[t->wiz->sel];
	unsigned m;
	long to;

	if (t->focus == TUI_FOCUS_LEFT) {
		int per = (t->lay.tree.h - 1) / (int)N_STEPS >= 2 ? 2 : 1, shown = (t->lay.tree.h - 1) / per;

		/* space and b are the steps' own (pick, boot loader) */
		if (scroll_cursor_key(key, 0, (long)t->wiz->sel, (long)N_STEPS, shown - 1, &to)) {
			/* g and G select even the step they are on: its screen
			 * comes back from the top, its data refreshed */
			bool jump = key == 'g' || key == 'G' || key == KEY_HOME || key == KEY_END;

			return TUI_HANDLED | ((size_t)to != t->wiz->sel || jump ? wizard_select(t, (size_t)to) : 0);
		}
		if (key == KEY_RIGHT || key == 'l') {
			t->focus = TUI_FOCUS_RIGHT;
			return TUI_HANDLED | TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT;
		}
	}
	if (s->ops && s->ops->key && (m = s->ops->key(t, key)))
		return m | TUI_HANDLED | TUI_DIRTY_RIGHT | TUI_DIRTY_LEFT;
	if (t->focus == TUI_FOCUS_RIGHT) {
		int old = t->right.top;

		if (key == KEY_LEFT || key == 'h' || key == TUI_KEY_ESC) {
			t->focus = TUI_FOCUS_LEFT;
			return TUI_HANDLED | TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT;
		}
		/* the same keys as everywhere else, for a long step screen; space
		 * and b are the steps' own */
		t->right.visible = t->lay.details.h - 1;
		if (scroll_key(&t->right, key, 0))
			return TUI_HANDLED | (t->right.top != old ? TUI_DIRTY_RIGHT : 0);
	}
	return 0;
}

static enum theme_element status_style(enum wizard_status s)
{
	switch (s) {
	case WIZARD_DONE: return UI_STEP_DONE;
	case WIZARD_TODO: return UI_STEP_TODO;
	case WIZARD_WARN: return UI_LOG_WARN;
	case WIZARD_INFO: return UI_NORMAL;
	default: return UI_STEP_NA;
	}
}

static enum wizard_status step_status(struct tui *t, const struct wizard_step *s, char *text, size_t size)
{
	if (!s->ops || !s->ops->status) {
		snprintf(text, size, "not available in this version");
		return WIZARD_NA;
	}
	text[0] = '\0';
	return s->ops->status(t, text, size);
}

void wizard_draw_steps(struct tui *t, const struct layout_rect *r, bool focused)
{
	attr_t normal = screen_attr(t, UI_NORMAL);
	int y = r->y + 1, per = (r->h - 1) / (int)N_STEPS >= 2 ? 2 : 1;

	screen_line(r->y, r->x, r->w, screen_attr(t, focused ? UI_TITLE_ACTIVE : UI_TITLE),
		    focused ? "> Steps" : "  Steps");
	for (size_t i = 0; i < N_STEPS && y < r->y + r->h; i++) {
		const struct wizard_step *s = &steps[i];
		bool sel = i == t->wiz->sel;
		attr_t base = sel ? screen_attr(t, UI_SELECTED) : normal;
		char line[128], status[96];
		enum wizard_status st = step_status(t, s, status, sizeof(status));

		snprintf(line, sizeof(line), " %c  %s", s->letter, s->title);
		screen_line(y, r->x, r->w, base, line);
		if (!sel)
			screen_text(y, r->x + 1, 1, screen_attr(t, UI_STATUS_KEY) & ~A_COLOR, line + 1);
		y++;
		if (per == 2 && y < r->y + r->h) {
			screen_blank(y, r->x, 6, base);
			screen_line(y, r->x + 6, r->w - 6, sel ? base : screen_attr(t, status_style(st)), status);
			y++;
		}
	}
	while (y < r->y + r->h)
		screen_blank(y++, r->x, r->w, normal);
}

void wizard_draw_screen(struct tui *t, const struct layout_rect *r, bool focused)
{
	const struct wizard_step *s = &steps[t->wiz->sel];
	struct layout_rect body = { r->y + 1, r->x, r->h - 1, r->w };
	struct textview tv;
	char title[96];

	snprintf(title, sizeof(title), "%s %s", focused ? ">" : " ", s->title);
	screen_line(r->y, r->x, r->w, screen_attr(t, focused ? UI_TITLE_ACTIVE : UI_TITLE), title);
	if (s->ops && s->ops->draw) {
		s->ops->draw(t, &body);
		return;
	}
	textview_init(&tv, body.w - 2);
	textview_add(&tv, UI_STEP_NA, "Not available in this version.");
	textview_blank(&tv);
	textview_add(&tv, UI_NORMAL, s->about);
	t->right.lines = (int)tv.n;
	textview_draw(&tv, t, &body, t->right.top, 0, UI_NORMAL);
	textview_release(&tv);
}
