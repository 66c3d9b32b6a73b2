/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/propose/boot.h"
#include "core/session.h"
#include "core/util/xalloc.h"
#include "tui/logpane.h"
#include "tui/screen.h"
#include "tui/scroll.h"
#include "tui/step_apply.h"
#include "tui/step_assign.h"
#include "tui/step_cmdline.h"
#include "tui/step_drivers.h"
#include "tui/step_firmware.h"
#include "tui/step_mdev.h"
#include "tui/step_sriov.h"
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
	  &step_firmware_ops, NULL, NULL },
	{ 'c', "Kernel command line",
	  "Add the IOMMU parameters (intel_iommu=on iommu=pt ...) to the boot loader's "
	  "command line, in the file this host's boot loader really reads.",
	  &step_cmdline_ops, "i:IOMMU e:i915 x:sysfb b:loader p:preview", NULL },
	{ 'd', "Drivers & vfio",
	  "Keep host drivers off the GPU and bind it (and its audio function) to vfio-pci "
	  "at boot, by id or by address.",
	  &step_drivers_ops, "space:pick 1-9:blacklist p:preview", NULL },
	{ 's', "SR-IOV VFs",
	  "Choose how many virtual functions a PF creates, now and at every boot.",
	  &step_sriov_ops, "=:count D:VF-driver B:boot-only X:forget p:preview",
	  "n b\tnext, previous PF (j k with the focus)\n"
	  "=\tset the PF's VF count (0 removes them)\n"
	  "D\twhere the VFs go: host driver or vfio-pci\n"
	  "B\tboot only: leave the running host alone\n"
	  "X\tforget the count drafted for the PF\n"
	  "p\tpreview this step; y applies\n" },
	{ 'm', "Mediated devices",
	  "Create vGPU (mdev) instances of a type the GPU offers and start them at boot.",
	  &step_mdev_ops, "+:count/type -:remove p:preview",
	  "n b\tnext, previous type or instance (j k with the focus)\n"
	  "+\ton a type: how many instances (a vGPU type on an NVIDIA VF)\n"
	  "-\ton an instance: remove it; on a type: drop what is drafted\n"
	  "p\tpreview this step; y applies\n" },
	{ 'v', "Assign to a VM",
	  "Give a device, VF or mdev to a VM: libvirt <hostdev>, QEMU -device vfio-pci or "
	  "Proxmox hostpciN.",
	  &step_assign_ops, "V:VM W:write-file X:forget p:preview",
	  "n b\tnext, previous device (j k with the focus)\n"
	  "V\tthe VM that gets it, or print only\n"
	  "W\twrite its VM text to a file\n"
	  "X\tforget the VM drafted for it\n"
	  "p\tpreview this step; y applies\n" },
	{ 'a', "Apply & verify",
	  "Preview every drafted change as a diff, apply it with a journal or save it as a plan "
	  "file, undo the last change set, and check after the reboot that it took effect.",
	  &step_apply_ops, "p:preview u:undo S:save-plan o:open-plan x:forget n:run/list t:timeout", NULL },
};

#define N_STEPS (sizeof(steps) / sizeof(steps[0]))

struct wizard {
	size_t sel;
	struct draft *draft;           /* what the person asks for: every step edits it */
	void *state[N_STEPS];          /* each step's view state (its ops->new()) */

	/* the draft measured against the snapshots, and the draft it measured */
	struct draft *measured;        /* NULL: measure again */
	struct wizdraft_measure measure;

	/* the next boot's kernel command line, for the loader it was read for */
	bool boot_read;
	enum boot_loader boot_for;     /* draft_boot_loader() when it was read */
	struct wizard_boot boot;
};

struct wizard *wizard_new(struct tui *t)
{
	struct wizard *w = xcalloc(1, sizeof(struct wizard));

	w->draft = draft_new();
	for (size_t i = 0; i < N_STEPS; i++)
		if (steps[i].ops && steps[i].ops->new)
			w->state[i] = steps[i].ops->new(t);
	return w;
}

static void boot_forget(struct wizard *w)
{
	free(w->boot.configured);
	cmdline_diff_free(w->boot.pending);
	memset(&w->boot, 0, sizeof(w->boot));
	w->boot_read = false;
}

static void measure_forget(struct wizard *w)
{
	draft_free(w->measured);
	w->measured = NULL;
	wizdraft_measure_release(&w->measure);
}

