/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <libkmod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util/buf.h"
#include "core/util/fsutil.h"
#include "core/util/log.h"
#include "core/scan/modconf.h"
#include "core/util/xalloc.h"

/* Where kmod reads configuration, in its order: a file name seen in an
 * earlier directory hides the same name in later ones. */
static const char *const config_dirs[] = {
	"etc/modprobe.d", "run/modprobe.d", "usr/local/lib/modprobe.d", "lib/modprobe.d", "usr/lib/modprobe.d",
};
#define N_CONFIG_DIRS (sizeof(config_dirs) / sizeof(config_dirs[0]))

static const char cmdline_where[] = "the kernel command line";

/* ---- small string vectors ---- */

struct strv {
	char **v;
	size_t n;
};

static void strv_push(struct strv *s, const char *str, size_t len)
{
	s->v = xreallocarray(s->v, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = xstrndup(str, len);
}

static void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

bool modconf_module_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
		if (x != y)
			return false;
	}
	return *a == *b;
}

/* Split a modprobe line into words; double quotes keep spaces (options x="a b").
 * Returns false when a double quote is never closed. */
static bool tokenize(const char *line, struct strv *ret)
{
	const char *p = line;

	for (;;) {
		const char *start;
		bool quoted = false;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return true;
		start = p;
		while (*p && (quoted || (*p != ' ' && *p != '\t'))) {
			if (*p == '"')
				quoted = !quoted;
			p++;
		}
		strv_push(ret, start, (size_t)(p - start));
		if (quoted)
			return false;
	}
}

/*
 * Logical lines as kmod reads them: an unpaired trailing backslash joins the
 * next line (with nothing between); '#' starts a comment only at the start
 * of a line. Words keep their bytes as written, escapes included, so what is
 * rendered again means the same to kmod. Calls FN for each
 * non-empty, non-comment line with its first physical line number.
 */
static void for_each_line(const char *content, void (*fn)(void *ud, const char *line, unsigned lineno), void *ud)
{
	struct buf line = BUF_INIT;
	unsigned lineno = 0, first = 0;
	const char *p = content;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		lineno++;
		if (!line.len)
			first = lineno;
		/* every trailing CR, or each round trip would take one more */
		while (len && p[len - 1] == '\r')
			len--;
		/* kmod reads "\\" as one literal backslash: only an odd run at
		 * the end continues the line, joined without a space */
		size_t run = 0;
		while (run < len && p[len - 1 - run] == '\\')
			run++;
		if (run % 2) {
			buf_append(&line, p, len - 1);
		} else {
			const char *s;

			buf_append(&line, p, len);
			s = buf_str(&line);
			while (*s == ' ' || *s == '\t')
				s++;
			if (*s && *s != '#')
				fn(ud, s, first);
			buf_reset(&line);
		}
		p = nl ? nl + 1 : NULL;
	}
	if (line.len) {
		const char *s = buf_str(&line);
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s && *s != '#')
			fn(ud, s, first);
	}
	buf_free(&line);
}

/* ---- struct modconf: the configuration under a root ---- */

struct kv {
	char *key, *value;
};

struct source_line {
	char *file;          /* relative to the root */
	struct strv words;
};

struct modconf {
	struct strv blacklists;
	struct kv *options; size_t n_options;      /* in the order kmod reports them */
	struct kv *softdeps; size_t n_softdeps;
	struct source_line *lines; size_t n_lines; /* our own scan, for "where" */
};

static void kv_push(struct kv **a, size_t *n, const char *key, const char *value)
{
	*a = xreallocarray(*a, *n + 1, sizeof(**a));
	(*a)[*n].key = xstrdup(key);
	(*a)[*n].value = xstrdup(value ? value : "");
	(*n)++;
}

struct scan_ctx {
	struct modconf *mc;
	const char *file;
};

static void scan_line(void *ud, const char *line, unsigned lineno)
{
	struct scan_ctx *sc = ud;
	struct modconf *mc = sc->mc;
	struct source_line *l;

	(void)lineno;
	mc->lines = xreallocarray(mc->lines, mc->n_lines + 1, sizeof(*mc->lines));
	l = &mc->lines[mc->n_lines++];
	*l = (struct source_line){ .file = xstrdup(sc->file) };
	tokenize(line, &l->words);
}

