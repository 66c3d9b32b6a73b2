/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/propose/assign.h"
#include "core/util/buf.h"
#include "core/util/fsutil.h"
#include "core/propose/initramfs.h"
#include "core/propose/mdev.h"
#include "core/util/log.h"
#include "core/scan/modconf.h"
#include "core/propose/propose.h"
#include "core/util/xalloc.h"

/* Binding by address (DESIGN.md §3). */
#define UDEV_RULES_FILE "etc/udev/rules.d/70-gpuvirt-vfio.rules"

/* One --vfio: the device, the functions that go with it, and how. */
struct vfio_target {
	const struct host_device *dev;
	const struct host_device **members;  /* address order; dev among them */
	size_t n;
	bool no_group;                       /* IOMMU off: the slot's functions */
	bool by_id;
	const struct host_device *twin;      /* a device outside with a member's ids */
	const struct host_device *twin_of;
};

static void target_clear(struct vfio_target *t)
{
	free(t->members);
	*t = (struct vfio_target){ 0 };
}

static bool is_member(const struct vfio_target *t, const struct host_device *d)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->members[i] == d)
			return true;
	return false;
}

static int canonical(const char *address, char out[PCIADDR_STRLEN], struct gv_error *err)
{
	struct pciaddr a;

	if (pciaddr_parse(address, &a) < 0)
		return gv_error_set(err, -EINVAL, "'%s' is not a PCI address (0000:41:00.0 or 41:00.0)", address);
	pciaddr_format(&a, out);
	return 0;
}

static int analyze(const struct host *h, const char *address, struct vfio_target *ret, struct gv_error *err)
{
	struct vfio_target t = { 0 };
	const struct host_iommu_group *g = NULL;
	char canon[PCIADDR_STRLEN];
	int r;

	r = canonical(address, canon, err);
	if (r < 0)
		return r;
	t.dev = host_find(h, canon);
	if (!t.dev)
		return gv_error_set(err, -ENODEV, "%s: no such PCI device on this host", canon);
	if (host_device_is_bridge(t.dev))
		return gv_error_set(err, -EINVAL, "%s is a bridge (class %06x); bridges stay with the host",
				    t.dev->address, (unsigned)t.dev->class_code);

	if (t.dev->iommu_group >= 0)
		g = host_find_group(h, t.dev->iommu_group);
	t.no_group = !g;
	/* Every endpoint function of the group goes, or vfio refuses the group. */
	for (size_t i = 0, n = g ? g->n_devices : host_n_devices(h); i < n; i++) {
		const struct host_device *d = g ? g->devices[i] : host_device(h, i);

		if (host_device_is_bridge(d))
			continue;
		if (!g && !pciaddr_same_slot(&d->addr, &t.dev->addr))
			continue;
		t.members = xreallocarray(t.members, t.n + 1, sizeof(*t.members));
		t.members[t.n++] = d;
	}
	if (!is_member(&t, t.dev)) {  /* a group list that missed it: trust the device */
		t.members = xreallocarray(t.members, t.n + 1, sizeof(*t.members));
		t.members[t.n++] = t.dev;
	}

	/* By id only when no other device on the host answers to those ids. */
	t.by_id = true;
	for (size_t i = 0; i < t.n; i++) {
		const struct host_device *m = t.members[i];

		if (m->vendor_id < 0 || m->device_id < 0) {
			t.by_id = false;
			continue;
		}
		for (size_t j = 0; j < host_n_devices(h) && !t.twin; j++) {
			const struct host_device *o = host_device(h, j);
			if (!is_member(&t, o) && o->vendor_id == m->vendor_id && o->device_id == m->device_id) {
				t.by_id = false;
				t.twin = o;
				t.twin_of = m;
			}
		}
	}
	*ret = t;
	return 0;
}

