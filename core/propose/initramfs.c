/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/buf.h"
#include "core/propose/initramfs.h"
#include "core/scan/modconf.h"
#include "core/util/xalloc.h"

struct tool_info {
	const char *modules_file;
	const char *const regen[5];
};

static const struct tool_info tools[] = {
	[INITRAMFS_NONE] = { 0 },
	[INITRAMFS_TOOLS] = {
		.modules_file = "etc/initramfs-tools/modules",
		.regen = { "update-initramfs", "-u", "-k", "all", NULL },
	},
	[INITRAMFS_DRACUT] = {
		.modules_file = "etc/dracut.conf.d/gpuvirt.conf",
		.regen = { "dracut", "-f", "--regenerate-all", NULL },
	},
	[INITRAMFS_MKINITCPIO] = {
		.modules_file = "etc/mkinitcpio.conf.d/gpuvirt.conf",
		.regen = { "mkinitcpio", "-P", NULL },
	},
};
#define N_TOOLS (sizeof(tools) / sizeof(tools[0]))

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

static void names_add(struct names *s, const char *m, size_t len)
{
	char *copy = xstrndup(m, len);

	if (names_has(s, copy)) {
		free(copy);
		return;
	}
	s->v = xreallocarray(s->v, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = copy;
}

/* Words of S separated by blanks, up to STOP (or the end). */
static void add_words(struct names *s, const char *p, const char *stop)
{
	while (*p && (!stop || p < stop)) {
		size_t l;

		while (*p == ' ' || *p == '\t')
			p++;
		l = strcspn(p, " \t\"\n)");
		if (stop && p + l > stop)
			l = (size_t)(stop - p);
		if (!l)
			break;
		if (p[0] != '$')  /* "${MODULES[@]}" */
			names_add(s, p, l);
		p += l;
	}
}

/* initramfs-tools: one module (and its arguments) per line. */
static void tools_listed(const char *content, struct names *s)
{
	const char *p = content;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *w = p;

		while (w < p + len && (*w == ' ' || *w == '\t'))
			w++;
		if (w < p + len && *w != '#')
			names_add(s, w, strcspn(w, " \t\r\n"));
		p = nl ? nl + 1 : NULL;
	}
}

/* Lines of our own drop-in matching PREFIX; their modules go to S, other lines to KEEP. */
static void dropin_listed(const char *content, const char *const *prefixes, struct names *s, struct buf *keep)
{
	const char *p = content;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		bool ours = false;

		for (size_t i = 0; prefixes[i] && !ours; i++) {
			size_t pl = strlen(prefixes[i]);
			if (len >= pl && !strncmp(p, prefixes[i], pl)) {
				const char *end = memchr(p + pl, prefixes[i][pl - 1] == '(' ? ')' : '"', len - pl);
				add_words(s, p + pl, end ? end : p + len);
				ours = true;
			}
		}
		if (!ours && len && p[0] != '#') {
			buf_append(keep, p, len);
			buf_putc(keep, '\n');
		}
		p = nl ? nl + 1 : NULL;
	}
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
		tools_listed(content, &listed);
	else
		dropin_listed(content, tool == INITRAMFS_DRACUT ? dracut_prefixes : mkinitcpio_prefixes,
			      &listed, &keep);
	for (size_t i = 0; i < n_modules; i++)
		missing |= !names_has(&listed, modules[i]);
	if (!missing) {
		*ret_content = xstrdup(content ? content : "");
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
			names_add(&listed, modules[i], strlen(modules[i]));
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
			names_add(&listed, modules[i], strlen(modules[i]));
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
