/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/scan/bootdetect.h"
#include "core/util/buf.h"
#include "core/util/cmdline.h"
#include "core/scan/firmware.h"
#include "core/scan/grub.h"
#include "core/scan/kparam.h"
#include "core/verify/cmdline-lint.h"
#include "core/verify/lint.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

struct lint {
	struct findings *fs;
	const struct host *h;
	const struct firmware *fw;
	const struct sysconf *sc;
	const char *root;
	size_t found;       /* problems reported */
	size_t files;       /* files read */
	const struct kparam_db *kp;  /* module parameters */
	char **seen;        /* "id\targ" reported from the next boot's configured lines */
	size_t n_seen;
};

/* Report a problem; takes ownership of the strings. */
static void problem(struct lint *l, const char *id, enum finding_status st, char *title, char *evidence,
		    char *fix)
{
	findings_add(l->fs, &(struct finding){ .id = id, .status = st, .category = FINDING_LINT,
					       .title = title, .evidence = evidence, .fix = fix });
	l->found++;
	free(title);
	free(evidence);
	free(fix);
}

static char *under_root(const struct lint *l, const char *rel)
{
	size_t n = strlen(l->root);

	return xasprintf("%s%s%s", l->root, n && l->root[n - 1] == '/' ? "" : "/", rel);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Regular files (or links to them) in DIR under the root, without dot
 * files, sorted, as paths relative to the root. */
static char **list_files(const struct lint *l, const char *dir, size_t *ret_n)
{
	char *path = under_root(l, dir);
	DIR *d = opendir(path);
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;

	*ret_n = 0;
	if (!d) {
		free(path);
		return NULL;
	}
	while ((de = readdir(d))) {
		struct stat st;
		char *full;

		if (de->d_name[0] == '.')
			continue;
		full = xasprintf("%s/%s", path, de->d_name);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
			v = xreallocarray(v, n + 1, sizeof(*v));
			v[n++] = xasprintf("%s/%s", dir, de->d_name);
		}
		free(full);
	}
	closedir(d);
	free(path);
	if (n)
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

/*
 * Logical lines of a file under the root: FN(l, rel, lineno, line, data)
 * gets each line without its newline; with CONTINUATION a trailing
 * backslash joins the next line (modprobe.d), and LINENO is the first
 * physical line.
 */
typedef void (*line_fn)(struct lint *l, const char *rel, unsigned lineno, char *line, void *data);

static bool each_line(struct lint *l, const char *rel, bool continuation, line_fn fn, void *data)
{
	char *path = under_root(l, rel);
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0, first = 0;
	struct buf acc = BUF_INIT;

	free(path);
	if (!f) {
		gv_log(GV_LOG_DEBUG, "%s: cannot read", rel);
		return false;
	}
	l->files++;
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!acc.len)
			first = lineno;
		if (continuation && n && line[n - 1] == '\\') {
			buf_append(&acc, line, (size_t)n - 1);
			buf_putc(&acc, ' ');
			continue;
		}
		buf_append(&acc, line, (size_t)n);
		char *s = buf_steal(&acc);
		fn(l, rel, first, s, data);
		free(s);
	}
	if (acc.len) {
		char *s = buf_steal(&acc);
		fn(l, rel, first, s, data);
		free(s);
	}
	free(line);
	fclose(f);
	return true;
}

/* Split LINE in place into at most MAX whitespace-separated words. */
static size_t words(char *line, char **w, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *t = strtok_r(line, " \t", &save); t && n < max; t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	return n;
}

static bool is_comment(const char *line)
{
	while (isspace((unsigned char)*line))
		line++;
	return *line == '#' || *line == '\0';
}

static bool same_module(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
		if (x != y)
			return false;
	}
	return *a == *b;
}

/* ---- vfio_virqfd ---- */

static bool mentions_virqfd(const char *line)
{
	const char *p = line;

	while ((p = strstr(p, "vfio")) != NULL) {
		if ((p[4] == '_' || p[4] == '-') && !strncmp(p + 5, "virqfd", 6) &&
		    !(isalnum((unsigned char)p[11]) || p[11] == '_'))
			return true;
		p += 4;
	}
	return false;
}

