/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/propose/assign.h"
#include "core/propose/change.h"
#include "core/scan/mdevconf.h"
#include "core/util/buf.h"
#include "core/util/text.h"
#include "core/util/xalloc.h"

/* The kernel's MODULE_NAME_LEN is 64 minus a pointer. */
#define MODULE_NAME_MAX 55
/* COMMAND_LINE_SIZE on x86 is 2048; one argument cannot be longer. */
#define CMDLINE_ARG_MAX 2047
/* The kernel's sriov_totalvfs is 16 bits; mdev counts are far smaller. */
#define COUNT_MAX 65535

static const char *const option_names[_CHANGE_KIND_MAX] = {
	[CHANGE_IOMMU] = "--iommu",
	[CHANGE_CMDLINE_ADD] = "--cmdline-add",
	[CHANGE_CMDLINE_REMOVE] = "--cmdline-remove",
	[CHANGE_BLACKLIST] = "--blacklist",
	[CHANGE_VFIO] = "--vfio",
	[CHANGE_VFS] = "--vfs",
	[CHANGE_MDEV] = "--mdev",
	[CHANGE_MDEV_REMOVE] = "--mdev-remove",
	[CHANGE_VGPU] = "--vgpu",
	[CHANGE_ASSIGN] = "--assign",
};

const char *change_kind_option(enum change_kind kind)
{
	if ((unsigned)kind >= _CHANGE_KIND_MAX)
		return "--?";
	return option_names[kind];
}

int change_kind_from_option(const char *name, enum change_kind *ret)
{
	if (!name)
		return -ENOENT;
	while (*name == '-')
		name++;
	for (int k = 0; k < _CHANGE_KIND_MAX; k++) {
		if (!strcmp(option_names[k] + 2, name)) {
			*ret = (enum change_kind)k;
			return 0;
		}
	}
	return -ENOENT;
}

int change_kind_has_arg(enum change_kind kind)
{
	return kind != CHANGE_IOMMU;
}

static bool is_ctrl(char c)
{
	return (unsigned char)c < 0x20 || c == 0x7f;
}

/* A module name as kmod knows it: letters, digits, '_' and '-'. */
static int parse_module(const char *arg, char **ret, struct gv_error *err)
{
	size_t n = strlen(arg);
	char *m;

	if (n == 0)
		return gv_error_set(err, -EINVAL, "--blacklist: empty module name");
	if (n > MODULE_NAME_MAX)
		return gv_error_set(err, -EINVAL, "--blacklist %.60s...: module names are at most %d characters",
				    arg, MODULE_NAME_MAX);
	for (size_t i = 0; i < n; i++)
		if (is_ctrl(arg[i]))
			return gv_error_set(err, -EINVAL, "--blacklist: control character in module name");
	for (size_t i = 0; i < n; i++) {
		char c = arg[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return gv_error_set(err, -EINVAL, "--blacklist %s: '%c' cannot be part of a module name",
					    arg, c);
	}
	m = xstrdup(arg);
	/* kmod treats '-' and '_' alike and reports names with '_'. */
	for (char *p = m; *p; p++)
		if (*p == '-')
			*p = '_';
	*ret = m;
	return 0;
}

/* One kernel argument: spaces only inside double quotes (dyndbg="file x +p"). */
static int check_cmdline_arg(const char *opt, const char *arg, bool is_key, struct gv_error *err)
{
	bool quoted = false;
	size_t n = strlen(arg);

	if (n == 0)
		return gv_error_set(err, -EINVAL, "%s: empty argument", opt);
	if (n > CMDLINE_ARG_MAX)
		return gv_error_set(err, -EINVAL, "%s: argument longer than the kernel's %d-byte command line",
				    opt, CMDLINE_ARG_MAX + 1);
	if (!strcmp(arg, "--"))
		return gv_error_set(err, -EINVAL, "%s --: '--' hands the rest of the line to init; refusing", opt);
	if (arg[0] == '=')
		return gv_error_set(err, -EINVAL, "%s %s: argument has no name before '='", opt, arg);
	for (size_t i = 0; i < n; i++) {
		if (is_ctrl(arg[i]))
			return gv_error_set(err, -EINVAL, "%s: control character in argument", opt);
		if (arg[i] == '"') {
			if (is_key)
				return gv_error_set(err, -EINVAL, "%s %s: a key has no quotes", opt, arg);
			quoted = !quoted;
		} else if (arg[i] == ' ' && !quoted) {
			return gv_error_set(err, -EINVAL, "%s '%s': one kernel argument at a time (repeat the option)",
					    opt, arg);
		}
	}
	if (quoted)
		return gv_error_set(err, -EINVAL, "%s %s: unbalanced double quote", opt, arg);
	return 0;
}

static int parse_count(const char *opt, const char *whole, const char *s, unsigned min, unsigned *ret,
		       struct gv_error *err)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return gv_error_set(err, -EINVAL, "%s %s: '%s' is not a number", opt, whole, s);
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > COUNT_MAX)
		return gv_error_set(err, -EINVAL, "%s %s: '%s' is not a number up to %d", opt, whole, s, COUNT_MAX);
	if (v < min)
		return gv_error_set(err, -EINVAL, "%s %s: the count must be at least %u", opt, whole, min);
	*ret = (unsigned)v;
	return 0;
}

