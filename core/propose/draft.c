/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/plan/plan.h"
#include "core/propose/draft.h"
#include "core/util/xalloc.h"

struct draft {
	struct change *changes;
	size_t n;
	struct propose_opts opts;
};

struct draft *draft_new(void)
{
	return xcalloc(1, sizeof(struct draft));
}

void draft_free(struct draft *d)
{
	if (!d)
		return;
	draft_clear(d);
	free(d);
}

struct draft *draft_copy(const struct draft *d)
{
	struct draft *c = draft_new();

	c->opts = d->opts;
	for (size_t i = 0; i < d->n; i++)
		draft_add(c, &d->changes[i]);
	return c;
}

static bool str_equal(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

bool draft_change_equal(const struct change *a, const struct change *b)
{
	return a->kind == b->kind && !strcmp(a->address, b->address) && str_equal(a->arg, b->arg) &&
	       a->count == b->count;
}

bool draft_has(const struct draft *d, const struct change *c)
{
	for (size_t i = 0; i < d->n; i++)
		if (draft_change_equal(&d->changes[i], c))
			return true;
	return false;
}

bool draft_add(struct draft *d, const struct change *c)
{
	if (draft_has(d, c))
		return false;
	d->changes = xreallocarray(d->changes, d->n + 1, sizeof(*d->changes));
	d->changes[d->n] = *c;
	d->changes[d->n].arg = c->arg ? xstrdup(c->arg) : NULL;
	d->n++;
	return true;
}

int draft_add_option(struct draft *d, enum change_kind kind, const char *arg, struct gv_error *err)
{
	struct change c;
	int r = change_parse(kind, arg, &c, err);

	if (r < 0)
		return r;
	draft_add(d, &c);
	change_clear(&c);
	return 0;
}

bool draft_remove(struct draft *d, const struct change *c)
{
	for (size_t i = 0; i < d->n; i++) {
		if (!draft_change_equal(&d->changes[i], c))
			continue;
		change_clear(&d->changes[i]);
		memmove(&d->changes[i], &d->changes[i + 1], (d->n - i - 1) * sizeof(*d->changes));
		d->n--;
		return true;
	}
	return false;
}

void draft_clear(struct draft *d)
{
	for (size_t i = 0; i < d->n; i++)
		change_clear(&d->changes[i]);
	free(d->changes);
	d->changes = NULL;
	d->n = 0;
}

size_t draft_n(const struct draft *d)
{
	return d->n;
}

const struct change *draft_get(const struct draft *d, size_t i)
{
	return i < d->n ? &d->changes[i] : NULL;
}

void draft_set_boot_loader(struct draft *d, enum boot_loader l)
{
	d->opts.boot_loader = l;
}

enum boot_loader draft_boot_loader(const struct draft *d)
{
	return d->opts.boot_loader;
}

void draft_set_force_boot_gpu(struct draft *d, bool force)
{
	d->opts.force_boot_gpu = force;
}

bool draft_force_boot_gpu(const struct draft *d)
{
	return d->opts.force_boot_gpu;
}

void draft_set_sriov(struct draft *d, const struct sriov_opts *o)
{
	d->opts.sriov = *o;
}

const struct sriov_opts *draft_sriov(const struct draft *d)
{
	return &d->opts.sriov;
}

/* The argument word of a change, as its option takes it; NULL for --iommu. */
static char *change_word(const struct change *c)
{
	switch (c->kind) {
	case CHANGE_IOMMU:
		return NULL;
	case CHANGE_VFIO:
		return xstrdup(c->address);
	case CHANGE_VFS:
		return xasprintf("%s=%u", c->address, c->count);
	case CHANGE_MDEV:
		return xasprintf("%s:%s=%u", c->address, c->arg ? c->arg : "", c->count);
	case CHANGE_VGPU:
		return xasprintf("%s=%u", c->address, c->count);
	default:
		return xstrdup(c->arg ? c->arg : "");
	}
}

char **draft_argv(const struct draft *d, const char *verb)
{
	/* verb, --bootloader NAME, --force-boot-gpu, --vfs-driver NAME,
	 * --boot-only, --force-vfs-in-use, two words a change, NULL */
	char **argv = xcalloc(8 + 2 * d->n + 1, sizeof(*argv));
	size_t n = 0;

	argv[n++] = xstrdup(verb);
	if (d->opts.boot_loader != BOOT_AUTO) {
		argv[n++] = xstrdup("--bootloader");
		argv[n++] = xstrdup(boot_loader_name(d->opts.boot_loader));
	}
	if (d->opts.force_boot_gpu)
		argv[n++] = xstrdup("--force-boot-gpu");
	if (d->opts.sriov.vf_driver != SRIOV_VF_HOST) {
		argv[n++] = xstrdup("--vfs-driver");
		argv[n++] = xstrdup(sriov_vf_driver_name(d->opts.sriov.vf_driver));
	}
	if (d->opts.sriov.boot_only)
		argv[n++] = xstrdup("--boot-only");
	if (d->opts.sriov.force_in_use)
		argv[n++] = xstrdup("--force-vfs-in-use");
	for (size_t i = 0; i < d->n; i++) {
		char *word = change_word(&d->changes[i]);

		argv[n++] = xstrdup(change_kind_option(d->changes[i].kind));
		if (word)
			argv[n++] = word;
	}
	argv[n] = NULL;
	return argv;
}

void draft_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

static int build(const struct change *changes, size_t n, const struct propose_opts *opts,
		 const struct host *h, const struct sysconf *sc, const char *root, struct plan **ret, struct gv_error *err)
{
	struct plan *p = NULL;
	int r = plan_new(root, &p);

	if (r < 0)
		return gv_error_set(err, r, "%s: %s", root, strerror(-r));
	if (n > 0) {
		r = propose_build(h, sc, root, changes, n, opts, p, err);
		if (r < 0) {
			plan_free(p);
			return r;
		}
	}
	*ret = p;
	return 0;
}

int draft_build_plan(const struct draft *d, const struct host *h, const struct sysconf *sc, const char *root,
		     struct plan **ret, struct gv_error *err)
{
	return build(d->changes, d->n, &d->opts, h, sc, root, ret, err);
}

int draft_change_pending(const struct draft *d, size_t i, const struct host *h, const struct sysconf *sc, const char *root,
			 bool *ret_pending, struct gv_error *err)
{
	struct plan *p = NULL;
	int r;

	if (i >= d->n)
		return -EINVAL;
	r = build(&d->changes[i], 1, &d->opts, h, sc, root, &p, err);
	if (r < 0)
		return r;
	*ret_pending = !plan_is_empty(p);
	plan_free(p);
	return 0;
}