static int name_seen(const struct strv *seen, const char *name)
{
	for (size_t i = 0; i < seen->n; i++)
		if (!strcmp(seen->v[i], name))
			return 1;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The same files kmod reads: *.conf, no dot-files, first directory wins. */
static void scan_sources(struct modconf *mc, const char *root)
{
	struct strv seen = { 0 };

	for (size_t d = 0; d < N_CONFIG_DIRS; d++) {
		char *dir = fsutil_join(root, config_dirs[d]);
		struct strv names = { 0 };
		DIR *dh = opendir(dir);
		struct dirent *de;

		free(dir);
		if (!dh)
			continue;
		while ((de = readdir(dh))) {
			size_t len = strlen(de->d_name);
			if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".conf"))
				continue;
			if (name_seen(&seen, de->d_name))
				continue;
			strv_push(&names, de->d_name, len);
			strv_push(&seen, de->d_name, len);
		}
		closedir(dh);
		if (names.n)
			qsort(names.v, names.n, sizeof(*names.v), cmp_str);
		for (size_t i = 0; i < names.n; i++) {
			char *rel = xasprintf("%s/%s", config_dirs[d], names.v[i]), *path, *data = NULL;
			size_t len;

			path = fsutil_join(root, rel);
			if (fsutil_read_file(path, &data, &len) == 0) {
				struct scan_ctx sc = { mc, rel };
				for_each_line(data, scan_line, &sc);
			}
			free(data);
			free(path);
			free(rel);
		}
		strv_free(&names);
	}
	strv_free(&seen);
}

/*
 * kmod_new() reports bad lines on stderr before a log function can be set;
 * the core never prints, so catch them and pass them on as warnings, with
 * the root taken off the file names.
 */
static struct kmod_ctx *kmod_new_quiet(const char *root, const char *const *paths)
{
	struct kmod_ctx *ctx;
	FILE *tmp = tmpfile();
	int saved = -1;

	fflush(stderr);
	if (tmp) {
		saved = dup(STDERR_FILENO);
		if (saved < 0 || dup2(fileno(tmp), STDERR_FILENO) < 0) {
			if (saved >= 0)
				close(saved);
			saved = -1;
		}
	}
	ctx = kmod_new(root, paths);
	if (saved >= 0) {
		char line[1024];
		size_t rootlen = strlen(root);

		fflush(stderr);
		dup2(saved, STDERR_FILENO);
		close(saved);
		rewind(tmp);
		while (fgets(line, sizeof(line), tmp)) {
			char *msg = line, *at = strstr(line, root);

			line[strcspn(line, "\n")] = '\0';
			if (at && strcmp(root, "/")) {
				msg = at + rootlen;
				while (*msg == '/')
					msg++;
			} else if ((at = strstr(line, "kmod_config_parse: "))) {
				msg = at + strlen("kmod_config_parse: ");
			}
			gv_log(GV_LOG_WARN, "%s", msg);
		}
	}
	if (tmp)
		fclose(tmp);
	return ctx;
}

int modconf_load(const char *root, struct modconf **ret, struct gv_error *err)
{
	char *paths[N_CONFIG_DIRS + 1] = { 0 };
	struct modconf *mc = xcalloc(1, sizeof(*mc));
	struct kmod_ctx *ctx = NULL;
	struct kmod_config_iter *it;
	int r;

	for (size_t i = 0; i < N_CONFIG_DIRS; i++)
		paths[i] = fsutil_join(root, config_dirs[i]);
	ctx = kmod_new_quiet(root, (const char *const *)paths);
	if (!ctx) {
		r = gv_error_set(err, -EIO, "%s: libkmod could not read the modprobe configuration", root);
		goto out;
	}

	it = kmod_config_get_blacklists(ctx);
	while (it && kmod_config_iter_next(it))
		strv_push(&mc->blacklists, kmod_config_iter_get_key(it), strlen(kmod_config_iter_get_key(it)));
	kmod_config_iter_free_iter(it);
	it = kmod_config_get_options(ctx);
	while (it && kmod_config_iter_next(it))
		kv_push(&mc->options, &mc->n_options, kmod_config_iter_get_key(it), kmod_config_iter_get_value(it));
	kmod_config_iter_free_iter(it);
	it = kmod_config_get_softdeps(ctx);
	while (it && kmod_config_iter_next(it))
		kv_push(&mc->softdeps, &mc->n_softdeps, kmod_config_iter_get_key(it), kmod_config_iter_get_value(it));
	kmod_config_iter_free_iter(it);
	scan_sources(mc, root);
	*ret = mc;
	mc = NULL;
	r = 0;
out:
	kmod_unref(ctx);
	for (size_t i = 0; i < N_CONFIG_DIRS; i++)
		free(paths[i]);
	modconf_free(mc);
	return r;
}

