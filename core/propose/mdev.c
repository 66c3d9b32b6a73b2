/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "core/plan/journal.h"
#include "core/propose/mdev.h"
#include "core/scan/mdevconf.h"
#include "core/scan/modconf.h"
#include "core/util/buf.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

#define GVTG_ARG "i915.enable_gvt=1"

/* ---- what the host has ---- */

static bool is_nvidia(const struct host_device *d)
{
	return d->vendor_id == 0x10de;
}

/* "nvidia-299, nvidia-300" */
static char *type_ids(const struct host_device *d)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < d->n_mdev_types; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", d->mdev_types[i].id);
	return buf_steal(&b);
}

/* The types other than EXCEPT that still have an instance: "nvidia-299 (4
 * available)"; "none" when no other has one. */
static char *types_that_fit(const struct host_device *d, const char *except)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < d->n_mdev_types; i++) {
		const struct host_mdev_type *t = &d->mdev_types[i];
		if (!strcmp(t->id, except) || t->available_instances <= 0)
			continue;
		buf_printf(&b, "%s%s (%d available)", b.len ? ", " : "", t->id, t->available_instances);
	}
	if (!b.len)
		buf_puts(&b, "none");
	return buf_steal(&b);
}

/* "1145 (NVIDIA L40S-1B), 1147 (NVIDIA L40S-1Q)"; "none" when it lists none. */
static char *vgpu_types(const struct host_device *d)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < d->n_vgpu_types; i++)
		buf_printf(&b, "%s%d (%s)", i ? ", " : "", d->vgpu_types[i].id, d->vgpu_types[i].name);
	if (!b.len)
		buf_puts(&b, "none (the GPU's framebuffer is used up)");
	return buf_steal(&b);
}

/* GVT-g's types: V4 on Broadwell, V5 from Skylake on, 1, 2, 4 or 8 vGPUs
 * of the GPU's share (SRIOV-MDEV-VM.md §2.4). */
static bool gvtg_type_ok(const struct host_device *d, const char *type, const char **ret_prefix)
{
	const char *prefix = (d->device_id & 0xff00) == 0x1600 ? "i915-GVTg_V4_" : "i915-GVTg_V5_";
	size_t n = strlen(prefix);

	*ret_prefix = prefix;
	return !strncmp(type, prefix, n) && strlen(type) == n + 1 && strchr("1248", type[n]);
}

/* The NVIDIA PF whose VFs are off and would make VF; NULL when none. */
static const struct host_device *vf_maker(const struct host *h, const struct pciaddr *vf)
{
	for (size_t i = 0; i < host_n_devices(h); i++) {
		const struct host_device *d = host_device(h, i);
		if (is_nvidia(d) && host_vgpu_vf_index(d, vf) >= 0)
			return d;
	}
	return NULL;
}

/* Why D takes no --mdev, for the one-line error. Owned. */
static char *not_a_parent(const struct host *h, const struct host_device *d)
{
	if (d->vgpu_current >= 0)
		return xasprintf("%s is an NVIDIA vGPU VF, not an mdev parent: give it a vGPU type with --vgpu %s=TYPE_ID",
				 d->address, d->address);
	if (is_nvidia(d) && d->sriov_total > 0 && d->driver && !strcmp(d->driver, "nvidia"))
		return xasprintf("%s is not an mdev parent: NVIDIA vGPU 17 and later on kernel 6.8 and later has no mdev "
				 "bus; each VF takes one vGPU type with --vgpu VF=TYPE_ID", d->address);
	if (is_nvidia(d) && host_device_is_display(d))
		return xasprintf("%s is not an mdev parent: it offers no mediated device types (%s)", d->address,
				 host_vgpu_driver_loaded(h) ? "its driver registers none"
				 : "NVIDIA's vGPU host driver, nvidia_vgpu_vfio, is not loaded");
	if (d->vendor_id == 0x8086 && host_device_is_display(d))
		return xasprintf("%s is not an mdev parent: this Intel GPU has no GVT-g (from Gen 11 on, Intel GPUs "
				 "share themselves through SR-IOV: --vfs)", d->address);
	return xasprintf("%s is not an mdev parent: it offers no mediated device types", d->address);
}

/* How many instances of TYPE on ADDRESS the changes ask for in all. */
static unsigned long asked(const struct change *changes, size_t n, const char *address, const char *type)
{
	unsigned long sum = 0;

	for (size_t i = 0; i < n; i++)
		if (changes[i].kind == CHANGE_MDEV && !strcmp(changes[i].address, address) &&
		    !strcmp(changes[i].arg, type))
			sum += changes[i].count;
	return sum;
}