static char *guard_text(const struct host *h, const struct vfio_target *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct host_device *m = t->members[i];

		if (m->boot_vga == 1)
			return xasprintf("%s is the boot GPU (boot_vga=1): binding it to vfio-pci blanks the host's "
					 "console on that GPU; use a serial console or ssh and pass --force-boot-gpu",
					 m->address);
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct host_device *m = t->members[i];

		if (host_device_is_display(m) && !m->physfn && host_n_gpus(h) == 1)
			return xasprintf("%s is the host's only GPU: binding it to vfio-pci leaves the host without a "
					 "display console; use a serial console or ssh and pass --force-boot-gpu",
					 m->address);
	}
	return NULL;
}

int propose_vfio_guard(const struct host *h, const char *address, char **ret_reason)
{
	struct vfio_target t;
	char *s;
	int r = analyze(h, address, &t, NULL);

	if (r < 0)
		return r;
	s = guard_text(h, &t);
	target_clear(&t);
	if (!s)
		return 0;
	*ret_reason = s;
	return 1;
}

/* The module a softdep names for D's driver: its module (xhci_hcd ->
 * xhci_pci), or for a driver built into the kernel its own name. */
static const char *softdep_module(const struct host_device *d)
{
	return d->driver_module ? d->driver_module : d->driver;
}

static bool is_vfio_driver(const char *driver)
{
	return driver && modconf_module_eq(driver, "vfio_pci");
}

int propose_vfio_explain(const struct host *h, const char *address, char **ret_text, struct gv_error *err)
{
	struct vfio_target t;
	struct buf b = BUF_INIT;
	char *guard;
	int r;

	r = analyze(h, address, &t, err);
	if (r < 0)
		return r;
	buf_printf(&b, "%s %s %s (driver %s)", t.dev->address, t.dev->vendor_name, t.dev->device_name,
		   t.dev->driver ? t.dev->driver : "none");
	if (t.no_group)
		buf_puts(&b, " has no IOMMU group: the IOMMU is off, so vfio-pci cannot give it to a VM yet; "
			     "turn the IOMMU on (--iommu). The functions of its slot are bound.\n");
	else
		buf_printf(&b, " is in IOMMU group %d.\n", t.dev->iommu_group);
	for (size_t i = 0; i < t.n; i++) {
		const struct host_device *m = t.members[i];
		if (m == t.dev)
			continue;
		buf_printf(&b, "%s %s %s (driver %s) goes with it: %s.\n", m->address, m->vendor_name, m->device_name,
			   m->driver ? m->driver : "none",
			   pciaddr_same_slot(&m->addr, &t.dev->addr) ? "another function of the same card"
			   : "it shares the IOMMU group, and the host loses it");
	}
	if (t.by_id) {
		buf_puts(&b, "By id (options vfio-pci ids=");
		for (size_t i = 0; i < t.n; i++)
			buf_printf(&b, "%s%04x:%04x", i ? "," : "", t.members[i]->vendor_id, t.members[i]->device_id);
		buf_puts(&b, "): no other device on this host has these ids.");
	} else if (t.twin) {
		buf_printf(&b, "By address (driver_override): %s has the same id %04x:%04x and stays with the host; "
			   "binding by id would take it too.", t.twin->address, t.twin_of->vendor_id,
			   t.twin_of->device_id);
	} else {
		buf_puts(&b, "By address (driver_override): the device's ids are unknown.");
	}
	for (size_t i = 0; i < t.n; i++) {
		const struct host_device *m = t.members[i];
		if (m->driver && !is_vfio_driver(m->driver)) {
			buf_printf(&b, " vfio-pci loads before %s (softdep) and claims %s first.", softdep_module(m),
				   m->address);
			break;
		}
	}
	buf_putc(&b, '\n');
	guard = guard_text(h, &t);
	if (guard) {
		buf_printf(&b, "Guarded: %s.\n", guard);
		free(guard);
	}
	*ret_text = buf_steal(&b);
	target_clear(&t);
	return 0;
}

/* ---- building the plan ---- */

