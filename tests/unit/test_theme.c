/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tui/theme.h"

static int parse(struct theme *t, const char *text, struct gv_error *err)
{
	return theme_parse(t, text, strlen(text), "t.theme", err);
}

START_TEST(defaults_from_xmacro)
{
	struct theme t;

	theme_init_default(&t);
	ck_assert_str_eq(t.name, "default");
	ck_assert(theme_uses_color(&t));
	/* every element has a unique name that maps back to itself */
	for (int i = 0; i < UI_N_ELEMENTS; i++) {
		const char *n = theme_element_name(i);
		ck_assert_ptr_nonnull(n);
		ck_assert_int_eq(theme_element_from_name(n), i);
	}
	ck_assert_ptr_null(theme_element_name(UI_N_ELEMENTS));
	ck_assert_int_eq(theme_element_from_name("no-such"), -1);
	/* the selection is reverse video in every built-in theme */
	ck_assert(t.style[UI_SELECTED].attrs & THEME_REVERSE);
}
END_TEST

START_TEST(mono_is_reverse_and_bold_only)
{
	struct theme t;

	theme_init_mono(&t);
	ck_assert(!theme_uses_color(&t));
	for (int i = 0; i < UI_N_ELEMENTS; i++) {
		ck_assert_int_eq(t.style[i].fg, THEME_DEFAULT);
		ck_assert_int_eq(t.style[i].bg, THEME_DEFAULT);
		ck_assert_uint_eq(t.style[i].attrs & ~(unsigned)(THEME_REVERSE | THEME_BOLD), 0);
	}
	ck_assert(t.style[UI_SELECTED].attrs & THEME_REVERSE);
	/* added and removed diff lines differ by attribute, not colour */
	ck_assert_uint_ne(t.style[UI_DIFF_ADD].attrs, t.style[UI_DIFF_DEL].attrs);
	ck_assert_uint_ne(t.style[UI_DIFF_ADD].attrs, 0);
	ck_assert_uint_ne(t.style[UI_DIFF_DEL].attrs, 0);
}
END_TEST

START_TEST(colours_and_attrs)
{
	short c;
	unsigned a;

	ck_assert_int_eq(theme_parse_color("default", &c), 0);
	ck_assert_int_eq(c, THEME_DEFAULT);
	ck_assert_int_eq(theme_parse_color("red", &c), 0);
	ck_assert_int_eq(c, THEME_RED);
	ck_assert_int_eq(theme_parse_color("bright-white", &c), 0);
	ck_assert_int_eq(c, 15);
	ck_assert_int_eq(theme_parse_color("0", &c), 0);
	ck_assert_int_eq(c, 0);
	ck_assert_int_eq(theme_parse_color("255", &c), 0);
	ck_assert_int_eq(c, 255);
	ck_assert_int_eq(theme_parse_color("256", &c), -EINVAL);
	ck_assert_int_eq(theme_parse_color("-1", &c), -EINVAL);
	ck_assert_int_eq(theme_parse_color("12x", &c), -EINVAL);
	ck_assert_int_eq(theme_parse_color("bleu", &c), -EINVAL);
	ck_assert_int_eq(theme_parse_color("bright-", &c), -EINVAL);
	ck_assert_int_eq(theme_parse_color("", &c), -EINVAL);
	ck_assert_int_eq(theme_parse_attr("bold", &a), 0);
	ck_assert_uint_eq(a, THEME_BOLD);
	ck_assert_int_eq(theme_parse_attr("normal", &a), 0);
	ck_assert_uint_eq(a, 0);
	ck_assert_int_eq(theme_parse_attr("sparkly", &a), -EINVAL);
}
END_TEST

