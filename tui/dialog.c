/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/plan/plan.h"
#include "core/util/xalloc.h"
#include "tui/dialog.h"
#include "tui/screen.h"
#include "tui/scroll.h"
#include "tui/textview.h"
#include "tui/tui.h"

enum dialog_kind { DLG_MESSAGE, DLG_PREVIEW, DLG_TEXT, DLG_NUMBER, DLG_CHOICE };

struct dialog {
	enum dialog_kind kind;
	char *title;
	struct textview body;  /* message/preview body, or the prompt of an input */
	struct scroll view;    /* visible: rows of body the box showed last time */
	int hscroll;           /* preview: columns scrolled to the right */
	int body_w;            /* columns of body the box showed last time */
	char input[256];
	char error[128];
	long min, max;
	char **choices;
	size_t n_choices, choice;
	dialog_done_fn done;
	void *userdata;
};

/* TEXT as the body, wrapped to WIDTH columns (0: not wrapped), tabs
 * expanded to 8-column stops. */
static void set_lines(struct dialog *d, const char *text, int width)
{
	textview_init(&d->body, width);
	textview_add_lines(&d->body, UI_DIALOG, text);
	d->view.lines = (int)d->body.n;
}

static size_t longest_row(const struct dialog *d)
{
	size_t longest = 0;

	for (size_t i = 0; i < d->body.n; i++)
		if (strlen(d->body.row[i].text) > longest)
			longest = strlen(d->body.row[i].text);
	return longest;
}

/* A preview line's style, by what `gpuvirt plan` prints: file headers,
 * hunks, added and removed lines, sysfs writes and commands. */
static enum theme_element diff_style(const char *s)
{
	if (!strncmp(s, "+++ ", 4) || !strncmp(s, "--- ", 4))
		return UI_DIFF_FILE;
	if (!strncmp(s, "@@", 2))
		return UI_DIFF_HUNK;
	if (s[0] == '+')
		return UI_DIFF_ADD;
	if (s[0] == '-')
		return UI_DIFF_DEL;
	if (!strncmp(s, "echo ", 5) || !strncmp(s, "$ ", 2))
		return UI_DIFF_ACTION;
	return UI_DIALOG;
}

static void dialog_free(struct dialog *d)
{
	if (!d)
		return;
	textview_release(&d->body);
	for (size_t i = 0; i < d->n_choices; i++)
		free(d->choices[i]);
	free(d->choices);
	free(d->title);
	free(d);
}

static struct dialog *push(struct tui *t, enum dialog_kind kind, const char *title)
{
	struct dialog *d;

	if (t->n_dialogs == TUI_MAX_DIALOGS) {
		gv_log(GV_LOG_WARN, "too many dialogs open; '%s' not shown", title);
		return NULL;
	}
	d = xcalloc(1, sizeof(*d));
	d->kind = kind;
	d->title = xstrdup(title ? title : "");
	t->dialogs[t->n_dialogs++] = d;
	return d;
}

/* Close the top dialog and report RES to its callback. */
static unsigned finish(struct tui *t, const struct dialog_result *res)
{
	struct dialog *d = t->dialogs[--t->n_dialogs];
	unsigned m = 0;

	t->dialogs[t->n_dialogs] = NULL;
	if (d->done)
		m = d->done(t, d->userdata, res);
	dialog_free(d);
	/* what was under the box must come back */
	return m | TUI_HANDLED | TUI_DIRTY_ALL;
}

static int msg_width(const struct tui *t)
{
	int w = t->lay.cols - 8;

	return w > 70 ? 70 : w;
}

void dialog_message(struct tui *t, const char *title, const char *text)
{
	struct dialog *d = push(t, DLG_MESSAGE, title);

	if (d)
		set_lines(d, text, msg_width(t) - 4);
}

void dialog_preview(struct tui *t, const char *title, const char *text, dialog_done_fn done,
		    void *userdata)
{
	struct dialog *d = push(t, DLG_PREVIEW, title);

	if (!d)
		return;
	/* no wrapping: a diff line is shown as is, cut at the edge */
	set_lines(d, text, 0);
	for (size_t i = 0; i < d->body.n; i++)
		d->body.row[i].style = diff_style(d->body.row[i].text);
	d->done = done;
	d->userdata = userdata;
}

int dialog_preview_plan(struct tui *t, const struct plan *p, dialog_done_fn done, void *userdata)
{
	struct gv_error err = { 0 };
	char *text = NULL, title[96];
	int r;

	r = plan_preview(p, &text, &err);
	if (r < 0) {
		gv_log(GV_LOG_ERR, "preview: %s", err.msg[0] ? err.msg : strerror(-r));
		return r;
	}
	snprintf(title, sizeof(title), "Preview: %zu change%s under %s", plan_n_actions(p),
		 plan_n_actions(p) == 1 ? "" : "s", plan_root(p));
	dialog_preview(t, title, text, done, userdata);
	free(text);
	return 0;
}