static void virqfd(struct lint *l, const char *rel, unsigned lineno, const char *line)
{
	if (!firmware_kernel_at_least(l->fw, 6, 2) || !mentions_virqfd(line))
		return;
	problem(l, "vfio-virqfd", FINDING_FAIL,
		xasprintf("%s:%u lists vfio_virqfd, which is part of vfio since kernel 6.2", rel, lineno),
		xasprintf("%s:%u: %s; /proc/sys/kernel/osrelease: %s", rel, lineno, line,
		    firmware_kernel_release(l->fw)),
		xasprintf("delete vfio_virqfd from %s:%u (the module does not exist on this kernel; initramfs builds fail on it)",
		    rel, lineno));
}

/* A modules list (etc/modules, modules-load.d, initramfs-tools/modules,
 * mkinitcpio, dracut): only vfio_virqfd is of interest. */
static void modules_line(struct lint *l, const char *rel, unsigned lineno, char *line, void *data)
{
	char *s = line;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '#' || *s == ';')
		return;
	char *hash = strchr(s, '#');
	if (hash)
		*hash = '\0';
	for (size_t n = strlen(s); n && isspace((unsigned char)s[n - 1]);)
		s[--n] = '\0';
	virqfd(l, rel, lineno, s);
}

/* ---- module parameters ---- */

/*
 * A parameter of an "options" line the module does not have. The installed
 * module's modinfo is authoritative; gpuvirt's own table (core/kparam) is not
 * complete, so on its own it only proves near misses wrong ("id" for "ids").
 */
static void check_param(struct lint *l, const char *where, const char *module, const char *param,
			const char *as_written)
{
	struct kparam_info info;
	const char *near = NULL;

	if (!l->kp)
		return;
	kparam_lookup(l->kp, module, param, &info);
	if (info.param == KPARAM_PARAM_NOT_IN_TABLE)
		near = kparam_suggest_param(module, param);
	if (info.param != KPARAM_PARAM_UNKNOWN && !near)
		return;
	problem(l, "module-parameter", FINDING_FAIL,
		near ? xasprintf("%s has no parameter %s (did you mean %s?): %s does nothing", module, param, near, as_written)
		     : xasprintf("%s has no parameter %s: %s does nothing", module, param, as_written),
		xasprintf("%s: %s (%s)", where, as_written,
		    info.from_modinfo ? "not in the installed module's modinfo" : "not among its known parameters"),
		near ? xasprintf("write %s instead of %s in %s", near, param, where)
		     : xasprintf("remove it, or correct the name (modinfo -p %s lists the parameters)", module));
}

/* ---- what the options mean for this host ---- */