static const struct change *vfio_of(const struct change *changes, size_t n, const char *address)
{
	for (size_t i = 0; i < n; i++)
		if (changes[i].kind == CHANGE_VFIO && !strcmp(changes[i].address, address))
			return &changes[i];
	return NULL;
}

/* The --vfs of CHANGES that sets PF's VF count; NULL when none. */
static const struct change *vfs_of(const struct change *changes, size_t n, const char *pf)
{
	for (size_t i = 0; i < n; i++)
		if (changes[i].kind == CHANGE_VFS && !strcmp(changes[i].address, pf))
			return &changes[i];
	return NULL;
}

/* The NVIDIA PF of VF (D, NULL when the host has no such function yet) and
 * in *RET_INDEX its index among the PF's VFs; NULL when it has none. */
static const struct host_device *vf_pf(const struct host *h, const struct host_device *d, const struct pciaddr *vf,
				       int *ret_index)
{
	const struct host_device *pf;

	if (!d) {
		pf = vf_maker(h, vf);
		if (pf)
			*ret_index = host_vgpu_vf_index(pf, vf);
		return pf;
	}
	pf = d->physfn ? host_find(h, d->physfn) : NULL;
	for (size_t j = 0; pf && j < pf->n_vfs; j++)
		if (!strcmp(pf->vfs[j], d->address)) {
			*ret_index = (int)j;
			return pf;
		}
	return NULL;
}

/* A --vfs of CHANGES makes PF's VFs again (a new count over VFs there):
 * they come back without a vGPU type. */
static bool vfs_remade(const struct change *changes, size_t n, const struct host_device *pf)
{
	const struct change *vfs = pf ? vfs_of(changes, n, pf->address) : NULL;

	return vfs && pf->sriov_num > 0 && (int)vfs->count != pf->sriov_num;
}

int mdev_own(const struct host *h, const struct sysconf *sc, const char *root, const char *parent,
	     const char *type, char ***ret, size_t *ret_n, struct gv_error *err)
{
	const struct mdevconf *mc = sc ? sysconf_mdevconf(sc) : NULL;
	struct journal_set *sets = NULL;
	struct gv_error jerr = { 0 };
	char *want = xasprintf("%s:%s", parent, type), **v = NULL;
	size_t n_sets = 0, n = 0;
	int r = journal_list(root, &sets, &n_sets, &jerr);

	if (r < 0) {
		gv_error_set(err, r, "--mdev %s: cannot read the journal to find gpuvirt's instances: %s", want,
			     jerr.msg[0] ? jerr.msg : strerror(-r));
		free(want);
		return r;
	}
	for (size_t i = 0; i < n_sets; i++) {
		for (size_t j = 0; j < sets[i].n_expects; j++) {
			const struct journal_expect *e = &sets[i].expects[j];
			bool seen = false;
			if (strcmp(e->kind, "mdev") || !e->value || strcmp(e->value, want))
				continue;
			for (size_t k = 0; k < n && !seen; k++)
				seen = !strcasecmp(v[k], e->key);
			if (seen || (!host_find_mdev(h, e->key, NULL) && !(mc && mdevconf_find(mc, e->key))))
				continue;
			v = xreallocarray(v, n + 1, sizeof(*v));
			v[n++] = xstrdup(e->key);
		}
	}
	journal_sets_free(sets, n_sets);
	free(want);
	*ret = v;
	*ret_n = n;
	return 0;
}

void mdev_own_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool listed(char *const *v, size_t n, const char *uuid)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(v[i], uuid))
			return true;
	return false;
}

/* The instances of TYPE on parent D, live or defined, that are not in OWN:
 * "U1, U2" in *RET (owned, NULL when there are none); their number. */
static size_t others(const struct host_device *d, const struct mdevconf *mc, const char *type, char *const *own,
		     size_t n_own, char **ret)
{
	struct buf b = BUF_INIT;
	char **seen = NULL;
	size_t n = 0, n_defs = mc ? mdevconf_n(mc) : 0;

	for (size_t i = 0; i < d->n_mdevs + n_defs; i++) {
		const struct mdevconf_def *def = i < d->n_mdevs ? NULL : mdevconf_get(mc, i - d->n_mdevs);
		const char *uuid = def ? def->uuid : d->mdevs[i].uuid, *t = def ? def->type : d->mdevs[i].type;
		if (def && (!def->parent || strcmp(def->parent, d->address)))
			continue;
		if (!uuid || !t || strcmp(t, type) || listed(own, n_own, uuid) || listed(seen, n, uuid))
			continue;
		seen = xreallocarray(seen, n + 1, sizeof(*seen));
		seen[n++] = (char *)uuid;
		buf_printf(&b, "%s%s", b.len ? ", " : "", uuid);
	}
	free(seen);
	*ret = n ? buf_steal(&b) : NULL;
	buf_free(&b);
	return n;
}

