/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/propose/boot.h"
#include "core/propose/sriov.h"
#include "core/scan/kparam.h"
#include "core/scan/modconf.h"
#include "core/util/buf.h"
#include "core/util/cmdline.h"
#include "core/util/fsutil.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

#define SYSFS_CONF "etc/sysfs.conf"
#define SYSFS_DIR "etc/sysfs.d"
#define UDEV_DIR "etc/udev/rules.d"

int sriov_vf_driver_parse(const char *name, enum sriov_vf_driver *ret)
{
	if (!name)
		return -EINVAL;
	if (!strcmp(name, "vfio-pci") || !strcmp(name, "vfio_pci")) {
		*ret = SRIOV_VF_VFIO;
		return 0;
	}
	if (!strcmp(name, "host")) {
		*ret = SRIOV_VF_HOST;
		return 0;
	}
	return -EINVAL;
}

const char *sriov_vf_driver_name(enum sriov_vf_driver d)
{
	return d == SRIOV_VF_VFIO ? "vfio-pci" : "host";
}

const char *sriov_persist_name(enum sriov_persist p)
{
	switch (p) {
	case SRIOV_PERSIST_SYSFSUTILS: return "sysfsutils";
	case SRIOV_PERSIST_UDEV: return "udev";
	case SRIOV_PERSIST_DRIVER: return "driver";
	default: return "none";
	}
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static bool driver_is(const struct host_device *d, const char *name)
{
	return d->driver && modconf_module_eq(d->driver, name);
}

/* The module behind D's driver, as modprobe names it. */
static const char *module_of(const struct host_device *d)
{
	return d->driver_module ? d->driver_module : d->driver;
}

/* The path sysfsutils and udev take for ATTR of ADDRESS: relative to /sys. */
static char *sysfs_rel(const char *address, const char *attr)
{
	char *abs = address ? host_address_attr_path(address, attr) : host_pci_bus_attr_path(attr);
	char *rel = xstrdup(strchr(abs + 1, '/') + 1);

	free(abs);
	return rel;
}

/* Whether sysfs path ATTR (relative or not) is attribute NAME of ADDRESS. */
static bool attr_of(const char *attr, const char *address, const char *name)
{
	char *tail = xasprintf("/%s/%s", address, name);
	bool r = has_suffix(attr, tail);

	free(tail);
	return r;
}

/* ---- reading the root ---- */

/* Files come from the plan when there is one, so that what it queued counts. */
struct reader {
	const char *root;
	struct plan *p;
};

static int read_rel(const struct reader *rd, const char *rel, char **ret)
{
	size_t len;
	char *abs;
	int r;

	if (rd->p)
		return plan_file_content(rd->p, rel, ret, &len, NULL);
	abs = fsutil_join(rd->root, rel);
	r = fsutil_read_file(abs, ret, &len);
	free(abs);
	return r;
}

static bool exists_rel(const char *root, const char *rel)
{
	char *abs = fsutil_join(root, rel);
	bool r = access(abs, F_OK) == 0;

	free(abs);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *SUFFIX files in DIR under the root, as root-relative paths in name
 * order (the order of a shell glob), with EXTRA among them. */
static char **list_rel(const char *root, const char *dir, const char *suffix, const char *extra, size_t *ret_n)
{
	char *abs = fsutil_join(root, dir);
	DIR *d = opendir(abs);
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;
	bool have_extra = !extra;

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !has_suffix(de->d_name, suffix))
			continue;
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n] = xasprintf("%s/%s", dir, de->d_name);
		if (extra && !strcmp(v[n], extra))
			have_extra = true;
		n++;
	}
	if (d)
		closedir(d);
	free(abs);
	if (!have_extra) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = xstrdup(extra);
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_str);
	*ret_n = n;
	return v;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The next line of *P (without its newline) in an owned string; NULL at the end. */
static char *next_line(const char **p)
{
	const char *s = *p, *nl;
	char *line;

	if (!s || !*s)
		return NULL;
	nl = strchr(s, '\n');
	line = xstrndup(s, nl ? (size_t)(nl - s) : strlen(s));
	*p = nl ? nl + 1 : s + strlen(s);
	return line;
}

/*
 * One sysfsutils line as its init script reads it: a comment from '#' on,
 * then "PATH = VALUE" (a write) or "mode|owner PATH = VALUE". Returns true
 * for a write, with owned *RET_ATTR and *RET_VALUE.
 */
static bool sysfs_parse(const char *line, char **ret_attr, char **ret_value)
{
	char *copy = xstrdup(line), *hash = strchr(copy, '#'), *eq, *a, *v, *end;
	bool ok = false;

	if (hash)
		*hash = '\0';
	eq = strchr(copy, '=');
	if (!eq)
		goto out;
	*eq = '\0';
	a = copy + strspn(copy, " \t");
	end = a + strcspn(a, " \t");
	if (*(end + strspn(end, " \t")))   /* two words: mode/owner */
		goto out;
	*end = '\0';
	v = eq + 1 + strspn(eq + 1, " \t");
	end = v + strcspn(v, " \t\r");
	if (!*a || !*v || *(end + strspn(end, " \t\r")))
		goto out;
	*end = '\0';
	*ret_attr = xstrdup(a);
	*ret_value = xstrdup(v);
	ok = true;
out:
	free(copy);
	return ok;
}

struct sysfs_set {
	char *file;
	unsigned line;
	char *attr, *value;
};

struct udev_set {
	char *file;
	unsigned line;
	char *address;
	int count;
};

