/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/plan/plan.h"
#include "core/propose/mdev.h"
#include "core/scan/mdevconf.h"
#include "core/util/fsutil.h"
#include "core/propose/assign.h"
#include "core/util/log.h"
#include "core/propose/propose.h"
#include "core/propose/sriov.h"
#include "core/util/exec.h"
#include "core/util/xalloc.h"
#include "tui/wizdraft.h"

/* One change of a toggle; false when ARG is not one change_parse() takes. */
static bool parse_one(enum change_kind kind, const char *arg, struct change *ret)
{
	struct gv_error err = { 0 };

	return change_parse(kind, arg, ret, &err) == 0;
}

bool wizdraft_toggle_on(const struct draft *d, enum change_kind kind, const char *const *args)
{
	const char *const none[] = { NULL, NULL };
	bool all = true;

	/* a kind without an argument is one change: one round with NULL */
	if (!change_kind_has_arg(kind))
		args = none;
	else if (!args || !*args)
		return false;
	for (size_t i = 0; all && (i == 0 || args[i]); i++) {
		struct change c;

		if (!parse_one(kind, args[i], &c))
			return false;
		all = draft_has(d, &c);
		change_clear(&c);
	}
	return all;
}

bool wizdraft_toggle(struct draft *d, enum change_kind kind, const char *const *args)
{
	const char *const none[] = { NULL, NULL };
	bool on = !wizdraft_toggle_on(d, kind, args);

	if (!change_kind_has_arg(kind))
		args = none;
	else if (!args || !*args)
		return false;
	for (size_t i = 0; i == 0 || args[i]; i++) {
		struct change c;

		if (!parse_one(kind, args[i], &c))
			continue;
		if (on)
			draft_add(d, &c);
		else
			draft_remove(d, &c);
		change_clear(&c);
	}
	return on;
}

bool wizdraft_picked(const struct draft *d, const char *address)
{
	struct change c;
	bool has;

	if (!parse_one(CHANGE_VFIO, address, &c))
		return false;
	has = draft_has(d, &c);
	change_clear(&c);
	return has;
}

void wizdraft_pick(struct draft *d, const char *address, bool forced)
{
	struct change c;

	if (!parse_one(CHANGE_VFIO, address, &c))
		return;
	draft_add(d, &c);
	change_clear(&c);
	if (forced)
		draft_set_force_boot_gpu(d, true);
}

void wizdraft_drop(struct draft *d, const struct host *h, const char *address)
{
	struct change c;
	bool guarded = false;

	if (!parse_one(CHANGE_VFIO, address, &c))
		return;
	draft_remove(d, &c);
	change_clear(&c);
	/* the force was given for a guarded device: once none is picked, a
	 * later pick must be confirmed again */
	for (size_t i = 0; i < draft_n(d) && !guarded; i++) {
		const struct change *k = draft_get(d, i);
		char *reason = NULL;

		if (k->kind == CHANGE_VFIO && propose_vfio_guard(h, k->address, &reason) > 0)
			guarded = true;
		free(reason);
	}
	if (!guarded)
		draft_set_force_boot_gpu(d, false);
}

int wizdraft_vfs(const struct draft *d, const char *address)
{
	for (size_t i = 0; i < draft_n(d); i++) {
		const struct change *c = draft_get(d, i);

		if (c->kind == CHANGE_VFS && !strcmp(c->address, address))
			return (int)c->count;
	}
	return -1;
}

void wizdraft_set_vfs(struct draft *d, const char *address, int count)
{
	struct change c;
	char *arg;
	int old;

	while ((old = wizdraft_vfs(d, address)) >= 0) {
		struct change drop = { .kind = CHANGE_VFS, .count = (unsigned)old };

		snprintf(drop.address, sizeof(drop.address), "%s", address);
		draft_remove(d, &drop);
	}
	if (count < 0)
		return;
	arg = xasprintf("%s=%d", address, count);
	if (parse_one(CHANGE_VFS, arg, &c)) {
		draft_add(d, &c);
		change_clear(&c);
	}
	free(arg);
}

/* The device of assign change C into RET (PCIADDR_STRLEN is too short for a
 * UUID); false when its argument does not parse. */
static bool assign_device(const struct change *c, char ret[40])
{
	struct assign_spec s;

	if (c->kind != CHANGE_ASSIGN || !c->arg || assign_spec_parse(c->arg, &s, NULL) < 0)
		return false;
	snprintf(ret, 40, "%s", s.device);
	assign_spec_clear(&s);
	return true;
}