static bool is_hex4(const char *s, size_t n)
{
	if (n != 4)
		return false;
	for (size_t i = 0; i < 4; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* "10de:1db4", "10de:1db4,10de:10f2" (or vendor:device:subvendor:subdevice) */
static bool looks_like_ids(const char *s)
{
	if (!*s)
		return false;
	while (*s) {
		size_t n = strcspn(s, ":,");
		if (!is_hex4(s, n))
			return false;
		s += n;
		if (*s == ':' || *s == ',')
			s++;
	}
	return true;
}

static void vfio_ids(struct lint *l, const char *where, const char *key, const char *ids)
{
	const char *p = ids;

	if (!l->h)
		return;
	while (*p) {
		size_t n = strcspn(p, ",");
		unsigned ven, dev;
		char id[64];

		snprintf(id, sizeof(id), "%.*s", (int)(n < 63 ? n : 63), p);
		p += n + (p[n] == ',');
		if (sscanf(id, "%4x:%4x", &ven, &dev) != 2)
			continue;
		const struct host_device *boot = NULL, *first = NULL;
		size_t matches = 0;
		for (size_t i = 0; i < host_n_devices(l->h); i++) {
			const struct host_device *d = host_device(l->h, i);
			if (d->vendor_id != (int)ven || d->device_id != (int)dev || d->physfn)
				continue;
			if (d->boot_vga == 1 && !boot)
				boot = d;
			if (!first)
				first = d;
			matches++;
		}
		if (boot)
			problem(l, "vfio-ids-boot-gpu", FINDING_FAIL,
				xasprintf("vfio-pci id %s also matches the boot GPU %s: the console goes dark", id, boot->address),
				xasprintf("%s: %s=%s; /sys/bus/pci/devices/%s/boot_vga: 1", where, key, ids, boot->address),
				xasprintf("remove %s from the ids and bind the card you pass by address (gpuvirt apply --vfio ADDRESS); keep another console (serial, ssh) before giving the boot GPU away",
				    id));
		else if (matches > 1)
			problem(l, "vfio-ids-boot-gpu", FINDING_WARN,
				xasprintf("vfio-pci id %s matches %zu devices: vfio-pci takes every one of them", id, matches),
				xasprintf("%s: %s=%s; /sys/bus/pci/devices/%s and %zu more", where, key, ids, first->address, matches - 1),
				xasprintf("bind by address instead (gpuvirt apply --vfio ADDRESS) to keep one of them on the host"));
	}
}

static void max_vfs(struct lint *l, const char *where, const char *as_written, const char *value, bool cmdline)
{
	char *end;
	long want = strtol(value, &end, 10);

	if (!l->h || *end || end == value)
		return;
	for (size_t i = 0; i < host_n_devices(l->h); i++) {
		const struct host_device *d = host_device(l->h, i);
		bool i915 = (d->driver && !strcmp(d->driver, "i915")) ||
			    (d->vendor_id == 0x8086 && host_device_is_display(d));

		if (!i915 || d->physfn || d->sriov_total < 0 || want <= d->sriov_total)
			continue;
		problem(l, "max-vfs", FINDING_FAIL,
			xasprintf("%s asks for more VFs than %s can make (%d)", as_written, d->address, d->sriov_total),
			xasprintf("%s: %s; /sys/bus/pci/devices/%s/sriov_totalvfs: %d", where, as_written, d->address,
			    d->sriov_total),
			cmdline ? xasprintf("gpuvirt apply --cmdline-remove i915.max_vfs --cmdline-add i915.max_vfs=%d", d->sriov_total)
				: xasprintf("use max_vfs=%d or less in %s", d->sriov_total, where));
	}
}

/* ---- modprobe.d ---- */

static const char *const modprobe_commands[] = {
	"alias", "options", "install", "remove", "blacklist", "softdep", "weakdep",
};

static void modprobe_line(struct lint *l, const char *rel, unsigned lineno, char *line, void *data)
{
	char *w[64], *copy, *where;
	size_t n;
	bool known = false;

	if (is_comment(line))
		return;
	virqfd(l, rel, lineno, line);
	copy = xstrdup(line);
	n = words(copy, w, 64);
	where = xasprintf("%s:%u", rel, lineno);
	if (!n)
		goto out;
	for (size_t i = 0; i < sizeof(modprobe_commands) / sizeof(modprobe_commands[0]); i++)
		known |= !strcmp(w[0], modprobe_commands[i]);
	if (!known) {
		if (looks_like_ids(w[0]))
			problem(l, "modprobe-bad-line", FINDING_FAIL,
				xasprintf("%s: bare device ids are a bad line: libkmod ignores it and nothing binds", where),
				xasprintf("%s: %s", where, line),
				xasprintf("write it as \"options vfio-pci ids=%s\" (or bind by address: gpuvirt apply --vfio ADDRESS)", w[0]));
		else
			problem(l, "modprobe-bad-line", FINDING_WARN,
				xasprintf("%s: unknown command \"%s\": libkmod ignores the line", where, w[0]),
				xasprintf("%s: %s", where, line),
				xasprintf("fix or delete the line; modprobe -c shows what modprobe reads"));
		goto out;
	}
	if (strcmp(w[0], "options") || n < 2)
		goto out;
	for (size_t i = 2; i < n; i++) {
		char *eq = strchr(w[i], '=');
		char *param = w[i];
		if (eq)
			*eq = '\0';
		char *as = eq ? xasprintf("%s=%s", param, eq + 1) : xasprintf("%s", param);
		check_param(l, where, w[1], param, as);
		if (eq && same_module(w[1], "vfio_pci") && !strcmp(param, "ids"))
			vfio_ids(l, where, "options vfio-pci ids", eq + 1);
		if (eq && same_module(w[1], "i915") && !strcmp(param, "max_vfs"))
			max_vfs(l, where, as, eq + 1, false);
		free(as);
	}
out:
	free(where);
	free(copy);
}

static void ignored_file(struct lint *l, const char *rel, const char *reader, const char *suffix)
{
	problem(l, "ignored-file", FINDING_WARN,
		xasprintf("%s is never read: %s reads only *%s files", rel, reader, suffix),
		xasprintf("%s: name does not end in %s", rel, suffix),
		xasprintf("rename it to %s%s (or delete it)", rel, suffix));
}

static void lint_modprobe(struct lint *l)
{
	size_t n;
	char **files = list_files(l, "etc/modprobe.d", &n);

	for (size_t i = 0; i < n; i++) {
		if (!has_suffix(files[i], ".conf"))
			ignored_file(l, files[i], "modprobe", ".conf");
		else
			each_line(l, files[i], true, modprobe_line, NULL);
	}
	free_list(files, n);
}

static void lint_module_lists(struct lint *l)
{
	static const char *const single[] = {
		"etc/modules", "etc/initramfs-tools/modules", "etc/mkinitcpio.conf",
	};
	static const char *const dirs[] = { "etc/modules-load.d", "etc/mkinitcpio.conf.d" };
	size_t n;
	char **files;

	for (size_t i = 0; i < sizeof(single) / sizeof(single[0]); i++)
		each_line(l, single[i], false, modules_line, NULL);
	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		files = list_files(l, dirs[d], &n);
		for (size_t i = 0; i < n; i++)
			if (has_suffix(files[i], ".conf"))
				each_line(l, files[i], false, modules_line, NULL);
		free_list(files, n);
	}
	files = list_files(l, "etc/dracut.conf.d", &n);
	for (size_t i = 0; i < n; i++) {
		if (!has_suffix(files[i], ".conf"))
			ignored_file(l, files[i], "dracut", ".conf");
		else
			each_line(l, files[i], false, modules_line, NULL);
	}
	free_list(files, n);
}

/* ---- sysfsutils ---- */

static void sysfs_line(struct lint *l, const char *rel, unsigned lineno, char *line, void *data)
{
	char *s = line, *eq, *attr, *slash;
	char addr[PCIADDR_STRLEN + 8];

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '#' || !*s)
		return;
	*(bool *)data = true;
	eq = strchr(s, '=');
	if (!eq)
		return;
	*eq = '\0';
	attr = s;
	while (*attr && isspace((unsigned char)attr[strlen(attr) - 1]))
		attr[strlen(attr) - 1] = '\0';
	if (!has_suffix(attr, "/sriov_numvfs") || !l->h)
		return;
	attr[strlen(attr) - strlen("/sriov_numvfs")] = '\0';
	slash = strrchr(attr, '/');
	snprintf(addr, sizeof(addr), "%s", slash ? slash + 1 : attr);
	char *end, *v = eq + 1;
	long want = strtol(v, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (end == v || *end)
		return;
	const struct host_device *d = host_find(l->h, addr);
	if (!d) {
		problem(l, "max-vfs", FINDING_WARN,
			xasprintf("%s:%u sets VFs on %s, which this host does not have", rel, lineno, addr),
			xasprintf("%s:%u: %s/sriov_numvfs; /sys/bus/pci/devices/%s: absent", rel, lineno, attr, addr),
			xasprintf("correct the address (gpuvirt list shows the devices)"));
		return;
	}
	if (d->sriov_total >= 0 && want > d->sriov_total)
		problem(l, "max-vfs", FINDING_FAIL,
			xasprintf("%s:%u asks for %ld VFs on %s, which can make %d", rel, lineno, want, addr, d->sriov_total),
			xasprintf("%s:%u: sriov_numvfs = %ld; /sys/bus/pci/devices/%s/sriov_totalvfs: %d", rel, lineno, want,
			    addr, d->sriov_total),
			xasprintf("gpuvirt apply --vfs %s=%d (the kernel refuses more with ERANGE)", addr, d->sriov_total));
}

static void lint_sysfs(struct lint *l)
{
	size_t n;
	char **files = list_files(l, "etc/sysfs.d", &n);
	bool used = false, dummy = false;
	char *conf = under_root(l, "etc/sysfs.conf");

	each_line(l, "etc/sysfs.conf", false, sysfs_line, &dummy);
	for (size_t i = 0; i < n; i++)
		if (has_suffix(files[i], ".conf"))
			each_line(l, files[i], false, sysfs_line, &used);
	if (used && access(conf, F_OK) < 0)
		problem(l, "sysfs-conf", FINDING_WARN,
			xasprintf("etc/sysfs.d is used but etc/sysfs.conf is missing: sysfsutils may skip etc/sysfs.d"),
			xasprintf("etc/sysfs.conf: absent; etc/sysfs.d: %zu file%s", n, n == 1 ? "" : "s"),
			xasprintf("create an empty etc/sysfs.conf (Proxmox 9 ignores etc/sysfs.d without it)"));
	free(conf);
	free_list(files, n);
}

/* ---- kernel command lines ---- */

static void amd_iommu_on(struct lint *l, const char *where)
{
	problem(l, "amd-iommu-on", FINDING_WARN, xasprintf("amd_iommu=on is not a valid value and does nothing"),
		xasprintf("%s: amd_iommu=on", where),
		xasprintf("remove it (gpuvirt apply --cmdline-remove amd_iommu): the AMD IOMMU is on by default; iommu=pt is what the guides mean"));
}

/* The GPU-specific meaning of one argument: what cmdline_lint() cannot know
 * without the host. */
static void gpu_arg(struct lint *l, const char *where, const char *arg)
{
	const char *eq = strchr(arg, '=');
	const char *dot = strchr(arg, '.');

	if (!eq || !dot || dot > eq)
		return;
	char *module = xasprintf("%.*s", (int)(dot - arg), arg);
	char *param = xasprintf("%.*s", (int)(eq - dot - 1), dot + 1);
	if (same_module(module, "vfio_pci") && !strcmp(param, "ids")) {
		char *key = xasprintf("%.*s", (int)(eq - arg), arg);
		vfio_ids(l, where, key, eq + 1);
		free(key);
	}
	if (same_module(module, "i915") && !strcmp(param, "max_vfs"))
		max_vfs(l, where, arg, eq + 1, true);
	free(module);
	free(param);
}

/* Where one argument of a command line was configured: a file and line,
 * when the line was put together from several (GRUB's variables and
 * drop-ins). */
struct arg_origin {
	const char *arg;       /* as written */
	char *where;
};

static const char *origin_of(const struct arg_origin *o, size_t n, const char *arg, const char *whole)
{
	for (size_t i = 0; *arg && i < n; i++)
		if (!strcmp(o[i].arg, arg))
			return o[i].where;
	return whole;
}

/* With DEDUPE, whether ID for ARG was reported from a configured line
 * already (GRUB's line and the BLS entries grubby keeps in step with it say
 * the same thing; one finding is enough); marks it reported. */
static bool seen_before(struct lint *l, bool dedupe, const char *id, const char *arg)
{
	char *key;

	if (!dedupe)
		return false;
	key = xasprintf("%s\t%s", id, arg);
	for (size_t i = 0; i < l->n_seen; i++) {
		if (!strcmp(l->seen[i], key)) {
			free(key);
			return true;
		}
	}
	l->seen = xreallocarray(l->seen, l->n_seen + 1, sizeof(*l->seen));
	l->seen[l->n_seen++] = key;
	return false;
}

/*
 * One whole command line: cmdline_lint() (core/verify/cmdline-lint) for
 * what a command line can get wrong on its own, then this host's GPU
 * checks. WHERE names the line; O (N_O entries, may be NULL) names where
 * single arguments came from. With DEDUPE a finding already reported from
 * another configured line is not repeated.
 */
static void lint_cmdline_from(struct lint *l, const char *where, const char *line, const struct arg_origin *o,
			      size_t n_o, bool dedupe)
{
	struct findings *fs = findings_new();
	struct cmdline *cl = NULL;

	cmdline_lint(fs, line, l->kp);
	for (size_t i = 0; i < findings_n(fs); i++) {
		const struct finding *f = findings_get(fs, i);
		const char *arg = f->evidence;   /* the argument; "" for the whole line */
		const char *w = origin_of(o, n_o, arg, where);

		if (!strcmp(arg, "amd_iommu=on")) {
			if (!seen_before(l, dedupe, "amd-iommu-on", arg))
				amd_iommu_on(l, w);
			continue;
		}
		/* iommu-kernel already reports an IOMMU turned off, with its fix */
		if (!strcmp(f->id, "cmdline-bad-value") && strstr(arg, "iommu=off"))
			continue;
		if (seen_before(l, dedupe, f->id, arg))
			continue;
		/* a module nobody knows on a host without a module index: the
		 * kernel booted with it; say so, but it is no problem of ours,
		 * and removing a parameter we merely do not know is no fix */
		if (!strcmp(f->id, "cmdline-unknown-module") && f->status == FINDING_WARN) {
			problem(l, f->id, FINDING_INFO, xstrdup(f->title), xasprintf("%s: %s", w, *arg ? arg : line),
				NULL);
			continue;
		}
		problem(l, f->id, f->status, xstrdup(f->title), xasprintf("%s: %s", w, *arg ? arg : line),
			xstrdup(f->fix));
	}
	findings_free(fs);
	if (cmdline_parse(line, &cl) < 0)
		return;
	for (size_t i = 0; i < cmdline_n_args(cl); i++) {
		const char *arg = cmdline_arg(cl, i);
		if (!seen_before(l, dedupe, "gpu", arg))
			gpu_arg(l, origin_of(o, n_o, arg, where), arg);
	}
	cmdline_free(cl);
}

static void lint_cmdline(struct lint *l, const char *where, const char *line)
{
	lint_cmdline_from(l, where, line, NULL, 0, false);
}

static void lint_running_cmdline(struct lint *l)
{
	if (firmware_cmdline(l->fw))
		lint_cmdline(l, "/proc/cmdline", firmware_cmdline(l->fw));
}

/* etc/kernel/cmdline: the next boot's line for systemd-boot, kernel-install
 * and proxmox-boot-tool. */
static void kernel_cmdline_line(struct lint *l, const char *rel, unsigned lineno, char *line, void *data)
{
	char *where;

	if (is_comment(line))
		return;
	where = xasprintf("%s:%u", rel, lineno);
	lint_cmdline(l, where, line);
	free(where);
}

/* amd_iommu=on in GRUB's files, line by line: only where GRUB's line cannot
 * be evaluated (lint_grub()). */
static void boot_line(struct lint *l, const char *rel, unsigned lineno, char *line, void *data)
{
	char *where;

	if (is_comment(line) || !strstr(line, "amd_iommu=on"))
		return;
	where = xasprintf("%s:%u", rel, lineno);
	amd_iommu_on(l, where);
	free(where);
}

static void grub_lines_amd_iommu(struct lint *l, char **dropins, size_t n)
{
	each_line(l, GRUB_DEFAULTS, false, boot_line, NULL);
	for (size_t i = 0; i < n; i++)
		each_line(l, dropins[i], false, boot_line, NULL);
}

/* ---- GRUB's configured line ---- */

static const char *const grub_vars[] = { "GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT" };
#define N_GRUB_VARS 2

/* grub_effective() on etc/default/grub and the drop-ins up to LAST (NULL:
 * none), so the value each file leaves behind can be told apart. */
struct grub_prefix {
	const char *root;
	const char *last;
};

static int grub_prefix_read(void *userdata, const char *path, char **ret_content, size_t *ret_len,
			    struct gv_error *err)
{
	const struct grub_prefix *gp = userdata;
	char *full;
	FILE *f;
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t k;

	if (!strncmp(path, GRUB_DROPIN_DIR "/", sizeof(GRUB_DROPIN_DIR)) && (!gp->last || strcmp(path, gp->last) > 0))
		return -ENOENT;
	full = xasprintf("%s/%s", gp->root, path);
	f = fopen(full, "re");
	free(full);
	if (!f)
		return errno == ENOENT ? -ENOENT : gv_error_set(err, -errno, "%s: %s", path, strerror(errno));
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, k);
	fclose(f);
	*ret_len = b.len;
	*ret_content = buf_steal(&b);
	return 0;
}

