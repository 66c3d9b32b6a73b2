/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The theme parser (tui/theme.h, curses-free). Input: a theme file, the
 * exact bytes (not NUL-terminated: theme_parse() takes a length).
 * Properties:
 *   - a file that fails leaves the theme untouched, and fails the same on
 *     any starting theme;
 *   - applying a file twice gives what applying it once gives;
 *   - the result written back as a theme file (every element,
 *     "name = fg,bg,attr...") and applied to the other built-in theme reads
 *     back the same styles, and the elements the file does not name keep
 *     their colours.
 */
#include "core/util/buf.h"
#include "tui/theme.h"
#include "tests/fuzz/fuzz.h"

static const char *const attr_words[] = { "bold", "reverse", "underline", "dim", "blink", "standout", "italic" };

static void put_color(struct buf *b, short c)
{
	if (c == THEME_DEFAULT)
		buf_puts(b, "default");
	else
		buf_printf(b, "%d", c);
}

static char *render(const struct theme *t, size_t *ret_len)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "# written back by the fuzz harness\n");
	for (int e = 0; e < UI_N_ELEMENTS; e++) {
		const struct theme_style *s = &t->style[e];
		buf_printf(&b, "%s = ", theme_element_name((enum theme_element)e));
		put_color(&b, s->fg);
		buf_putc(&b, ',');
		put_color(&b, s->bg);
		for (unsigned i = 0; i < sizeof(attr_words) / sizeof(attr_words[0]); i++)
			if (s->attrs & (1u << i))
				buf_printf(&b, ",%s", attr_words[i]);
		buf_putc(&b, '\n');
	}
	*ret_len = b.len;
	buf_append(&b, "", 0);
	return buf_steal(&b);
}

static bool same_styles(const struct theme *a, const struct theme *b)
{
	for (int e = 0; e < UI_N_ELEMENTS; e++)
		if (a->style[e].fg != b->style[e].fg || a->style[e].bg != b->style[e].bg ||
		    a->style[e].attrs != b->style[e].attrs)
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact copy, so that a read past the end is caught */
	char *text = malloc(size ? size : 1), *back;
	struct theme dflt, mono, t, t2, before;
	struct gv_error err = { 0 };
	size_t len;
	int r, r2;

	if (!text)
		abort();
	memcpy(text, data, size);
	theme_init_default(&dflt);
	theme_init_mono(&mono);

	t = dflt;
	r = theme_parse(&t, text, size, "fuzz.theme", &err);
	t2 = mono;
	r2 = theme_parse(&t2, text, size, "fuzz.theme", NULL);
	CHECK((r < 0) == (r2 < 0), "the file parses on one built-in theme and not the other (%d, %d)", r, r2);
	if (r < 0) {
		CHECK(r == -EINVAL, "theme_parse returned %d", r);
		CHECK(!memcmp(&t, &dflt, sizeof(t)), "a failed parse changed the theme");
		CHECK(!memcmp(&t2, &mono, sizeof(t2)), "a failed parse changed the theme");
		CHECK(strstr(err.msg, "fuzz.theme:") == err.msg, "the error does not name the file: %s", err.msg);
		free(text);
		return 0;
	}

	for (int e = 0; e < UI_N_ELEMENTS; e++) {
		const struct theme_style *s = &t.style[e];
		CHECK(s->fg >= THEME_DEFAULT && s->fg <= 255 && s->bg >= THEME_DEFAULT && s->bg <= 255,
		      "element %d has colours %d,%d", e, s->fg, s->bg);
		CHECK(s->attrs < (1u << 7), "element %d has attributes %#x", e, s->attrs);
		/* an element the file names is the same on both starting themes */
		bool named = memcmp(&t.style[e], &dflt.style[e], sizeof(*s)) ||
			     memcmp(&t2.style[e], &mono.style[e], sizeof(*s));
		if (named)
			CHECK(!memcmp(&t.style[e], &t2.style[e], sizeof(*s)), "element %d depends on the starting theme", e);
	}

	before = t;
	CHECK(theme_parse(&t, text, size, "fuzz.theme", &err) == 0, "applying the file twice failed: %s", err.msg);
	CHECK(same_styles(&t, &before), "applying the file twice differs from once");

	back = render(&t, &len);
	t2 = mono;
	CHECK(theme_parse(&t2, back, len, "back.theme", &err) == 0, "the theme written back fails: %s", err.msg);
	CHECK(same_styles(&t, &t2), "the theme written back reads differently");
	CHECK(theme_uses_color(&t) == theme_uses_color(&t2), "colour use changed");
	free(back);
	free(text);
	return 0;
}