const struct change *wizdraft_assigned(const struct draft *d, const char *device)
{
	char dev[40];

	for (size_t i = 0; i < draft_n(d); i++)
		if (assign_device(draft_get(d, i), dev) && !strcmp(dev, device))
			return draft_get(d, i);
	return NULL;
}

int wizdraft_assign(struct draft *d, const char *device, enum vmconf_kind kind, const char *vm,
		    struct gv_error *err)
{
	struct assign_spec s = { .kind = kind, .hostpci = -1 };
	const struct change *old;
	struct change c;
	char *arg = NULL;
	int r = 0;

	if (vm) {
		/* the one word the command line takes, parsed as it parses it */
		snprintf(s.device, sizeof(s.device), "%s", device);
		s.vm = (char *)vm;
		arg = assign_spec_format(&s);
		r = change_parse(CHANGE_ASSIGN, arg, &c, err);
		free(arg);
		if (r < 0)
			return r;
	}
	while ((old = wizdraft_assigned(d, device))) {
		struct change drop = { 0 };

		drop.kind = old->kind;
		drop.arg = xstrdup(old->arg);
		snprintf(drop.address, sizeof(drop.address), "%s", old->address);
		draft_remove(d, &drop);
		change_clear(&drop);
	}
	if (vm) {
		draft_add(d, &c);
		change_clear(&c);
	}
	return 0;
}

/* S holds WORD, not as part of a longer name: "win11" is not in "win110". */
static bool has_word(const char *s, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = s; (p = strstr(p, word)); p++) {
		bool start = p == s || strchr(" /,=;", p[-1]), end = !p[len] || strchr(" /,.;=", p[len]);

		if (start && end)
			return true;
	}
	return false;
}

bool wizdraft_assign_not_run(const struct journal_set *sets, size_t n, const struct change *c)
{
	struct assign_spec s;
	bool found = false;

	if (c->kind != CHANGE_ASSIGN || !c->arg || assign_spec_parse(c->arg, &s, NULL) < 0)
		return false;
	for (size_t i = 0; i < n && !found; i++)
		for (size_t k = 0; k < sets[i].n_pending && !found; k++)
			found = has_word(sets[i].pending[k], s.device) && has_word(sets[i].pending[k], s.vm);
	assign_spec_clear(&s);
	return found;
}

bool wizdraft_assign_in_vm(const struct vmconf_list *vms, const struct change *c)
{
	struct assign_spec s;
	struct pciaddr a;
	bool has = false, pci;

	if (!vms || c->kind != CHANGE_ASSIGN || !c->arg || assign_spec_parse(c->arg, &s, NULL) < 0)
		return false;
	pci = pciaddr_parse(s.device, &a) == 0;
	for (size_t i = 0; i < vms->n && !has; i++) {
		const struct vmconf *vm = vms->vms[i];

		if (vm->kind != s.kind || strcmp(vm->name, s.vm))
			continue;
		for (size_t k = 0; k < vm->n_devs && !has; k++) {
			const struct vmconf_dev *v = &vm->devs[k];

			has = pci ? v->kind == VMCONF_DEV_PCI && vmconf_dev_covers(v, &a) :
				    v->uuid && !strcmp(v->uuid, s.device);
		}
	}
	assign_spec_clear(&s);
	return has;
}

size_t wizdraft_count(const struct draft *d, unsigned kinds)
{
	size_t n = 0;

	for (size_t i = 0; i < draft_n(d); i++)
		if (kinds & WIZDRAFT_KIND(draft_get(d, i)->kind))
			n++;
	return n;
}

struct draft *wizdraft_part(const struct draft *d, unsigned kinds)
{
	struct draft *part = draft_new();

	draft_set_boot_loader(part, draft_boot_loader(d));
	draft_set_force_boot_gpu(part, draft_force_boot_gpu(d));
	draft_set_sriov(part, draft_sriov(d));
	for (size_t i = 0; i < draft_n(d); i++)
		if (kinds & WIZDRAFT_KIND(draft_get(d, i)->kind))
			draft_add(part, draft_get(d, i));
	return part;
}

bool wizdraft_equal(const struct draft *a, const struct draft *b)
{
	const struct sriov_opts *sa = draft_sriov(a), *sb = draft_sriov(b);

	if (draft_n(a) != draft_n(b) || draft_boot_loader(a) != draft_boot_loader(b) ||
	    draft_force_boot_gpu(a) != draft_force_boot_gpu(b) || sa->vf_driver != sb->vf_driver ||
	    sa->boot_only != sb->boot_only || sa->force_in_use != sb->force_in_use)
		return false;
	for (size_t i = 0; i < draft_n(a); i++)
		if (!draft_change_equal(draft_get(a, i), draft_get(b, i)))
			return false;
	return true;
}