void wizard_free(struct tui *t)
{
	struct wizard *w = t->wiz;

	if (!w)
		return;
	for (size_t i = 0; i < N_STEPS; i++)
		if (steps[i].ops && steps[i].ops->free)
			steps[i].ops->free(w->state[i]);
	measure_forget(w);
	boot_forget(w);
	draft_free(w->draft);
	free(w);
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
		steps[i].ops->enter(t, t->wiz->state[i]);
	/* the status line shows the step's own keys */
	return TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT | TUI_DIRTY_STATUS;
}

size_t wizard_selected(const struct tui *t)
{
	return t->wiz->sel;
}

void wizard_rescan(struct tui *t)
{
	/* what was read of the old snapshots goes; the draft stays, and is
	 * measured against the new ones on the next look */
	measure_forget(t->wiz);
	boot_forget(t->wiz);
	for (size_t i = 0; i < N_STEPS; i++)
		if (steps[i].ops && steps[i].ops->rescan)
			steps[i].ops->rescan(t, t->wiz->state[i]);
}

struct draft *wizard_draft(struct tui *t)
{
	return t->wiz->draft;
}

const struct wizdraft_measure *wizard_measure(struct tui *t)
{
	struct wizard *w = t->wiz;

	if (w->measured && wizdraft_equal(w->measured, w->draft))
		return &w->measure;
	measure_forget(w);
	/* the proposal logs what it finds on each build: the preview says it,
	 * a measure of each change need not say it again */
	logpane_detach();
	wizdraft_measure(w->draft, session_host(t->session), session_sysconf(t->session),
			 session_root(t->session), &w->measure);
	logpane_attach(t);
	w->measured = draft_copy(w->draft);
	return &w->measure;
}

const struct wizard_boot *wizard_boot(struct tui *t)
{
	struct wizard *w = t->wiz;
	struct wizard_boot *b = &w->boot;
	enum boot_loader chosen = draft_boot_loader(w->draft);
	const char *running = host_cmdline(t->host);
	struct gv_error err = { 0 };
	int r;

	if (w->boot_read && w->boot_for == chosen)
		return b;
	boot_forget(w);
	w->boot_read = true;
	w->boot_for = chosen;
	/* every fact comes from the configuration snapshot: no detection here */
	b->det = sysconf_boot(t->conf);
	if (!b->det)
		return b;
	b->needs_choice = boot_detection_ambiguous(b->det) && chosen == BOOT_AUTO;
	b->loader = b->needs_choice ? BOOT_AUTO : chosen != BOOT_AUTO ? chosen : boot_detection_loader(b->det);
	r = boot_configured_cmdline_for(t->conf, chosen, &b->configured, &err);
	if (r < 0) {
		b->configured = NULL;
		snprintf(b->cfg_error, sizeof(b->cfg_error), "%s", err.msg[0] ? err.msg : strerror(-r));
	}
	if (b->configured && running) {
		err = (struct gv_error){ 0 };
		if (boot_cmdline_pending_for(t->conf, chosen, running, &b->pending, &err) < 0)
			b->pending = NULL;
	}
	return b;
}

void wizard_cmdline_facts(struct tui *t, const char **ret_loader, bool *ret_pending)
{
	const struct wizard_boot *b = wizard_boot(t);

	*ret_loader = b->needs_choice ? "ambiguous" : b->loader == BOOT_AUTO ? NULL : boot_loader_name(b->loader);
	*ret_pending = b->pending && !cmdline_diff_empty(b->pending);
}

int wizard_step_at_start(struct tui *t, char *why, size_t size)
{
	for (size_t i = 0; i < N_STEPS; i++)
		if (steps[i].ops && steps[i].ops->opens_at_start &&
		    steps[i].ops->opens_at_start(t, t->wiz->state[i], why, size))
			return (int)i;
	return -1;
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
	if (s->ops && s->ops->key && (m = s->ops->key(t, t->wiz->state[t->wiz->sel], key)))
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

static enum wizard_status step_status(struct tui *t, size_t i, char *text, size_t size)
{
	text[0] = '\0';
	return steps[i].ops->status(t, t->wiz->state[i], text, size);
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
		enum wizard_status st = step_status(t, i, status, sizeof(status));

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
	char title[96];

	snprintf(title, sizeof(title), "%s %s", focused ? ">" : " ", s->title);
	screen_line(r->y, r->x, r->w, screen_attr(t, focused ? UI_TITLE_ACTIVE : UI_TITLE), title);
	s->ops->draw(t, t->wiz->state[t->wiz->sel], &body);
}
