/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/util/buf.h"
#include "core/util/fsutil.h"
#include "core/propose/initramfs.h"
#include "core/util/log.h"
#include "core/scan/modconf.h"

struct tool_info {
	const char *name;
	const char *evidence[3];   /* configuration it leaves under the root */
	const char *program[4];    /* where its program lives under the root */
	const char *modules_file;
	const char *const regen[5];
};

static const struct tool_info tools[] = {
	[INITRAMFS_NONE] = { .name = "none" },
	[INITRAMFS_TOOLS] = {
		.name = "initramfs-tools",
		.evidence = { "etc/initramfs-tools" },
		.program = { "usr/sbin/update-initramfs", "sbin/update-initramfs" },
		.modules_file = "etc/initramfs-tools/modules",
		.regen = { "update-initramfs", "-u", "-k", "all", NULL },
	},
	[INITRAMFS_DRACUT] = {
		.name = "dracut",
		.evidence = { "etc/dracut.conf.d", "etc/dracut.conf" },
		.program = { "usr/bin/dracut", "usr/sbin/dracut", "sbin/dracut", "bin/dracut" },
		.modules_file = "etc/dracut.conf.d/gpuvirt.conf",
		.regen = { "dracut", "-f", "--regenerate-all", NULL },
	},
	[INITRAMFS_MKINITCPIO] = {
		.name = "mkinitcpio",
		.evidence = { "etc/mkinitcpio.conf", "etc/mkinitcpio.conf.d" },
		.program = { "usr/bin/mkinitcpio", "bin/mkinitcpio" },
		.modules_file = "etc/mkinitcpio.conf.d/gpuvirt.conf",
		.regen = { "mkinitcpio", "-P", NULL },
	},
};
#define N_TOOLS (sizeof(tools) / sizeof(tools[0]))

/* Preferred when the evidence is ambiguous and no program settles it:
 * distributions that moved on (Ubuntu to dracut) leave the old tool's
 * directory behind, never the other way round. */
static const enum initramfs_tool preference[] = { INITRAMFS_DRACUT, INITRAMFS_MKINITCPIO, INITRAMFS_TOOLS };

static bool exists_in_root(const char *root, const char *rel)
{
	char *path = fsutil_join(root, rel);
	struct stat st;
	bool r = lstat(path, &st) == 0;

	free(path);
	return r;
}

static const char *evidence_of(const char *root, enum initramfs_tool t)
{
	for (size_t i = 0; i < 3 && tools[t].evidence[i]; i++)
		if (exists_in_root(root, tools[t].evidence[i]))
			return tools[t].evidence[i];
	return NULL;
}

static bool program_of(const char *root, enum initramfs_tool t)
{
	for (size_t i = 0; i < 4 && tools[t].program[i]; i++)
		if (exists_in_root(root, tools[t].program[i]))
			return true;
	return false;
}

int initramfs_detect(const char *root, enum initramfs_tool *ret_tool, const char **ret_evidence)
{
	enum initramfs_tool found[N_TOOLS], chosen = INITRAMFS_NONE;
	size_t n = 0, n_prog = 0;

	for (size_t i = 0; i < sizeof(preference) / sizeof(preference[0]); i++)
		if (evidence_of(root, preference[i]))
			found[n++] = preference[i];
	if (n == 1) {
		chosen = found[0];
	} else if (n > 1) {
		for (size_t i = 0; i < n; i++) {
			if (program_of(root, found[i])) {
				if (!n_prog)
					chosen = found[i];
				n_prog++;
			}
		}
		if (!n_prog)
			chosen = found[0];
		gv_log(GV_LOG_WARN, "configuration of both %s (%s) and %s (%s) is present; using %s%s",
		       tools[found[0]].name, evidence_of(root, found[0]), tools[found[1]].name,
		       evidence_of(root, found[1]), tools[chosen].name,
		       n_prog == 1 ? ", the one installed" : "");
	}
	*ret_tool = chosen;
	if (ret_evidence)
		*ret_evidence = chosen == INITRAMFS_NONE ? NULL : evidence_of(root, chosen);
	return 0;
}

const char *initramfs_tool_name(enum initramfs_tool tool)
{
	if ((size_t)tool >= N_TOOLS)
		return "none";
	return tools[tool].name;
}

const char *initramfs_modules_file(enum initramfs_tool tool)
{
	if ((size_t)tool >= N_TOOLS)
		return NULL;
	return tools[tool].modules_file;
}

const char *const *initramfs_regen_argv(enum initramfs_tool tool)
{
	if (tool == INITRAMFS_NONE || (size_t)tool >= N_TOOLS)
		return NULL;
	return tools[tool].regen;
}

/* ---- module lists in each tool's syntax ---- */

struct names {
	char **v;
	size_t n;
};

