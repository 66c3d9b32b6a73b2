/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util/buf.h"
#include "tui/theme.h"

#ifndef GV_DATADIR
#define GV_DATADIR "/usr/local/share/gpuvirt"
#endif

static const struct {
	const char *name;
	struct theme_style dflt;
	unsigned mono;
} elements[UI_N_ELEMENTS] = {
#define THEME_X_TABLE(e, name, fg, bg, attrs, mono) [UI_##e] = { name, { fg, bg, attrs }, mono },
	THEME_ELEMENTS(THEME_X_TABLE)
#undef THEME_X_TABLE
};

static const char *const color_names[] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

static const struct {
	const char *name;
	unsigned attr;
} attr_names[] = {
	{ "normal", 0 },
	{ "bold", THEME_BOLD },
	{ "reverse", THEME_REVERSE },
	{ "underline", THEME_UNDERLINE },
	{ "dim", THEME_DIM },
	{ "blink", THEME_BLINK },
	{ "standout", THEME_STANDOUT },
	{ "italic", THEME_ITALIC },
};

void theme_init_default(struct theme *t)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "default");
	for (size_t i = 0; i < UI_N_ELEMENTS; i++)
		t->style[i] = elements[i].dflt;
}

void theme_init_mono(struct theme *t)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "mono");
	for (size_t i = 0; i < UI_N_ELEMENTS; i++)
		t->style[i] = (struct theme_style){ THEME_DEFAULT, THEME_DEFAULT, elements[i].mono };
}

bool theme_uses_color(const struct theme *t)
{
	for (size_t i = 0; i < UI_N_ELEMENTS; i++)
		if (t->style[i].fg != THEME_DEFAULT || t->style[i].bg != THEME_DEFAULT)
			return true;
	return false;
}

const char *theme_element_name(enum theme_element e)
{
	if ((unsigned)e >= UI_N_ELEMENTS)
		return NULL;
	return elements[e].name;
}

int theme_element_from_name(const char *name)
{
	for (size_t i = 0; i < UI_N_ELEMENTS; i++)
		if (!strcmp(elements[i].name, name))
			return (int)i;
	return -1;
}

int theme_parse_color(const char *s, short *ret)
{
	if (!strcmp(s, "default")) {
		*ret = THEME_DEFAULT;
		return 0;
	}
	for (size_t i = 0; i < 8; i++) {
		if (!strcmp(s, color_names[i])) {
			*ret = (short)i;
			return 0;
		}
		if (!strncmp(s, "bright-", 7) && !strcmp(s + 7, color_names[i])) {
			*ret = (short)(i + 8);
			return 0;
		}
	}
	if (isdigit((unsigned char)s[0])) {
		char *end;
		long v;

		errno = 0;
		v = strtol(s, &end, 10);
		if (!errno && !*end && v >= 0 && v <= 255) {
			*ret = (short)v;
			return 0;
		}
	}
	return -EINVAL;
}

int theme_parse_attr(const char *s, unsigned *ret)
{
	for (size_t i = 0; i < sizeof(attr_names) / sizeof(attr_names[0]); i++)
		if (!strcmp(s, attr_names[i].name)) {
			*ret = attr_names[i].attr;
			return 0;
		}
	return -EINVAL;
}

/* Trim blanks at both ends in place. */
static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int parse_line(char *line, struct theme *t, const char *filename, unsigned lineno,
		      struct gv_error *err)
{
	char *eq, *key, *val, *field, *save = NULL;
	struct theme_style st = { THEME_DEFAULT, THEME_DEFAULT, 0 };
	int e, n = 0;

	eq = strchr(line, '=');
	if (!eq)
		return gv_error_set(err, -EINVAL, "%s:%u: expected 'element = fg,bg[,attr...]'",
				    filename, lineno);
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	e = theme_element_from_name(key);
	if (e < 0)
		return gv_error_set(err, -EINVAL, "%s:%u: unknown element '%s'", filename, lineno, key);
	for (field = strtok_r(val, ",", &save); field; field = strtok_r(NULL, ",", &save), n++) {
		field = trim(field);
		if (n < 2) {
			short c;
			if (theme_parse_color(field, &c) < 0)
				return gv_error_set(err, -EINVAL, "%s:%u: unknown colour '%s'",
						    filename, lineno, field);
			if (n == 0)
				st.fg = c;
			else
				st.bg = c;
		} else {
			unsigned a;
			if (theme_parse_attr(field, &a) < 0)
				return gv_error_set(err, -EINVAL, "%s:%u: unknown attribute '%s'",
						    filename, lineno, field);
			st.attrs |= a;
		}
	}
	if (n < 2)
		return gv_error_set(err, -EINVAL, "%s:%u: '%s' needs a foreground and a background colour",
				    filename, lineno, key);
	t->style[e] = st;
	return 0;
}