/* The line of REL that last assigns VAR ("FILE:LINE"), or REL alone. */
static char *grub_assignment(const struct lint *l, const char *rel, const char *var)
{
	char *path = under_root(l, rel);
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0, n = strlen(var);
	unsigned lineno = 0, last = 0;

	free(path);
	while (f && getline(&line, &cap, f) >= 0) {
		const char *p = line;
		lineno++;
		p += strspn(p, " \t");
		if (!strncmp(p, "export", 6) && (p[6] == ' ' || p[6] == '\t'))
			p += 6 + strspn(p + 6, " \t");
		if (!strncmp(p, var, n) && p[n] == '=')
			last = lineno;
	}
	free(line);
	if (f)
		fclose(f);
	return last ? xasprintf("%s:%u", rel, last) : xasprintf("%s", rel);
}

static bool value_has(const char *value, const char *arg)
{
	struct cmdline *c = NULL;
	bool has = false;

	if (value && cmdline_parse(value, &c) >= 0) {
		for (size_t i = 0; !has && i < cmdline_n_args(c); i++)
			has = !strcmp(cmdline_arg(c, i), arg);
		cmdline_free(c);
	}
	return has;
}

/*
 * GRUB's next-boot line, "${GRUB_CMDLINE_LINUX} ${GRUB_CMDLINE_LINUX_DEFAULT}"
 * as grub-mkconfig computes it (core/grub), linted as one line; each argument
 * is named by the file (and line) that put it there: the first file from
 * which on it stays in the variable. Returns false when the files cannot be
 * evaluated (the caller then looks for amd_iommu=on line by line).
 */