static struct dialog *input(struct tui *t, enum dialog_kind kind, const char *title, const char *prompt,
			    dialog_done_fn done, void *userdata)
{
	struct dialog *d = push(t, kind, title);

	if (!d)
		return NULL;
	set_lines(d, prompt, msg_width(t) - 4);
	d->done = done;
	d->userdata = userdata;
	return d;
}

void dialog_input_text(struct tui *t, const char *title, const char *prompt, const char *initial,
		       dialog_done_fn done, void *userdata)
{
	struct dialog *d = input(t, DLG_TEXT, title, prompt, done, userdata);

	if (d)
		snprintf(d->input, sizeof(d->input), "%s", initial ? initial : "");
}

void dialog_input_number(struct tui *t, const char *title, const char *prompt, long initial,
			 long min, long max, dialog_done_fn done, void *userdata)
{
	struct dialog *d = input(t, DLG_NUMBER, title, prompt, done, userdata);

	if (!d)
		return;
	d->min = min;
	d->max = max;
	snprintf(d->input, sizeof(d->input), "%ld", initial);
}

void dialog_input_choice(struct tui *t, const char *title, const char *prompt,
			 const char *const *choices, size_t n, size_t initial,
			 dialog_done_fn done, void *userdata)
{
	struct dialog *d = input(t, DLG_CHOICE, title, prompt, done, userdata);

	if (!d)
		return;
	d->choices = xcalloc(n ? n : 1, sizeof(*d->choices));
	for (size_t i = 0; i < n; i++)
		d->choices[i] = xstrdup(choices[i]);
	d->n_choices = n;
	d->choice = initial < n ? initial : 0;
}

static bool is_enter(int key)
{
	return key == '\n' || key == '\r' || key == KEY_ENTER;
}

static bool is_cancel(int key)
{
	return key == TUI_KEY_ESC || key == TUI_CTRL('g');
}

unsigned dialog_key(struct tui *t, int key)
{
	const unsigned redraw = TUI_HANDLED | TUI_DIRTY_DIALOG;
	struct dialog *d;
	struct dialog_result res = { 0 };

	if (!t->n_dialogs)
		return 0;
	d = t->dialogs[t->n_dialogs - 1];
	switch (d->kind) {
	case DLG_MESSAGE:
		if (d->view.lines > d->view.visible && scroll_key(&d->view, key, SCROLL_SPACE_B))
			return redraw;
		return finish(t, &res);
	case DLG_PREVIEW:
		if (scroll_key(&d->view, key, SCROLL_SPACE_B))
			return redraw;
		/* a diff line is never wrapped (that would fake +/- lines): long
		 * ones scroll sideways, as in less -S */
		if (key == 'h' || key == KEY_LEFT || key == 'l' || key == KEY_RIGHT) {
			size_t longest = longest_row(d);
			int step = d->body_w > 8 ? d->body_w / 2 : 8;
			int most = (int)longest > d->body_w ? (int)longest - d->body_w : 0;
			d->hscroll += (key == 'h' || key == KEY_LEFT) ? -step : step;
			if (d->hscroll > most)
				d->hscroll = most;
			if (d->hscroll < 0)
				d->hscroll = 0;
			return redraw;
		}
		/* only an explicit y applies; everything else is a no */
		res.accepted = key == 'y';
		return finish(t, &res);
	case DLG_TEXT:
	case DLG_NUMBER: {
		size_t len = strlen(d->input);
		d->error[0] = '\0';
		if (is_cancel(key)) {
			return finish(t, &res);
		} else if (is_enter(key)) {
			if (d->kind == DLG_NUMBER) {
				char *end;
				errno = 0;
				long v = strtol(d->input, &end, 10);
				if (!*d->input || *end || errno || v < d->min || v > d->max) {
					snprintf(d->error, sizeof(d->error), "a number from %ld to %ld", d->min, d->max);
					return redraw;
				}
				res.number = v;
			}
			res.accepted = true;
			res.text = d->input;
			return finish(t, &res);
		} else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
			if (len)
				d->input[len - 1] = '\0';
		} else if (key == TUI_CTRL('u')) {
			d->input[0] = '\0';
		} else if (key >= 0x20 && key < 0x7f && len + 1 < sizeof(d->input)) {
			if (d->kind == DLG_NUMBER && !isdigit(key) && !(key == '-' && !len && d->min < 0))
				return redraw;
			d->input[len] = (char)key;
			d->input[len + 1] = '\0';
		}
		return redraw;
	}
	case DLG_CHOICE:
		if (is_cancel(key)) {
			return finish(t, &res);
		} else if (is_enter(key)) {
			res.accepted = true;
			res.choice = d->choice;
			res.text = d->n_choices ? d->choices[d->choice] : "";
			return finish(t, &res);
		} else if (d->n_choices) {
			if (key == KEY_DOWN || key == KEY_RIGHT || key == 'j' || key == 'l' || key == ' ' || key == '\t')
				d->choice = (d->choice + 1) % d->n_choices;
			else if (key == KEY_UP || key == KEY_LEFT || key == 'k' || key == 'h')
				d->choice = (d->choice + d->n_choices - 1) % d->n_choices;
			else
				for (size_t i = 0; i < d->n_choices; i++)
					if (tolower((unsigned char)d->choices[i][0]) == tolower(key)) {
						d->choice = i;
						break;
					}
		}
		return redraw;
	}
	return redraw;
}