struct ctx {
	const struct host *h;
	const struct sysconf *sc;
	const char *root;
	struct plan *p;
	struct gv_error *err;
	const struct modconf *mc;
	struct modconf_file *mine;
	struct buf why_modprobe;          /* "; "-joined reasons */
	struct buf udev_lines;            /* rules to add */
	struct buf udev_why;
	bool vfio;                        /* any --vfio */
	const struct vfio_target *targets; size_t n_targets;
	bool initramfs_dirty;             /* something the initramfs carries changed */
	char **expected; size_t n_expected;
};

static void why_add(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why_add(struct buf *b, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (b->len && strstr(buf_str(b), line))
		return;
	if (b->len)
		buf_puts(b, "; ");
	buf_puts(b, line);
}

/* What the plan starts from for PATH: queued content, else the file; NULL when absent. */
static int start_content(struct ctx *c, const char *path, char **ret)
{
	char *content = NULL;
	size_t len;
	int r = plan_file_content(c->p, path, &content, &len, c->err);

	if (r == -ENOENT) {
		*ret = NULL;
		return 0;
	}
	if (r < 0)
		return r;
	*ret = content;
	return 0;
}

/* Queue PATH = CONTENT; note whether it differs from the file on disk. */
static int queue_file(struct ctx *c, const char *path, const char *content, const char *why, bool *dirty)
{
	char *abs = fsutil_join(c->root, path), *now = NULL;
	size_t len = 0;
	int r = fsutil_read_file(abs, &now, &len);

	free(abs);
	if (r < 0 && r != -ENOENT)
		return gv_error_set(c->err, r, "%s: cannot read: %s", path, strerror(-r));
	if (r == -ENOENT || len != strlen(content) || memcmp(now, content, len))
		*dirty = true;
	free(now);
	r = plan_write_file(c->p, path, content, strlen(content), 0644, why);
	if (r < 0)
		return gv_error_set(c->err, r, "%s: cannot add the write to the plan: %s", path, strerror(-r));
	return 0;
}

static int expect_once(struct ctx *c, const char *kind, const char *key, const char *value)
{
	char *id = xasprintf("%s %s %s", kind, key, value ? value : "");
	int r;

	for (size_t i = 0; i < c->n_expected; i++) {
		if (!strcmp(c->expected[i], id)) {
			free(id);
			return 0;
		}
	}
	c->expected = xreallocarray(c->expected, c->n_expected + 1, sizeof(*c->expected));
	c->expected[c->n_expected++] = id;
	r = plan_expect(c->p, kind, key, value);
	if (r < 0)
		return gv_error_set(c->err, r, "cannot record the expectation %s %s: %s", kind, key, strerror(-r));
	return 0;
}

static bool target_member(const struct ctx *c, const struct host_device *d)
{
	for (size_t i = 0; i < c->n_targets; i++)
		for (size_t j = 0; j < c->targets[i].n; j++)
			if (c->targets[i].members[j] == d)
				return true;
	return false;
}

static int add_blacklist(struct ctx *c, const char *module)
{
	const char *where = NULL;
	int r;

	if (c->vfio && !strncmp(module, "vfio", 4))
		return gv_error_set(c->err, -EINVAL, "--blacklist %s: vfio-pci needs it to bind the devices of --vfio",
				    module);
	if (modconf_file_has_blacklist(c->mine, module)) {
		/* ours already: nothing new */
	} else if (modconf_has_blacklist(c->mc, module, &where)) {
		gv_log(GV_LOG_INFO, "blacklist %s is already in %s; not adding it again", module,
		       where ? where : "the modprobe configuration");
	} else {
		r = modconf_file_add_blacklist(c->mine, module);
		if (r < 0)
			return r;
		why_add(&c->why_modprobe, "blacklist %s so it does not claim the device at boot", module);
	}
	/* The Ubuntu guide also turns nouveau's mode setting off. */
	if (modconf_module_eq(module, "nouveau") && !modconf_file_has_option(c->mine, "nouveau", "modeset=0")) {
		if (modconf_has_option(c->mc, "nouveau", "modeset", "0", &where)) {
			gv_log(GV_LOG_INFO, "options nouveau modeset=0 is already in %s; not adding it again",
			       where ? where : "the modprobe configuration");
		} else {
			r = modconf_file_add_option(c->mine, "nouveau", "modeset=0");
			if (r < 0)
				return r;
			why_add(&c->why_modprobe, "nouveau without mode setting (modeset=0)");
		}
	}
	/* Other devices the module drives lose their driver (those this plan
	 * gives to vfio-pci are meant to). */
	for (size_t i = 0; i < host_n_devices(c->h); i++) {
		const struct host_device *d = host_device(c->h, i);
		if (d->driver && modconf_module_eq(d->driver, module) && !target_member(c, d))
			gv_log(GV_LOG_WARN, "%s (%s %s) uses %s now; after the reboot it has no driver unless it goes "
			       "to vfio-pci", d->address, d->vendor_name, d->device_name, module);
	}
	return expect_once(c, "no-module", module, NULL);
}

static int add_softdep(struct ctx *c, const struct host_device *d)
{
	const char *where = NULL;
	const char *module = softdep_module(d);
	int r = 0;

	if (!d->driver_module)
		gv_log(GV_LOG_WARN, "%s: driver %s has no module link, so %s looks built into the kernel: "
		       "softdep %s pre: vfio-pci cannot order it, and it may claim the device before vfio-pci does",
		       d->address, d->driver, d->driver, module);
	if (!modconf_file_has_softdep_pre(c->mine, module, "vfio-pci")) {
		if (modconf_has_softdep_pre(c->mc, module, "vfio-pci", &where)) {
			gv_log(GV_LOG_INFO, "softdep %s pre: vfio-pci is already in %s; not adding it again", module,
			       where ? where : "the modprobe configuration");
		} else {
			r = modconf_file_add_softdep_pre(c->mine, module, "vfio-pci");
			if (r > 0)
				why_add(&c->why_modprobe, "vfio-pci loads before %s", module);
		}
	}
	return r < 0 ? r : 0;
}

static int add_vfio_ids(struct ctx *c, const struct vfio_target *t)
{
	const char *where = NULL;
	char *theirs;
	bool all_there = true;
	int r;

	theirs = modconf_option_elsewhere(c->mc, "vfio_pci", "ids", MODCONF_FILE, &where);
	for (size_t i = 0; i < t->n; i++) {
		char id[10];
		snprintf(id, sizeof(id), "%04x:%04x", t->members[i]->vendor_id, t->members[i]->device_id);
		if (!theirs || !strstr(theirs, id))
			all_there = false;
	}
	if (theirs && all_there) {
		gv_log(GV_LOG_INFO, "%s already binds %s by id (options vfio-pci ids=%s); not adding it again",
		       where ? where : "the modprobe configuration", t->dev->address, theirs);
		free(theirs);
		return 0;
	}
	if (theirs) {
		/* Two ids= lines: the kernel keeps the last one it is given. Carry
		 * theirs in ours so whichever wins binds everything. */
		char *save = NULL;
		gv_log(GV_LOG_WARN, "%s also sets options vfio-pci ids=%s; the kernel uses only the last ids= it sees, "
		       "so gpuvirt's line includes those ids too", where ? where : "the modprobe configuration", theirs);
		for (char *id = strtok_r(theirs, ",", &save); id; id = strtok_r(NULL, ",", &save))
			if ((r = modconf_file_add_vfio_id(c->mine, id)) < 0)
				goto out;
	}
	for (size_t i = 0; i < t->n; i++) {
		char id[10];
		snprintf(id, sizeof(id), "%04x:%04x", t->members[i]->vendor_id, t->members[i]->device_id);
		r = modconf_file_add_vfio_id(c->mine, id);
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	free(theirs);
	return r;
}

static int add_vfio(struct ctx *c, const struct vfio_target *t)
{
	struct buf addrs = BUF_INIT;
	int r = 0;

	for (size_t i = 0; i < t->n; i++)
		buf_printf(&addrs, "%s%s", i ? ", " : "", t->members[i]->address);
	if (t->no_group)
		gv_log(GV_LOG_WARN, "%s has no IOMMU group (IOMMU off?): binding the functions of its slot; "
		       "a VM gets it only once the IOMMU is on (--iommu)", t->dev->address);
	for (size_t i = 0; i < t->n; i++) {
		const struct host_device *m = t->members[i];
		if (m != t->dev && !pciaddr_same_slot(&m->addr, &t->dev->addr))
			gv_log(GV_LOG_WARN, "%s (%s %s, driver %s) shares IOMMU group %d with %s: it goes to vfio-pci "
			       "too, and the host loses it", m->address, m->vendor_name, m->device_name,
			       m->driver ? m->driver : "none", t->dev->iommu_group, t->dev->address);
		if (is_vfio_driver(m->driver))
			gv_log(GV_LOG_INFO, "%s is bound to vfio-pci already; this makes it stay so at boot", m->address);
		mdev_warn_vfio(m);
	}

	if (t->by_id) {
		r = add_vfio_ids(c, t);
		if (r < 0)
			goto out;
		why_add(&c->why_modprobe, "vfio-pci claims %s by id (no other device has those ids)", buf_str(&addrs));
	} else {
		for (size_t i = 0; i < t->n; i++) {
			const char *a = t->members[i]->address;
			r = modconf_file_add_override(c->mine, a);
			if (r < 0)
				goto out;
			buf_printf(&c->udev_lines,
				   "ACTION==\"add\", SUBSYSTEM==\"pci\", KERNEL==\"%s\", ATTR{driver_override}=\"vfio-pci\"\n", a);
		}
		if (t->twin) {
			why_add(&c->why_modprobe, "vfio-pci claims %s by address (%s has the same id and stays with the host)",
				buf_str(&addrs), t->twin->address);
			why_add(&c->udev_why, "vfio-pci claims %s by address: %s has the same id %04x:%04x and stays with the host",
				buf_str(&addrs), t->twin->address, t->twin_of->vendor_id, t->twin_of->device_id);
		} else {
			why_add(&c->why_modprobe, "vfio-pci claims %s by address", buf_str(&addrs));
			why_add(&c->udev_why, "vfio-pci claims %s by address", buf_str(&addrs));
		}
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct host_device *m = t->members[i];
		if (m->driver && !is_vfio_driver(m->driver)) {
			r = add_softdep(c, m);
			if (r < 0)
				goto out;
		}
	}
	for (size_t i = 0; i < t->n && r >= 0; i++)
		r = expect_once(c, "driver", t->members[i]->address, "vfio-pci");
	if (r >= 0)
		r = expect_once(c, "module", "vfio_pci", NULL);
out:
	buf_free(&addrs);
	return r;
}

/* Our udev rules file: the rules already there, plus NEW ones not yet in it. */
static int udev_rules(const char *content, const char *new_lines, char **ret)
{
	struct buf b = BUF_INIT;
	const char *p;

	buf_puts(&b, "# Written by gpuvirt: bind these PCI functions to vfio-pci by address\n"
		     "# (driver_override), so identical devices elsewhere stay with the host.\n"
		     "# Undo with `gpuvirt undo`, or delete this file.\n");
	for (p = content; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len && p[0] != '#') {
			buf_append(&b, p, len);
			buf_putc(&b, '\n');
		}
		p = nl ? nl + 1 : NULL;
	}
	for (p = new_lines; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl + 1 - p) : strlen(p);
		char *line = xstrndup(p, len);
		if (!strstr(buf_str(&b), line))
			buf_puts(&b, line);
		free(line);
		p += len;
	}
	*ret = buf_steal(&b);
	return 0;
}

