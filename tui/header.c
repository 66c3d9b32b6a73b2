/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The header (host facts) and the status line (keys). Both are one row, so
 * a change rewrites at most one row.
 */
#include <stdio.h>
#include <string.h>

#include "tui/header.h"
#include "tui/screen.h"
#include "tui/tui.h"
#include "tui/wizard.h"

/* Append one "fact" segment; returns the new column. */
static int seg(int y, int x, int end, attr_t a, const char *s)
{
	int n;

	if (x >= end)
		return x;
	n = screen_text(y, x, end - x, a, s);
	return x + n;
}

void header_draw(struct tui *t, const struct layout_rect *r)
{
	attr_t a = screen_attr(t, UI_HEADER), warn = screen_attr(t, UI_HEADER_WARN);
	const char *bootloader;
	bool reboot_pending;
	char buf[128];
	int x = r->x, end = r->x + r->w;
	const char *virt = NULL;
	bool virt_ok = false;

	/* At 80 columns every fact must still fit, warnings above all: drop the
	 * version and the group count first. */
	bool compact = r->w < 100;

	/* the configuration snapshot and the draft's choice of boot loader,
	 * read once per snapshot and choice (the command-line step reads the
	 * same) */
	wizard_cmdline_facts(t, &bootloader, &reboot_pending);
	screen_blank(r->y, r->x, r->w, a);
	x = seg(r->y, x, end, a | A_BOLD, compact ? " gpuvirt" : " gpuvirt " GV_VERSION);
	if (t->demo)
		x = seg(r->y, x, end, warn, "  DEMO");
	switch (host_cpu_vendor(t->host)) {
	case HOST_CPU_AMD:
		virt = "svm";
		snprintf(buf, sizeof(buf), "  CPU AMD");
		break;
	case HOST_CPU_INTEL:
		virt = "vmx";
		snprintf(buf, sizeof(buf), "  CPU Intel");
		break;
	case HOST_CPU_OTHER:
		snprintf(buf, sizeof(buf), "  CPU other");
		break;
	default:
		snprintf(buf, sizeof(buf), "  CPU unknown");
		break;
	}
	x = seg(r->y, x, end, a, buf);
	if (virt) {
		virt_ok = host_cpu_has_flag(t->host, virt);
		snprintf(buf, sizeof(buf), virt_ok ? " (%s)" : " (no %s!)", virt);
		x = seg(r->y, x, end, virt_ok ? a : warn, buf);
	}
	if (host_n_groups(t->host)) {
		if (compact)
			snprintf(buf, sizeof(buf), "  IOMMU on");
		else
			snprintf(buf, sizeof(buf), "  IOMMU on (%zu groups)", host_n_groups(t->host));
		x = seg(r->y, x, end, a, buf);
	} else {
		x = seg(r->y, x, end, warn, "  IOMMU off");
	}
	if (bootloader) {
		snprintf(buf, sizeof(buf), "  boot %s", bootloader);
		x = seg(r->y, x, end, a, buf);
	}
	if (reboot_pending)
		x = seg(r->y, x, end, warn, "  reboot pending");
	if (!t->is_root && !t->demo)
		x = seg(r->y, x, end, warn, "  read-only");
	if (strcmp(t->root, "/")) {
		/* the end of a long root says more than its start */
		int room = end - x - 1 - (int)strlen("  root ");
		size_t len = strlen(t->root);
		if (room > 8 && len > (size_t)room)
			snprintf(buf, sizeof(buf), "  root ...%s", t->root + len - (size_t)room + 3);
		else
			snprintf(buf, sizeof(buf), "  root %s", t->root);
		x = seg(r->y, x, end, a, buf);
	}
	(void)x;
}

struct keyhint {
	const char *key, *what;
};

static int hints(int y, int x, int end, const struct tui *t, const struct keyhint *h, size_t n)
{
	for (size_t i = 0; i < n && x < end; i++) {
		x = seg(y, x, end, screen_attr(t, UI_STATUS), " ");
		x = seg(y, x, end, screen_attr(t, UI_STATUS_KEY), h[i].key);
		x = seg(y, x, end, screen_attr(t, UI_STATUS), " ");
		x = seg(y, x, end, screen_attr(t, UI_STATUS), h[i].what);
	}
	return x;
}

void status_draw(struct tui *t, const struct layout_rect *r)
{
	static const struct keyhint devices[] = {
		{ "q", "quit" }, { "?", "help" }, { "Tab", "pane" }, { "w", "wizard" },
		{ "j/k", "move" }, { "h/l", "fold" }, { "r", "rescan" },
	};
	static const struct keyhint wizard[] = {
		{ "q", "quit" }, { "?", "help" }, { "w", "devices" }, { "j/k", "move" },
		{ "f c d s m v a", "steps" }, { "Tab", "pane" },
	};
	static const struct keyhint wizard_short[] = {
		{ "q", "quit" }, { "?", "help" }, { "w", "devices" },
	};
	int end = r->x + r->w - 1;   /* the last cell of the screen stays empty: no scroll */
	const struct wizard_step *step = t->view == TUI_VIEW_WIZARD ? wizard_step(wizard_selected(t)) : NULL;

	screen_blank(r->y, r->x, end - r->x, screen_attr(t, UI_STATUS));
	if (step && step->ops && step->keys) {
		/* A step's own keys matter more than the ones every screen has
		 * (those stay in the help). */
		char word[64];
		int x = hints(r->y, r->x, end, t, wizard_short, sizeof(wizard_short) / sizeof(wizard_short[0]));

		x = seg(r->y, x, end, screen_attr(t, UI_STATUS), " |");
		for (const char *p = step->keys; *p && x < end;) {
			size_t n = strcspn(p, " ");
			snprintf(word, sizeof(word), "%.*s", (int)n, p);
			char *colon = strchr(word, ':');
			if (colon) {
				*colon = '\0';
				x = hints(r->y, x, end, t, &(struct keyhint){ word, colon + 1 }, 1);
			}
			p += n + strspn(p + n, " ");
		}
	} else if (t->view == TUI_VIEW_WIZARD)
		hints(r->y, r->x, end, t, wizard, sizeof(wizard) / sizeof(wizard[0]));
	else
		hints(r->y, r->x, end, t, devices, sizeof(devices) / sizeof(devices[0]));
}