struct sriov_conf {
	char *root;
	const char *sysfsutils;          /* evidence that it is installed; NULL: not */
	int sysfsutils_state;            /* sysfsutils_state() */
	bool sysfs_conf;                 /* etc/sysfs.conf is there */
	struct sysfs_set *sets;          /* in the order sysfsutils writes them */
	size_t n_sets;
	struct udev_set *rules;
	size_t n_rules;
	const struct modconf *mc;
	char *next_cmdline;              /* the next boot's, NULL when unknown */
};

/* Whether sysfsutils is installed under ROOT: 1 (*RET_EVIDENCE the file
 * that says so), 0 (a package database that lacks it), -1 (no package
 * database to ask: a bare root). */
static int sysfsutils_state(const char *root, const char **ret_evidence)
{
	static const char *const files[] = {
		"etc/init.d/sysfsutils", "lib/systemd/system/sysfsutils.service",
		"usr/lib/systemd/system/sysfsutils.service", "var/lib/dpkg/info/sysfsutils.list",
	};
	static const char *const databases[] = { "var/lib/dpkg/info", "var/lib/rpm", "var/lib/pacman/local" };

	*ret_evidence = NULL;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (exists_rel(root, files[i])) {
			*ret_evidence = files[i];
			return 1;
		}
	}
	for (size_t i = 0; i < sizeof(databases) / sizeof(databases[0]); i++)
		if (exists_rel(root, databases[i]))
			return 0;
	return -1;
}

static void add_sysfs_file(struct sriov_conf *c, const struct reader *rd, const char *rel)
{
	char *content = NULL, *line;
	const char *p;
	unsigned lineno = 0;

	if (read_rel(rd, rel, &content) < 0)
		return;
	for (p = content; (line = next_line(&p)); free(line)) {
		char *attr, *value;
		lineno++;
		if (!sysfs_parse(line, &attr, &value))
			continue;
		c->sets = xreallocarray(c->sets, c->n_sets + 1, sizeof(*c->sets));
		c->sets[c->n_sets++] = (struct sysfs_set){ xstrdup(rel), lineno, attr, value };
	}
	free(content);
}

/* `KERNEL=="ADDRESS"` and `ATTR{sriov_numvfs}="N"` in one rule. */
static void add_udev_file(struct sriov_conf *c, const struct reader *rd, const char *rel)
{
	char *content = NULL, *line;
	const char *p;
	unsigned lineno = 0;

	if (read_rel(rd, rel, &content) < 0)
		return;
	for (p = content; (line = next_line(&p)); free(line)) {
		const char *k, *a;
		char addr[PCIADDR_STRLEN + 1];
		struct pciaddr pa;
		lineno++;
		if (line[strspn(line, " \t")] == '#')
			continue;
		k = strstr(line, "KERNEL==\"");
		a = strstr(line, "ATTR{sriov_numvfs}=\"");
		if (!k || !a)
			continue;
		k += strlen("KERNEL==\"");
		a += strlen("ATTR{sriov_numvfs}=\"");
		snprintf(addr, sizeof(addr), "%.*s", (int)strcspn(k, "\""), k);
		if (pciaddr_parse(addr, &pa) < 0 || !isdigit((unsigned char)*a))
			continue;
		c->rules = xreallocarray(c->rules, c->n_rules + 1, sizeof(*c->rules));
		c->rules[c->n_rules] = (struct udev_set){ xstrdup(rel), lineno, xmalloc(PCIADDR_STRLEN), atoi(a) };
		pciaddr_format(&pa, c->rules[c->n_rules].address);
		c->n_rules++;
	}
	free(content);
}

static struct sriov_conf *conf_load(const struct reader *rd, const struct sysconf *sc)
{
	struct sriov_conf *c = xcalloc(1, sizeof(*c));
	char *conf = NULL;
	char **files;
	size_t n;

	c->root = xstrdup(rd->root);
	c->sysfsutils_state = sysfsutils_state(rd->root, &c->sysfsutils);
	c->mc = sc ? sysconf_modconf(sc) : NULL;
	if (read_rel(rd, SYSFS_CONF, &conf) == 0) {
		c->sysfs_conf = true;
		free(conf);
		add_sysfs_file(c, rd, SYSFS_CONF);
	}
	files = list_rel(rd->root, SYSFS_DIR, ".conf", SRIOV_SYSFS_FILE, &n);
	for (size_t i = 0; i < n; i++)
		add_sysfs_file(c, rd, files[i]);
	free_list(files, n);
	files = list_rel(rd->root, UDEV_DIR, ".rules", SRIOV_UDEV_FILE, &n);
	for (size_t i = 0; i < n; i++)
		add_udev_file(c, rd, files[i]);
	free_list(files, n);
	if (sc && boot_configured_cmdline(sc, &c->next_cmdline, NULL) < 0)
		c->next_cmdline = NULL;
	return c;
}

struct sriov_conf *sriov_conf_load(const char *root, const struct sysconf *sc)
{
	struct reader rd = { .root = root };

	return conf_load(&rd, sc);
}

void sriov_conf_free(struct sriov_conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_sets; i++) {
		free(c->sets[i].file);
		free(c->sets[i].attr);
		free(c->sets[i].value);
	}
	free(c->sets);
	for (size_t i = 0; i < c->n_rules; i++) {
		free(c->rules[i].file);
		free(c->rules[i].address);
	}
	free(c->rules);
	free(c->next_cmdline);
	free(c->root);
	free(c);
}

bool sriov_conf_sysfsutils(const struct sriov_conf *c, const char **ret_evidence)
{
	if (ret_evidence)
		*ret_evidence = c->sysfsutils;
	return c->sysfsutils != NULL;
}