int theme_parse(struct theme *t, const char *text, size_t len, const char *filename,
		struct gv_error *err)
{
	struct theme work = *t;
	size_t pos = 0;
	unsigned lineno = 0;
	int r = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *line, *p, *hash;

		lineno++;
		if (memchr(text + pos, '\0', n)) {
			r = gv_error_set(err, -EINVAL, "%s:%u: binary data", filename, lineno);
			goto out;
		}
		line = strndup(text + pos, n);
		if (!line) {
			r = gv_error_set(err, -ENOMEM, "%s: out of memory", filename);
			goto out;
		}
		pos += n + (nl ? 1 : 0);
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		p = trim(line);
		if (*p)
			r = parse_line(p, &work, filename, lineno, err);
		free(line);
		if (r < 0)
			goto out;
	}
	*t = work;
out:
	return r;
}

int theme_load_file(struct theme *t, const char *path, struct gv_error *err)
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gv_error_set(err, -errno, "%s: %s", path, strerror(errno));
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = gv_error_set(err, -errno, "%s: %s", path, strerror(errno));
			close(fd);
			buf_free(&b);
			return r;
		}
		if (b.len + (size_t)n > 1 << 20) {
			close(fd);
			buf_free(&b);
			return gv_error_set(err, -EFBIG, "%s: too large for a theme", path);
		}
		buf_append(&b, chunk, (size_t)n);
	}
	close(fd);
	r = theme_parse(t, buf_str(&b), b.len, path, err);
	buf_free(&b);
	return r;
}

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Try DIR/NAME.theme; on success hand the path over in *ret. */
static bool try_dir(const char *dir, const char *name, char **ret)
{
	char *p;

	if (!dir || !*dir)
		return false;
	if (asprintf(&p, "%s/%s.theme", dir, name) < 0)
		return false;
	if (is_file(p)) {
		*ret = p;
		return true;
	}
	free(p);
	return false;
}

int theme_find(const char *name, const char *exe_dir, char **ret_path, struct gv_error *err)
{
	char *dir = NULL, *found = NULL;
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (!name || !*name)
		return gv_error_set(err, -EINVAL, "empty theme name");
	if (strchr(name, '/')) {
		if (!is_file(name))
			return gv_error_set(err, -ENOENT, "%s: no such theme file", name);
		found = strdup(name);
		goto done;
	}
	for (const char *c = name; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.')
			return gv_error_set(err, -EINVAL, "bad theme name '%s'", name);

	/* 1. the person's own themes */
	if (xdg && *xdg == '/')
		(void)!asprintf(&dir, "%s/gpuvirt/themes", xdg);
	else if (home && *home)
		(void)!asprintf(&dir, "%s/.config/gpuvirt/themes", home);
	if (try_dir(dir, name, &found))
		goto done;
	free(dir);
	dir = NULL;
	/* 2. next to the binary: the source tree (build/gpuvirt -> themes/), or
	 * an installed tree wherever it was moved (PREFIX/sbin/gpuvirt ->
	 * PREFIX/share/gpuvirt/themes). Never the current directory: root
	 * runs this from anywhere. */
	static const char *const beside[] = { "%s/../themes", "%s/../share/gpuvirt/themes" };
	for (size_t i = 0; exe_dir && i < sizeof(beside) / sizeof(beside[0]); i++) {
		(void)!asprintf(&dir, beside[i], exe_dir);
		if (try_dir(dir, name, &found))
			goto done;
		free(dir);
		dir = NULL;
	}
	/* 3. the installed data */
	if (try_dir(GV_DATADIR "/themes", name, &found))
		goto done;
	return gv_error_set(err, -ENOENT, "theme '%s' not found (looked in ~/.config/gpuvirt/themes, "
			    "beside the program and in %s/themes)", name, GV_DATADIR);
done:
	free(dir);
	if (!found)
		return gv_error_set(err, -ENOMEM, "out of memory");
	*ret_path = found;
	return 0;
}

int theme_load(struct theme *t, const char *name, const char *exe_dir, struct gv_error *err)
{
	struct theme work;
	char *path = NULL;
	const char *base;
	int r;

	if (!name)
		name = "default";
	if (!strcmp(name, "mono"))
		theme_init_mono(&work);
	else
		theme_init_default(&work);
	r = theme_find(name, exe_dir, &path, err);
	if (r == -ENOENT && (!strcmp(name, "default") || !strcmp(name, "mono"))) {
		gv_error_clear(err);
		*t = work;
		return 0;
	}
	if (r < 0)
		return r;
	r = theme_load_file(&work, path, err);
	free(path);
	if (r < 0)
		return r;
	base = strrchr(name, '/');
	base = base ? base + 1 : name;
	snprintf(work.name, sizeof(work.name), "%.*s", (int)strcspn(base, "."), base);
	*t = work;
	return 0;
}
