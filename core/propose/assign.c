/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --assign: the export's text (core/export) put where the VM's manager
 * reads it, through the manager's own command, so that libvirt and Proxmox
 * check and keep the configuration as they always do; gpuvirt never edits a
 * domain XML or a VM's .conf itself.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/export/export.h"
#include "core/plan/plan.h"
#include "core/propose/assign.h"
#include "core/util/buf.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

/* Proxmox's VMIDs (pve-vmid). */
#define VMID_MIN 100
#define VMID_MAX 999999999UL

/* ---- the spec ---- */

/* 8-4-4-4-12 hex digits, the form the kernel names mdevs by. */
static bool is_uuid(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

static int parse_vm_name(const char *device, const char *name, struct gv_error *err)
{
	if (!*name)
		return gv_error_set(err, -EINVAL, "--assign %s --vm: empty domain name", device);
	if (name[0] == '-' || name[0] == '.')
		return gv_error_set(err, -EINVAL, "--assign %s --vm %s: gpuvirt takes no domain name starting with "
				    "'%c'", device, name, name[0]);
	for (const char *p = name; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return gv_error_set(err, -EINVAL, "--assign %s --vm: control character in the domain name",
					    device);
		if (*p == '/')
			return gv_error_set(err, -EINVAL, "--assign %s --vm %s: a libvirt domain name has no '/'",
					    device, name);
	}
	return 0;
}

/* The error names --assign and the device as well as the part, since the
 * spelling DEVICE,vmid=N has no --vmid of its own to name. */
static int parse_number(const struct assign_spec *spec, const char *part, const char *s, unsigned long min,
			unsigned long max, unsigned long *ret, struct gv_error *err)
{
	char *end;

	errno = 0;
	*ret = strtoul(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno || *ret < min || *ret > max) {
		if (spec->vm)
			return gv_error_set(err, -EINVAL, "--assign %s --vmid %s %s %s: want a number from %lu to %lu",
					    spec->device, spec->vm, part, s, min, max);
		return gv_error_set(err, -EINVAL, "--assign %s %s %s: want a number from %lu to %lu", spec->device,
				    part, s, min, max);
	}
	return 0;
}

/* "vmid=N[,hostpci=K]" into S. */
static int parse_proxmox(const char *rest, struct assign_spec *s, struct gv_error *err)
{
	char *copy = xstrdup(rest), *save = NULL;
	unsigned long v;
	int r = 0;

	for (char *kv = strtok_r(copy, ",", &save); kv && !r; kv = strtok_r(NULL, ",", &save)) {
		if (!strncmp(kv, "vmid=", 5) && !s->vm) {
			r = parse_number(s, "--vmid", kv + 5, VMID_MIN, VMID_MAX, &v, err);
			if (!r)
				s->vm = xasprintf("%lu", v);
		} else if (!strncmp(kv, "hostpci=", 8) && s->hostpci < 0 && s->vm) {
			r = parse_number(s, "--hostpci", kv + 8, 0, VMCONF_HOSTPCI_MAX - 1, &v, err);
			s->hostpci = (int)v;
		} else {
			r = gv_error_set(err, -EINVAL, "--assign: '%s' is not part of DEVICE,vmid=N[,hostpci=K]", kv);
		}
	}
	free(copy);
	return r;
}

void assign_spec_clear(struct assign_spec *s)
{
	if (!s)
		return;
	free(s->vm);
	s->vm = NULL;
}

int assign_spec_parse(const char *arg, struct assign_spec *ret, struct gv_error *err)
{
	struct assign_spec s = { .hostpci = -1 };
	const char *comma = arg ? strchr(arg, ',') : NULL;
	char *dev = NULL;
	struct pciaddr a;
	int r;

	if (!comma || comma == arg) {
		r = gv_error_set(err, -EINVAL, "--assign %s: give the device and the VM: --assign DEVICE --vm NAME "
				 "(libvirt) or --assign DEVICE --vmid N (Proxmox)", arg ? arg : "");
		goto out;
	}
	dev = xstrndup(arg, (size_t)(comma - arg));
	if (is_uuid(dev)) {
		for (size_t i = 0; dev[i]; i++)
			s.device[i] = (char)tolower((unsigned char)dev[i]);
	} else if (pciaddr_parse(dev, &a) == 0) {
		pciaddr_format(&a, s.device);
	} else {
		r = gv_error_set(err, -EINVAL, "--assign %s: neither a PCI address (0000:41:00.0 or 41:00.0) nor an "
				 "mdev UUID", dev);
		goto out;
	}
	if (!strncmp(comma + 1, "vm=", 3)) {
		/* the name is the rest: a domain name may hold commas */
		s.kind = VMCONF_LIBVIRT;
		r = parse_vm_name(s.device, comma + 4, err);
		if (r < 0)
			goto out;
		s.vm = xstrdup(comma + 4);
	} else if (!strncmp(comma + 1, "vmid=", 5)) {
		s.kind = VMCONF_PROXMOX;
		r = parse_proxmox(comma + 1, &s, err);
		if (r < 0)
			goto out;
	} else {
		r = gv_error_set(err, -EINVAL, "--assign %s: expected DEVICE,vm=NAME or DEVICE,vmid=N[,hostpci=K]",
				 arg);
		goto out;
	}
	*ret = s;
	s.vm = NULL;
	r = 0;
out:
	free(dev);
	assign_spec_clear(&s);
	return r;
}

char *assign_spec_format(const struct assign_spec *s)
{
	if (s->kind == VMCONF_LIBVIRT)
		return xasprintf("%s,vm=%s", s->device, s->vm);
	if (s->hostpci >= 0)
		return xasprintf("%s,vmid=%s,hostpci=%d", s->device, s->vm, s->hostpci);
	return xasprintf("%s,vmid=%s", s->device, s->vm);
}

char *assign_spec_describe(const struct assign_spec *s)
{
	if (s->kind == VMCONF_LIBVIRT)
		return xasprintf("%s --vm %s", s->device, s->vm);
	if (s->hostpci >= 0)
		return xasprintf("%s --vmid %s --hostpci %d", s->device, s->vm, s->hostpci);
	return xasprintf("%s --vmid %s", s->device, s->vm);
}

/* ---- the proposal ---- */

/* What one plan gives away, so that two --assign of one plan agree. */
struct given {
	char *what;               /* a member's address or an mdev UUID */
	enum vmconf_kind kind;
	char *vm;
};

struct ctx {
	const struct host *h;
	const char *root;
	struct plan *p;
	struct gv_error *err;
	struct vmconf_list *all;  /* every VM under the root, read once */
	bool warned;              /* about those that do not parse */
	char **notes;             /* the exports' notes, told when every assign fits */
	size_t n_notes;
	struct given *given;
	size_t n_given;
	/* hostpci slots this plan takes, per Proxmox VM */
	struct { char *vm; uint32_t used; } *slots;
	size_t n_slots;
};

static uint32_t *plan_slots(struct ctx *c, const char *vm)
{
	for (size_t i = 0; i < c->n_slots; i++)
		if (!strcmp(c->slots[i].vm, vm))
			return &c->slots[i].used;
	c->slots = xreallocarray(c->slots, c->n_slots + 1, sizeof(*c->slots));
	c->slots[c->n_slots].vm = xstrdup(vm);
	c->slots[c->n_slots].used = 0;
	return &c->slots[c->n_slots++].used;
}

static bool same_vm(const struct vmconf *vm, enum vmconf_kind kind, const char *name)
{
	return vm->kind == kind && !strcmp(vm->name, name);
}

/* Whether D, a device some VM's configuration names, is (part of) what R
 * gives: one of its functions, all functions of their slot, an mdev of one
 * of them; for an mdev, the mdev or its parent given whole. */
static bool names_it(const struct host *h, const struct export_result *r, const struct vmconf_dev *d)
{
	struct pciaddr a;

	if (!r->n_members) {
		if (d->uuid)
			return !strcmp(d->uuid, r->device);
		return d->kind == VMCONF_DEV_PCI && pciaddr_parse(r->parent, &a) == 0 && vmconf_dev_covers(d, &a);
	}
	for (size_t i = 0; i < r->n_members; i++) {
		const struct host_device *m = host_find(h, r->members[i]);

		if (pciaddr_parse(r->members[i], &a) == 0 && vmconf_dev_covers(d, &a))
			return true;
		for (size_t j = 0; d->uuid && m && j < m->n_mdevs; j++)
			if (!strcasecmp(m->mdevs[j].uuid, d->uuid))
				return true;
	}
	return false;
}

/* What gives R in VM exactly as this assign would: member I of a PCI
 * device (-1 for an mdev). */
static bool is_this(const struct vmconf *vm, const struct export_result *r, const struct vmconf_dev *d, size_t i,
		    const char *mdev_type)
{
	struct pciaddr a;

	if (!r->n_members) {
		if (vm->kind == VMCONF_LIBVIRT)
			return d->uuid && !strcmp(d->uuid, r->device);
		return d->kind == VMCONF_DEV_MDEV && d->mdev_type && mdev_type && !strcmp(d->mdev_type, mdev_type) &&
		       !strcmp(d->address, r->parent);
	}
	if (d->kind != VMCONF_DEV_PCI || pciaddr_parse(r->members[i], &a) < 0)
		return false;
	return vm->kind == VMCONF_LIBVIRT ? !d->all_functions && !strcmp(d->address, r->members[i])
					  : vmconf_dev_covers(d, &a);
}

static char *where(const struct vmconf *vm, const struct vmconf_dev *d)
{
	if (d->hostpci >= 0)
		return xasprintf("hostpci%d, %s:%u", d->hostpci, vm->path, d->line);
	return xasprintf("%s:%u", vm->path, d->line);
}

/* A note of the export, kept for the end (once). */
static void add_note(struct ctx *c, const char *note)
{
	for (size_t i = 0; i < c->n_notes; i++)
		if (!strcmp(c->notes[i], note))
			return;
	c->notes = xreallocarray(c->notes, c->n_notes + 1, sizeof(*c->notes));
	c->notes[c->n_notes++] = xstrdup(note);
}

/* Once a plan: the VMs whose configuration does not parse, other than
 * TARGET (its own error stops the assign). */
static void warn_unread(struct ctx *c, const struct vmconf *target)
{
	size_t n = strlen(target->path);

	if (c->warned)
		return;
	c->warned = true;
	for (size_t i = 0; i < c->all->n_errors; i++)
		if (strncmp(c->all->errors[i], target->path, n) != 0 || c->all->errors[i][n] != ':')
			gv_log(GV_LOG_WARN, "not read, so not checked for the devices it has: %s", c->all->errors[i]);
}

/* Refuse what another VM under the root, or another --assign of this plan,
 * has already. */
static int check_others(struct ctx *c, const struct assign_spec *s, const char *desc,
			const struct export_result *r)
{
	for (size_t i = 0; i < c->all->n; i++) {
		const struct vmconf *vm = c->all->vms[i];
		if (same_vm(vm, s->kind, s->vm))
			continue;
		for (size_t j = 0; j < vm->n_devs; j++) {
			char *label, *at;
			int rc;
			if (!names_it(c->h, r, &vm->devs[j]))
				continue;
			label = vmconf_label(vm);
			at = where(vm, &vm->devs[j]);
			rc = gv_error_set(c->err, -EBUSY, "--assign %s: %s has %s already (%s); take it out of that VM "
					  "first", desc, label, vm->devs[j].address[0] ? vm->devs[j].address :
					  vm->devs[j].uuid, at);
			free(label);
			free(at);
			return rc;
		}
	}
	for (size_t i = 0; i < c->n_given; i++) {
		const struct given *g = &c->given[i];
		bool hit = !strcmp(g->what, r->device) || (r->parent && !strcmp(g->what, r->parent));
		for (size_t j = 0; j < r->n_members; j++)
			hit |= !strcmp(g->what, r->members[j]);
		if (hit && (g->kind != s->kind || strcmp(g->vm, s->vm)))
			return gv_error_set(c->err, -EBUSY, "--assign %s: this plan gives %s to %s %s already", desc,
					    g->what, g->kind == VMCONF_LIBVIRT ? "libvirt domain" : "Proxmox VM", g->vm);
	}
	return 0;
}

static void remember(struct ctx *c, const struct assign_spec *s, const struct export_result *r)
{
	size_t n = r->n_members ? r->n_members : 1;

	for (size_t i = 0; i < n; i++) {
		c->given = xreallocarray(c->given, c->n_given + 1, sizeof(*c->given));
		c->given[c->n_given].what = xstrdup(r->n_members ? r->members[i] : r->device);
		c->given[c->n_given].kind = s->kind;
		c->given[c->n_given].vm = xstrdup(s->vm);
		c->n_given++;
	}
}

/* The text `virsh dumpxml` shows for the source of member I (or the mdev). */
static char *libvirt_source(const struct export_result *r, size_t i)
{
	struct pciaddr a;

	if (!r->n_members || pciaddr_parse(r->members[i], &a) < 0)
		return xasprintf("<address uuid='%s'/>", r->device);
	/* libvirt's own spelling (virPCIDeviceAddressFormat) */
	return xasprintf("<address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>", a.domain, a.bus,
			 a.dev, a.fn);
}

static int assign_libvirt(struct ctx *c, const struct assign_spec *s, const char *desc, const struct vmconf *vm,
			  const struct export_result *r)
{
	size_t n = r->n_members ? r->n_members : 1, added = 0, n_present = 0;
	bool *present = xcalloc(n, sizeof(*present));
	int rc = 0;

	if (r->n_hostdevs != n) {
		free(present);
		return gv_error_set(c->err, -EINVAL, "--assign %s: the export has %zu <hostdev> for %zu device%s", desc,
				    r->n_hostdevs, n, n == 1 ? "" : "s");
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < vm->n_devs; j++)
			present[i] |= is_this(vm, r, &vm->devs[j], i, NULL);
		n_present += present[i];
	}
	if (n_present == n) {
		gv_log(GV_LOG_INFO, "libvirt domain %s has %s already (%s): nothing to add", s->vm, s->device, vm->path);
		free(present);
		return 0;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		const char *dev = r->n_members ? r->members[i] : r->device;
		char *path, *file, *content, *alias, *expect, *why;

		if (present[i]) {
			gv_log(GV_LOG_INFO, "libvirt domain %s has %s already (%s); not adding it again", s->vm, dev,
			       vm->path);
			continue;
		}
		path = xasprintf("%s/%s/%s.xml", ASSIGN_HOSTDEV_DIR, s->vm, dev);
		file = xasprintf("/%s", path);
		alias = export_libvirt_alias(dev);
		expect = libvirt_source(r, i);
		/* No "--" in an XML comment: it would not parse. */
		content = xasprintf("<!-- Written by gpuvirt: %s for virsh attach-device, which puts it in the\n"
				    "     domain's configuration with the alias %s.\n"
				    "     gpuvirt undo detaches it by that alias and removes this file. -->\n%s",
				    dev, alias, r->hostdevs[i]);
		why = xasprintf("the <hostdev> of %s for virsh attach-device", dev);
		rc = plan_write_file(c->p, path, content, strlen(content), 0644, why);
		free(why);
		if (rc == 0) {
			const char *argv[] = { "virsh", "attach-device", s->vm, file, "--config", NULL };
			const char *undo[] = { "virsh", "detach-device-alias", s->vm, alias, "--config", NULL };
			const char *back[] = { "virsh", "dumpxml", "--inactive", s->vm, NULL };

			why = xasprintf("give %s to libvirt domain %s (%s): its persistent configuration, from its next "
					"start", dev, s->vm, vm->path);
			rc = plan_run_reversible(c->p, argv, undo, back, expect, why);
			free(why);
		}
		if (rc < 0)
			rc = gv_error_set(c->err, rc, "--assign %s: cannot add %s to the plan: %s", desc, path,
					  strerror(-rc));
		added++;
		free(path);
		free(file);
		free(content);
		free(alias);
		free(expect);
	}
	free(present);
	return rc < 0 ? rc : (int)added;
}