void sriov_boot_clear(struct sriov_boot *b)
{
	if (!b)
		return;
	free(b->where);
	free(b->file);
	free(b->ignored);
	*b = (struct sriov_boot){ .count = -1 };
}

/* Drivers whose parameter makes VFs when they load. */
static const struct { const char *module, *param; } count_params[] = {
	{ "igb", "max_vfs" }, { "ixgbe", "max_vfs" }, { "mlx4_core", "num_vfs" }, { "be2net", "num_vfs" },
};

/* The value of KEY ("igb.max_vfs") on command line LINE; -1 when absent. */
static int cmdline_value(const char *line, const char *key)
{
	struct cmdline *c = NULL;
	const char *arg;
	int v = -1;

	if (!line || cmdline_parse(line, &c) < 0)
		return -1;
	arg = cmdline_find(c, key);
	if (arg && strchr(arg, '=') && isdigit((unsigned char)strchr(arg, '=')[1]))
		v = atoi(strchr(arg, '=') + 1);
	cmdline_free(c);
	return v;
}

/* The value of MODULE's option KEY in modprobe.d files (not the running
 * command line libkmod merges in); -1 when none. *RET_WHERE gets the file. */
static int modprobe_value(const struct modconf *mc, const char *module, const char *key, const char **ret_where)
{
	const char *where = NULL;
	char *v = mc ? modconf_option_elsewhere(mc, module, key, NULL, &where) : NULL;
	int n = -1;

	if (v && where && strcmp(where, "the kernel command line") && isdigit((unsigned char)v[0])) {
		n = atoi(v);
		if (ret_where)
			*ret_where = where;
	}
	free(v);
	return n;
}

void sriov_conf_boot(const struct sriov_conf *c, const struct host_device *pf, struct sriov_boot *ret)
{
	struct sriov_boot b = { .count = -1 };
	const struct sysfs_set *set = NULL;
	const struct udev_set *rule = NULL;

	for (size_t i = 0; i < c->n_sets; i++)
		if (attr_of(c->sets[i].attr, pf->address, "sriov_numvfs"))
			set = &c->sets[i];
	for (size_t i = 0; i < c->n_rules; i++)
		if (!strcmp(c->rules[i].address, pf->address))
			rule = &c->rules[i];
	if (set) {
		b.via = SRIOV_PERSIST_SYSFSUTILS;
		b.count = isdigit((unsigned char)set->value[0]) ? atoi(set->value) : -1;
		b.where = xasprintf("%s:%u", set->file, set->line);
		b.file = xstrdup(set->file);
		if (c->sysfsutils_state == 0)
			b.ignored = xasprintf("sysfsutils is not installed under %s, so nothing reads %s at boot",
					      c->root, set->file);
		else if (!strncmp(set->file, SYSFS_DIR "/", strlen(SYSFS_DIR) + 1) && !c->sysfs_conf)
			b.ignored = xasprintf("%s is missing: sysfsutils 2.1.1-6 and later (Debian 13, Proxmox 9) "
					      "skip %s without it", SYSFS_CONF, SYSFS_DIR);
	}
	/* a rule that is read wins over lines that are not */
	if (rule && (!set || b.ignored)) {
		sriov_boot_clear(&b);
		b.via = SRIOV_PERSIST_UDEV;
		b.count = rule->count;
		b.where = xasprintf("%s:%u", rule->file, rule->line);
		b.file = xstrdup(rule->file);
	}
	/* else a driver that makes VFs when it loads */
	for (size_t i = 0; b.via == SRIOV_PERSIST_NONE && pf->driver && i < sizeof(count_params) / sizeof(count_params[0]);
	     i++) {
		const char *m = module_of(pf), *where = NULL;
		char *key;
		int v;

		if (!modconf_module_eq(m, count_params[i].module))
			continue;
		key = xasprintf("%s.%s", count_params[i].module, count_params[i].param);
		v = cmdline_value(c->next_cmdline, key);
		if (v >= 0) {
			b.where = xasprintf("the next boot's kernel command line: %s=%d", key, v);
		} else if ((v = modprobe_value(c->mc, m, count_params[i].param, &where)) >= 0) {
			b.where = xasprintf("%s: options %s %s=%d", where, m, count_params[i].param, v);
			b.file = xstrdup(where);
		}
		free(key);
		if (v >= 0) {
			b.via = SRIOV_PERSIST_DRIVER;
			b.count = v;
		}
	}
	*ret = b;
}

/* ---- checking a --vfs change ---- */

static bool is_intel_gpu_driver(const struct host_device *d)
{
	return driver_is(d, "i915") || driver_is(d, "xe");
}

/* The module installed for the root's kernel has a max_vfs parameter: the
 * i915 SR-IOV build, xe with PF support. */
static bool installed_has_max_vfs(const struct sysconf *sc, const struct host_device *d)
{
	struct kparam_info info;

	if (!sc || !d->driver)
		return false;
	kparam_lookup(sysconf_kparam((struct sysconf *)sc), module_of(d), "max_vfs", &info);
	return info.from_modinfo && info.param == KPARAM_PARAM_KNOWN;
}

/* Why the count cannot be set now to N; NULL when it can. Owned. */
static char *live_blocker(const struct sysconf *sc, const struct host_device *d, unsigned n)
{
	if ((int)n == (d->sriov_num < 0 ? 0 : d->sriov_num))
		return NULL;
	if (d->sriov_driver == HOST_SRIOV_DRIVER_NONE)
		return xasprintf("no driver is bound to %s, and the kernel sets the count only through it", d->address);
	if (d->sriov_driver == HOST_SRIOV_DRIVER_CANNOT && n > 0)
		return xasprintf("the running %s cannot make VFs%s", d->driver,
				 installed_has_max_vfs(sc, d) ? "; the module installed for the next boot can" : "");
	if ((int)n > d->sriov_total)
		return xasprintf("sriov_totalvfs is %d until the next boot brings %s.max_vfs=%u", d->sriov_total,
				 d->driver ? d->driver : "?", n);
	return NULL;
}

