/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/buf.h"
#include "core/plan/plan.h"
#include "tui/dialog.h"
#include "tui/screen.h"
#include "core/util/xalloc.h"

enum dialog_kind { DLG_MESSAGE, DLG_PREVIEW, DLG_TEXT, DLG_NUMBER, DLG_CHOICE };

struct dialog {
	enum dialog_kind kind;
	char *title;
	char **lines;          /* message/preview body, or the prompt of an input */
	size_t n_lines;
	int scroll;
	int hscroll;           /* preview: columns scrolled to the right */
	int body_w;            /* columns of body the box showed last time */
	int body_h;            /* rows of body the box showed last time */
	char input[256];
	char error[128];
	long min, max;
	char **choices;
	size_t n_choices, choice;
	dialog_done_fn done;
	void *userdata;
};

/* Split TEXT into lines of at most WIDTH columns (0: no wrapping), tabs
 * expanded to 8-column stops. */
static void set_lines(struct dialog *d, const char *text, int width)
{
	struct buf line = BUF_INIT;
	const char *p = text ? text : "";

	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		buf_reset(&line);
		for (size_t i = 0; i < n; i++) {
			if (p[i] == '\t')
				do
					buf_putc(&line, ' ');
				while (line.len % 8);
			else
				buf_putc(&line, p[i]);
		}
		const char *s = buf_str(&line);
		size_t len = line.len;
		do {
			size_t cut = len;
			if (width > 0 && len > (size_t)width) {
				cut = (size_t)width;
				while (cut > 0 && s[cut] != ' ')
					cut--;
				if (cut == 0)
					cut = (size_t)width;
			}
			d->lines = realloc(d->lines, (d->n_lines + 1) * sizeof(*d->lines));
			if (!d->lines)
				abort();
			d->lines[d->n_lines] = strndup(s, cut);
			if (!d->lines[d->n_lines])
				abort();
			d->n_lines++;
			s += cut;
			len -= cut;
			if (width > 0)
				while (len && *s == ' ')
					s++, len--;
		} while (len);
		if (!nl)
			break;
		p = nl + 1;
		if (!*p)
			break;   /* a trailing newline adds no empty line */
	}
	buf_free(&line);
}

static void dialog_free(struct dialog *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_lines; i++)
		free(d->lines[i]);
	for (size_t i = 0; i < d->n_choices; i++)
		free(d->choices[i]);
	free(d->lines);
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
	d = calloc(1, sizeof(*d));
	if (!d)
		abort();
	d->kind = kind;
	d->title = xstrdup(title ? title : "");
	t->dialogs[t->n_dialogs++] = d;
	tui_dirty(t, TUI_DIRTY_DIALOG);
	return d;
}

/* Close the top dialog and report RES to its callback. */
static void finish(struct tui *t, const struct dialog_result *res)
{
	struct dialog *d = t->dialogs[--t->n_dialogs];

	t->dialogs[t->n_dialogs] = NULL;
	/* what was under the box must come back */
	tui_dirty(t, TUI_DIRTY_ALL);
	if (d->done)
		d->done(t, d->userdata, res);
	dialog_free(d);
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
	d->choices = calloc(n ? n : 1, sizeof(*d->choices));
	if (!d->choices)
		abort();
	for (size_t i = 0; i < n; i++)
		d->choices[i] = xstrdup(choices[i]);
	d->n_choices = n;
	d->choice = initial < n ? initial : 0;
}

/* Scroll keys shared by the message box and the preview; true if KEY is one. */
static bool scroll_key(struct dialog *d, int key)
{
	int page = d->body_h > 1 ? d->body_h - 1 : 1, max = (int)d->n_lines - d->body_h;

	switch (key) {
	case KEY_DOWN: case 'j': d->scroll++; break;
	case KEY_UP: case 'k': d->scroll--; break;
	case KEY_NPAGE: case ' ': case TUI_CTRL('f'): d->scroll += page; break;
	case KEY_PPAGE: case 'b': case TUI_CTRL('b'): d->scroll -= page; break;
	case KEY_HOME: case 'g': d->scroll = 0; break;
	case KEY_END: case 'G': d->scroll = max; break;
	default: return false;
	}
	if (d->scroll > max)
		d->scroll = max;
	if (d->scroll < 0)
		d->scroll = 0;
	return true;
}

static bool is_enter(int key)
{
	return key == '\n' || key == '\r' || key == KEY_ENTER;
}

static bool is_cancel(int key)
{
	return key == TUI_KEY_ESC || key == TUI_CTRL('g');
}