static int write_files(struct ctx *c, const char *kernel_release)
{
	enum initramfs_tool tool;
	const char *evidence = NULL;
	char *cur = NULL, *next = NULL, *why = NULL;
	const char *mods[4];
	size_t n_mods = modconf_vfio_modules(kernel_release, mods);
	bool dirty = false;
	int r;

	/* etc/modprobe.d/gpuvirt.conf */
	r = start_content(c, MODCONF_FILE, &cur);
	if (r < 0)
		goto out;
	if (!modconf_file_is_empty(c->mine) || cur) {
		next = modconf_file_render(c->mine);
		r = queue_file(c, MODCONF_FILE, next,
			       c->why_modprobe.len ? buf_str(&c->why_modprobe) : "modprobe configuration for vfio-pci",
			       &c->initramfs_dirty);
		if (r < 0)
			goto out;
		free(next);
		next = NULL;
	}
	free(cur);
	cur = NULL;

	if (c->udev_lines.len) {
		r = start_content(c, UDEV_RULES_FILE, &cur);
		if (r < 0)
			goto out;
		r = udev_rules(cur, buf_str(&c->udev_lines), &next);
		if (r < 0)
			goto out;
		/* initramfs-tools and dracut copy udev rules from /etc into the image. */
		r = queue_file(c, UDEV_RULES_FILE, next, buf_str(&c->udev_why), &c->initramfs_dirty);
		if (r < 0)
			goto out;
		free(next);
		next = NULL;
		free(cur);
		cur = NULL;
	}

	if (c->vfio) {
		r = start_content(c, MODCONF_AUTOLOAD_FILE, &cur);
		if (r < 0)
			goto out;
		r = modconf_autoload_add(cur, mods, n_mods, &next);
		if (r < 0)
			goto out;
		if (r > 0 || cur) {
			r = queue_file(c, MODCONF_AUTOLOAD_FILE, next, "load the vfio modules at boot", &dirty);
			if (r < 0)
				goto out;
		}
		free(next);
		next = NULL;
		free(cur);
		cur = NULL;
	}

	tool = sysconf_initramfs(c->sc, &evidence);
	if (tool == INITRAMFS_NONE) {
		if (c->initramfs_dirty || c->vfio)
			gv_log(GV_LOG_WARN, "no initramfs tool found under %s (no etc/initramfs-tools, etc/dracut.conf.d "
			       "or etc/mkinitcpio.conf): the vfio modules and the module configuration are not put "
			       "in the initramfs, and nothing rebuilds it", c->root);
		r = 0;
		goto out;
	}
	if (c->vfio) {
		const char *file = initramfs_modules_file(tool);

		r = start_content(c, file, &cur);
		if (r < 0)
			goto out;
		r = initramfs_add_modules(tool, cur, mods, n_mods, &next, c->err);
		if (r < 0)
			goto out;
		if (r > 0 || cur) {
			why = xasprintf("vfio modules in the initramfs (%s, found %s) so vfio-pci is there before "
					"the GPU driver", sysconf_initramfs_name(tool), evidence);
			r = queue_file(c, file, next, why, &c->initramfs_dirty);
			if (r < 0)
				goto out;
		}
	}
	if (c->initramfs_dirty) {
		free(why);
		why = xasprintf("rebuild the initramfs (%s) so it carries the new module configuration",
				sysconf_initramfs_name(tool));
		r = plan_run(c->p, initramfs_regen_argv(tool), why);
		if (r < 0) {
			gv_error_set(c->err, r, "cannot add the initramfs rebuild to the plan: %s", strerror(-r));
			goto out;
		}
	}
	r = 0;
out:
	free(why);
	free(cur);
	free(next);
	return r;
}