/* What limits the total, for the message about a count above it. */
static char *total_limit(const struct host_device *d)
{
	if (is_intel_gpu_driver(d) && d->sriov_driver_max_vfs >= 0 && d->sriov_driver_max_vfs == d->sriov_total)
		return xasprintf("the driver's parameter %s.max_vfs=%d limits it; --cmdline-add %s.max_vfs=N raises it "
				 "if the device has more", d->driver, d->sriov_driver_max_vfs, d->driver);
	return xasprintf("what the device offers (its TotalVFs), or less where %s lowers it",
			 d->driver ? d->driver : "the driver");
}

/* Before anything else: the VFs a count change would remove, that are
 * bound to vfio-pci (a VM may use them). */
static int check_in_use(const struct host *h, const struct host_device *d, unsigned n, struct gv_error *err)
{
	struct buf names = BUF_INIT;
	size_t k = 0;
	int cur = d->sriov_num < 0 ? 0 : d->sriov_num;
	int r = 0;

	if (cur == 0 || (int)n == cur)
		return 0;
	for (size_t i = 0; i < d->n_vfs; i++) {
		const struct host_device *vf = host_find(h, d->vfs[i]);
		if (!vf || !driver_is(vf, "vfio_pci"))
			continue;
		buf_printf(&names, "%s%s%s", k++ ? ", " : "", vf->address, vf->vfio_open == 1 ? " (open: a VM holds it)" : "");
	}
	if (k)
		r = gv_error_set(err, -EBUSY, "%s: going from %d VFs to %u removes every VF first, and %s %s bound to "
				 "vfio-pci; stop what uses %s, or pass --boot-only (the next boot only) or "
				 "--force-vfs-in-use", d->address, cur, n, buf_str(&names), k == 1 ? "is" : "are",
				 k == 1 ? "it" : "them");
	buf_free(&names);
	return r;
}

int sriov_check_change(const struct host *h, const struct sysconf *sc, const struct change *c,
		const struct sriov_opts *o, struct gv_error *err)
{
	const struct host_device *d = host_find(h, c->address);
	char *why;
	int r;

	if (!d)
		return gv_error_set(err, -ENODEV, "%s: no such PCI device on this host", c->address);
	r = host_device_recheck(h, d, err);
	if (r < 0)
		return r;
	if (d->physfn)
		return gv_error_set(err, -EINVAL, "%s is a VF of %s: give the PF's address (--vfs %s=N)", d->address,
				    d->physfn, d->physfn);
	if (d->sriov_total < 0)
		return gv_error_set(err, -EINVAL, "%s (%s %s) has no SR-IOV capability (no sriov_totalvfs): it cannot "
				    "make VFs", d->address, d->vendor_name, d->device_name);
	if ((int)c->count > d->sriov_total) {
		/* i915 and xe make none until max_vfs says how many: the next
		 * boot can, once the plan puts it on the command line */
		bool raise = d->sriov_total == 0 && is_intel_gpu_driver(d) && d->sriov_driver_max_vfs <= 0;
		if (!raise) {
			why = total_limit(d);
			r = gv_error_set(err, -EINVAL, "%s can have at most %d VFs, not %u: sriov_totalvfs is %d (%s)",
					 d->address, d->sriov_total, c->count, d->sriov_total, why);
			free(why);
			return r;
		}
	}
	if (c->count > 0 && d->sriov_total == 0 && d->sriov_driver_max_vfs > 0)
		return gv_error_set(err, -EIO, "%s can have no VFs now: sriov_totalvfs is 0 although %s.max_vfs=%d, so "
				    "the driver could not set up SR-IOV (GuC not running, no room for the VF BARs); "
				    "gpuvirt check says why", d->address, d->driver, d->sriov_driver_max_vfs);
	if (c->count > 0 && d->sriov_driver == HOST_SRIOV_DRIVER_CANNOT && !installed_has_max_vfs(sc, d))
		return gv_error_set(err, -ENOPKG, "%s: %s cannot make VFs (%s): install a driver that can%s, then "
				    "reboot", d->address, d->driver,
				    is_intel_gpu_driver(d) ? "the stock module, without a max_vfs parameter" :
				    "it has no SR-IOV configuration",
				    driver_is(d, "i915") ? " (the i915 SR-IOV DKMS build for this kernel)" : "");
	if (o && o->boot_only)
		return 0;
	if (d->sriov_driver == HOST_SRIOV_DRIVER_NONE && (int)c->count != (d->sriov_num < 0 ? 0 : d->sriov_num))
		return gv_error_set(err, -ENXIO, "%s: no driver is bound to it, and the kernel sets the VF count only "
				    "through the PF's driver (ENOENT): load the driver, or pass --boot-only to set the "
				    "count for the next boot only", d->address);
	why = live_blocker(sc, d, c->count);
	if (why) {   /* nothing is removed now */
		free(why);
		return 0;
	}
	return o && o->force_in_use ? 0 : check_in_use(h, d, c->count, err);
}

/* ---- the command line ---- */

static void push(char ***args, size_t *n, char *arg)
{
	*args = xreallocarray(*args, *n + 1, sizeof(**args));
	(*args)[(*n)++] = arg;
}

