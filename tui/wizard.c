/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/plan/plan.h"
#include "tui/dialog.h"
#include "tui/screen.h"
#include "tui/wizard.h"

/*
 * The steps, in the order a host goes through them. A NULL ops pointer is a
 * capability this build does not have yet: the step says so, no fake screen.
 */
static const struct wizard_step steps[] = {
	{ 'f', "Firmware checks",
	  "Check that the firmware and the kernel turned on what passthrough needs: "
	  "VT-x/AMD-V, the IOMMU (VT-d/AMD-Vi), interrupt remapping, KVM.",
	  &wizard_step_firmware, NULL },
	{ 'c', "Kernel command line",
	  "Add the IOMMU parameters (intel_iommu=on iommu=pt ...) to the boot loader's "
	  "command line, in the file this host's boot loader really reads.",
	  &wizard_step_cmdline, "i:IOMMU e:i915 x:sysfb b:loader p:preview" },
	{ 'd', "Drivers & vfio",
	  "Keep host drivers off the GPU and bind it (and its audio function) to vfio-pci "
	  "at boot, by id or by address.",
	  &wizard_step_drivers, "space:pick 1-9:blacklist p:preview u:undo" },
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
	  &wizard_step_apply, "p:preview o:open-plan x:forget n:run/list t:timeout" },
};

#define N_STEPS (sizeof(steps) / sizeof(steps[0]))

struct wizard {
	size_t sel;
};

struct wizard *wizard_new(void)
{
	struct wizard *w = calloc(1, sizeof(*w));