static bool arg_in(const char **args, size_t n, const char *arg)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(args[i], arg))
			return true;
	return false;
}

/* Every --assign of CHANGES, together (two of them into one Proxmox VM
 * take two hostpci slots). */
static int propose_assign(const struct host *h, const char *root, const struct change *changes, size_t n,
			  const struct propose_opts *o, struct plan *p, struct gv_error *err)
{
	struct assign_spec *specs = xcalloc(n ? n : 1, sizeof(*specs));
	size_t k = 0;
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++)
		if (changes[i].kind == CHANGE_ASSIGN)
			r = assign_spec_parse(changes[i].arg, &specs[k++], err);
	if (r == 0)
		r = assign_propose(h, root, specs, k, o->force_boot_gpu, p, err);
	for (size_t i = 0; i < k; i++)
		assign_spec_clear(&specs[i]);
	free(specs);
	return r;
}

int propose_build(const struct host *h, const struct sysconf *sc, const char *root,
		  const struct change *changes, size_t n, const struct propose_opts *opts, struct plan *p,
		  struct gv_error *err)
{
	struct propose_opts o = opts ? *opts : (struct propose_opts){ 0 };
	struct ctx c = { .h = h, .sc = sc, .root = root, .p = p, .err = err, .mc = sysconf_modconf(sc) };
	struct vfio_target *targets = NULL;
	size_t n_targets = 0, n_iommu = 0, n_add = 0, n_remove = 0, n_vfs = 0;
	char **vfs_args = NULL, *configured = NULL;
	size_t n_vfs_args = 0;
	const char *const *iommu = NULL;
	const char **mdev_args = xcalloc(n ? n : 1, sizeof(*mdev_args));
	char *content = NULL;
	int r = 0;