bool dialog_key(struct tui *t, int key)
{
	struct dialog *d;
	struct dialog_result res = { 0 };

	if (!t->n_dialogs)
		return false;
	d = t->dialogs[t->n_dialogs - 1];
	tui_dirty(t, TUI_DIRTY_DIALOG);
	switch (d->kind) {
	case DLG_MESSAGE:
		if ((int)d->n_lines > d->body_h && scroll_key(d, key))
			return true;
		finish(t, &res);
		return true;
	case DLG_PREVIEW:
		if (scroll_key(d, key))
			return true;
		/* a diff line is never wrapped (that would fake +/- lines): long
		 * ones scroll sideways, as in less -S */
		if (key == 'h' || key == KEY_LEFT || key == 'l' || key == KEY_RIGHT) {
			size_t longest = 0;
			for (size_t i = 0; i < d->n_lines; i++)
				if (strlen(d->lines[i]) > longest)
					longest = strlen(d->lines[i]);
			int step = d->body_w > 8 ? d->body_w / 2 : 8;
			int most = (int)longest > d->body_w ? (int)longest - d->body_w : 0;
			d->hscroll += (key == 'h' || key == KEY_LEFT) ? -step : step;
			if (d->hscroll > most)
				d->hscroll = most;
			if (d->hscroll < 0)
				d->hscroll = 0;
			return true;
		}
		/* only an explicit y applies; everything else is a no */
		res.accepted = key == 'y';
		finish(t, &res);
		return true;
	case DLG_TEXT:
	case DLG_NUMBER: {
		size_t len = strlen(d->input);
		d->error[0] = '\0';
		if (is_cancel(key)) {
			finish(t, &res);
		} else if (is_enter(key)) {
			if (d->kind == DLG_NUMBER) {
				char *end;
				errno = 0;
				long v = strtol(d->input, &end, 10);
				if (!*d->input || *end || errno || v < d->min || v > d->max) {
					snprintf(d->error, sizeof(d->error), "a number from %ld to %ld", d->min, d->max);
					return true;
				}
				res.number = v;
			}
			res.accepted = true;
			res.text = d->input;
			finish(t, &res);
		} else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
			if (len)
				d->input[len - 1] = '\0';
		} else if (key == TUI_CTRL('u')) {
			d->input[0] = '\0';
		} else if (key >= 0x20 && key < 0x7f && len + 1 < sizeof(d->input)) {
			if (d->kind == DLG_NUMBER && !isdigit(key) && !(key == '-' && !len && d->min < 0))
				return true;
			d->input[len] = (char)key;
			d->input[len + 1] = '\0';
		}
		return true;
	}
	case DLG_CHOICE:
		if (is_cancel(key)) {
			finish(t, &res);
		} else if (is_enter(key)) {
			res.accepted = true;
			res.choice = d->choice;
			res.text = d->n_choices ? d->choices[d->choice] : "";
			finish(t, &res);
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
		return true;
	}
	return true;
}

static void line_styled(struct tui *t, int y, int x, int w, const char *s, int hscroll)
{
	enum theme_element e = UI_DIALOG;
	int len = (int)strlen(s);

	if (!strncmp(s, "+++ ", 4) || !strncmp(s, "--- ", 4))
		e = UI_DIFF_FILE;
	else if (!strncmp(s, "@@", 2))
		e = UI_DIFF_HUNK;
	else if (s[0] == '+')
		e = UI_DIFF_ADD;
	else if (s[0] == '-')
		e = UI_DIFF_DEL;
	else if (!strncmp(s, "echo ", 5) || !strncmp(s, "$ ", 2))
		e = UI_DIFF_ACTION;
	/* the style comes from the whole line; the text from where it is scrolled */
	screen_line(y, x, w, screen_attr(t, e), hscroll < len ? s + hscroll : "");
	if (hscroll > 0 && len > 0)
		screen_text(y, x - 1, 1, screen_attr(t, UI_DIALOG_BORDER), "<");
	if (len - hscroll > w)
		screen_text(y, x + w, 1, screen_attr(t, UI_DIALOG_BORDER), ">");
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
		size_t longest = strlen(d->title) + 4;
		for (size_t i = 0; i < d->n_lines; i++)
			if (strlen(d->lines[i]) > longest)
				longest = strlen(d->lines[i]);
		w = (int)longest + 4;
		if (w < 40)
			w = 40;
		if (w > msg_width(t))
			w = msg_width(t);
		if (d->kind == DLG_TEXT || d->kind == DLG_NUMBER)
			extra = 3;   /* blank, field, error */
		if (d->kind == DLG_CHOICE)
			extra = 1 + (int)d->n_choices;
		h = (int)d->n_lines + extra + 4;
		if (h > rows - 2)
			h = rows - 2;
	}
	y = (rows - h) / 2;
	x = (cols - w) / 2;
	body_h = h - 4 - extra;
	if (body_h < 1)
		body_h = 1;
	d->body_h = body_h;
	d->body_w = w - 4;

	for (int i = 0; i < h; i++)
		screen_blank(y + i, x, w, a);
	screen_box(t, y, x, h, w, border);
	snprintf(fbuf, sizeof(fbuf), " %s ", d->title);
	screen_text(y, x + 2, w - 4, screen_attr(t, UI_DIALOG_TITLE), fbuf);

	for (int i = 0; i < body_h; i++) {
		size_t li = (size_t)(d->scroll + i);
		if (li < d->n_lines) {
			if (d->kind == DLG_PREVIEW)
				line_styled(t, y + 1 + i, x + 2, w - 4, d->lines[li], d->hscroll);
			else
				screen_line(y + 1 + i, x + 2, w - 4, a, d->lines[li]);
		}
	}
	if ((int)d->n_lines > body_h) {
		char pos[64];
		snprintf(pos, sizeof(pos), " %d-%d/%zu ", d->scroll + 1,
			 d->scroll + body_h < (int)d->n_lines ? d->scroll + body_h : (int)d->n_lines, d->n_lines);
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
		footer = (int)d->n_lines > body_h ? " j/k scroll  any other key closes " : " any key closes ";
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