static int assign_proxmox(struct ctx *c, const struct assign_spec *s, const char *desc, const struct vmconf *vm,
			  const struct export_result *r, unsigned k, const char *mdev_type)
{
	char key[24], *value, *nl, *why, *expect, *label = vmconf_label(vm);
	size_t n = r->n_members ? r->n_members : 1, present = 0;
	int rc;

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < vm->n_devs; j++) {
			if (!is_this(vm, r, &vm->devs[j], r->n_members ? i : 0, mdev_type))
				continue;
			present++;
			break;
		}
	}
	if (present == n) {
		gv_log(GV_LOG_INFO, "%s has %s already (%s): nothing to add", label, s->device, vm->path);
		free(label);
		return 0;   /* and hostpciK stays free */
	}
	if (present) {
		rc = gv_error_set(c->err, -EBUSY, "--assign %s: %s has part of %s's group already (%s); one hostpci "
				  "gives the functions together: delete that entry first", desc, label, s->device,
				  vm->path);
		free(label);
		return rc;
	}
	snprintf(key, sizeof(key), "hostpci%u", k);
	/* The export's line is "hostpciK: VALUE\n". */
	value = xstrdup(r->text + strlen(key) + 2);
	nl = strchr(value, '\n');
	if (nl)
		*nl = '\0';
	{
		char opt[32];
		const char *argv[] = { "qm", "set", s->vm, opt, value, NULL };
		const char *undo[] = { "qm", "set", s->vm, "-delete", key, NULL };
		const char *back[] = { "qm", "config", s->vm, NULL };

		snprintf(opt, sizeof(opt), "-%s", key);
		expect = xasprintf("%s: %s", key, value);
		why = xasprintf("give %s to %s as %s (%s), from its next start", s->device, label, key, vm->path);
		rc = plan_run_reversible(c->p, argv, undo, back, expect, why);
		free(why);
		free(expect);
	}
	if (rc < 0)
		rc = gv_error_set(c->err, rc, "--assign %s: cannot add qm set to the plan: %s", desc, strerror(-rc));
	free(value);
	free(label);
	return rc < 0 ? rc : 1;
}