static bool lint_grub(struct lint *l, bool dropins)
{
	struct grub_prefix gp = { .root = l->root };
	struct grub_source src = { .root = l->root, .read = grub_prefix_read, .userdata = &gp };
	char **files = NULL, **val = NULL;
	size_t n_files = 0, n_dropins = 0, n_o = 0;
	struct arg_origin *o = NULL;
	struct gv_error err = { 0 };
	struct buf line = BUF_INIT;
	bool ok = false;

	if (dropins) {
		char **all = list_files(l, GRUB_DROPIN_DIR, &n_files);
		for (size_t i = 0; i < n_files; i++) {
			const char *name = all[i] + sizeof(GRUB_DROPIN_DIR);
			if (has_suffix(name, ".cfg") && strlen(name) >= 5)
				all[n_dropins++] = all[i];
			else
				free(all[i]);
		}
		files = all;
	}
	/* val[k * 2 + v]: variable v once etc/default/grub and the first k
	 * drop-ins are read */
	val = xcalloc((n_dropins + 1) * N_GRUB_VARS, sizeof(*val));
	for (size_t k = 0; k <= n_dropins; k++) {
		gp.last = k ? files[k - 1] : NULL;
		src.dropins = k > 0;
		if (grub_effective(&src, &val[k * 2], &val[k * 2 + 1], &err) < 0) {
			gv_log(GV_LOG_INFO, "%s; GRUB's command line is not linted", err.msg);
			grub_lines_amd_iommu(l, files, n_dropins);
			goto out;
		}
	}
	l->files += 1 + n_dropins;
	for (size_t v = 0; v < N_GRUB_VARS; v++) {
		const char *final = val[n_dropins * 2 + v];
		struct cmdline *c = NULL;

		if (!final || cmdline_parse(final, &c) < 0)
			continue;
		for (size_t i = 0; i < cmdline_n_args(c); i++) {
			const char *arg = cmdline_arg(c, i);
			size_t k = n_dropins;
			char *at;

			while (k > 0 && value_has(val[(k - 1) * 2 + v], arg))
				k--;
			at = grub_assignment(l, k ? files[k - 1] : GRUB_DEFAULTS, grub_vars[v]);
			o = xreallocarray(o, n_o + 1, sizeof(*o));
			o[n_o].arg = xasprintf("%s", arg);
			o[n_o++].where = xasprintf("%s: %s", at, grub_vars[v]);
			free(at);
		}
		cmdline_free(c);
		buf_printf(&line, "%s%s", line.len ? " " : "", final);
	}
	{
		char *where = xasprintf("%s%s: GRUB_CMDLINE_LINUX GRUB_CMDLINE_LINUX_DEFAULT", GRUB_DEFAULTS,
					n_dropins ? " + " GRUB_DROPIN_DIR : "");
		lint_cmdline_from(l, where, buf_str(&line), o, n_o, true);
		free(where);
	}
	ok = true;
out:
	for (size_t i = 0; i < n_o; i++) {
		free((char *)o[i].arg);
		free(o[i].where);
	}
	free(o);
	for (size_t i = 0; val && i < (n_dropins + 1) * N_GRUB_VARS; i++)
		free(val[i]);
	free(val);
	free_list(files, n_dropins);
	buf_free(&line);
	return ok;
}