void sriov_cmdline_args(const struct host *h, const struct sysconf *sc, const char *configured,
			const struct change *c, char ***args, size_t *n_args)
{
	const struct host_device *d = host_find(h, c->address);
	const struct modconf *mc = sc ? sysconf_modconf(sc) : NULL;
	const char *m;
	char *key;
	int have;

	if (!d || c->count == 0 || !is_intel_gpu_driver(d))
		return;
	m = driver_is(d, "i915") ? "i915" : "xe";
	if (!strcmp(m, "i915")) {
		/* PF mode needs GuC submission and HuC (SRIOV-MDEV-VM.md §1.3) */
		if (cmdline_value(configured, "i915.enable_guc") != 3 && modprobe_value(mc, "i915", "enable_guc", NULL) != 3)
			push(args, n_args, xstrdup("i915.enable_guc=3"));
	}
	key = xasprintf("%s.max_vfs", m);
	have = cmdline_value(configured, key);
	if (have < 0)
		have = modprobe_value(mc, m, "max_vfs", NULL);
	if (have < (int)c->count) {
		/* as many as the device offers, so a later count needs no reboot */
		unsigned want = d->sriov_total > (int)c->count ? (unsigned)d->sriov_total : c->count;
		push(args, n_args, xasprintf("%s=%u", key, want));
	}
	free(key);
}

/* ---- gpuvirt's files: one block of lines a PF ---- */

/*
 * Our sysfsutils file and our udev rules are a header and blocks, each
 * starting with a comment "# ADDRESS: ...", in address order, so that one
 * PF's lines can be replaced without touching another's.
 */
struct block {
	char addr[PCIADDR_STRLEN];
	struct buf text;     /* its lines, each with its newline */
};

struct blocks {
	struct block *v;
	size_t n;
};

/* "# 0000:00:02.0: ..." starts a block: the address, or false. */
static bool block_start(const char *line, char addr[PCIADDR_STRLEN])
{
	char word[PCIADDR_STRLEN + 2];
	struct pciaddr a;
	size_t n;

	const char *end;

	if (strncmp(line, "# ", 2) || !(end = strstr(line + 2, ": ")))
		return false;
	n = (size_t)(end - (line + 2));
	if (n == 0 || n >= sizeof(word))
		return false;
	memcpy(word, line + 2, n);
	word[n] = '\0';
	if (pciaddr_parse(word, &a) < 0)
		return false;
	pciaddr_format(&a, addr);
	return true;
}

static void blocks_parse(const char *content, struct blocks *ret)
{
	struct blocks b = { 0 };
	const char *p = content;
	char *line;

	for (; (line = next_line(&p)); free(line)) {
		char addr[PCIADDR_STRLEN];
		if (block_start(line, addr)) {
			b.v = xreallocarray(b.v, b.n + 1, sizeof(*b.v));
			b.v[b.n] = (struct block){ .text = BUF_INIT };
			memcpy(b.v[b.n].addr, addr, sizeof(addr));
			b.n++;
		}
		/* the header is ours to write again; blank lines separate */
		if (!b.n || !line[strspn(line, " \t")])
			continue;
		buf_printf(&b.v[b.n - 1].text, "%s\n", line);
	}
	*ret = b;
}

static void blocks_free(struct blocks *b)
{
	for (size_t i = 0; i < b->n; i++)
		buf_free(&b->v[i].text);
	free(b->v);
	*b = (struct blocks){ 0 };
}

static bool blocks_drop(struct blocks *b, const char *addr)
{
	for (size_t i = 0; i < b->n; i++) {
		if (strcmp(b->v[i].addr, addr))
			continue;
		buf_free(&b->v[i].text);
		memmove(&b->v[i], &b->v[i + 1], (b->n - i - 1) * sizeof(*b->v));
		b->n--;
		return true;
	}
	return false;
}

static void blocks_put(struct blocks *b, const char *addr, char *text)
{
	struct pciaddr a, o;
	size_t at = 0;

	blocks_drop(b, addr);
	pciaddr_parse(addr, &a);
	while (at < b->n && pciaddr_parse(b->v[at].addr, &o) == 0 && pciaddr_cmp(&o, &a) < 0)
		at++;
	b->v = xreallocarray(b->v, b->n + 1, sizeof(*b->v));
	memmove(&b->v[at + 1], &b->v[at], (b->n - at) * sizeof(*b->v));
	b->v[at] = (struct block){ .text = BUF_INIT };
	snprintf(b->v[at].addr, sizeof(b->v[at].addr), "%s", addr);
	buf_puts(&b->v[at].text, text);
	b->n++;
	free(text);
}

static char *blocks_render(const struct blocks *b, const char *header)
{
	struct buf out = BUF_INIT;

	buf_puts(&out, header);
	for (size_t i = 0; i < b->n; i++)
		buf_printf(&out, "\n%s", buf_str(&b->v[i].text));
	return buf_steal(&out);
}

static const char sysfs_header[] =
	"# Written by gpuvirt: SR-IOV VFs at boot. sysfsutils writes these\n"
	"# attributes (paths under /sys) at boot, in this order.\n"
	"# Undo with `gpuvirt undo`, or `gpuvirt apply --vfs ADDRESS=0`.\n";

static const char udev_header[] =
	"# Written by gpuvirt: SR-IOV VFs at boot, set when the PF's driver binds\n"
	"# (without sysfsutils). Undo with `gpuvirt undo`, or\n"
	"# `gpuvirt apply --vfs ADDRESS=0`.\n";

/* ---- the plan ---- */