void wizdraft_measure(const struct draft *d, const struct host *h, const struct sysconf *sc, const char *root,
		      struct wizdraft_measure *m)
{
	struct gv_error err = { 0 };
	struct plan *p = NULL;

	memset(m, 0, sizeof(*m));
	m->n = draft_n(d);
	m->state = xcalloc(m->n ? m->n : 1, sizeof(*m->state));
	for (size_t i = 0; i < m->n; i++) {
		bool pending = true;
		int r;

		err = (struct gv_error){ 0 };
		r = draft_change_pending(d, i, h, sc, root, &pending, &err);
		if (r < 0) {
			m->state[i] = WIZDRAFT_FAILED;
			m->n_failed++;
			if (!m->why[0])
				snprintf(m->why, sizeof(m->why), "%s", err.msg[0] ? err.msg : strerror(-r));
			continue;
		}
		m->state[i] = pending ? WIZDRAFT_TODO : WIZDRAFT_DONE;
		if (pending)
			m->n_todo++;
		else
			m->n_done++;
	}
	err = (struct gv_error){ 0 };
	m->plan_r = draft_build_plan(d, h, sc, root, &p, &err);
	if (m->plan_r < 0)
		snprintf(m->why, sizeof(m->why), "%s", err.msg[0] ? err.msg : strerror(-m->plan_r));
	else
		m->plan_empty = plan_is_empty(p);
	plan_free(p);
}

void wizdraft_measure_release(struct wizdraft_measure *m)
{
	free(m->state);
	memset(m, 0, sizeof(*m));
}

void wizdraft_measure_part(const struct wizdraft_measure *m, const struct draft *d, unsigned kinds,
			   size_t *ret_todo, size_t *ret_done, size_t *ret_failed)
{
	size_t n[3] = { 0 };

	for (size_t i = 0; i < m->n && i < draft_n(d); i++)
		if (kinds & WIZDRAFT_KIND(draft_get(d, i)->kind))
			n[m->state[i]]++;
	*ret_todo = n[WIZDRAFT_TODO];
	*ret_done = n[WIZDRAFT_DONE];
	*ret_failed = n[WIZDRAFT_FAILED];
}

/* DRIVER is MODULE's, '-' and '_' alike. */
static bool same_module(const char *driver, const char *module)
{
	for (; *driver && *module; driver++, module++)
		if (*driver != *module && !(strchr("-_", *driver) && strchr("-_", *module)))
			return false;
	return !*driver && !*module;
}

bool wizdraft_reboot_pending(const struct draft *d, const struct wizdraft_measure *m, const struct host *h,
			     bool cmdline_pending)
{
	for (size_t i = 0; i < m->n && i < draft_n(d); i++) {
		const struct change *c = draft_get(d, i);
		const struct host_device *dev;

		if (m->state[i] != WIZDRAFT_DONE)
			continue;
		switch (c->kind) {
		case CHANGE_VFIO:
			dev = host_find(h, c->address);
			if (dev && (!dev->driver || strcmp(dev->driver, "vfio-pci")))
				return true;
			break;
		case CHANGE_BLACKLIST:
			for (size_t k = 0; k < host_n_devices(h); k++) {
				dev = host_device(h, k);
				if (dev->driver && same_module(dev->driver, c->arg))
					return true;
			}
			break;
		case CHANGE_IOMMU: case CHANGE_CMDLINE_ADD: case CHANGE_CMDLINE_REMOVE:
			if (cmdline_pending)
				return true;
			break;
		default:
			break;
		}
	}
	return false;
}

char *wizdraft_command(const char *root, bool demo, const char *const *words)
{
	size_t n = 0, k = 0;
	const char **argv;
	char *line;

	while (words[n])
		n++;
	argv = xcalloc(n + 4, sizeof(*argv));
	argv[k++] = "gpuvirt";
	if (demo) {
		argv[k++] = "--demo";
	} else if (strcmp(root, "/")) {
		argv[k++] = "--root";
		argv[k++] = root;
	}
	for (size_t i = 0; i < n; i++)
		argv[k++] = words[i];
	argv[k] = NULL;
	line = exec_argv_str(argv);
	free(argv);
	return line;
}

char *wizdraft_draft_command(const struct draft *d, const char *verb, const char *root, bool demo)
{
	char **words = draft_argv(d, verb);
	char *line = wizdraft_command(root, demo, (const char *const *)words);

	draft_argv_free(words);
	return line;
}

/* ---- the "Mediated devices" step ---- */