START_TEST(parse_lines)
{
	struct theme t;
	struct gv_error err = { 0 };

	theme_init_default(&t);
	ck_assert_int_eq(parse(&t,
		"# a comment\n"
		"\n"
		"   selected = white , red , bold, underline   # trailing comment\r\n"
		"normal=7,0\n"
		"diff-add = bright-green,default", &err), 0);
	ck_assert_int_eq(t.style[UI_SELECTED].fg, THEME_WHITE);
	ck_assert_int_eq(t.style[UI_SELECTED].bg, THEME_RED);
	ck_assert_uint_eq(t.style[UI_SELECTED].attrs, THEME_BOLD | THEME_UNDERLINE);
	ck_assert_int_eq(t.style[UI_NORMAL].fg, 7);
	ck_assert_int_eq(t.style[UI_NORMAL].bg, 0);
	ck_assert_int_eq(t.style[UI_DIFF_ADD].fg, 10);
	ck_assert_uint_eq(t.style[UI_DIFF_ADD].attrs, 0);
	/* untouched elements keep the defaults */
	ck_assert_int_eq(t.style[UI_HEADER].bg, THEME_BLUE);
	/* later lines win */
	ck_assert_int_eq(parse(&t, "normal = red,default\nnormal = green,default\n", &err), 0);
	ck_assert_int_eq(t.style[UI_NORMAL].fg, THEME_GREEN);
	/* empty text is a valid theme */
	ck_assert_int_eq(parse(&t, "", &err), 0);
}
END_TEST

static void assert_error(const char *text, const char *msg)
{
	struct theme t, before;
	struct gv_error err = { 0 };

	theme_init_default(&t);
	before = t;
	ck_assert_int_eq(parse(&t, text, &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, msg), "error '%s' does not contain '%s'", err.msg, msg);
	/* a bad file changes nothing */
	ck_assert_mem_eq(&t, &before, sizeof(t));
}

START_TEST(errors_name_file_and_line)
{
	assert_error("normal = default,default\nbogus = red,blue\n", "t.theme:2: unknown element 'bogus'");
	assert_error("\n\n\nnormal = bleu,default\n", "t.theme:4: unknown colour 'bleu'");
	assert_error("normal = red,default,sparkly\n", "t.theme:1: unknown attribute 'sparkly'");
	assert_error("normal = red\n", "t.theme:1: 'normal' needs a foreground and a background");
	assert_error("# ok\nnormal red default\n", "t.theme:2: expected 'element = fg,bg[,attr...]'");
	assert_error("normal = 300,default\n", "t.theme:1: unknown colour '300'");
	/* the first error stops parsing, later good lines are not applied */
	assert_error("selected = red,blue\nnormal = x,y\n", "t.theme:2:");
}
END_TEST

static char tmpdir[4096];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/gv-theme.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