/* ---- the checks ---- */

static int check_mdev(const struct host *h, const struct sysconf *sc, const char *root, const struct change *changes,
		      size_t n, const struct change *c, const char **ret_arg, struct gv_error *err)
{
	const struct host_device *d = host_find(h, c->address);
	const struct host_mdev_type *t;
	unsigned long want = asked(changes, n, c->address, c->arg), make;
	char *s, *s2, **own = NULL;
	size_t n_own = 0;
	int r = 0;

	if (!d)
		return gv_error_set(err, -ENODEV, "--mdev %s:%s: %s: no such PCI device on this host", c->address, c->arg,
				    c->address);
	if (vfio_of(changes, n, c->address))
		return gv_error_set(err, -EINVAL, "--mdev %s:%s: --vfio %s gives the whole device to vfio-pci; a device "
				    "gives VMs its mdevs or itself, not both", c->address, c->arg, c->address);
	if (!d->n_mdev_types && !host_device_gvtg_capable(d)) {
		s = not_a_parent(h, d);
		r = gv_error_set(err, -EINVAL, "--mdev %s:%s: %s", c->address, c->arg, s);
		free(s);
		return r;
	}
	r = mdev_own(h, sc, root, c->address, c->arg, &own, &n_own, err);
	if (r < 0)
		return r;
	/* the surplus goes newest first, whatever the type offers now */
	for (size_t i = n_own; r == 0 && i > want; i--) {
		const char *vm = host_vm_using(h, own[i - 1]);
		if (vm)
			r = gv_error_set(err, -EBUSY, "--mdev %s:%s=%lu: mdev %s is in use by %s; shut the VM down first",
					 c->address, c->arg, want, own[i - 1], vm);
	}
	mdev_own_free(own, n_own);
	if (r < 0 || want == 0)
		return r;
	if (!d->n_mdev_types) {
		const char *prefix;
		if (!gvtg_type_ok(d, c->arg, &prefix))
			return gv_error_set(err, -EINVAL, "--mdev %s:%s: GVT-g on %s offers %s1, %s2, %s4 and %s8 (1, 2, 4 or "
					    "8 vGPUs of its share), not %s", c->address, c->arg, c->address, prefix, prefix,
					    prefix, prefix, c->arg);
		if (ret_arg)
			*ret_arg = GVTG_ARG;
		return 0;
	}
	t = host_device_mdev_type(d, c->arg);
	if (!t) {
		s = type_ids(d);
		r = gv_error_set(err, -EINVAL, "--mdev %s:%s: %s has no mdev type %s (it has %s)", c->address, c->arg,
				 c->address, c->arg, s);
		free(s);
		return r;
	}
	/* only those to make take an instance of what is available */
	make = want > n_own ? want - n_own : 0;
	if (t->available_instances >= 0 && make > (unsigned long)t->available_instances) {
		s = types_that_fit(d, t->id);
		s2 = want == c->count ? xasprintf("%u asked", c->count) : xasprintf("%lu asked in all", want);
		if (n_own) {
			char *more = xasprintf("%s, of which gpuvirt has %zu already: %lu to make", s2, n_own, make);
			free(s2);
			s2 = more;
		}
		r = gv_error_set(err, -EINVAL, "--mdev %s:%s=%u: %s has %d instance%s of %s available, %s; other types "
				 "that still fit: %s", c->address, c->arg, c->count, c->address, t->available_instances,
				 t->available_instances == 1 ? "" : "s", t->id, s2, s);
		free(s);
		free(s2);
	}
	return r;
}

static int check_remove(const struct host *h, const struct sysconf *sc, const char *root, const struct change *c,
			struct gv_error *err)
{
	const char *vm;

	if (!host_find_mdev(h, c->arg, NULL) && !mdevconf_find(sysconf_mdevconf(sc), c->arg))
		return gv_error_set(err, -ENODEV, "--mdev-remove %s: no such mediated device on this host, nor a definition "
				    "of one in %s%s" MDEVCONF_DIR, c->arg, root, root[strlen(root) - 1] == '/' ? "" : "/");
	vm = host_vm_using(h, c->arg);
	if (vm)
		return gv_error_set(err, -EBUSY, "--mdev-remove %s: the mdev is in use by %s; shut the VM down first", c->arg,
				    vm);
	return 0;
}

static int check_vgpu(const struct host *h, const struct change *changes, size_t n, const struct change *c,
		      struct gv_error *err)
{
	const struct host_device *d = host_find(h, c->address), *pf;
	const struct change *vfs;
	const char *vm;
	int index = -1;
	char *s;
	int r;