	gv_error_clear(err);
	/* Every kind first: nothing is added for a command line that cannot work. */
	for (size_t i = 0; i < n; i++) {
		switch (changes[i].kind) {
		case CHANGE_BLACKLIST:
		case CHANGE_VFIO:
			break;
		case CHANGE_IOMMU:
			iommu = boot_iommu_args(host_cpu_vendor(h), &n_iommu);
			if (!iommu) {
				r = gv_error_set(err, -EINVAL, "--iommu: the CPU vendor is unknown (/proc/cpuinfo), so the "
						 "IOMMU arguments are too; give them with --cmdline-add");
				goto out;
			}
			break;
		case CHANGE_CMDLINE_ADD:
			n_add++;
			break;
		case CHANGE_CMDLINE_REMOVE:
			n_remove++;
			break;
		case CHANGE_ASSIGN:
			break;
		case CHANGE_VFS:
			for (size_t j = 0; j < i; j++) {
				if (changes[j].kind == CHANGE_VFS && !strcmp(changes[j].address, changes[i].address) &&
				    changes[j].count != changes[i].count) {
					r = gv_error_set(err, -EINVAL, "--vfs %s=%u and --vfs %s=%u: one count a PF",
							 changes[j].address, changes[j].count, changes[i].address,
							 changes[i].count);
					goto out;
				}
			}
			r = sriov_check_change(h, sc, &changes[i], &o.sriov, err);
			if (r < 0)
				goto out;
			n_vfs++;
			break;
		case CHANGE_MDEV:
		case CHANGE_MDEV_REMOVE:
		case CHANGE_VGPU:
			r = mdev_check(h, sc, root, changes, n, i, &mdev_args[i], err);
			if (r < 0)
				goto out;
			if (mdev_args[i])
				n_add++;
			break;
		default:
			r = gv_error_set(err, -EINVAL, "unknown change kind %d", (int)changes[i].kind);
			goto out;
		}
	}