/* NVIDIA's vGPU type ids are decimal and positive; 0 sets none. */
static int parse_type_id(const char *opt, const char *whole, const char *s, unsigned *ret, struct gv_error *err)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return gv_error_set(err, -EINVAL, "%s %s: '%s' is not a vGPU type id (a number, 0 for none)", opt,
				    whole, s);
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 0x7fffffff)
		return gv_error_set(err, -EINVAL, "%s %s: '%s' is not a vGPU type id (a number, 0 for none)", opt,
				    whole, s);
	*ret = (unsigned)v;
	return 0;
}

static int parse_address(const char *opt, const char *whole, const char *s, struct pciaddr *ret,
			 struct gv_error *err)
{
	if (pciaddr_parse(s, ret) < 0)
		return gv_error_set(err, -EINVAL,
				    "%s %s: '%s' is not a PCI address (0000:41:00.0 or 41:00.0)", opt, whole, s);
	return 0;
}

int change_parse(enum change_kind kind, const char *arg, struct change *ret, struct gv_error *err)
{
	struct change c = { .kind = kind };
	const char *opt = change_kind_option(kind);
	char *copy = NULL, *sep;
	int r;

	if ((unsigned)kind >= _CHANGE_KIND_MAX)
		return gv_error_set(err, -EINVAL, "unknown change kind %d", (int)kind);
	if (change_kind_has_arg(kind) && !arg)
		return gv_error_set(err, -EINVAL, "%s needs an argument", opt);
	if (!change_kind_has_arg(kind) && arg)
		return gv_error_set(err, -EINVAL, "%s takes no argument", opt);
	/* Arguments are echoed in one-line errors and written to config files. */
	for (const char *q = arg; q && *q; q++)
		if (is_ctrl(*q))
			return gv_error_set(err, -EINVAL, "%s: control character in argument", opt);
	/* ... and end up in JSON (plan --json), which is UTF-8 */
	if (arg && !text_utf8_valid(arg))
		return gv_error_set(err, -EINVAL, "%s: the argument is not valid UTF-8", opt);

	switch (kind) {
	case CHANGE_IOMMU:
		break;
	case CHANGE_CMDLINE_ADD:
	case CHANGE_CMDLINE_REMOVE:
		r = check_cmdline_arg(opt, arg, kind == CHANGE_CMDLINE_REMOVE, err);
		if (r < 0)
			goto out;
		c.arg = xstrdup(arg);
		break;
	case CHANGE_BLACKLIST:
		r = parse_module(arg, &c.arg, err);
		if (r < 0)
			goto out;
		break;
	case CHANGE_VFIO:
		r = parse_address(opt, arg, arg, &c.addr, err);
		if (r < 0)
			goto out;
		break;
	case CHANGE_VFS:
		copy = xstrdup(arg);
		sep = strchr(copy, '=');
		if (!sep) {
			r = gv_error_set(err, -EINVAL, "%s %s: expected ADDRESS=N (0000:00:02.0=3)", opt, arg);
			goto out;
		}
		*sep = '\0';
		r = parse_address(opt, arg, copy, &c.addr, err);
		if (r < 0)
			goto out;
		r = parse_count(opt, arg, sep + 1, 0, &c.count, err);
		if (r < 0)
			goto out;
		break;
	case CHANGE_MDEV: {
		/* The address has colons of its own: the type starts after the
		 * first ':' that follows the function's '.'. */
		char *dot, *eq;

		copy = xstrdup(arg);
		dot = strchr(copy, '.');
		sep = dot ? strchr(dot, ':') : NULL;
		if (!sep) {
			r = gv_error_set(err, -EINVAL, "%s %s: expected PARENT:TYPE[=COUNT] (0000:41:00.0:nvidia-300=2)",
					 opt, arg);
			goto out;
		}
		*sep = '\0';
		r = parse_address(opt, arg, copy, &c.addr, err);
		if (r < 0)
			goto out;
		eq = strchr(sep + 1, '=');
		c.count = 1;
		if (eq) {
			*eq = '\0';
			r = parse_count(opt, arg, eq + 1, 0, &c.count, err);
			if (r < 0)
				goto out;
		}
		if (!sep[1]) {
			r = gv_error_set(err, -EINVAL, "%s %s: empty mdev type", opt, arg);
			goto out;
		}
		for (const char *t = sep + 1; *t; t++) {
			if (!((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || (*t >= '0' && *t <= '9') ||
			      *t == '_' || *t == '-' || *t == '.')) {
				r = gv_error_set(err, -EINVAL, "%s %s: '%c' cannot be part of an mdev type",
						 opt, arg, is_ctrl(*t) ? '?' : *t);
				goto out;
			}
		}
		c.arg = xstrdup(sep + 1);
		break;
	}
	case CHANGE_MDEV_REMOVE:
		if (!mdevconf_uuid_ok(arg)) {
			r = gv_error_set(err, -EINVAL, "%s %s: not an mdev UUID (8-4-4-4-12 hex digits, "
					 "634fc146-50a3-4960-ac30-f09e5cedc674)", opt, arg);
			goto out;
		}
		c.arg = xstrdup(arg);
		for (char *p = c.arg; *p; p++)
			if (*p >= 'A' && *p <= 'F')
				*p = (char)(*p - 'A' + 'a');
		break;
	case CHANGE_VGPU:
		copy = xstrdup(arg);
		sep = strchr(copy, '=');
		if (!sep) {
			r = gv_error_set(err, -EINVAL, "%s %s: expected VF=TYPE_ID (0000:17:00.4=1145)", opt, arg);
			goto out;
		}
		*sep = '\0';
		r = parse_address(opt, arg, copy, &c.addr, err);
		if (r < 0)
			goto out;
		r = parse_type_id(opt, arg, sep + 1, &c.count, err);
		if (r < 0)
			goto out;
		break;
	case CHANGE_ASSIGN: {
		struct assign_spec a;

		r = assign_spec_parse(arg, &a, err);
		if (r < 0)
			goto out;
		c.arg = assign_spec_format(&a);
		if (pciaddr_parse(a.device, &c.addr) == 0)
			pciaddr_format(&c.addr, c.address);
		assign_spec_clear(&a);
		break;
	}
	default:
		break;
	}
	if (kind == CHANGE_VFIO || kind == CHANGE_VFS || kind == CHANGE_MDEV || kind == CHANGE_VGPU)
		pciaddr_format(&c.addr, c.address);
	*ret = c;
	c.arg = NULL;
	r = 0;
out:
	free(copy);
	free(c.arg);
	return r;
}

int change_array_add(struct change **array, size_t *n, const struct change *c)
{
	struct change *a = xreallocarray(*array, *n + 1, sizeof(*a));

	a[*n] = *c;
	a[*n].arg = xstrdup(c->arg);
	*array = a;
	(*n)++;
	return 0;
}

int change_parse_argv(int argc, char *const *argv, struct change **ret, size_t *ret_n,
		      struct gv_error *err)
{
	struct change *array = NULL;
	size_t n = 0;
	int r = 0;

	for (int i = 0; i < argc; i++) {
		struct change c;
		enum change_kind kind;
		const char *word = argv[i], *arg = NULL;
		char *name = NULL, *eq;

		if (strncmp(word, "--", 2) != 0) {
			r = gv_error_set(err, -EINVAL, "'%s': expected a CHANGE option (--vfio, --blacklist, ...)", word);
			goto out;
		}
		name = xstrdup(word);
		eq = strchr(name, '=');
		if (eq) {
			*eq = '\0';
			arg = word + (eq - name) + 1;
		}
		r = change_kind_from_option(name, &kind);
		free(name);
		if (r < 0) {
			r = gv_error_set(err, -EINVAL, "'%s' is not a CHANGE option", word);
			goto out;
		}
		if (change_kind_has_arg(kind) && !arg) {
			if (i + 1 >= argc) {
				r = gv_error_set(err, -EINVAL, "%s needs an argument", change_kind_option(kind));
				goto out;
			}
			arg = argv[++i];
		}
		r = change_parse(kind, arg, &c, err);
		if (r < 0)
			goto out;
		change_array_add(&array, &n, &c);
		change_clear(&c);
	}
	*ret = array;
	*ret_n = n;
	array = NULL;
	n = 0;
out:
	change_array_free(array, n);
	return r;
}

char *change_to_string(const struct change *c)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, change_kind_option(c->kind));
	switch (c->kind) {
	case CHANGE_IOMMU:
		break;
	case CHANGE_CMDLINE_ADD:
	case CHANGE_CMDLINE_REMOVE:
	case CHANGE_BLACKLIST:
		buf_printf(&b, " %s", c->arg ? c->arg : "");
		break;
	case CHANGE_VFIO:
		buf_printf(&b, " %s", c->address);
		break;
	case CHANGE_VFS:
		buf_printf(&b, " %s=%u", c->address, c->count);
		break;
	case CHANGE_MDEV:
		buf_printf(&b, " %s:%s=%u", c->address, c->arg ? c->arg : "", c->count);
		break;
	case CHANGE_MDEV_REMOVE:
		buf_printf(&b, " %s", c->arg ? c->arg : "");
		break;
	case CHANGE_VGPU:
		buf_printf(&b, " %s=%u", c->address, c->count);
		break;
	case CHANGE_ASSIGN: {
		struct assign_spec a;

		if (c->arg && assign_spec_parse(c->arg, &a, NULL) == 0) {
			char *d = assign_spec_describe(&a);
			buf_printf(&b, " %s", d);
			free(d);
			assign_spec_clear(&a);
		}
		break;
	}
	default:
		break;
	}
	return buf_steal(&b);
}

void change_clear(struct change *c)
{
	if (!c)
		return;
	free(c->arg);
	c->arg = NULL;
}

void change_array_free(struct change *array, size_t n)
{
	if (!array)
		return;
	for (size_t i = 0; i < n; i++)
		change_clear(&array[i]);
	free(array);
}