	if (vfio_of(changes, n, c->address))
		return gv_error_set(err, -EINVAL, "--vgpu %s=%u: a vGPU VF stays on nvidia, which is its VFIO driver; "
				    "--vfio %s cannot go with it", c->address, c->count, c->address);
	pf = vf_pf(h, d, &c->addr, &index);
	vfs = pf ? vfs_of(changes, n, pf->address) : NULL;
	if (vfs && index >= (int)vfs->count)
		return gv_error_set(err, -EINVAL, "--vgpu %s=%u: %s is VF %d of %s, and --vfs %s=%u leaves %s", c->address,
				    c->count, c->address, index, pf->address, pf->address, vfs->count,
				    vfs->count ? "fewer VFs" : "none");
	if (!d) {
		if (c->count && vf_maker(h, &c->addr))
			return 0;   /* its PF makes it first */
		return gv_error_set(err, -ENODEV, "--vgpu %s=%u: %s: no such PCI device on this host, and no NVIDIA GPU "
				    "with its VFs off that would make it", c->address, c->count, c->address);
	}
	if (d->vgpu_current < 0)
		return gv_error_set(err, -EINVAL, "--vgpu %s=%u: %s has no NVIDIA vGPU interface (nvidia/current_vgpu_type): "
				    "only the VF of an NVIDIA GPU under the vGPU 17+ host driver, bound to nvidia, has one%s",
				    c->address, c->count, c->address,
				    d->n_mdev_types ? "; this device has mdev types: --mdev" : "");
	if (c->count) {
		bool listed = false;
		for (size_t i = 0; i < d->n_vgpu_types && !listed; i++)
			listed = d->vgpu_types[i].id == (int)c->count;
		if (!listed && d->vgpu_current != (int)c->count) {
			s = vgpu_types(d);
			r = gv_error_set(err, -EINVAL, "--vgpu %s=%u: %s cannot take vGPU type %u now; it offers %s",
					 c->address, c->count, c->address, c->count, s);
			free(s);
			return r;
		}
	}
	/* a --vfs that makes the VFs again takes it from the VM too */
	vm = d->vgpu_current != (int)c->count || vfs_remade(changes, n, pf) ? host_vm_using(h, d->address) : NULL;
	if (vm)
		return gv_error_set(err, -EBUSY, "--vgpu %s=%u: %s is in use by %s; shut the VM down first", c->address,
				    c->count, c->address, vm);
	return 0;
}

int mdev_check(const struct host *h, const struct sysconf *sc, const char *root, const struct change *changes,
	       size_t n, size_t i, const char **ret_arg, struct gv_error *err)
{
	const struct change *c = &changes[i];

	switch (c->kind) {
	case CHANGE_MDEV:
		return check_mdev(h, sc, root, changes, n, c, ret_arg, err);
	case CHANGE_MDEV_REMOVE:
		return check_remove(h, sc, root, c, err);
	case CHANGE_VGPU:
		return check_vgpu(h, changes, n, c, err);
	default:
		return 0;
	}
}

/* ---- the actions ---- */

struct mctx {
	const struct host *h;
	const struct sysconf *sc;
	const struct mdevconf *mc;
	const char *root;
	struct plan *p;
	struct gv_error *err;
	bool defined;            /* a definition is written: it must start at boot */
	bool kvmgt;              /* GVT-g turned on */
	bool vgpu_mgr_warned;
	const struct host_device **enabled;   /* PFs whose VFs the plan turns on */
	size_t n_enabled;
};

static int plan_err(struct mctx *m, int r, const char *what)
{
	return gv_error_set(m->err, r, "cannot add %s to the plan: %s", what, strerror(-r));
}

static void new_uuid(char out[37])
{
	uuid_t u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}

static void warn_vgpu_mgr(struct mctx *m)
{
	if (m->vgpu_mgr_warned)
		return;
	m->vgpu_mgr_warned = true;
	if (!mdevconf_vgpu_mgr_installed(m->mc))
		gv_log(GV_LOG_WARN, "NVIDIA's vGPU manager (nvidia-vgpu-mgr.service) is not installed under %s: "
		       "a vGPU starts only while it runs; install NVIDIA's vGPU host driver package", m->root);
	else if (!mdevconf_vgpu_mgr_enabled(m->mc))
		gv_log(GV_LOG_WARN, "nvidia-vgpu-mgr.service is not enabled under %s: a vGPU starts only while it runs "
		       "(systemctl enable --now nvidia-vgpu-mgr)", m->root);
}