static void names_free(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

static bool names_has(const struct names *s, const char *m)
{
	for (size_t i = 0; i < s->n; i++)
		if (modconf_module_eq(s->v[i], m))
			return true;
	return false;
}

static int names_add(struct names *s, const char *m, size_t len)
{
	char **v;
	char *copy = strndup(m, len);

	if (!copy)
		return -ENOMEM;
	if (names_has(s, copy)) {
		free(copy);
		return 0;
	}
	v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (!v) {
		free(copy);
		return -ENOMEM;
	}
	s->v = v;
	s->v[s->n++] = copy;
	return 0;
}

/* Words of S separated by blanks, up to STOP (or the end). */
static int add_words(struct names *s, const char *p, const char *stop)
{
	int r = 0;

	while (r >= 0 && *p && (!stop || p < stop)) {
		size_t l;

		while (*p == ' ' || *p == '\t')
			p++;
		l = strcspn(p, " \t\"\n)");
		if (stop && p + l > stop)
			l = (size_t)(stop - p);
		if (!l)
			break;
		if (p[0] != '$')  /* "${MODULES[@]}" */
			r = names_add(s, p, l);
		p += l;
	}
	return r;
}

/* initramfs-tools: one module (and its arguments) per line. */
static int tools_listed(const char *content, struct names *s)
{
	const char *p = content;
	int r = 0;

	while (p && *p && r >= 0) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *w = p;

		while (w < p + len && (*w == ' ' || *w == '\t'))
			w++;
		if (w < p + len && *w != '#')
			r = names_add(s, w, strcspn(w, " \t\r\n"));
		p = nl ? nl + 1 : NULL;
	}
	return r;
}

/* Lines of our own drop-in matching PREFIX; their modules go to S, other lines to KEEP. */
static int dropin_listed(const char *content, const char *const *prefixes, struct names *s, struct buf *keep)
{
	const char *p = content;
	int r = 0;

	while (p && *p && r >= 0) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		bool ours = false;

		for (size_t i = 0; prefixes[i] && !ours; i++) {
			size_t pl = strlen(prefixes[i]);
			if (len >= pl && !strncmp(p, prefixes[i], pl)) {
				const char *end = memchr(p + pl, prefixes[i][pl - 1] == '(' ? ')' : '"', len - pl);
				r = add_words(s, p + pl, end ? end : p + len);
				ours = true;
			}
		}
		if (!ours && len && p[0] != '#') {
			buf_append(keep, p, len);
			buf_putc(keep, '\n');
		}
		p = nl ? nl + 1 : NULL;
	}
	return r;
}

static const char header_fmt[] = "# Written by gpuvirt: vfio modules in the initramfs (%s). Undo with\n"
				 "# `gpuvirt undo`, or delete this file and rebuild the initramfs.\n";

int initramfs_add_modules(enum initramfs_tool tool, const char *content, const char *const *modules,
			  size_t n_modules, char **ret_content, struct gv_error *err)
{
	static const char *const dracut_prefixes[] = { "force_drivers+=\"", "add_drivers+=\"", NULL };
	static const char *const mkinitcpio_prefixes[] = { "MODULES=(", "MODULES+=(", NULL };
	struct names listed = { 0 };
	struct buf out = BUF_INIT, keep = BUF_INIT;
	bool missing = false;
	int r;

	if (tool == INITRAMFS_NONE || (size_t)tool >= N_TOOLS) {
		r = gv_error_set(err, -EINVAL, "no initramfs tool to add modules to");
		goto out;
	}
	if (tool == INITRAMFS_TOOLS)
		r = tools_listed(content, &listed);
	else
		r = dropin_listed(content, tool == INITRAMFS_DRACUT ? dracut_prefixes : mkinitcpio_prefixes,
				  &listed, &keep);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < n_modules; i++)
		missing |= !names_has(&listed, modules[i]);
	if (!missing) {
		char *copy = strdup(content ? content : "");
		if (!copy) {
			r = -ENOMEM;
			goto out;
		}
		*ret_content = copy;
		r = 0;
		goto out;
	}

	switch (tool) {
	case INITRAMFS_TOOLS:
		/* Not our file: append, and say who added the lines. */
		if (content && *content) {
			buf_puts(&out, content);
			if (content[strlen(content) - 1] != '\n')
				buf_putc(&out, '\n');
		} else {
			buf_puts(&out, "# Modules to include in the initramfs, one per line (initramfs-tools(8)).\n");
		}
		buf_puts(&out, "# Added by gpuvirt for vfio-pci at boot; `gpuvirt undo` removes them.\n");
		for (size_t i = 0; i < n_modules; i++)
			if (!names_has(&listed, modules[i]))
				buf_printf(&out, "%s\n", modules[i]);
		break;
	case INITRAMFS_DRACUT:
		/* A file without .conf is ignored by dracut; ours ends in .conf. */
		buf_printf(&out, header_fmt, "dracut");
		for (size_t i = 0; i < n_modules; i++)
			if ((r = names_add(&listed, modules[i], strlen(modules[i]))) < 0)
				goto out;
		buf_puts(&out, "force_drivers+=\" ");
		for (size_t i = 0; i < listed.n; i++)
			buf_printf(&out, "%s ", listed.v[i]);
		buf_puts(&out, "\"\n");
		buf_puts(&out, buf_str(&keep));
		break;
	case INITRAMFS_MKINITCPIO:
		/* Prepend to whatever mkinitcpio.conf lists instead of replacing it. */
		buf_printf(&out, header_fmt, "mkinitcpio");
		for (size_t i = 0; i < n_modules; i++)
			if ((r = names_add(&listed, modules[i], strlen(modules[i]))) < 0)
				goto out;
		buf_puts(&out, "MODULES=(");
		for (size_t i = 0; i < listed.n; i++)
			buf_printf(&out, "%s ", listed.v[i]);
		buf_puts(&out, "\"${MODULES[@]}\")\n");
		buf_puts(&out, buf_str(&keep));
		break;
	default:
		break;
	}
	*ret_content = buf_steal(&out);
	r = 1;
out:
	names_free(&listed);
	buf_free(&out);
	buf_free(&keep);
	return r;
}