/* K of the hostpciK this assign takes in VM. */
static int pick_hostpci(struct ctx *c, const struct assign_spec *s, const char *desc, const struct vmconf *vm,
			unsigned *ret)
{
	uint32_t *mine = plan_slots(c, s->vm), used = vm->hostpci_used | *mine;

	if (s->hostpci >= 0 && (used & (1u << s->hostpci))) {
		char *at = NULL;
		int rc;

		/* the line that sets it, else another --assign of this plan */
		for (size_t j = 0; j < vm->n_devs && !at; j++)
			if (vm->devs[j].hostpci == s->hostpci)
				at = xasprintf(":%u", vm->devs[j].line);
		rc = gv_error_set(c->err, -EINVAL, "--assign %s: hostpci%d of Proxmox VM %s is taken (%s%s); name a "
				  "free one, or leave --hostpci out for the next free one", desc, s->hostpci, s->vm,
				  vm->path, at ? at : (*mine & (1u << s->hostpci)) ? ", by this plan" : "");
		free(at);
		return rc;
	}
	if (s->hostpci >= 0) {
		*ret = (unsigned)s->hostpci;
	} else {
		unsigned k = 0;
		while (k < VMCONF_HOSTPCI_MAX && (used & (1u << k)))
			k++;
		if (k == VMCONF_HOSTPCI_MAX)
			return gv_error_set(c->err, -ENOSPC, "--assign %s: Proxmox VM %s uses every hostpci (hostpci0 to "
					    "hostpci%d, %s); it can be given no more devices", desc, s->vm,
					    VMCONF_HOSTPCI_MAX - 1, vm->path);
		*ret = k;
	}
	*mine |= 1u << *ret;
	return 0;
}