START_TEST(load_file_and_lookup)
{
	struct theme t;
	struct gv_error err = { 0 };
	char path[8192], *found = NULL;

	make_tmpdir();
	snprintf(path, sizeof(path), "%s/gpuvirt", tmpdir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/gpuvirt/themes", tmpdir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/gpuvirt/themes/mine.theme", tmpdir);
	write_file(path, "normal = magenta,default\n");
	/* user themes come from $XDG_CONFIG_HOME/gpuvirt/themes */
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	ck_assert_int_eq(theme_find("mine", NULL, &found, &err), 0);
	ck_assert_str_eq(found, path);
	free(found);
	ck_assert_int_eq(theme_load(&t, "mine", NULL, &err), 0);
	ck_assert_str_eq(t.name, "mine");
	ck_assert_int_eq(t.style[UI_NORMAL].fg, THEME_MAGENTA);
	/* a user file overrides a shipped theme of the same name */
	snprintf(path, sizeof(path), "%s/gpuvirt/themes/mono.theme", tmpdir);
	write_file(path, "normal = default,default,bold\n");
	ck_assert_int_eq(theme_load(&t, "mono", NULL, &err), 0);
	ck_assert_uint_eq(t.style[UI_NORMAL].attrs, THEME_BOLD);
	ck_assert(t.style[UI_SELECTED].attrs & THEME_REVERSE);
	/* names cannot walk out of the directories */
	ck_assert_int_eq(theme_find("..", NULL, &found, &err), -ENOENT);
	ck_assert_int_eq(theme_find("a b", NULL, &found, &err), -EINVAL);
	ck_assert_int_eq(theme_find("", NULL, &found, &err), -EINVAL);
	/* unknown names are an error; default and mono always exist */
	ck_assert_int_eq(theme_load(&t, "no-such-theme", NULL, &err), -ENOENT);
	ck_assert(strstr(err.msg, "no-such-theme"));
	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	setenv("HOME", "/nonexistent", 1);
	ck_assert_int_eq(theme_load(&t, "default", "/nonexistent/bin", &err), 0);
	ck_assert_int_eq(theme_load(&t, NULL, "/nonexistent/bin", &err), 0);
	/* a path with a slash is a file */
	snprintf(path, sizeof(path), "%s/bad.theme", tmpdir);
	write_file(path, "normal = default,default\n\nheader = white\n");
	ck_assert_int_eq(theme_load(&t, path, NULL, &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, "bad.theme:3:"), "%s", err.msg);
	ck_assert_int_eq(theme_load_file(&t, "/nonexistent/x.theme", &err), -ENOENT);
	ck_assert(strstr(err.msg, "/nonexistent/x.theme"));
}
END_TEST

/* The themes shipped in themes/ all parse, and mono has no colour. */
START_TEST(shipped_themes_parse)
{
	static const char *const names[] = { "default", "mono", "high-contrast", "solarized-dark" };
	const char *build = getenv("GV_BUILD");   /* the test binary's build directory */
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s", build ? build : "build");
	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct theme t;
		struct gv_error err = { 0 };
		char *path = NULL;

		/* exe_dir/../themes is the source tree's themes/ */
		ck_assert_msg(theme_find(names[i], dir, &path, &err) == 0, "%s", err.msg);
		ck_assert_msg(strstr(path, "themes/"), "%s", path);
		free(path);
		ck_assert_msg(theme_load(&t, names[i], dir, &err) == 0, "%s", err.msg);
		ck_assert(t.style[UI_SELECTED].attrs & THEME_REVERSE);
		if (!strcmp(names[i], "mono"))
			ck_assert(!theme_uses_color(&t));
		else
			ck_assert(theme_uses_color(&t));
	}
}
END_TEST

/* The shipped default.theme says exactly what the built-in defaults say. */
START_TEST(default_file_matches_builtin)
{
	const char *src = getenv("GV_SRCDIR");
	char path[4096];
	struct theme a, b;
	struct gv_error err = { 0 };

	snprintf(path, sizeof(path), "%s/themes/default.theme", src ? src : ".");
	theme_init_default(&a);
	theme_init_mono(&b);
	ck_assert_msg(theme_load_file(&b, path, &err) == 0, "%s", err.msg);
	ck_assert_mem_eq(a.style, b.style, sizeof(a.style));
	snprintf(path, sizeof(path), "%s/themes/mono.theme", src ? src : ".");
	theme_init_mono(&a);
	theme_init_default(&b);
	ck_assert_msg(theme_load_file(&b, path, &err) == 0, "%s", err.msg);
	ck_assert_mem_eq(a.style, b.style, sizeof(a.style));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("theme");
	TCase *tc = tcase_create("parse");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, defaults_from_xmacro);
	tcase_add_test(tc, mono_is_reverse_and_bold_only);
	tcase_add_test(tc, colours_and_attrs);
	tcase_add_test(tc, parse_lines);
	tcase_add_test(tc, errors_name_file_and_line);
	tcase_add_test(tc, load_file_and_lookup);
	tcase_add_test(tc, shipped_themes_parse);
	tcase_add_test(tc, default_file_matches_builtin);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