	/* Devices and the guard, before any configuration is read. */
	targets = xcalloc(n ? n : 1, sizeof(*targets));
	for (size_t i = 0; i < n; i++) {
		struct vfio_target *t;
		char *guard;

		if (changes[i].kind != CHANGE_VFIO)
			continue;
		t = &targets[n_targets];
		r = analyze(h, changes[i].address, t, err);
		if (r < 0)
			goto out;
		n_targets++;
		for (size_t j = 0; j < t->n; j++) {
			r = host_device_recheck(h, t->members[j], err);
			if (r < 0)
				goto out;
		}
		for (size_t j = 0; j < t->n; j++) {
			const struct host_device *m = t->members[j];
			unsigned vfs = m->sriov_num > 0 ? (unsigned)m->sriov_num : 0;
			for (size_t k = 0; k < n; k++)
				if (changes[k].kind == CHANGE_VFS && !strcmp(changes[k].address, m->address))
					vfs = changes[k].count;
			if (vfs) {
				r = gv_error_set(err, -EINVAL, "%s has %u VFs: a PF with VFs is never bound to vfio-pci "
						 "(its VFs would go with it); give a VF to a VM instead (--vfio %s)",
						 m->address, vfs, m->vfs && m->n_vfs ? m->vfs[0] : "VF");
				goto out;
			}
		}
		guard = guard_text(h, t);
		if (guard && !o.force_boot_gpu) {
			r = gv_error_set(err, -EPERM, "%s", guard);
			free(guard);
			goto out;
		}
		if (guard)
			gv_log(GV_LOG_WARN, "--force-boot-gpu: %s", guard);
		free(guard);
		c.vfio = true;
	}
	c.targets = targets;
	c.n_targets = n_targets;