const struct change *wizdraft_mdev(const struct draft *d, const char *parent, const char *type)
{
	for (size_t i = 0; i < draft_n(d); i++) {
		const struct change *c = draft_get(d, i);

		if (c->kind == CHANGE_MDEV && !strcmp(c->address, parent) && c->arg && !strcmp(c->arg, type))
			return c;
	}
	return NULL;
}

/* Replace OLD (may be NULL) in D by the change KIND parses from WORDS;
 * none when DROP. */
static int replace(struct draft *d, const struct change *old, enum change_kind kind, const char *words, bool drop)
{
	struct change c, gone;

	if (!drop && !parse_one(kind, words, &c))
		return -EINVAL;
	if (old) {
		/* OLD points into D: copy it before the draft moves */
		gone = *old;
		gone.arg = old->arg ? xstrdup(old->arg) : NULL;
		draft_remove(d, &gone);
		change_clear(&gone);
	}
	if (!drop) {
		draft_add(d, &c);
		change_clear(&c);
	}
	return 0;
}

int wizdraft_mdev_set(struct draft *d, const char *parent, const char *type, long count)
{
	char *words = xasprintf("%s:%s=%ld", parent, type, count < 0 ? 0 : count);
	int r = replace(d, wizdraft_mdev(d, parent, type), CHANGE_MDEV, words, count < 0);

	free(words);
	return r;
}

const struct change *wizdraft_vgpu(const struct draft *d, const char *vf)
{
	for (size_t i = 0; i < draft_n(d); i++) {
		const struct change *c = draft_get(d, i);

		if (c->kind == CHANGE_VGPU && !strcmp(c->address, vf))
			return c;
	}
	return NULL;
}

int wizdraft_vgpu_set(struct draft *d, const char *vf, long id)
{
	char *words = xasprintf("%s=%ld", vf, id < 0 ? 0 : id);
	int r = replace(d, wizdraft_vgpu(d, vf), CHANGE_VGPU, words, id < 0);

	free(words);
	return r;
}

size_t wizdraft_mdev_own(const struct host *h, const struct sysconf *sc, const char *root, const char *parent,
			 const char *type)
{
	char **own = NULL;
	size_t n = 0;

	/* a journal that cannot be read has made none that the step can count */
	if (mdev_own(h, sc, root, parent, type, &own, &n, NULL) < 0)
		return 0;
	mdev_own_free(own, n);
	return n;
}

bool wizdraft_mdev_in_place(const struct change *c, const struct host *h, const struct sysconf *sc,
			    const char *root)
{
	const struct mdevconf *mc = sysconf_mdevconf(sc);
	const struct host_device *vf;
	char *path, *text = NULL, *line;
	size_t len;
	bool set;

	switch (c->kind) {
	case CHANGE_MDEV: {
		/* --mdev says how many: the proposal knows when they are there;
		 * what it logs on the way is the preview's to say */
		struct draft *one = draft_new();
		bool pending = true;
		gv_log_fn fn;
		void *userdata;

		draft_add(one, c);
		gv_log_get(&fn, &userdata);
		gv_log_set(NULL, NULL);
		if (draft_change_pending(one, 0, h, sc, root, &pending, NULL) < 0)
			pending = true;
		gv_log_set(fn, userdata);
		draft_free(one);
		return !pending;
	}
	case CHANGE_MDEV_REMOVE:
		return !host_find_mdev(h, c->arg, NULL) && !(mc && mdevconf_find(mc, c->arg));
	case CHANGE_VGPU:
		vf = host_find(h, c->address);
		if (vf && vf->vgpu_current >= 0 && (unsigned)vf->vgpu_current == c->count)
			return true;
		/* the unit names each VF it sets in a "# vf ADDRESS TYPE" line */
		path = fsutil_join(root, MDEV_VGPU_UNIT);
		line = xasprintf("# vf %s %u\n", c->address, c->count);
		set = fsutil_read_file(path, &text, &len) >= 0 && c->count && strstr(text, line);
		free(text);
		free(line);
		free(path);
		return set;
	default:
		return false;
	}
}

struct draft *wizdraft_mdev_todo(const struct draft *d, const struct host *h, const struct sysconf *sc,
				 const char *root)
{
	struct draft *part = wizdraft_part(d, 0);

	for (size_t i = 0; i < draft_n(d); i++) {
		const struct change *c = draft_get(d, i);

		if ((WIZDRAFT_MDEV & WIZDRAFT_KIND(c->kind)) && !wizdraft_mdev_in_place(c, h, sc, root))
			draft_add(part, c);
	}
	return part;
}