/* boot/loader/entries/ *.conf: the "options" lines are the command line of
 * each Boot Loader Specification entry (grubby and kernel-install write
 * them). */
static void bls_line(struct lint *l, const char *rel, unsigned lineno, char *line, void *data)
{
	char *p = line + strspn(line, " \t"), *where;

	if (strncmp(p, "options", 7) || (p[7] != ' ' && p[7] != '\t'))
		return;
	p += 7 + strspn(p + 7, " \t");
	where = xasprintf("%s:%u", rel, lineno);
	lint_cmdline_from(l, where, p, NULL, 0, true);
	free(where);
}

/* Which GRUB evaluates the next boot's line: the detected loader, or a
 * candidate where the evidence is ambiguous. */
static enum boot_loader grub_loader(const struct lint *l)
{
	const struct boot_detection *d = sysconf_boot(l->sc);
	enum boot_loader r = BOOT_AUTO;

	if (boot_detection_loader(d) == BOOT_GRUB || boot_detection_loader(d) == BOOT_GRUB_BLS)
		r = boot_detection_loader(d);
	else if (boot_detection_ambiguous(d))
		for (size_t i = 0; r == BOOT_AUTO && i < boot_detection_n_candidates(d); i++)
			if (boot_detection_candidate(d, i) == BOOT_GRUB || boot_detection_candidate(d, i) == BOOT_GRUB_BLS)
				r = boot_detection_candidate(d, i);
	return r;
}