void modconf_free(struct modconf *mc)
{
	if (!mc)
		return;
	strv_free(&mc->blacklists);
	for (size_t i = 0; i < mc->n_options; i++) {
		free(mc->options[i].key);
		free(mc->options[i].value);
	}
	free(mc->options);
	for (size_t i = 0; i < mc->n_softdeps; i++) {
		free(mc->softdeps[i].key);
		free(mc->softdeps[i].value);
	}
	free(mc->softdeps);
	for (size_t i = 0; i < mc->n_lines; i++) {
		free(mc->lines[i].file);
		strv_free(&mc->lines[i].words);
	}
	free(mc->lines);
	free(mc);
}

/* Does "KEY=VALUE" (or "KEY" / "KEY=anything" with VALUE NULL) match word W? */
static bool option_word_matches(const char *w, const char *key, const char *value)
{
	size_t kl = strlen(key);

	if (strncmp(w, key, kl))
		return false;
	if (w[kl] == '\0')
		return !value;
	if (w[kl] != '=')
		return false;
	return !value || !strcmp(w + kl + 1, value);
}

/* A word of a softdep's pre: list; kmod 30 may glue "post:" to the last name. */
static bool softdep_pre_has(const char *value, const char *pre)
{
	struct strv w = { 0 };
	bool in_pre = false, found = false;

	tokenize(value, &w);
	for (size_t i = 0; i < w.n && !found; i++) {
		char *s = w.v[i];
		size_t l = strlen(s);

		if (!strcmp(s, "pre:")) {
			in_pre = true;
			continue;
		}
		if (!strcmp(s, "post:")) {
			in_pre = false;
			continue;
		}
		if (l > 5 && !strcmp(s + l - 5, "post:")) {
			s[l - 5] = '\0';
			found = in_pre && modconf_module_eq(s, pre);
			in_pre = false;
			continue;
		}
		found = in_pre && modconf_module_eq(s, pre);
	}
	strv_free(&w);
	return found;
}

/* The last file line "DIRECTIVE MODULE ..." whose remaining words satisfy MATCH. */
static const char *find_source(const struct modconf *mc, const char *directive, const char *module,
			       bool (*match)(const struct strv *w, const void *arg), const void *arg,
			       const char *except_file)
{
	const char *found = NULL;

	for (size_t i = 0; i < mc->n_lines; i++) {
		const struct strv *w = &mc->lines[i].words;

		if (w->n < 2 || strcmp(w->v[0], directive) || !modconf_module_eq(w->v[1], module))
			continue;
		if (except_file && !strcmp(mc->lines[i].file, except_file))
			continue;
		if (!match || match(w, arg))
			found = mc->lines[i].file;
	}
	return found;
}

bool modconf_has_blacklist(const struct modconf *mc, const char *module, const char **ret_where)
{
	for (size_t i = 0; i < mc->blacklists.n; i++) {
		if (!modconf_module_eq(mc->blacklists.v[i], module))
			continue;
		if (ret_where) {
			*ret_where = find_source(mc, "blacklist", module, NULL, NULL, NULL);
			if (!*ret_where)
				*ret_where = cmdline_where;
		}
		return true;
	}
	return false;
}

struct option_match {
	const char *key, *value;
};

static bool match_option(const struct strv *w, const void *arg)
{
	const struct option_match *m = arg;

	for (size_t i = 2; i < w->n; i++)
		if (option_word_matches(w->v[i], m->key, m->value))
			return true;
	return false;
}

static bool options_string_has(const char *opts, const char *key, const char *value)
{
	struct strv w = { 0 };
	bool found = false;

	tokenize(opts, &w);
	for (size_t i = 0; i < w.n && !found; i++)
		found = option_word_matches(w.v[i], key, value);
	strv_free(&w);
	return found;
}