	if (!w)
		abort();
	return w;
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

size_t wizard_n_steps(void)
{
	return N_STEPS;
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

void wizard_select(struct tui *t, size_t i)
{
	if (i >= N_STEPS)
		return;
	t->wiz->sel = i;
	t->right_scroll = 0;
	if (steps[i].ops && steps[i].ops->enter)
		steps[i].ops->enter(t);
	/* the status line shows the step's own keys */
	tui_dirty(t, TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT | TUI_DIRTY_STATUS);
}

size_t wizard_selected(const struct tui *t)
{
	return t->wiz->sel;
}

int wizard_build_plan(struct tui *t, struct plan **ret, struct gv_error *err)
{
	struct plan *p = NULL;
	int r;

	r = plan_new(t->root, &p);
	if (r < 0)
		return gv_error_set(err, r, "cannot start a plan for %s: %s", t->root, strerror(-r));
	for (size_t i = 0; i < N_STEPS; i++) {
		if (!steps[i].ops || !steps[i].ops->build)
			continue;
		r = steps[i].ops->build(t, p, err);
		if (r < 0) {
			plan_free(p);
			return r;
		}
	}
	*ret = p;
	return 0;
}

void wizard_rescan(struct tui *t)
{
	for (size_t i = 0; i < N_STEPS; i++)
		if (steps[i].ops && steps[i].ops->rescan)
			steps[i].ops->rescan(t);
}

bool wizard_key(struct tui *t, int key)
{
	const struct wizard_step *s = &steps[t->wiz->sel];
	size_t sel = t->wiz->sel;

	if (t->focus == TUI_FOCUS_LEFT) {
		switch (key) {
		case KEY_DOWN: case 'j':
			if (sel + 1 < N_STEPS)
				wizard_select(t, sel + 1);
			return true;
		case KEY_UP: case 'k':
			if (sel > 0)
				wizard_select(t, sel - 1);
			return true;
		case 'g': case KEY_HOME:
			wizard_select(t, 0);
			return true;
		case 'G': case KEY_END:
			wizard_select(t, N_STEPS - 1);
			return true;
		case KEY_RIGHT: case 'l':
			t->focus = TUI_FOCUS_RIGHT;
			tui_dirty(t, TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT);
			return true;
		}
	}
	if (s->ops && s->ops->key && s->ops->key(t, key)) {
		tui_dirty(t, TUI_DIRTY_RIGHT | TUI_DIRTY_LEFT);
		return true;
	}
	if (t->focus == TUI_FOCUS_RIGHT) {
		int visible = t->lay.details.h - 1, max = t->right_lines - visible;
		switch (key) {
		case KEY_LEFT: case 'h': case TUI_KEY_ESC:
			t->focus = TUI_FOCUS_LEFT;
			tui_dirty(t, TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT);
			return true;
		case KEY_DOWN: case 'j':
			if (t->right_scroll < max) {
				t->right_scroll++;
				tui_dirty(t, TUI_DIRTY_RIGHT);
			}
			return true;
		case KEY_UP: case 'k':
			if (t->right_scroll > 0) {
				t->right_scroll--;
				tui_dirty(t, TUI_DIRTY_RIGHT);
			}
			return true;
		case 'g': case KEY_HOME:
		case 'G': case KEY_END:
		case 6: case KEY_NPAGE:    /* Ctrl-F */
		case 2: case KEY_PPAGE: {  /* Ctrl-B */
			/* the same keys as everywhere else, for a long step screen */
			int to = key == 'g' || key == KEY_HOME ? 0 : key == 'G' || key == KEY_END ? max
				 : key == 6 || key == KEY_NPAGE ? t->right_scroll + (visible > 1 ? visible - 1 : 1)
				 : t->right_scroll - (visible > 1 ? visible - 1 : 1);
			if (to > max)
				to = max;
			if (to < 0)
				to = 0;
			if (to != t->right_scroll) {
				t->right_scroll = to;
				tui_dirty(t, TUI_DIRTY_RIGHT);
			}
			return true;
		}
		}
	}
	return false;
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

void wizard_text(struct tui *t, const struct layout_rect *r, int *y, int e, const char *line)
{
	const char *p = line;
	int w = r->w - 2;

	if (w < 8)
		w = 8;
	do {
		size_t len = strlen(p), cut = len;
		char buf[512];

		if ((int)len > w) {
			cut = (size_t)w;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = (size_t)w;
		}
		if (*y >= r->y + r->h)
			return;
		snprintf(buf, sizeof(buf), "%.*s", (int)cut, p);
		screen_blank(*y, r->x, 1, screen_attr(t, UI_NORMAL));
		screen_line(*y, r->x + 1, r->w - 1, screen_attr(t, (enum theme_element)e), buf);
		(*y)++;
		p += cut;
		while (*p == ' ')
			p++;
	} while (*p);
}

void wizard_draw_screen(struct tui *t, const struct layout_rect *r, bool focused)
{
	const struct wizard_step *s = &steps[t->wiz->sel];
	struct layout_rect body = { r->y + 1, r->x, r->h - 1, r->w };
	char title[96];

	snprintf(title, sizeof(title), "%s %s", focused ? ">" : " ", s->title);
	screen_line(r->y, r->x, r->w, screen_attr(t, focused ? UI_TITLE_ACTIVE : UI_TITLE), title);
	if (s->ops && s->ops->draw) {
		s->ops->draw(t, &body);
		return;
	}
	int y = body.y;
	screen_clear_rect(&body, screen_attr(t, UI_NORMAL));
	wizard_text(t, &body, &y, UI_STEP_NA, "Not available in this version.");
	y++;
	wizard_text(t, &body, &y, UI_NORMAL, s->about);
	t->right_lines = y - body.y;
}

/* ---- preview and apply ---- */

struct apply_ctx {
	struct plan *plan;
};

static void apply_confirmed(struct tui *t, void *userdata, const struct dialog_result *res);

void wizard_preview_step(struct tui *t, const char *what,
			 int (*build)(struct tui *t, struct plan *p, struct gv_error *err))
{
	struct plan *p = NULL;
	struct gv_error err = { 0 };
	int r = plan_new(t->root, &p);

	if (r < 0) {
		char why[4096];
		snprintf(why, sizeof(why), "%s: %s", t->root, strerror(-r));
		dialog_message(t, "Cannot build the plan", why);
		return;
	}
	r = build(t, p, &err);
	if (r < 0) {
		const char *why = err.msg[0] ? err.msg : strerror(-r);
		gv_log(GV_LOG_ERR, "%s: %s", what, why);
		dialog_message(t, "Cannot build the plan", why);
		plan_free(p);
		return;
	}
	wizard_preview_and_apply(t, p);
}

void wizard_preview_and_apply(struct tui *t, struct plan *p)
{
	struct apply_ctx *ctx;

	if (plan_is_empty(p)) {
		dialog_message(t, "Nothing to apply",
			       "The plan changes nothing on this host: every file already says what it would "
			       "write.");
		plan_free(p);
		return;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		abort();
	ctx->plan = p;
	if (dialog_preview_plan(t, p, apply_confirmed, ctx) < 0) {
		dialog_message(t, "Preview failed", "The preview could not be rendered; the log says why.");
		plan_free(p);
		free(ctx);
	}
}

static void apply_confirmed(struct tui *t, void *userdata, const struct dialog_result *res)
{
	struct apply_ctx *ctx = userdata;
	struct plan_apply_opts opts = { 0 };
	struct gv_error err = { 0 };
	char msg[1024];
	int r;

	if (!res->accepted) {
		gv_log(GV_LOG_INFO, "apply cancelled: nothing was written");
		goto out;
	}
	if (!t->is_root && !strcmp(t->root, "/")) {
		dialog_message(t, "Root is needed",
			       "Applying changes to this host needs root. Run gpuvirt as root (sudo gpuvirt), "
			       "or try the change on a copy of the configuration with --root DIR.");
		goto out;
	}
	opts.no_run = wizard_apply_no_run(t);
	opts.sysfs_timeout_ms = wizard_apply_timeout_ms(t);
	if (!opts.no_run) {
		/* commands such as update-initramfs talk to the terminal */
		def_prog_mode();
		endwin();
		printf("gpuvirt: applying %zu change(s) under %s ...\n", plan_n_actions(ctx->plan), t->root);
		fflush(stdout);
	}
	r = plan_apply(ctx->plan, &opts, &err);
	if (!opts.no_run) {
		reset_prog_mode();
		clearok(curscr, TRUE);
		tui_dirty(t, TUI_DIRTY_ALL);
	}
	if (r < 0) {
		gv_log(GV_LOG_ERR, "apply: %s", err.msg[0] ? err.msg : strerror(-r));
		snprintf(msg, sizeof(msg), "Nothing was changed (what had been done was rolled back):\n\n%s",
			 err.msg[0] ? err.msg : strerror(-r));
		dialog_message(t, "Apply failed", msg);
	} else {
		gv_log(GV_LOG_INFO, "applied %zu change(s) under %s", plan_n_actions(ctx->plan), t->root);
		snprintf(msg, sizeof(msg),
			 "Applied %zu change(s) under %s.%s\n\nThe journal is in %s%svar/lib/gpuvirt/; "
			 "'gpuvirt undo' reverts it. Reboot, then run 'gpuvirt check' to verify.",
			 plan_n_actions(ctx->plan), t->root,
			 opts.no_run ? " Commands were listed, not run: see the log." : "",
			 t->root, t->root[strlen(t->root) - 1] == '/' ? "" : "/");
		dialog_message(t, "Applied", msg);
		tui_rescan(t, "after apply");
	}
out:
	plan_free(ctx->plan);
	free(ctx);
}