struct ctx {
	struct plan *p;
	const struct host *h;
	const struct sysconf *sc;
	const struct sriov_opts *o;
	struct gv_error *err;
	struct reader rd;
	const char *sysfsutils;      /* its evidence; NULL: udev */
	int sysfsutils_state;
	struct blocks sysfs, udev;   /* our two files, as they become */
	bool sysfs_dirty, udev_dirty;
	bool vfio_modules;           /* the vfio modules must load at boot */
	struct buf sysfs_why, udev_why;
};

static void why_add(struct buf *b, const char *s)
{
	if (strstr(buf_str(b), s))
		return;
	if (b->len)
		buf_puts(b, "; ");
	buf_puts(b, s);
}

/* "# ADDR: N VFs (--vfs ADDR=N --vfs-driver vfio-pci)" */
static char *block_comment(const struct host_device *d, unsigned n, bool vfio, const char *tail)
{
	return xasprintf("# %s: %u VF%s%s%s (gpuvirt apply --vfs %s=%u%s)\n", d->address, n, n == 1 ? "" : "s",
			 vfio ? " on vfio-pci" : "", tail, d->address, n, vfio ? " --vfs-driver vfio-pci" : "");
}

static int vf_addresses(const struct ctx *c, const struct host_device *d, unsigned n, char (**ret)[PCIADDR_STRLEN])
{
	char (*v)[PCIADDR_STRLEN] = xcalloc(n ? n : 1, sizeof(*v));

	for (unsigned i = 0; i < n; i++) {
		if (host_device_vf_address(d, i, v[i]) < 0) {
			free(v);
			return gv_error_set(c->err, -EINVAL, "%s: where its VFs appear is unknown (no sriov_offset and "
					    "sriov_stride), so they cannot be bound to vfio-pci by address", d->address);
		}
	}
	*ret = v;
	return 0;
}

static void sysfs_block(struct ctx *c, const struct host_device *d, unsigned n, bool vfio,
			char (*vfs)[PCIADDR_STRLEN])
{
	struct buf b = BUF_INIT;
	char *attr, *comment = block_comment(d, n, vfio, "");

	buf_puts(&b, comment);
	free(comment);
	if (vfio) {
		attr = sysfs_rel(d->address, "sriov_drivers_autoprobe");
		buf_printf(&b, "%s = 0\n", attr);
		free(attr);
	}
	attr = sysfs_rel(d->address, "sriov_numvfs");
	buf_printf(&b, "%s = %u\n", attr, n);
	free(attr);
	for (unsigned i = 0; vfio && i < n; i++) {
		char *probe = sysfs_rel(NULL, "drivers_probe");
		attr = sysfs_rel(vfs[i], "driver_override");
		buf_printf(&b, "%s = vfio-pci\n%s = %s\n", attr, probe, vfs[i]);
		free(attr);
		free(probe);
	}
	blocks_put(&c->sysfs, d->address, buf_steal(&b));
}

static void udev_block(struct ctx *c, const struct host_device *d, unsigned n, bool vfio,
		       char (*vfs)[PCIADDR_STRLEN])
{
	struct buf b = BUF_INIT;
	char *tail = d->driver ? xasprintf(" when %s binds", d->driver) : xstrdup(" when its driver binds");
	char *comment = block_comment(d, n, vfio, tail);
	char *probe = host_pci_bus_attr_path("drivers_probe");

	buf_puts(&b, comment);
	buf_printf(&b, "ACTION==\"bind\", SUBSYSTEM==\"pci\", KERNEL==\"%s\"", d->address);
	if (d->driver)
		buf_printf(&b, ", DRIVER==\"%s\"", d->driver);
	buf_printf(&b, "%s, ATTR{sriov_numvfs}=\"%u\"\n", vfio ? ", ATTR{sriov_drivers_autoprobe}=\"0\"" : "", n);
	/* each VF as it appears: vfio-pci's by address, then probed */
	for (unsigned i = 0; vfio && i < n; i++)
		buf_printf(&b, "ACTION==\"add\", SUBSYSTEM==\"pci\", KERNEL==\"%s\", ATTR{driver_override}=\"vfio-pci\", "
			   "RUN{builtin}+=\"kmod load vfio_pci\", RUN+=\"/bin/sh -c 'echo $kernel > %s'\"\n", vfs[i], probe);
	blocks_put(&c->udev, d->address, buf_steal(&b));
	free(probe);
	free(tail);
	free(comment);
}

/* Other sysfsutils files' lines for D's count move into ours, so that one
 * place sets it (two non-zero counts in a row fail at boot with EBUSY). */
static int move_their_lines(struct ctx *c, const struct host_device *d)
{
	size_t n;
	char **files = list_rel(c->rd.root, SYSFS_DIR, ".conf", NULL, &n);
	int r = 0;

	files = xreallocarray(files, n + 1, sizeof(*files));
	memmove(files + 1, files, n * sizeof(*files));
	files[0] = xstrdup(SYSFS_CONF);
	n++;
	for (size_t i = 0; i < n && r >= 0; i++) {
		struct buf out = BUF_INIT, gone = BUF_INIT;
		char *content = NULL, *line;
		const char *p;
		unsigned lineno = 0;

		if (!strcmp(files[i], SRIOV_SYSFS_FILE) || read_rel(&c->rd, files[i], &content) < 0)
			continue;
		for (p = content; (line = next_line(&p)); free(line)) {
			char *attr, *value;
			bool mine = false;
			lineno++;
			if (sysfs_parse(line, &attr, &value)) {
				mine = attr_of(attr, d->address, "sriov_numvfs") ||
				       attr_of(attr, d->address, "sriov_drivers_autoprobe");
				free(attr);
				free(value);
			}
			if (mine)
				buf_printf(&gone, "%s%u", gone.len ? ", " : "", lineno);
			else
				buf_printf(&out, "%s%s", line, p > content && p[-1] == '\n' ? "\n" : "");
		}
		if (gone.len) {
			char *why = xasprintf("%s line %s set the VFs of %s: gpuvirt's %s does now (one place sets the "
					      "count)", files[i], buf_str(&gone), d->address, SRIOV_SYSFS_FILE);
			r = plan_write_file(c->p, files[i], out.data ? out.data : "", out.len, 0644, why);
			if (r < 0)
				gv_error_set(c->err, r, "%s: cannot add the write to the plan", files[i]);
			free(why);
		}
		buf_free(&out);
		buf_free(&gone);
		free(content);
	}
	free_list(files, n);
	return r;
}