static int assign_one(struct ctx *c, const struct assign_spec *s, bool force_boot_gpu)
{
	struct export_opts o = { .force_boot_gpu = force_boot_gpu, .alias = true };
	struct export_result *r = NULL;
	struct vmconf *vm = NULL;
	struct gv_error e = { 0 };
	char *desc = assign_spec_describe(s);
	const char *mdev_type = NULL;
	unsigned k = 0;
	int rc;

	rc = vmconf_load(c->root, s->kind, s->vm, &vm, &e);
	if (rc == -ENOENT) {
		rc = gv_error_set(c->err, -EINVAL, "--assign %s: no %s %s under the root (no %s/%s.%s)", desc,
				  s->kind == VMCONF_LIBVIRT ? "libvirt domain" : "Proxmox VM", s->vm,
				  s->kind == VMCONF_LIBVIRT ? VMCONF_LIBVIRT_DIR : VMCONF_PROXMOX_DIR, s->vm,
				  s->kind == VMCONF_LIBVIRT ? "xml" : "conf");
		goto out;
	}
	if (rc < 0) {
		rc = gv_error_set(c->err, rc == -EINVAL ? -EINVAL : rc, "--assign %s: %s", desc, e.msg);
		goto out;
	}
	if (s->kind == VMCONF_PROXMOX) {
		rc = pick_hostpci(c, s, desc, vm, &k);
		if (rc < 0)
			goto out;
	}
	o.format = s->kind == VMCONF_LIBVIRT ? EXPORT_LIBVIRT : EXPORT_PROXMOX;
	o.hostpci = k;
	rc = export_device(c->h, s->device, &o, &r, &e);
	if (rc < 0) {
		rc = gv_error_set(c->err, rc, "--assign %s: %s", desc, e.msg);
		goto out;
	}
	warn_unread(c, vm);
	rc = check_others(c, s, desc, r);
	if (rc < 0)
		goto out;
	if (!r->n_members) {
		const struct host_device *parent = host_find(c->h, r->parent);
		for (size_t i = 0; parent && i < parent->n_mdevs; i++)
			if (!strcasecmp(parent->mdevs[i].uuid, r->device))
				mdev_type = parent->mdevs[i].type;
	}
	if (s->kind == VMCONF_LIBVIRT) {
		rc = assign_libvirt(c, s, desc, vm, r);
	} else {
		rc = assign_proxmox(c, s, desc, vm, r, k, mdev_type);
		if (rc == 0)
			*plan_slots(c, s->vm) &= ~(1u << k);
	}
	if (rc < 0)
		goto out;
	remember(c, s, r);
	for (size_t i = 0; rc > 0 && i < r->n_notes; i++)
		add_note(c, r->notes[i]);
	rc = 0;
out:
	export_result_free(r);
	vmconf_free(vm);
	free(desc);
	return rc;
}

int assign_propose(const struct host *h, const char *root, const struct assign_spec *specs, size_t n,
		   bool force_boot_gpu, struct plan *p, struct gv_error *err)
{
	struct ctx c = { .h = h, .root = root, .p = p, .err = err };
	int r = 0;

	if (!n)
		return 0;
	c.all = vmconf_scan(root);
	for (size_t i = 0; i < n && r == 0; i++)
		r = assign_one(&c, &specs[i], force_boot_gpu);
	/* what to know before the VM starts */
	for (size_t i = 0; i < c.n_notes; i++) {
		if (r == 0)
			gv_log(GV_LOG_INFO, "%s", c.notes[i]);
		free(c.notes[i]);
	}
	free(c.notes);
	vmconf_list_free(c.all);
	for (size_t i = 0; i < c.n_given; i++) {
		free(c.given[i].what);
		free(c.given[i].vm);
	}
	free(c.given);
	for (size_t i = 0; i < c.n_slots; i++)
		free(c.slots[i].vm);
	free(c.slots);
	return r;
}