bool modconf_has_option(const struct modconf *mc, const char *module, const char *key, const char *value,
			const char **ret_where)
{
	struct option_match m = { key, value };

	for (size_t i = 0; i < mc->n_options; i++) {
		if (!modconf_module_eq(mc->options[i].key, module) ||
		    !options_string_has(mc->options[i].value, key, value))
			continue;
		if (ret_where) {
			*ret_where = find_source(mc, "options", module, match_option, &m, NULL);
			if (!*ret_where)
				*ret_where = cmdline_where;
		}
		return true;
	}
	return false;
}

char *modconf_option_elsewhere(const struct modconf *mc, const char *module, const char *key,
			       const char *except_file, const char **ret_where)
{
	const char *file = NULL, *word = NULL;
	char *value;

	/* Our own scan is the only one that knows files; kmod's view adds the
	 * kernel command line, which the scan cannot see. */
	for (size_t i = 0; i < mc->n_lines; i++) {
		const struct strv *w = &mc->lines[i].words;

		if (w->n < 3 || strcmp(w->v[0], "options") || !modconf_module_eq(w->v[1], module))
			continue;
		if (except_file && !strcmp(mc->lines[i].file, except_file))
			continue;
		for (size_t j = 2; j < w->n; j++) {
			if (option_word_matches(w->v[j], key, NULL) && strchr(w->v[j], '=')) {
				word = w->v[j];
				file = mc->lines[i].file;
			}
		}
	}
	if (!word)
		return NULL;
	value = xstrdup(strchr(word, '=') + 1);
	if (ret_where)
		*ret_where = file;
	return value;
}

static bool match_softdep(const struct strv *w, const void *arg)
{
	bool in_pre = false;

	for (size_t i = 2; i < w->n; i++) {
		if (!strcmp(w->v[i], "pre:"))
			in_pre = true;
		else if (!strcmp(w->v[i], "post:"))
			in_pre = false;
		else if (in_pre && modconf_module_eq(w->v[i], arg))
			return true;
	}
	return false;
}

bool modconf_has_softdep_pre(const struct modconf *mc, const char *module, const char *pre,
			     const char **ret_where)
{
	for (size_t i = 0; i < mc->n_softdeps; i++) {
		if (!modconf_module_eq(mc->softdeps[i].key, module) || !softdep_pre_has(mc->softdeps[i].value, pre))
			continue;
		if (ret_where)
			*ret_where = find_source(mc, "softdep", module, match_softdep, pre, NULL);
		return true;
	}
	return false;
}

/* ---- struct modconf_file: gpuvirt's own drop-in ---- */

struct mf_options {
	char *module;          /* as first written ("vfio-pci") */
	struct strv words;     /* "key=value" */
};

struct mf_softdep {
	char *module;
	struct strv pre;
};

struct modconf_file {
	struct strv blacklists;
	struct mf_options *options; size_t n_options;
	struct mf_softdep *softdeps; size_t n_softdeps;
	struct strv overrides;  /* addresses */
	struct strv others;     /* lines kept as they are */
};

/* The driver_override hook; see modconf_file_add_override(). */
static char *override_command(const struct strv *addrs)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "/bin/sh -c 'for d in");
	for (size_t i = 0; i < addrs->n; i++)
		buf_printf(&b, " %s", addrs->v[i]);
	buf_puts(&b, "; do f=/sys/bus/pci/devices/$d/driver_override; [ -w $f ] && echo vfio-pci > $f; done; "
		     "exec modprobe -i vfio_pci $CMDLINE_OPTS'");
	return buf_steal(&b);
}

static int mf_find_options(const struct modconf_file *f, const char *module)
{
	for (size_t i = 0; i < f->n_options; i++)
		if (modconf_module_eq(f->options[i].module, module))
			return (int)i;
	return -1;
}

static int mf_find_softdep(const struct modconf_file *f, const char *module)
{
	for (size_t i = 0; i < f->n_softdeps; i++)
		if (modconf_module_eq(f->softdeps[i].module, module))
			return (int)i;
	return -1;
}

static int strv_find(const struct strv *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], str))
			return (int)i;
	return -1;
}