	/* What the SR-IOV drivers need at the next boot, measured against the
	 * command line configured for it. */
	if (n_vfs && boot_configured_cmdline_for(sc, o.boot_loader, &configured, NULL) < 0)
		configured = NULL;
	for (size_t i = 0; i < n; i++)
		if (changes[i].kind == CHANGE_VFS)
			sriov_cmdline_args(h, sc, configured, &changes[i], &vfs_args, &n_vfs_args);

	/* The kernel command line: one call for every argument, so the file is
	 * edited once and the boot loader's command queued once. */
	if (iommu || n_add || n_remove || n_vfs_args) {
		const char **add = xcalloc(n_iommu + n_add + n_vfs_args + 1, sizeof(*add));
		const char **remove = xcalloc(n_remove + 1, sizeof(*remove));
		size_t na = 0, nr = 0;

		for (size_t i = 0; i < n_iommu; i++)
			add[na++] = iommu[i];
		for (size_t i = 0; i < n; i++) {
			if (changes[i].kind == CHANGE_CMDLINE_ADD)
				add[na++] = changes[i].arg;
			else if (changes[i].kind == CHANGE_CMDLINE_REMOVE)
				remove[nr++] = changes[i].arg;
			else if (mdev_args[i] && !arg_in(add, na, mdev_args[i]))   /* GVT-g's, once */
				add[na++] = mdev_args[i];
		}
		for (size_t i = 0; i < n_vfs_args; i++)
			add[na++] = vfs_args[i];
		r = boot_propose_cmdline_for(p, h, sc, o.boot_loader, add, na, remove, nr, err);
		free(add);
		free(remove);
		if (r < 0)
			goto out;
	}

	r = start_content(&c, MODCONF_FILE, &content);
	if (r < 0)
		goto out;
	c.mine = modconf_file_parse(content);

	for (size_t i = 0; i < n; i++) {
		if (changes[i].kind != CHANGE_BLACKLIST)
			continue;
		r = add_blacklist(&c, changes[i].arg);
		if (r < 0)
			goto out;
	}
	for (size_t i = 0; i < n_targets; i++) {
		r = add_vfio(&c, &targets[i]);
		if (r < 0)
			goto out;
	}
	r = write_files(&c, host_kernel_release(h));
	if (r >= 0 && n_vfs)
		r = sriov_propose(p, h, sc, changes, n, &o.sriov, err);
	/* after the VF counts: --vgpu takes a VF --vfs makes */
	if (r >= 0)
		r = mdev_propose(h, sc, root, changes, n, p, err);
	if (r >= 0)
		r = propose_assign(h, root, changes, n, &o, p, err);
out:
	if (r < 0 && err && !err->code)
		gv_error_set(err, r, "cannot build the plan: %s", strerror(-r));
	for (size_t i = 0; i < n_targets; i++)
		target_clear(&targets[i]);
	free(targets);
	free(mdev_args);
	free(content);
	for (size_t i = 0; i < n_vfs_args; i++)
		free(vfs_args[i]);
	free(vfs_args);
	free(configured);
	modconf_file_free(c.mine);
	buf_free(&c.why_modprobe);
	buf_free(&c.udev_lines);
	buf_free(&c.udev_why);
	for (size_t i = 0; i < c.n_expected; i++)
		free(c.expected[i]);
	free(c.expected);
	return r;
}