/* Make COUNT more instances of C's type on its parent, each defined. */
static int add_instances(struct mctx *m, const struct change *c, unsigned long count)
{
	const struct host_device *d = host_find(m->h, c->address);
	const struct host_mdev_type *t = host_device_mdev_type(d, c->arg);
	int r = 0;

	if (is_nvidia(d))
		warn_vgpu_mgr(m);
	if (!t)
		gv_log(GV_LOG_INFO, "%s: GVT-g is off now, so its types are not there yet: mdevctl makes the %lu "
		       "instance%s of %s at boot, once i915.enable_gvt=1 and kvmgt are in effect", d->address, count,
		       count == 1 ? "" : "s", c->arg);
	for (unsigned long i = 0; i < count && r == 0; i++) {
		char uuid[37], *path, *def, *why, *value;
		new_uuid(uuid);
		if (t) {
			char *create = host_mdev_create_path(d->address, t->id);
			char *remove = host_mdev_attr_path(d->address, uuid, "remove");
			why = xasprintf("make mdev %s of type %s%s%s%s on %s", uuid, t->id, t->name ? " (" : "",
					t->name ? t->name : "", t->name ? ")" : "", d->address);
			r = plan_write_sysfs_undo(m->p, create, uuid, remove, "1", why);
			free(why);
			free(create);
			free(remove);
			if (r < 0)
				return plan_err(m, r, "an mdev's create");
		}
		path = xasprintf("%s/%s/%s", MDEVCONF_DIR, d->address, uuid);
		def = mdevconf_render(c->arg, true, NULL, 0);
		why = xasprintf("mdevctl's definition of mdev %s: it starts at boot (start auto)", uuid);
		r = plan_write_file(m->p, path, def, strlen(def), 0644, why);
		free(why);
		free(def);
		free(path);
		if (r < 0)
			return plan_err(m, r, "an mdev definition");
		value = xasprintf("%s:%s", d->address, c->arg);
		r = plan_expect(m->p, "mdev", uuid, value);
		free(value);
		if (r < 0)
			return plan_err(m, r, "an expectation");
		m->defined = true;
	}
	return 0;
}

/* Remove mdev UUID: the instance (live) and its definition. */
static int remove_one(struct mctx *m, const char *uuid, const char *because)
{
	const struct host_device *parent = NULL;
	const struct host_mdev *inst = host_find_mdev(m->h, uuid, &parent);
	const struct mdevconf_def *def = mdevconf_find(m->mc, uuid);
	char *why;
	int r = 0;

	if (inst) {
		char *remove = host_mdev_attr_path(parent->address, inst->uuid, "remove");
		why = xasprintf("remove mdev %s (%s) from %s%s", inst->uuid, inst->type ? inst->type : "type unknown",
				parent->address, because);
		if (inst->type) {
			char *create = host_mdev_create_path(parent->address, inst->type);
			r = plan_write_sysfs_undo(m->p, remove, "1", create, inst->uuid, why);
			free(create);
		} else {
			r = plan_write_sysfs(m->p, remove, "1", why);
		}
		free(why);
		free(remove);
		if (r < 0)
			return plan_err(m, r, "an mdev's remove");
	}
	if (def) {
		why = xasprintf("mdevctl's definition of mdev %s goes: it no longer starts at boot", def->uuid);
		r = plan_remove_file(m->p, def->path, why);
		free(why);
		if (r < 0)
			return plan_err(m, r, "removing a definition");
	}
	r = plan_expect(m->p, "no-mdev", inst ? inst->uuid : def->uuid, NULL);
	return r < 0 ? plan_err(m, r, "an expectation") : 0;
}

static bool seen_before(const struct change *changes, const struct change *c)
{
	for (const struct change *e = changes; e < c; e++)
		if (e->kind == CHANGE_MDEV && !strcmp(e->address, c->address) && !strcmp(e->arg, c->arg))
			return true;
	return false;
}

/*
 * Make gpuvirt's own instances of C's type on its parent number what the
 * changes ask for it in all: the missing ones made, the surplus removed
 * newest first; nothing when they number that already. Others stay.
 */
static int set_count(struct mctx *m, const struct change *changes, size_t n, const struct change *c)
{
	const struct host_device *d = host_find(m->h, c->address);
	unsigned long want = asked(changes, n, c->address, c->arg);
	char **own = NULL, *because, *rest = NULL;
	size_t n_own = 0, n_rest;
	int r = mdev_own(m->h, m->sc, m->root, c->address, c->arg, &own, &n_own, m->err);

	if (r < 0)
		return r;
	n_rest = others(d, m->mc, c->arg, own, n_own, &rest);
	if (n_rest)
		gv_log(GV_LOG_INFO, "--mdev %s:%s=%lu counts gpuvirt's own instances only: the %zu other%s of %s on %s "
		       "stay%s (%s)", c->address, c->arg, want, n_rest, n_rest == 1 ? "" : "s", c->arg, c->address,
		       n_rest == 1 ? "s" : "", rest);
	free(rest);
	if (want && !host_device_mdev_type(d, c->arg))
		m->kvmgt = true;   /* GVT-g that is off: its types come with kvmgt */
	if (want > n_own) {
		r = add_instances(m, c, want - n_own);
	} else if (n_own > want) {
		because = xasprintf(" (--mdev %s:%s=%lu)", c->address, c->arg, want);
		for (size_t i = n_own; i > want && r == 0; i--)
			r = remove_one(m, own[i - 1], because);
		free(because);
	} else if (want == 0) {
		gv_log(GV_LOG_INFO, "--mdev %s:%s=0: gpuvirt made no %s instance on %s that is still there; nothing to "
		       "remove", c->address, c->arg, c->arg, c->address);
	} else {
		gv_log(GV_LOG_INFO, "--mdev %s:%s=%lu: gpuvirt's %lu instance%s of %s on %s %s there already; nothing "
		       "to make", c->address, c->arg, want, want, want == 1 ? "" : "s", c->arg, c->address,
		       want == 1 ? "is" : "are");
	}
	mdev_own_free(own, n_own);
	return r;
}