static void draw_one(struct tui *t, struct dialog *d)
{
	int cols = t->lay.cols, rows = t->lay.rows;
	int w, h, y, x, body_h, extra = 0;
	attr_t a = screen_attr(t, UI_DIALOG), border = screen_attr(t, UI_DIALOG_BORDER);
	const char *footer;
	char fbuf[128];

	if (d->kind == DLG_PREVIEW) {
		w = cols - 4;
		h = rows - 2;
	} else {
		size_t longest = longest_row(d);

		if (longest < strlen(d->title) + 4)
			longest = strlen(d->title) + 4;
		w = (int)longest + 4;
		if (w < 40)
			w = 40;
		if (w > msg_width(t))
			w = msg_width(t);
		if (d->kind == DLG_TEXT || d->kind == DLG_NUMBER)
			extra = 3;   /* blank, field, error */
		if (d->kind == DLG_CHOICE)
			extra = 1 + (int)d->n_choices;
		h = (int)d->body.n + extra + 4;
		if (h > rows - 2)
			h = rows - 2;
	}
	y = (rows - h) / 2;
	x = (cols - w) / 2;
	body_h = h - 4 - extra;
	if (body_h < 1)
		body_h = 1;
	d->view.visible = body_h;
	d->body_w = w - 4;

	for (int i = 0; i < h; i++)
		screen_blank(y + i, x, w, a);
	screen_box(t, y, x, h, w, border);
	snprintf(fbuf, sizeof(fbuf), " %s ", d->title);
	screen_text(y, x + 2, w - 4, screen_attr(t, UI_DIALOG_TITLE), fbuf);

	textview_draw(&d->body, t, &(struct layout_rect){ y + 1, x + 1, body_h, w - 3 }, d->view.top, d->hscroll,
		      UI_DIALOG);
	/* a diff line is cut, not wrapped: marks say there is more */
	for (int i = 0; d->kind == DLG_PREVIEW && i < body_h; i++) {
		size_t li = (size_t)(d->view.top + i);
		int len;

		if (li >= d->body.n)
			break;
		len = (int)strlen(d->body.row[li].text);
		if (d->hscroll > 0 && len > 0)
			screen_text(y + 1 + i, x + 1, 1, border, "<");
		if (len - d->hscroll > w - 4)
			screen_text(y + 1 + i, x + w - 2, 1, border, ">");
	}
	if ((int)d->body.n > body_h) {
		char pos[64];
		int top = d->view.top;

		snprintf(pos, sizeof(pos), " %d-%d/%zu ", top + 1,
			 top + body_h < (int)d->body.n ? top + body_h : (int)d->body.n, d->body.n);
		screen_text(y + h - 1, x + w - 2 - (int)strlen(pos), (int)strlen(pos), border, pos);
	}

	int fy = y + 1 + body_h;
	switch (d->kind) {
	case DLG_TEXT:
	case DLG_NUMBER: {
		int fw = w - 4;
		const char *shown = d->input;
		if ((int)strlen(shown) >= fw)
			shown += strlen(shown) - (size_t)fw + 1;
		screen_line(fy + 1, x + 2, fw, screen_attr(t, UI_INPUT), shown);
		if (d->error[0])
			screen_line(fy + 2, x + 2, fw, screen_attr(t, UI_ERROR), d->error);
		footer = d->kind == DLG_NUMBER ? " Enter accept  Esc cancel  (digits) " : " Enter accept  Esc cancel ";
		break;
	}
	case DLG_CHOICE:
		for (size_t i = 0; i < d->n_choices; i++) {
			char c[160];
			snprintf(c, sizeof(c), "%s %s", i == d->choice ? ">" : " ", d->choices[i]);
			screen_line(fy + 1 + (int)i, x + 2, w - 4,
				    i == d->choice ? screen_attr(t, UI_INPUT) : a, c);
		}
		footer = " j/k choose  Enter accept  Esc cancel ";
		break;
	case DLG_PREVIEW:
		footer = " y apply  other keys cancel  j/k space b h/l scroll ";
		break;
	default:
		footer = (int)d->body.n > body_h ? " j/k scroll  any other key closes " : " any key closes ";
		break;
	}
	screen_text(y + h - 1, x + 2, w - 4, border, footer);
}

void dialog_draw_all(struct tui *t)
{
	for (int i = 0; i < t->n_dialogs; i++)
		draw_one(t, t->dialogs[i]);
}

void dialog_close_all(struct tui *t)
{
	while (t->n_dialogs) {
		dialog_free(t->dialogs[--t->n_dialogs]);
		t->dialogs[t->n_dialogs] = NULL;
	}
}