static int write_sysfs(struct ctx *c, const char *address, const char *attr, const char *value, const char *why)
{
	char *path = address ? host_address_attr_path(address, attr) : host_pci_bus_attr_path(attr);
	int r = plan_write_sysfs(c->p, path, value, why);

	if (r < 0)
		gv_error_set(c->err, r, "%s: cannot add the write to the plan", path);
	free(path);
	return r;
}

/* The count now: 0 first between non-zero counts, autoprobe off for VMs, N. */
static int live(struct ctx *c, const struct host_device *d, unsigned n, bool vfio, char (*vfs)[PCIADDR_STRLEN])
{
	const struct firmware *fw = host_firmware(c->h);
	int cur = d->sriov_num < 0 ? 0 : d->sriov_num;
	char num[16], *why;
	int r = 0;

	snprintf(num, sizeof(num), "%u", n);
	if (cur > 0 && n > 0 && (int)n != cur) {
		why = xasprintf("%s has %d VFs: the kernel takes a new count only after 0 (EBUSY otherwise)", d->address,
				cur);
		r = write_sysfs(c, d->address, "sriov_numvfs", "0", why);
		free(why);
	}
	if (r >= 0 && vfio && n > 0 && d->sriov_autoprobe != 0)
		r = write_sysfs(c, d->address, "sriov_drivers_autoprobe", "0",
				"the VFs are for VMs: no host driver takes them when they appear");
	if (r >= 0 && (int)n != cur) {
		why = n ? xasprintf("%u VF%s on %s now (the kernel's answer is read back, and the VFs)", n,
				    n == 1 ? "" : "s", d->address)
			: xasprintf("remove the VFs of %s now", d->address);
		r = write_sysfs(c, d->address, "sriov_numvfs", num, why);
		free(why);
	}
	if ((int)n == cur && vfio && n > 0)
		gv_log(GV_LOG_INFO, "%s has %u VFs already; those not on vfio-pci go to it at the next boot", d->address, n);
	for (unsigned i = 0; r >= 0 && vfio && (int)n != cur && i < n; i++) {
		why = xasprintf("VF %u of %s goes to vfio-pci, by address", i, d->address);
		r = write_sysfs(c, vfs[i], "driver_override", "vfio-pci", why);
		free(why);
		if (r < 0)
			break;
		if (!firmware_module_loaded(fw, "vfio_pci")) {
			if (i == 0)
				gv_log(GV_LOG_INFO, "vfio-pci is not loaded: the VFs of %s wait for it without a driver "
				       "(modprobe vfio-pci binds them; the next boot loads it)", d->address);
			continue;
		}
		r = write_sysfs(c, NULL, "drivers_probe", vfs[i], "bind it to vfio-pci now");
	}
	return r;
}

/* At boot: one mechanism, never both. */
static int boot_change(struct ctx *c, const struct change *ch)
{
	const struct host_device *d = host_find(c->h, ch->address);
	bool vfio = c->o->vf_driver == SRIOV_VF_VFIO;
	char (*vfs)[PCIADDR_STRLEN] = NULL;
	char *why;
	int r = 0;

	if (vfio && ch->count > 0) {
		r = vf_addresses(c, d, ch->count, &vfs);
		if (r < 0)
			return r;
	}
	if (ch->count == 0) {
		c->sysfs_dirty |= blocks_drop(&c->sysfs, d->address);
		c->udev_dirty |= blocks_drop(&c->udev, d->address);
	} else if (c->sysfsutils) {
		sysfs_block(c, d, ch->count, vfio, vfs);
		c->sysfs_dirty = true;
		c->udev_dirty |= blocks_drop(&c->udev, d->address);
		why = xasprintf("VFs of %s at boot: sysfsutils is installed (%s) and writes %s/*.conf at boot",
				d->address, c->sysfsutils, SYSFS_DIR);
		why_add(&c->sysfs_why, why);
		free(why);
	} else {
		udev_block(c, d, ch->count, vfio, vfs);
		c->udev_dirty = true;
		c->sysfs_dirty |= blocks_drop(&c->sysfs, d->address);
		why = xasprintf("VFs of %s at boot: %s %s, so a udev rule sets the count when %s binds (before that the "
				"kernel refuses)", d->address, c->sysfsutils_state == 0 ? "sysfsutils is not installed under"
				: "nothing says sysfsutils is installed under", c->rd.root, d->driver ? d->driver : "its driver");
		why_add(&c->udev_why, why);
		free(why);
	}
	if (c->sysfsutils)
		r = move_their_lines(c, d);
	if (vfio && ch->count > 0)
		c->vfio_modules = true;
	free(vfs);
	return r;
}