/* ---- start at boot ---- */

static int boot_rule(struct mctx *m)
{
	const char *binary, *rule, *calls;
	enum mdevconf_boot b = mdevconf_boot(m->mc, &binary, &rule, &calls);
	struct buf text = BUF_INIT, why = BUF_INIT;
	int r;

	if (b != MDEVCONF_BOOT_NO_MDEVCTL && mdevconf_own_rule(m->mc))
		return 0;   /* written by an earlier --mdev */
	switch (b) {
	case MDEVCONF_BOOT_OK:
		return 0;
	case MDEVCONF_BOOT_NO_MDEVCTL:
		gv_log(GV_LOG_WARN, "mdevctl is not installed under %s: nothing starts the mdevs at boot until it is "
		       "(install the package mdevctl); the definitions are written in its format anyway", m->root);
		return 0;
	case MDEVCONF_BOOT_NO_RULE:
		buf_printf(&why, "no udev rule runs %s at boot", binary);
		break;
	case MDEVCONF_BOOT_BROKEN:
		buf_printf(&why, "mdevctl's udev rule (%s) calls %s, which is not there", rule, calls);
		break;
	}
	buf_printf(&text, "# Written by gpuvirt: when a parent device registers with the mdev core, start the\n"
			  "# mediated devices defined for it in /etc/mdevctl.d with \"start\": \"auto\"\n"
			  "# (%s).\n"
			  "# Undo with `gpuvirt undo`, or delete this file.\n"
			  "ACTION==\"change\", ENV{MDEV_STATE}==\"registered\", TEST==\"/etc/mdevctl.d/$kernel\", "
			  "RUN+=\"%s start-parent-mdevs $kernel\"\n", why.data, binary);
	buf_printf(&why, ": this rule calls %s", binary);
	r = plan_write_file(m->p, MDEVCONF_OWN_RULE, text.data, text.len, 0644, why.data);
	buf_free(&text);
	buf_free(&why);
	return r < 0 ? plan_err(m, r, "the udev rule") : 0;
}

static int kvmgt(struct mctx *m)
{
	static const char *const mods[] = { "kvmgt" };
	char *cur = NULL, *next = NULL;
	size_t len;
	int r = plan_file_content(m->p, MODCONF_AUTOLOAD_FILE, &cur, &len, m->err);

	if (r < 0 && r != -ENOENT)
		return r;
	r = modconf_autoload_add(r == -ENOENT ? NULL : cur, mods, 1, &next);
	if (r > 0)
		r = plan_write_file(m->p, MODCONF_AUTOLOAD_FILE, next, strlen(next), 0644,
				    "load kvmgt at boot: GVT-g's link between i915 and KVM");
	free(cur);
	free(next);
	if (r < 0)
		return plan_err(m, r, MODCONF_AUTOLOAD_FILE);
	return 0;
}

/* ---- NVIDIA vGPU per VF ---- */

struct vgpu_entry {
	char vf[PCIADDR_STRLEN];
	unsigned type;
};

struct vgpu_unit {
	struct vgpu_entry *v;
	size_t n;
	bool existed;
};