/* The options entry of MODULE, made when there is none. */
static struct mf_options *mf_options_entry(struct modconf_file *f, const char *module)
{
	int i = mf_find_options(f, module);

	if (i >= 0)
		return &f->options[i];
	f->options = xreallocarray(f->options, f->n_options + 1, sizeof(*f->options));
	f->options[f->n_options] = (struct mf_options){ .module = xstrdup(module) };
	return &f->options[f->n_options++];
}

/* Set KEY=VALUE in an options entry, replacing the same key. 1 changed, 0 same. */
static int mf_set_word(struct mf_options *o, const char *word)
{
	size_t kl = strcspn(word, "=");

	for (size_t i = 0; i < o->words.n; i++) {
		if (strncmp(o->words.v[i], word, kl) || (o->words.v[i][kl] != '=' && o->words.v[i][kl] != '\0'))
			continue;
		if (!strcmp(o->words.v[i], word))
			return 0;
		free(o->words.v[i]);
		o->words.v[i] = xstrdup(word);
		return 1;
	}
	strv_push(&o->words, word, strlen(word));
	return 1;
}

static int mf_add_softdep(struct modconf_file *f, const char *module, const char *pre)
{
	int i = mf_find_softdep(f, module);

	if (i < 0) {
		f->softdeps = xreallocarray(f->softdeps, f->n_softdeps + 1, sizeof(*f->softdeps));
		f->softdeps[f->n_softdeps] = (struct mf_softdep){ .module = xstrdup(module) };
		i = (int)f->n_softdeps++;
	}
	for (size_t j = 0; j < f->softdeps[i].pre.n; j++)
		if (modconf_module_eq(f->softdeps[i].pre.v[j], pre))
			return 0;
	strv_push(&f->softdeps[i].pre, pre, strlen(pre));
	return 1;
}

static int parse_override(struct modconf_file *f, const struct strv *w, const char *line)
{
	static const char prefix[] = "/bin/sh -c 'for d in ";
	const char *cmd = strstr(line, "/bin/sh -c '");
	struct strv addrs = { 0 };
	char *again = NULL;
	int r = 0;

	if (w->n < 3 || !modconf_module_eq(w->v[1], "vfio_pci") || !cmd || strncmp(cmd, prefix, strlen(prefix)))
		return 0;
	for (const char *p = cmd + strlen(prefix); *p && *p != ';';) {
		size_t l = strcspn(p, " ;");
		if (l)
			strv_push(&addrs, p, l);
		p += l;
		while (*p == ' ')
			p++;
	}
	again = override_command(&addrs);
	if (addrs.n && !strcmp(again, cmd)) {
		for (size_t i = 0; i < addrs.n; i++)
			if (strv_find(&f->overrides, addrs.v[i]) < 0)
				strv_push(&f->overrides, addrs.v[i], strlen(addrs.v[i]));
		r = 1;
	}
	free(again);
	strv_free(&addrs);
	return r;
}

static void parse_file_line(void *ud, const char *line, unsigned lineno)
{
	struct modconf_file *f = ud;
	struct strv w = { 0 };

	(void)lineno;
	/* A quote never closed runs to the end of the line (for kmod too):
	 * whatever gpuvirt added to it would be inside the quotes, so the
	 * line is kept as it is and gpuvirt's own go on lines of their own. */
	if (!tokenize(line, &w))
		goto other;
	if (w.n == 2 && !strcmp(w.v[0], "blacklist")) {
		modconf_file_add_blacklist(f, w.v[1]);
		goto out;
	}
	if (w.n >= 3 && !strcmp(w.v[0], "options")) {
		struct mf_options *o = mf_options_entry(f, w.v[1]);
		for (size_t j = 2; j < w.n; j++) {
			if (modconf_module_eq(w.v[1], "vfio_pci") && !strncmp(w.v[j], "ids=", 4)) {
				char *ids = xstrdup(w.v[j] + 4), *save = NULL;
				for (char *id = strtok_r(ids, ",", &save); id; id = strtok_r(NULL, ",", &save))
					modconf_file_add_vfio_id(f, id);
				free(ids);
			} else {
				mf_set_word(o, w.v[j]);
			}
		}
		goto out;
	}
	if (w.n >= 4 && !strcmp(w.v[0], "softdep") && !strcmp(w.v[2], "pre:")) {
		bool plain = true;
		for (size_t j = 3; j < w.n; j++)
			plain &= !!strcmp(w.v[j], "post:");
		if (plain) {
			for (size_t j = 3; j < w.n; j++)
				mf_add_softdep(f, w.v[1], w.v[j]);
			goto out;
		}
	}
	if (w.n >= 3 && !strcmp(w.v[0], "install") && parse_override(f, &w, line))
		goto out;
other:
	if (strv_find(&f->others, line) < 0)
		strv_push(&f->others, line, strlen(line));
out:
	strv_free(&w);
}