/* Now, and what the next boot must show. */
static int live_change(struct ctx *c, const struct change *ch)
{
	const struct host_device *d = host_find(c->h, ch->address);
	bool vfio = c->o->vf_driver == SRIOV_VF_VFIO;
	char (*vfs)[PCIADDR_STRLEN] = NULL;
	char *blocker;
	char num[16];
	int r = 0;

	if (vfio && ch->count > 0) {
		r = vf_addresses(c, d, ch->count, &vfs);
		if (r < 0)
			return r;
	}
	blocker = live_blocker(c->sc, d, ch->count);
	if (!c->o->boot_only && !blocker)
		r = live(c, d, ch->count, vfio, vfs);
	else if (blocker && !c->o->boot_only)
		gv_log(GV_LOG_INFO, "%s: the count is set at the next boot, not now: %s", d->address, blocker);
	free(blocker);

	snprintf(num, sizeof(num), "%u", ch->count);
	if (r >= 0)
		r = plan_expect(c->p, "numvfs", d->address, num);
	for (unsigned i = 0; r >= 0 && vfio && i < ch->count; i++)
		r = plan_expect(c->p, "driver", vfs[i], "vfio-pci");
	if (r < 0 && !c->err->code)
		gv_error_set(c->err, r, "%s: cannot build the plan: %s", d->address, strerror(-r));
	free(vfs);
	return r;
}

/* Queue our file REL as BLOCKS render it, or its removal once empty. */
static int write_ours(struct ctx *c, const char *rel, const struct blocks *b, const char *header, const char *why)
{
	char *now = NULL, *next;
	int r;

	if (b->n == 0) {
		if (read_rel(&c->rd, rel, &now) < 0)
			return 0;
		free(now);
		r = plan_remove_file(c->p, rel, "no PF has VFs set by gpuvirt any more");
	} else {
		next = blocks_render(b, header);
		r = plan_write_file(c->p, rel, next, strlen(next), 0644, why);
		free(next);
	}
	if (r < 0)
		gv_error_set(c->err, r, "%s: cannot add the write to the plan", rel);
	return r;
}

static int load_ours(struct ctx *c, const char *rel, struct blocks *ret)
{
	char *content = NULL;
	int r = read_rel(&c->rd, rel, &content);

	if (r < 0 && r != -ENOENT)
		return gv_error_set(c->err, r, "%s: cannot read: %s", rel, strerror(-r));
	blocks_parse(content, ret);
	free(content);
	return 0;
}

int sriov_propose(struct plan *p, const struct host *h, const struct sysconf *sc, const struct change *changes,
		  size_t n, const struct sriov_opts *o, struct gv_error *err)
{
	static const struct sriov_opts defaults;
	struct ctx c = { .p = p, .h = h, .sc = sc, .o = o ? o : &defaults, .err = err,
			 .rd = { .root = plan_root(p), .p = p }, .sysfs_why = BUF_INIT, .udev_why = BUF_INIT };
	char *content = NULL, *next = NULL;
	int r;

	c.sysfsutils_state = sysfsutils_state(c.rd.root, &c.sysfsutils);
	r = load_ours(&c, SRIOV_SYSFS_FILE, &c.sysfs);
	if (r >= 0)
		r = load_ours(&c, SRIOV_UDEV_FILE, &c.udev);
	for (size_t i = 0; i < n && r >= 0; i++)
		if (changes[i].kind == CHANGE_VFS)
			r = boot_change(&c, &changes[i]);
	if (r >= 0 && c.sysfs_dirty)
		r = write_ours(&c, SRIOV_SYSFS_FILE, &c.sysfs, sysfs_header,
			       c.sysfs_why.len ? buf_str(&c.sysfs_why) : "VFs at boot (sysfsutils)");
	/* newer sysfsutils read etc/sysfs.d only beside an etc/sysfs.conf */
	if (r >= 0 && c.sysfs.n && read_rel(&c.rd, SYSFS_CONF, &content) == -ENOENT) {
		r = plan_write_file(p, SYSFS_CONF, "", 0, 0644,
				    "sysfsutils 2.1.1-6 and later (Debian 13, Proxmox 9) skip etc/sysfs.d without "
				    "an etc/sysfs.conf: an empty one");
		if (r < 0)
			gv_error_set(err, r, "%s: cannot add the write to the plan", SYSFS_CONF);
	}
	if (r >= 0 && c.udev_dirty)
		r = write_ours(&c, SRIOV_UDEV_FILE, &c.udev, udev_header,
			       c.udev_why.len ? buf_str(&c.udev_why) : "VFs at boot (udev)");
	free(content);
	content = NULL;
	if (r >= 0 && c.vfio_modules) {
		const char *mods[4];
		size_t n_mods = modconf_vfio_modules(host_kernel_release(h), mods);

		if (read_rel(&c.rd, MODCONF_AUTOLOAD_FILE, &content) < 0)
			content = NULL;
		if (modconf_autoload_add(content, mods, n_mods, &next) > 0) {
			r = plan_write_file(p, MODCONF_AUTOLOAD_FILE, next, strlen(next), 0644,
					    "load the vfio modules at boot, for the VFs on vfio-pci");
			if (r < 0)
				gv_error_set(err, r, "%s: cannot add the write to the plan", MODCONF_AUTOLOAD_FILE);
		}
	}
	/* the files first: a live write that fails rolls them back too */
	for (size_t i = 0; i < n && r >= 0; i++)
		if (changes[i].kind == CHANGE_VFS)
			r = live_change(&c, &changes[i]);
	free(content);
	free(next);
	blocks_free(&c.sysfs);
	blocks_free(&c.udev);
	buf_free(&c.sysfs_why);
	buf_free(&c.udev_why);
	return r;
}