/* The VFs and types of gpuvirt's unit: its "# vf ADDRESS TYPE" lines. */
static void unit_parse(struct vgpu_unit *u, const char *text)
{
	for (const char *line = text; line && *line;) {
		char vf[64];
		unsigned type;

		if (sscanf(line, "# vf %63s %u", vf, &type) == 2 && strlen(vf) < PCIADDR_STRLEN) {
			u->v = xreallocarray(u->v, u->n + 1, sizeof(*u->v));
			snprintf(u->v[u->n].vf, sizeof(u->v[u->n].vf), "%s", vf);
			u->v[u->n++].type = type;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
}

static void unit_set(struct vgpu_unit *u, const char *vf, unsigned type)
{
	for (size_t i = 0; i < u->n; i++) {
		if (strcmp(u->v[i].vf, vf))
			continue;
		if (type) {
			u->v[i].type = type;
		} else {
			memmove(&u->v[i], &u->v[i + 1], (u->n - i - 1) * sizeof(*u->v));
			u->n--;
		}
		return;
	}
	if (!type)
		return;
	u->v = xreallocarray(u->v, u->n + 1, sizeof(*u->v));
	snprintf(u->v[u->n].vf, sizeof(u->v[u->n].vf), "%s", vf);
	u->v[u->n++].type = type;
}

/*
 * systemd expands $ in ExecStart=, so the shell's are $$. Each VF is
 * waited for: its VFs are made at boot by the driver's SR-IOV service or
 * gpuvirt's own VF count, which may come after this unit starts.
 */
static char *unit_render(const struct vgpu_unit *u)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "# Written by gpuvirt: the NVIDIA vGPU type of each VF below, set again at every boot,\n"
		       "# since nothing else keeps it. Each VF is waited for (up to 60 s), then given 0 and its type.\n"
		       "# Undo with `gpuvirt undo`, or delete this file and %s.\n"
		       "[Unit]\n"
		       "Description=gpuvirt: NVIDIA vGPU types of the VFs\n"
		       "Wants=nvidia-vgpu-mgr.service\n"
		       "After=nvidia-vgpu-mgr.service nvidia-sriov.service pve-nvidia-sriov@ALL.service "
		       "sysfsutils.service systemd-udev-settle.service\n"
		       "\n"
		       "[Service]\n"
		       "Type=oneshot\n"
		       "RemainAfterExit=yes\n", MDEV_VGPU_WANTS);
	for (size_t i = 0; i < u->n; i++) {
		char *f = host_vgpu_type_path(u->v[i].vf);
		buf_printf(&b, "# vf %s %u\n"
			       "ExecStart=/bin/sh -c 'f=%s; n=0; while [ ! -e \"$$f\" ] && [ $$n -lt 60 ]; do sleep 1; "
			       "n=$$((n + 1)); done; echo 0 > \"$$f\" && echo %u > \"$$f\" && [ \"$$(cat \"$$f\")\" = %u ]'\n",
			   u->v[i].vf, u->v[i].type, f, u->v[i].type, u->v[i].type);
		free(f);
	}
	buf_puts(&b, "\n[Install]\nWantedBy=multi-user.target\n");
	return buf_steal(&b);
}

static int vgpu_live(struct mctx *m, const struct change *changes, size_t n, const struct change *c)
{
	const struct host_device *d = host_find(m->h, c->address), *pf;
	char *path = host_vgpu_type_path(c->address), *value = xasprintf("%u", c->count), *why = NULL;
	int index = -1, cur;
	bool remade;
	int r = 0;

	pf = vf_pf(m->h, d, &c->addr, &index);
	remade = vfs_remade(changes, n, pf);
	cur = d && !remade ? d->vgpu_current : 0;
	if (!d) {
		/* the PF's --vfs makes it, else the VFs are turned on here */
		bool done = vfs_of(changes, n, pf->address) != NULL;
		for (size_t i = 0; i < m->n_enabled; i++)
			done |= m->enabled[i] == pf;
		if (!done) {
			char *numvfs = host_device_attr_path(pf, "sriov_numvfs"), *num = xasprintf("%d", pf->sriov_total);
			why = xasprintf("enable the %d VFs of %s first: NVIDIA vGPU gives each VF one vGPU type",
					pf->sriov_total, pf->address);
			r = plan_write_sysfs(m->p, numvfs, num, why);
			free(why);
			free(numvfs);
			free(num);
			why = NULL;
			if (r < 0)
				goto out;
			m->enabled = xreallocarray(m->enabled, m->n_enabled + 1, sizeof(*m->enabled));
			m->enabled[m->n_enabled++] = pf;
		}
		gv_log(GV_LOG_INFO, "%s does not exist yet: the types it can take are known once %s has made its VFs, "
		       "and the write of %u is checked then", c->address, pf->address, c->count);
	} else if (cur == (int)c->count) {
		if (remade)
			gv_log(GV_LOG_INFO, "%s has no vGPU type once --vfs %s has made it again", c->address, pf->address);
		else
			gv_log(GV_LOG_INFO, "%s has vGPU type %u already", c->address, c->count);
		goto out;
	} else if (cur != 0) {
		/* the driver takes a new type only over none */
		why = xasprintf("clear vGPU type %d of %s first", cur, c->address);
		r = plan_write_sysfs(m->p, path, "0", why);
		free(why);
		why = NULL;
		if (r < 0 || c->count == 0)
			goto out;
	}
	if (d && c->count == 0)
		goto out;
	why = xasprintf("give VF %s vGPU type %u%s", c->address, c->count,
			!d ? " once it exists" : remade ? " once --vfs has made it again" : "");
	for (size_t i = 0; d && i < d->n_vgpu_types; i++)
		if (d->vgpu_types[i].id == (int)c->count) {
			free(why);
			why = xasprintf("give VF %s vGPU type %u (%s)%s", c->address, c->count, d->vgpu_types[i].name,
					remade ? " once --vfs has made it again" : "");
		}
	r = plan_write_sysfs_undo(m->p, path, value, path, "0", why);
out:
	free(why);
	free(path);
	free(value);
	return r < 0 ? plan_err(m, r, "a vGPU type write") : 0;
}