struct modconf_file *modconf_file_parse(const char *content)
{
	struct modconf_file *f = xcalloc(1, sizeof(*f));

	for_each_line(content, parse_file_line, f);
	return f;
}

void modconf_file_free(struct modconf_file *f)
{
	if (!f)
		return;
	strv_free(&f->blacklists);
	for (size_t i = 0; i < f->n_options; i++) {
		free(f->options[i].module);
		strv_free(&f->options[i].words);
	}
	free(f->options);
	for (size_t i = 0; i < f->n_softdeps; i++) {
		free(f->softdeps[i].module);
		strv_free(&f->softdeps[i].pre);
	}
	free(f->softdeps);
	strv_free(&f->overrides);
	strv_free(&f->others);
	free(f);
}

bool modconf_file_is_empty(const struct modconf_file *f)
{
	size_t n_words = 0;

	for (size_t i = 0; i < f->n_options; i++)
		n_words += f->options[i].words.n;
	return !f->blacklists.n && !n_words && !f->n_softdeps && !f->overrides.n && !f->others.n;
}

bool modconf_file_has_blacklist(const struct modconf_file *f, const char *module)
{
	for (size_t i = 0; i < f->blacklists.n; i++)
		if (modconf_module_eq(f->blacklists.v[i], module))
			return true;
	return false;
}

int modconf_file_add_blacklist(struct modconf_file *f, const char *module)
{
	if (modconf_file_has_blacklist(f, module))
		return 0;
	strv_push(&f->blacklists, module, strlen(module));
	return 1;
}

bool modconf_file_has_option(const struct modconf_file *f, const char *module, const char *option)
{
	int i = mf_find_options(f, module);

	if (i < 0)
		return false;
	return strv_find(&f->options[i].words, option) >= 0;
}

int modconf_file_add_option(struct modconf_file *f, const char *module, const char *option)
{
	if (!*option || *option == '=')
		return -EINVAL;
	return mf_set_word(mf_options_entry(f, module), option);
}

int modconf_file_add_vfio_id(struct modconf_file *f, const char *id)
{
	struct mf_options *o = mf_options_entry(f, "vfio-pci");
	char *joined;
	size_t at;

	for (at = 0; at < o->words.n; at++)
		if (!strncmp(o->words.v[at], "ids=", 4))
			break;
	if (at == o->words.n) {
		joined = xasprintf("ids=%s", id);
		strv_push(&o->words, joined, strlen(joined));
		free(joined);
		return 1;
	}
	/* Already listed? */
	for (const char *p = o->words.v[at] + 4; *p;) {
		size_t l = strcspn(p, ",");
		if (l == strlen(id) && !strncmp(p, id, l))
			return 0;
		p += l;
		if (*p == ',')
			p++;
	}
	joined = xasprintf("%s%s%s", o->words.v[at], o->words.v[at][4] ? "," : "", id);
	free(o->words.v[at]);
	o->words.v[at] = joined;
	return 1;
}

bool modconf_file_has_softdep_pre(const struct modconf_file *f, const char *module, const char *pre)
{
	int i = mf_find_softdep(f, module);

	if (i < 0)
		return false;
	for (size_t j = 0; j < f->softdeps[i].pre.n; j++)
		if (modconf_module_eq(f->softdeps[i].pre.v[j], pre))
			return true;
	return false;
}

int modconf_file_add_softdep_pre(struct modconf_file *f, const char *module, const char *pre)
{
	return mf_add_softdep(f, module, pre);
}

int modconf_file_add_override(struct modconf_file *f, const char *address)
{
	if (strv_find(&f->overrides, address) >= 0)
		return 0;
	strv_push(&f->overrides, address, strlen(address));
	return 1;
}