static void lint_boot_files(struct lint *l)
{
	enum boot_loader gl = grub_loader(l);
	size_t n;
	char **files;

	if (gl != BOOT_AUTO)
		lint_grub(l, gl == BOOT_GRUB && boot_detection_facts(sysconf_boot(l->sc))->grub_dropins);
	files = list_files(l, "boot/loader/entries", &n);
	for (size_t i = 0; i < n; i++)
		if (has_suffix(files[i], ".conf"))
			each_line(l, files[i], false, bls_line, NULL);
	free_list(files, n);
	each_line(l, "etc/kernel/cmdline", false, kernel_cmdline_line, NULL);
}

/* ---- IOMMU groups ---- */

static void lint_groups(struct lint *l)
{
	if (!l->h)
		return;
	for (size_t i = 0; i < host_n_devices(l->h); i++) {
		const struct host_device *d = host_device(l->h, i);
		const struct host_iommu_group *g;
		struct buf others = BUF_INIT;
		size_t n = 0;

		if (!host_device_is_display(d) || d->physfn || d->iommu_group < 0 ||
		    !host_device_shares_group(l->h, d))
			continue;
		g = host_find_group(l->h, d->iommu_group);
		for (size_t j = 0; g && j < g->n_devices; j++) {
			const struct host_device *o = g->devices[j];
			if (o == d || host_device_is_bridge(o) || pciaddr_same_slot(&o->addr, &d->addr))
				continue;
			if (n++ < 4)
				buf_printf(&others, "%s%s", n > 1 ? " " : "", o->address);
		}
		problem(l, "iommu-group-shared", FINDING_WARN,
			xasprintf("GPU %s shares IOMMU group %d with other devices: they go to the VM together or not at all",
			    d->address, d->iommu_group),
			xasprintf("/sys/kernel/iommu_groups/%d/devices: %s %s%s", d->iommu_group, d->address, buf_str(&others),
			    n > 4 ? " ..." : ""),
			xasprintf("move the card to a slot wired to the CPU, or pass the whole group; pcie_acs_override=downstream (patched kernels only) splits groups but weakens isolation"));
		buf_free(&others);
	}
}

void lint_run(struct findings *fs, const struct host *h, const struct sysconf *sc, const char *root)
{
	struct lint l = { .fs = fs, .h = h, .fw = host_firmware(h), .sc = sc, .root = root,
			  .kp = sysconf_kparam(sc) };

	lint_modprobe(&l);
	lint_module_lists(&l);
	lint_sysfs(&l);
	lint_boot_files(&l);
	lint_running_cmdline(&l);
	lint_groups(&l);
	free_list(l.seen, l.n_seen);
	if (!l.found)
		problem(&l, "config-lint", FINDING_PASS, xasprintf("No problems in the existing configuration"),
			xasprintf("%zu configuration file%s under %s and /proc/cmdline", l.files,
			    l.files == 1 ? "" : "s", root),
			NULL);
}