static int vgpus(struct mctx *m, const struct change *changes, size_t n)
{
	struct vgpu_unit u = { 0 };
	char *cur = NULL, *text = NULL, *why;
	size_t len;
	bool any = false;
	int r;

	for (size_t i = 0; i < n; i++)
		any |= changes[i].kind == CHANGE_VGPU;
	if (!any)
		return 0;
	warn_vgpu_mgr(m);
	r = plan_file_content(m->p, MDEV_VGPU_UNIT, &cur, &len, m->err);
	if (r < 0 && r != -ENOENT)
		return r;
	u.existed = r == 0;
	if (u.existed)
		unit_parse(&u, cur);
	for (size_t i = 0; i < n; i++) {
		const struct change *c = &changes[i];
		char *value;
		if (c->kind != CHANGE_VGPU)
			continue;
		r = vgpu_live(m, changes, n, c);
		if (r < 0)
			goto out;
		unit_set(&u, c->address, c->count);
		value = xasprintf("%u", c->count);
		r = plan_expect(m->p, "vgpu", c->address, value);
		free(value);
		if (r < 0) {
			r = plan_err(m, r, "an expectation");
			goto out;
		}
	}
	if (!u.n) {
		r = 0;
		if (u.existed) {
			r = plan_remove_file(m->p, MDEV_VGPU_UNIT, "no VF keeps a vGPU type from gpuvirt any more");
			if (r == 0)
				r = plan_remove_file(m->p, MDEV_VGPU_WANTS, "gpuvirt-vgpu.service is gone");
		}
		goto out;
	}
	text = unit_render(&u);
	why = xasprintf("set the vGPU type of %zu VF%s at every boot", u.n, u.n == 1 ? "" : "s");
	r = plan_write_file(m->p, MDEV_VGPU_UNIT, text, strlen(text), 0644, why);
	free(why);
	free(text);
	text = NULL;
	if (r == 0) {
		static const char wants[] =
			"# Written by gpuvirt: start gpuvirt-vgpu.service at boot (the NVIDIA vGPU types of the VFs).\n"
			"# Undo with `gpuvirt undo`, or delete this file.\n"
			"[Unit]\n"
			"Wants=gpuvirt-vgpu.service\n";
		r = plan_write_file(m->p, MDEV_VGPU_WANTS, wants, strlen(wants), 0644,
				    "start gpuvirt-vgpu.service at boot");
	}
out:
	if (r < 0 && m->err && !m->err->code)
		plan_err(m, r, MDEV_VGPU_UNIT);
	free(cur);
	free(u.v);
	return r;
}

int mdev_propose(const struct host *h, const struct sysconf *sc, const char *root, const struct change *changes,
		 size_t n, struct plan *p, struct gv_error *err)
{
	struct mctx m = { .h = h, .sc = sc, .mc = sysconf_mdevconf(sc), .root = root, .p = p, .err = err };
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++) {
		const struct change *c = &changes[i];
		if (c->kind == CHANGE_MDEV && !seen_before(changes, c))
			r = set_count(&m, changes, n, c);
		else if (c->kind == CHANGE_MDEV_REMOVE)
			r = remove_one(&m, c->arg, "");
	}
	if (r == 0 && m.defined)
		r = boot_rule(&m);
	if (r == 0 && m.kvmgt)
		r = kvmgt(&m);
	if (r == 0)
		r = vgpus(&m, changes, n);
	free(m.enabled);
	return r;
}

void mdev_warn_vfio(const struct host_device *d)
{
	char *types;

	if (d->n_mdev_types) {
		types = type_ids(d);
		gv_log(GV_LOG_WARN, "%s offers mediated devices (%s): bound to vfio-pci it goes to one VM whole and "
		       "gives none; --mdev shares it instead", d->address, types);
		free(types);
	} else if (d->vgpu_current >= 0) {
		gv_log(GV_LOG_WARN, "%s is an NVIDIA vGPU VF: bound to vfio-pci it loses its vGPU (vfio-pci cannot "
		       "drive it; it stays on nvidia, with --vgpu)", d->address);
	}
}