/* TEXT, never ending in an unpaired backslash: kmod would join the next
 * line to it and read an option the preview never showed. */
static void put_text(struct buf *b, const char *text)
{
	size_t len = strlen(text), run = 0;

	while (run < len && text[len - 1 - run] == '\\')
		run++;
	buf_puts(b, text);
	if (run % 2)
		buf_putc(b, '\\');
}

static void put_word(struct buf *b, const char *word)
{
	buf_putc(b, ' ');
	put_text(b, word);
}

char *modconf_file_render(const struct modconf_file *f)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "# Written by gpuvirt (module blacklists, vfio-pci binding). Undo with\n"
		     "# `gpuvirt undo`, or delete this file and regenerate the initramfs.\n");
	for (size_t i = 0; i < f->blacklists.n; i++) {
		buf_puts(&b, "blacklist");
		put_word(&b, f->blacklists.v[i]);
		buf_putc(&b, '\n');
	}
	for (size_t i = 0; i < f->n_options; i++) {
		if (!f->options[i].words.n)
			continue;
		buf_puts(&b, "options");
		put_word(&b, f->options[i].module);
		for (size_t j = 0; j < f->options[i].words.n; j++)
			put_word(&b, f->options[i].words.v[j]);
		buf_putc(&b, '\n');
	}
	for (size_t i = 0; i < f->n_softdeps; i++) {
		buf_puts(&b, "softdep");
		put_word(&b, f->softdeps[i].module);
		buf_puts(&b, " pre:");
		for (size_t j = 0; j < f->softdeps[i].pre.n; j++)
			put_word(&b, f->softdeps[i].pre.v[j]);
		buf_putc(&b, '\n');
	}
	if (f->overrides.n) {
		char *cmd = override_command(&f->overrides);
		buf_printf(&b, "install vfio_pci %s\n", cmd);
		free(cmd);
	}
	for (size_t i = 0; i < f->others.n; i++) {
		put_text(&b, f->others.v[i]);
		buf_putc(&b, '\n');
	}
	return buf_steal(&b);
}

/* ---- modules-load.d ---- */

size_t modconf_vfio_modules(const char *kernel_release, const char *ret[4])
{
	unsigned major = 0, minor = 0;
	size_t n = 0;

	ret[n++] = "vfio";
	ret[n++] = "vfio_iommu_type1";
	ret[n++] = "vfio_pci";
	if (kernel_release && sscanf(kernel_release, "%u.%u", &major, &minor) == 2 &&
	    (major < 6 || (major == 6 && minor < 2)))
		ret[n++] = "vfio_virqfd";
	return n;
}

static void autoload_line(void *ud, const char *line, unsigned lineno)
{
	struct strv *s = ud;
	size_t l = strcspn(line, " \t\r");

	(void)lineno;
	/* no module name ends in a backslash, and written back it would join
	 * the next line */
	if (l && line[l - 1] == '\\') {
		gv_log(GV_LOG_WARN, "modules-load.d: dropped '%.*s': not a module name", (int)l, line);
		return;
	}
	for (size_t i = 0; i < s->n; i++)
		if (strlen(s->v[i]) == l && !strncmp(s->v[i], line, l))
			return;
	strv_push(s, line, l);
}

int modconf_autoload_add(const char *content, const char *const *modules, size_t n_modules,
			 char **ret_content)
{
	struct strv names = { 0 };
	struct buf b = BUF_INIT;
	bool added = false;

	for_each_line(content, autoload_line, &names);
	for (size_t i = 0; i < n_modules; i++) {
		bool have = false;
		for (size_t j = 0; j < names.n && !have; j++)
			have = modconf_module_eq(names.v[j], modules[i]);
		if (!have) {
			strv_push(&names, modules[i], strlen(modules[i]));
			added = true;
		}
	}
	if (!added) {
		*ret_content = xstrdup(content ? content : "");
		strv_free(&names);
		return 0;
	}
	buf_puts(&b, "# Written by gpuvirt: modules to load at boot for vfio-pci. Undo with\n"
		     "# `gpuvirt undo`, or delete this file.\n");
	for (size_t i = 0; i < names.n; i++)
		buf_printf(&b, "%s\n", names.v[i]);
	*ret_content = buf_steal(&b);
	strv_free(&names);
	return 1;
}
