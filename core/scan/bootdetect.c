/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/propose/boot.h"
#include "core/util/buf.h"
#include "core/scan/grub.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

#define KERNEL_CMDLINE "etc/kernel/cmdline"
#define PBT_UUIDS "etc/kernel/proxmox-boot-uuids"
#define KERNELSTUB_CONFIG "etc/kernelstub/configuration"

static const char *const loader_names[BOOT__MAX] = {
	[BOOT_AUTO] = "auto",
	[BOOT_GRUB] = "grub",
	[BOOT_GRUB_BLS] = "grub-bls",
	[BOOT_PROXMOX_SDBOOT] = "proxmox-boot-tool",
	[BOOT_SYSTEMD_BOOT] = "systemd-boot",
	[BOOT_KERNELSTUB] = "kernelstub",
};

#define MAX_EVIDENCE 8

struct boot_detection {
	char *root;
	bool uefi;
	bool grub_dropins;       /* grub-mkconfig reads etc/default/grub.d */
	bool debian;             /* update-grub exists */
	bool grub2;              /* boot/grub2 (grub2-mkconfig) */
	bool rhel_bls_cmdline;   /* RHEL >= 9.3: grub2-mkconfig --update-bls-cmdline */
	enum boot_loader loader;
	enum boot_loader cand[BOOT__MAX];
	size_t n_cand;
	char *evidence[BOOT__MAX][MAX_EVIDENCE + 1];
	size_t n_evidence[BOOT__MAX];
};

const char *boot_loader_name(enum boot_loader l)
{
	return l >= 0 && l < BOOT__MAX ? loader_names[l] : "unknown";
}

int boot_loader_from_name(const char *name, enum boot_loader *ret)
{
	for (int l = 0; l < BOOT__MAX; l++) {
		if (name && strcmp(name, loader_names[l]) == 0) {
			*ret = (enum boot_loader)l;
			return 0;
		}
	}
	return -EINVAL;
}

static char *path_at(const char *root, const char *rel)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", root, rel) < 0)
		abort();
	return p;
}

static bool exists_at(const char *root, const char *rel)
{
	char *p = path_at(root, rel);
	bool r = access(p, F_OK) == 0;

	free(p);
	return r;
}

/* The first "*.conf" in ROOT/REL, or NULL (owned "REL/name"). */
static char *first_conf(const char *root, const char *rel)
{
	char *dir = path_at(root, rel), *found = NULL;
	DIR *d = opendir(dir);
	struct dirent *de;

	free(dir);
	while (d && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".conf") != 0)
			continue;
		if (!found || strcmp(de->d_name, strrchr(found, '/') + 1) < 0) {
			free(found);
			if (asprintf(&found, "%s/%s", rel, de->d_name) < 0)
				abort();
		}
	}
	if (d)
		closedir(d);
	return found;
}

static void evidence(struct boot_detection *d, enum boot_loader l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void evidence(struct boot_detection *d, enum boot_loader l, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	if (d->n_evidence[l] >= MAX_EVIDENCE)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	d->evidence[l][d->n_evidence[l]++] = s;
}

static void candidate(struct boot_detection *d, enum boot_loader l)
{
	for (size_t i = 0; i < d->n_cand; i++)
		if (d->cand[i] == l)
			return;
	d->cand[d->n_cand++] = l;
}

/* os-release facts: Debian family; RHEL-like with VERSION_ID >= 9.3. */
static void os_release(struct boot_detection *d)
{
	static const char *const paths[] = { "etc/os-release", "usr/lib/os-release" };
	char line[512];
	bool rhel = false;
	double version = 0;

	d->debian = exists_at(d->root, "etc/debian_version");
	for (size_t i = 0; i < 2; i++) {
		char *p = path_at(d->root, paths[i]);
		FILE *f = fopen(p, "re");
		free(p);
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			char *v = strchr(line, '=');
			if (!v)
				continue;
			*v++ = '\0';
			v[strcspn(v, "\n")] = '\0';
			if (*v == '"' || *v == '\'') {
				v++;
				v[strcspn(v, "\"'")] = '\0';
			}
			if (!strcmp(line, "ID") || !strcmp(line, "ID_LIKE")) {
				if (strstr(v, "debian") || strstr(v, "ubuntu"))
					d->debian = true;
				if (strstr(v, "rhel") || !strcmp(v, "centos") || !strcmp(v, "rocky") ||
				    !strcmp(v, "almalinux"))
					rhel = true;
			} else if (!strcmp(line, "VERSION_ID")) {
				version = strtod(v, NULL);
			}
		}
		fclose(f);
		break;
	}
	d->rhel_bls_cmdline = rhel && version >= 9.3 - 1e-9;
}

int boot_detect(const char *root, struct boot_detection **ret, struct gv_error *err)
{
	struct boot_detection *d;
	struct stat st;
	char *bls = NULL, *esp = NULL;
	bool kcmd, grub_cfg, def_grub, pbt;

	if (!root || stat(root, &st) < 0 || !S_ISDIR(st.st_mode))
		return gv_error_set(err, -ENOENT, "%s: not a directory", root ? root : "(null)");
	d = calloc(1, sizeof(*d));
	if (!d)
		abort();
	d->root = xstrdup(root);
	/* Hardware: as the process sees /sys (the test bed in tests). */
	d->uefi = access("/sys/firmware/efi", F_OK) == 0;
	os_release(d);
	d->grub_dropins = grub_reads_dropins(root);
	d->grub2 = exists_at(root, "boot/grub2") || exists_at(root, "etc/grub2.cfg");

	kcmd = exists_at(root, KERNEL_CMDLINE);
	def_grub = exists_at(root, GRUB_DEFAULTS);
	grub_cfg = exists_at(root, "boot/grub/grub.cfg") || exists_at(root, "boot/grub2/grub.cfg");
	pbt = exists_at(root, PBT_UUIDS);
	bls = first_conf(root, "boot/loader/entries");
	static const char *const esps[] = { "efi/loader/entries", "boot/efi/loader/entries", NULL };
	for (size_t i = 0; esps[i] && !esp; i++)
		esp = first_conf(root, esps[i]);
	if (!esp && (exists_at(root, "efi/loader/loader.conf") || exists_at(root, "boot/efi/loader/loader.conf")))
		esp = xstrdup(exists_at(root, "efi/loader/loader.conf") ? "efi/loader/loader.conf" : "boot/efi/loader/loader.conf");

	if (exists_at(root, KERNELSTUB_CONFIG)) {
		candidate(d, BOOT_KERNELSTUB);
		evidence(d, BOOT_KERNELSTUB, "%s: kernelstub manages the command line", KERNELSTUB_CONFIG);
	}
	if (pbt) {
		if (d->uefi && kcmd) {
			candidate(d, BOOT_PROXMOX_SDBOOT);
			evidence(d, BOOT_PROXMOX_SDBOOT, "%s: proxmox-boot-tool keeps the ESPs", PBT_UUIDS);
			evidence(d, BOOT_PROXMOX_SDBOOT, "%s: the command line systemd-boot gets", KERNEL_CMDLINE);
			evidence(d, BOOT_PROXMOX_SDBOOT, "/sys/firmware/efi: booted with UEFI");
		} else if (!d->uefi) {
			candidate(d, BOOT_GRUB);
			evidence(d, BOOT_GRUB, "%s with a BIOS boot (no /sys/firmware/efi): proxmox-boot-tool runs GRUB", PBT_UUIDS);
		} else {
			candidate(d, BOOT_PROXMOX_SDBOOT);
			evidence(d, BOOT_PROXMOX_SDBOOT, "%s and /sys/firmware/efi: systemd-boot, but %s is missing", PBT_UUIDS, KERNEL_CMDLINE);
			candidate(d, BOOT_GRUB);
			evidence(d, BOOT_GRUB, "%s and /sys/firmware/efi without %s: proxmox-boot-tool may run GRUB", PBT_UUIDS, KERNEL_CMDLINE);
		}
	}
	if (bls && (def_grub || grub_cfg)) {
		candidate(d, BOOT_GRUB_BLS);
		evidence(d, BOOT_GRUB_BLS, "%s: Boot Loader Specification entries (grubby)", bls);
		if (def_grub)
			evidence(d, BOOT_GRUB_BLS, "%s: GRUB defaults", GRUB_DEFAULTS);
	}
	if (def_grub || grub_cfg) {
		if (def_grub)
			evidence(d, BOOT_GRUB, "%s: GRUB defaults", GRUB_DEFAULTS);
		if (exists_at(root, "boot/grub/grub.cfg"))
			evidence(d, BOOT_GRUB, "boot/grub/grub.cfg: GRUB's generated menu");
		if (exists_at(root, "boot/grub2/grub.cfg"))
			evidence(d, BOOT_GRUB, "boot/grub2/grub.cfg: GRUB's generated menu");
	}
	if ((kcmd && !pbt) || esp || (bls && !def_grub && !grub_cfg)) {
		if (kcmd && !pbt)
			evidence(d, BOOT_SYSTEMD_BOOT, "%s: the command line kernel-install uses", KERNEL_CMDLINE);
		if (esp)
			evidence(d, BOOT_SYSTEMD_BOOT, "%s: systemd-boot on the ESP", esp);
		if (bls && !def_grub && !grub_cfg)
			evidence(d, BOOT_SYSTEMD_BOOT, "%s: Boot Loader Specification entries without GRUB", bls);
	}

	/* Decide: the most specific evidence wins; GRUB against systemd-boot
	 * with nothing to tell them apart is for the person to say. */
	if (d->n_cand == 0) {
		bool grub = d->n_evidence[BOOT_GRUB] > 0, sdb = d->n_evidence[BOOT_SYSTEMD_BOOT] > 0;
		if (grub)
			candidate(d, BOOT_GRUB);
		/* both: nothing tells them apart (Fedora's etc/kernel/cmdline
		 * next to BLS entries is grub-bls, decided above) */
		if (sdb)
			candidate(d, BOOT_SYSTEMD_BOOT);
	}
	if (d->n_cand == 1)
		d->loader = d->cand[0];
	else if (d->n_cand > 1 && d->cand[0] == BOOT_KERNELSTUB)
		d->loader = BOOT_KERNELSTUB;
	free(bls);
	free(esp);
	*ret = d;
	return 0;
}

void boot_detection_free(struct boot_detection *d)
{
	if (!d)
		return;
	for (int l = 0; l < BOOT__MAX; l++)
		for (size_t i = 0; i < d->n_evidence[l]; i++)
			free(d->evidence[l][i]);
	free(d->root);
	free(d);
}

enum boot_loader boot_detection_loader(const struct boot_detection *d)
{
	return d->loader;
}

bool boot_detection_ambiguous(const struct boot_detection *d)
{
	return d->loader == BOOT_AUTO && d->n_cand > 1;
}

bool boot_detection_uefi(const struct boot_detection *d)
{
	return d->uefi;
}

size_t boot_detection_n_candidates(const struct boot_detection *d)
{
	return d->n_cand;
}

enum boot_loader boot_detection_candidate(const struct boot_detection *d, size_t i)
{
	return i < d->n_cand ? d->cand[i] : BOOT_AUTO;
}

const char *const *boot_detection_evidence(const struct boot_detection *d, enum boot_loader l)
{
	if (l <= BOOT_AUTO || l >= BOOT__MAX)
		return NULL;
	return (const char *const *)d->evidence[l];
}

const char *boot_detection_cmdline_file(const struct boot_detection *d, enum boot_loader l)
{
	switch (l) {
	case BOOT_GRUB:
		return d->grub_dropins ? GRUB_DROPIN : GRUB_DEFAULTS;
	case BOOT_GRUB_BLS:
		return GRUB_DEFAULTS;
	case BOOT_PROXMOX_SDBOOT:
	case BOOT_SYSTEMD_BOOT:
		return KERNEL_CMDLINE;
	default:
		return NULL;
	}
}

static const char *grub_mkconfig(const struct boot_detection *d)
{
	if (d->debian)
		return "update-grub";
	return d->grub2 ? "grub2-mkconfig -o /boot/grub2/grub.cfg" : "grub-mkconfig -o /boot/grub/grub.cfg";
}

const char *boot_detection_regen(const struct boot_detection *d, enum boot_loader l)
{
	switch (l) {
	case BOOT_GRUB:
		return grub_mkconfig(d);
	case BOOT_GRUB_BLS:
		return d->rhel_bls_cmdline ? "grub2-mkconfig -o /boot/grub2/grub.cfg --update-bls-cmdline"
					   : "grubby --update-kernel=ALL --args=... --remove-args=...";
	case BOOT_PROXMOX_SDBOOT:
		return "proxmox-boot-tool refresh";
	case BOOT_SYSTEMD_BOOT:
		return "kernel-install add VERSION IMAGE (each installed kernel)";
	case BOOT_KERNELSTUB:
		return "kernelstub -a ARGS / -d ARGS";
	default:
		return NULL;
	}
}

char *boot_detection_describe(const struct boot_detection *d)
{
	struct buf b = BUF_INIT;

	if (d->n_cand == 0) {
		buf_printf(&b, "no boot loader configuration found under %s\n", d->root);
		return buf_steal(&b);
	}
	if (d->loader == BOOT_AUTO)
		buf_printf(&b, "ambiguous boot loader under %s: the evidence fits %zu; choose one\n", d->root, d->n_cand);
	for (size_t i = 0; i < d->n_cand; i++) {
		enum boot_loader l = d->cand[i];
		const char *file = boot_detection_cmdline_file(d, l);
		buf_printf(&b, "%s%s: command line in %s, then %s\n", d->loader == l ? "" : "candidate ",
			   boot_loader_name(l), file ? file : "kernelstub's configuration", boot_detection_regen(d, l));
		for (size_t k = 0; k < d->n_evidence[l]; k++)
			buf_printf(&b, "  evidence: %s\n", d->evidence[l][k]);
	}
	return buf_steal(&b);
}

static int ambiguous_error(const struct boot_detection *d, struct gv_error *err)
{
	struct buf b = BUF_INIT;
	int r;

	if (d->n_cand == 0) {
		return gv_error_set(err, -ENOENT, "%s: no boot loader configuration found (looked for %s, %s, %s, boot/loader/entries, %s)",
				    d->root, GRUB_DEFAULTS, KERNEL_CMDLINE, PBT_UUIDS, KERNELSTUB_CONFIG);
	}
	for (size_t i = 0; i < d->n_cand; i++) {
		enum boot_loader l = d->cand[i];
		buf_printf(&b, "%s%s (%s)", i ? "; " : "", boot_loader_name(l),
			   d->n_evidence[l] ? d->evidence[l][0] : "");
	}
	r = gv_error_set(err, -ENOTUNIQ, "ambiguous boot loader: %s; choose one with --bootloader NAME", buf_str(&b));
	buf_free(&b);
	return r;
}

const char *const *boot_iommu_args(enum host_cpu_vendor vendor, size_t *ret_n)
{
	static const char *const intel[] = { "intel_iommu=on", "iommu=pt", NULL };
	static const char *const amd[] = { "iommu=pt", NULL };
	const char *const *r = vendor == HOST_CPU_INTEL ? intel : vendor == HOST_CPU_AMD ? amd : NULL;

	if (ret_n)
		*ret_n = r == intel ? 2 : r == amd ? 1 : 0;
	return r;
}

/* ---- proposals ---- */

static int plan_read(void *userdata, const char *path, char **ret_content, size_t *ret_len,
		     struct gv_error *err)
{
	return plan_file_content(userdata, path, ret_content, ret_len, err);
}

static char *join_args(const char *const *v, size_t n)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", v[i]);
	return buf_steal(&b);
}

static char *why_text(const char *what, const char *const *add, size_t n_add,
		      const char *const *remove_keys, size_t n_remove)
{
	struct buf b = BUF_INIT;
	char *a = join_args(add, n_add), *r = join_args(remove_keys, n_remove);

	buf_printf(&b, "kernel command line (%s):", what);
	if (n_add)
		buf_printf(&b, " add %s", a);
	if (n_add && n_remove)
		buf_puts(&b, ";");
	if (n_remove)
		buf_printf(&b, " remove %s", r);
	free(a);
	free(r);
	return buf_steal(&b);
}

static int propose_grub(struct plan *p, const struct boot_detection *d, enum boot_loader l,
			const char *const *add, size_t n_add, const char *const *remove_keys,
			size_t n_remove, bool *ret_changed, struct gv_error *err)
{
	struct grub_source src = { .root = d->root, .read = plan_read, .userdata = p, .dropins = d->grub_dropins };
	struct grub_edit *e = NULL;
	char *why = NULL;
	int r;

	if (l == BOOT_GRUB_BLS)
		src.dropins = false;   /* Fedora's grub-mkconfig has no grub.d */
	r = grub_propose(&src, add, n_add, remove_keys, n_remove, &e, err);
	if (r < 0)
		return r;
	*ret_changed = e->changed;
	if (e->changed) {
		why = why_text(src.dropins ? "GRUB; grub-mkconfig reads etc/default/grub.d, gpuvirt's drop-in sorts last"
					   : "GRUB defaults", add, n_add, remove_keys, n_remove);
		if (e->content)
			r = plan_write_file(p, e->path, e->content, e->len, 0644, why);
		else
			r = plan_remove_file(p, e->path, why);
	}
	free(why);
	grub_edit_free(e);
	return r;
}

/* etc/kernel/cmdline: one line; root= must survive. CREATE_FROM_PROC: when
 * the file is missing, start from /proc/cmdline as kernel-install does. */
static int propose_kernel_cmdline(struct plan *p, const char *what, bool create_from_proc,
				  const char *const *add, size_t n_add, const char *const *remove_keys,
				  size_t n_remove, bool *ret_changed, struct gv_error *err)
{
	char *content = NULL, *line = NULL, *out = NULL, *why = NULL;
	size_t len = 0;
	struct cmdline *c = NULL;
	struct buf b = BUF_INIT;
	bool had_root, existed = true;
	int r;

	*ret_changed = false;
	r = plan_file_content(p, KERNEL_CMDLINE, &content, &len, err);
	if (r == -ENOENT && create_from_proc) {
		existed = false;
		FILE *f = fopen("/proc/cmdline", "re");
		char buf[4096] = "";
		if (f) {
			if (!fgets(buf, sizeof(buf), f))
				buf[0] = '\0';
			fclose(f);
		}
		content = xstrdup(buf);
		len = strlen(content);
		r = 0;
	} else if (r == -ENOENT) {
		return gv_error_set(err, -ENOENT, "%s: missing; %s reads the command line from it", KERNEL_CMDLINE, what);
	}
	if (r < 0)
		return r;
	if (memchr(content, '\0', len)) {
		r = gv_error_set(err, -EINVAL, "%s: NUL byte: not a text file", KERNEL_CMDLINE);
		goto out;
	}
	/* One line: a second non-empty line would be read by some tools and not
	 * by others. */
	char *nl = strchr(content, '\n');
	size_t lineno = 2;
	for (char *q = nl; q && *q; lineno++) {
		char *next = strchr(q + 1, '\n');
		size_t n = next ? (size_t)(next - q - 1) : strlen(q + 1);
		if (strspn(q + 1, " \t\r") < n) {
			r = gv_error_set(err, -EINVAL, "%s:%zu: more than one line; the command line must be one line", KERNEL_CMDLINE, lineno);
			goto out;
		}
		q = next;
	}
	line = nl ? strndup(content, (size_t)(nl - content)) : xstrdup(content);
	if (!line)
		abort();
	r = cmdline_parse(line, &c);
	if (r < 0)
		goto out;
	if (!existed) {
		cmdline_remove(c, "BOOT_IMAGE");
		cmdline_remove(c, "initrd");
	}
	had_root = cmdline_has_key(c, "root");
	for (size_t i = 0; i < n_remove; i++)
		cmdline_remove(c, remove_keys[i]);
	for (size_t i = 0; i < n_add; i++) {
		r = cmdline_add(c, add[i]);
		if (r == -E2BIG) {
			r = gv_error_set(err, r, "%s: adding %s would make the command line longer than %d bytes",
					 KERNEL_CMDLINE, add[i], CMDLINE_SIZE - 1);
			goto out;
		}
		if (r < 0) {
			r = cmdline_check_arg(add[i], err);
			goto out;
		}
	}
	if (had_root && !cmdline_has_key(c, "root")) {
		r = gv_error_set(err, -EINVAL, "%s: refusing to remove root=: the system would not find its root file system", KERNEL_CMDLINE);
		goto out;
	}
	out = cmdline_format(c);
	buf_puts(&b, out);
	buf_puts(&b, nl ? nl : (existed ? "" : "\n"));
	if (existed && b.len == len && memcmp(b.data, content, len) == 0) {
		r = 0;
		goto out;
	}
	why = why_text(what, add, n_add, remove_keys, n_remove);
	r = plan_write_file(p, KERNEL_CMDLINE, buf_str(&b), b.len, 0644, why);
	if (r >= 0)
		*ret_changed = true;
out:
	free(why);
	buf_free(&b);
	free(out);
	cmdline_free(c);
	free(line);
	free(content);
	return r;
}

/* kernelstub's "user" kernel_options from its JSON configuration. */
static int kernelstub_options(struct plan *p, char ***ret, size_t *ret_n, struct gv_error *err)
{
	char *content = NULL;
	size_t len = 0;
	char **v = NULL;
	size_t n = 0;
	int r;

	r = plan_file_content(p, KERNELSTUB_CONFIG, &content, &len, err);
	if (r < 0)
		return r == -ENOENT ? gv_error_set(err, r, "%s: missing", KERNELSTUB_CONFIG) : r;
	const char *u = strstr(content, "\"user\"");
	const char *k = u ? strstr(u, "\"kernel_options\"") : NULL;
	const char *q = k ? strchr(k + 16, '[') : NULL;
	if (!q) {
		free(content);
		return gv_error_set(err, -EINVAL, "%s: no \"user\": {\"kernel_options\": [...]} in it", KERNELSTUB_CONFIG);
	}
	for (q++; *q && *q != ']';) {
		if (*q != '"') {
			q++;
			continue;
		}
		struct buf s = BUF_INIT;
		for (q++; *q && *q != '"'; q++) {
			if (*q == '\\' && q[1])
				q++;
			buf_putc(&s, *q);
		}
		if (*q)
			q++;
		v = realloc(v, (n + 1) * sizeof(*v));
		if (!v)
			abort();
		v[n++] = buf_steal(&s);
	}
	free(content);
	*ret = v;
	*ret_n = n;
	return 0;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int propose_kernelstub(struct plan *p, const char *const *add, size_t n_add,
			      const char *const *remove_keys, size_t n_remove, bool *ret_changed,
			      struct gv_error *err)
{
	char **opts = NULL;
	size_t n = 0;
	struct buf del = BUF_INIT, ins = BUF_INIT;
	char *joined = NULL, *why = NULL;
	struct cmdline *before = NULL, *after = NULL;
	int r;

	*ret_changed = false;
	r = kernelstub_options(p, &opts, &n, err);
	if (r < 0)
		return r;
	joined = join_args((const char *const *)opts, n);
	if ((r = cmdline_parse(joined, &before)) < 0 || (r = cmdline_parse(joined, &after)) < 0)
		goto out;
	for (size_t i = 0; i < n_remove; i++)
		cmdline_remove(after, remove_keys[i]);
	for (size_t i = 0; i < n_add; i++) {
		r = cmdline_add(after, add[i]);
		if (r < 0) {
			r = r == -E2BIG ? gv_error_set(err, r, "adding %s: the command line would be too long", add[i])
					: cmdline_check_arg(add[i], err);
			goto out;
		}
	}
	if (cmdline_has_key(before, "root") && !cmdline_has_key(after, "root")) {
		r = gv_error_set(err, -EINVAL, "%s: refusing to remove root=", KERNELSTUB_CONFIG);
		goto out;
	}
	/* kernelstub deletes and adds whole options. */
	for (size_t i = 0; i < cmdline_n_args(before); i++)
		if (!cmdline_contains(after, cmdline_arg(before, i)))
			buf_printf(&del, "%s%s", del.len ? " " : "", cmdline_arg(before, i));
	for (size_t i = 0; i < cmdline_n_args(after); i++)
		if (!cmdline_contains(before, cmdline_arg(after, i)))
			buf_printf(&ins, "%s%s", ins.len ? " " : "", cmdline_arg(after, i));
	why = why_text("kernelstub", add, n_add, remove_keys, n_remove);
	if (del.len) {
		const char *argv[] = { "kernelstub", "-d", buf_str(&del), NULL };
		if ((r = plan_run(p, argv, why)) < 0)
			goto out;
	}
	if (ins.len) {
		const char *argv[] = { "kernelstub", "-a", buf_str(&ins), NULL };
		if ((r = plan_run(p, argv, why)) < 0)
			goto out;
	}
	*ret_changed = del.len || ins.len;
	r = 0;
out:
	free(why);
	cmdline_free(before);
	cmdline_free(after);
	free(joined);
	buf_free(&del);
	buf_free(&ins);
	strv_free(opts, n);
	return r;
}

/* kernel-install add VERSION IMAGE for every kernel installed under ROOT. */
static int run_kernel_install(struct plan *p, const char *root, const char *why)
{
	static const char *const dirs[] = { "usr/lib/modules", "lib/modules" };
	int r = 0, found = 0;

	for (size_t i = 0; i < 2 && !found; i++) {
		char *dir = path_at(root, dirs[i]);
		struct dirent **list = NULL;
		int n = scandir(dir, &list, NULL, alphasort);
		for (int k = 0; k < n; k++) {
			char *img = NULL, *rel = NULL;
			if (list[k]->d_name[0] != '.') {
				if (asprintf(&rel, "%s/%s/vmlinuz", dirs[i], list[k]->d_name) < 0)
					abort();
				if (exists_at(root, rel) && r >= 0) {
					if (asprintf(&img, "/%s", rel) < 0)
						abort();
					const char *argv[] = { "kernel-install", "add", list[k]->d_name, img, NULL };
					r = plan_run(p, argv, why);
					found++;
				}
			}
			free(img);
			free(rel);
			free(list[k]);
		}
		free(list);
		free(dir);
	}
	if (!found)
		gv_log(GV_LOG_WARN, "no kernel image found under %s/usr/lib/modules: run kernel-install add VERSION IMAGE for each kernel", root);
	return r;
}

int boot_propose_cmdline_for(struct plan *p, const char *root, enum boot_loader loader,
			     const char *const *add, size_t n_add, const char *const *remove_keys,
			     size_t n_remove, struct gv_error *err)
{
	struct boot_detection *d = NULL;
	bool changed = false;
	int r;

	for (size_t i = 0; i < n_add; i++)
		if ((r = cmdline_check_arg(add[i], err)) < 0)
			return r;
	for (size_t i = 0; i < n_remove; i++) {
		char *k = remove_keys[i] ? cmdline_arg_key(remove_keys[i]) : NULL;
		bool root_key = k && strcmp(k, "root") == 0;
		free(k);
		if (!remove_keys[i] || !*remove_keys[i] || strpbrk(remove_keys[i], " \t\n"))
			return gv_error_set(err, -EINVAL, "'%s': not a kernel parameter name", remove_keys[i] ? remove_keys[i] : "");
		if (root_key)
			return gv_error_set(err, -EINVAL, "refusing to remove root=: the system would not find its root file system");
	}
	r = boot_detect(root, &d, err);
	if (r < 0)
		return r;
	if (loader == BOOT_AUTO)
		loader = d->loader;
	if (loader == BOOT_AUTO) {
		r = ambiguous_error(d, err);
		goto out;
	}
	switch (loader) {
	case BOOT_GRUB:
	case BOOT_GRUB_BLS:
		r = propose_grub(p, d, loader, add, n_add, remove_keys, n_remove, &changed, err);
		if (r < 0)
			goto out;
		if (loader == BOOT_GRUB_BLS && exists_at(root, KERNEL_CMDLINE)) {
			bool kc = false;
			r = propose_kernel_cmdline(p, "kernel-install, for future kernels", false, add, n_add,
						   remove_keys, n_remove, &kc, err);
			if (r < 0)
				goto out;
			changed = changed || kc;
		}
		if (!changed)
			break;
		if (loader == BOOT_GRUB && d->debian) {
			const char *argv[] = { "update-grub", NULL };
			r = plan_run(p, argv, "regenerate /boot/grub/grub.cfg from the GRUB defaults");
		} else if (loader == BOOT_GRUB) {
			const char *argv[] = { d->grub2 ? "grub2-mkconfig" : "grub-mkconfig", "-o",
					       d->grub2 ? "/boot/grub2/grub.cfg" : "/boot/grub/grub.cfg", NULL };
			r = plan_run(p, argv, "regenerate GRUB's menu from the GRUB defaults");
		} else if (d->rhel_bls_cmdline) {
			const char *argv[] = { "grub2-mkconfig", "-o", "/boot/grub2/grub.cfg", "--update-bls-cmdline", NULL };
			r = plan_run(p, argv, "RHEL 9.3 and later: carry GRUB_CMDLINE_LINUX into every boot entry");
		} else {
			char *a = join_args(add, n_add), *rm = join_args(remove_keys, n_remove);
			char *aa = NULL, *ra = NULL;
			const char *argv[5] = { "grubby", "--update-kernel=ALL", NULL, NULL, NULL };
			size_t k = 2;
			if (n_add) {
				if (asprintf(&aa, "--args=%s", a) < 0)
					abort();
				argv[k++] = aa;
			}
			if (n_remove) {
				if (asprintf(&ra, "--remove-args=%s", rm) < 0)
					abort();
				argv[k++] = ra;
			}
			r = plan_run(p, argv, "update every boot entry (Boot Loader Specification) with grubby");
			free(a);
			free(rm);
			free(aa);
			free(ra);
		}
		break;
	case BOOT_PROXMOX_SDBOOT:
		r = propose_kernel_cmdline(p, "proxmox-boot-tool, systemd-boot", false, add, n_add, remove_keys,
					   n_remove, &changed, err);
		if (r >= 0 && changed) {
			const char *argv[] = { "proxmox-boot-tool", "refresh", NULL };
			r = plan_run(p, argv, "copy the kernels and the new command line to every ESP");
		}
		break;
	case BOOT_SYSTEMD_BOOT:
		r = propose_kernel_cmdline(p, "systemd-boot, kernel-install", true, add, n_add, remove_keys,
					   n_remove, &changed, err);
		if (r >= 0 && changed)
			r = run_kernel_install(p, root, "write the boot entries again with the new command line");
		break;
	case BOOT_KERNELSTUB:
		r = propose_kernelstub(p, add, n_add, remove_keys, n_remove, &changed, err);
		break;
	default:
		r = gv_error_set(err, -EINVAL, "unknown boot loader %d", (int)loader);
	}
	if (r < 0)
		goto out;
	for (size_t i = 0; i < n_add; i++)
		if ((r = plan_expect(p, "cmdline", add[i], NULL)) < 0)
			goto out;
	r = 0;
out:
	boot_detection_free(d);
	return r;
}

int boot_propose_cmdline(struct plan *p, const char *root, const char *const *add, size_t n_add,
			 const char *const *remove_keys, size_t n_remove, struct gv_error *err)
{
	return boot_propose_cmdline_for(p, root, BOOT_AUTO, add, n_add, remove_keys, n_remove, err);
}

/* ---- the configured next-boot line ---- */

static int read_first_line(const char *root, const char *rel, char **ret, struct gv_error *err)
{
	char *p = path_at(root, rel), line[8192];
	FILE *f = fopen(p, "re");

	free(p);
	if (!f)
		return gv_error_set(err, -errno, "%s: %s", rel, strerror(errno));
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	*ret = xstrdup(line);
	return 0;
}

static char *trimmed_join(const char *a, const char *b)
{
	struct buf s = BUF_INIT;
	struct cmdline *c = NULL;
	char *out;

	buf_printf(&s, "%s %s", a ? a : "", b ? b : "");
	/* normalize the white space: one space between arguments */
	if (cmdline_parse(buf_str(&s), &c) < 0)
		abort();
	buf_reset(&s);
	for (size_t i = 0; i < cmdline_n_args(c); i++)
		buf_printf(&s, "%s%s", i ? " " : "", cmdline_arg(c, i));
	if (cmdline_tail(c))
		buf_printf(&s, "%s%s", cmdline_n_args(c) ? " " : "", cmdline_tail(c));
	cmdline_free(c);
	out = buf_steal(&s);
	size_t l = strlen(out);
	while (l > 0 && (out[l - 1] == ' ' || out[l - 1] == '\n' || out[l - 1] == '\t'))
		out[--l] = '\0';
	return out;
}

static int configured(const struct boot_detection *d, char **ret, struct gv_error *err)
{
	char *linux_ = NULL, *dflt = NULL;
	int r;

	switch (d->loader) {
	case BOOT_GRUB:
	case BOOT_GRUB_BLS: {
		struct grub_source src = { .root = d->root, .dropins = d->loader == BOOT_GRUB && d->grub_dropins };
		r = grub_effective(&src, &linux_, &dflt, err);
		if (r < 0)
			return r;
		*ret = trimmed_join(linux_, dflt);
		free(linux_);
		free(dflt);
		return 0;
	}
	case BOOT_PROXMOX_SDBOOT:
	case BOOT_SYSTEMD_BOOT:
		if (!exists_at(d->root, KERNEL_CMDLINE)) {
			/* kernel-install then uses the running line */
			return gv_error_set(err, -ENOENT, "%s: missing; the next kernel gets the running command line", KERNEL_CMDLINE);
		}
		r = read_first_line(d->root, KERNEL_CMDLINE, &linux_, err);
		if (r < 0)
			return r;
		*ret = trimmed_join(linux_, NULL);
		free(linux_);
		return 0;
	case BOOT_KERNELSTUB: {
		struct plan *p = NULL;
		char **opts = NULL;
		size_t n = 0;
		r = plan_new(d->root, &p);
		if (r < 0)
			return gv_error_set(err, r, "%s: %s", d->root, strerror(-r));
		r = kernelstub_options(p, &opts, &n, err);
		plan_free(p);
		if (r < 0)
			return r;
		*ret = join_args((const char *const *)opts, n);
		strv_free(opts, n);
		return 0;
	}
	default:
		return ambiguous_error(d, err);
	}
}

/* Detection, with LOADER (unless BOOT_AUTO) as the person's choice where the
 * evidence is ambiguous. */
static int detect_for(const char *root, enum boot_loader loader, struct boot_detection **ret,
		      struct gv_error *err)
{
	int r = boot_detect(root, ret, err);

	if (r >= 0 && loader != BOOT_AUTO)
		(*ret)->loader = loader;
	return r;
}

int boot_configured_cmdline(const char *root, char **ret, struct gv_error *err)
{
	return boot_configured_cmdline_for(root, BOOT_AUTO, ret, err);
}

int boot_configured_cmdline_for(const char *root, enum boot_loader loader, char **ret, struct gv_error *err)
{
	struct boot_detection *d = NULL;
	int r;

	r = detect_for(root, loader, &d, err);
	if (r < 0)
		return r;
	r = configured(d, ret, err);
	boot_detection_free(d);
	return r;
}

int boot_cmdline_pending(const char *root, const char *running, struct cmdline_diff **ret,
			 struct gv_error *err)
{
	return boot_cmdline_pending_for(root, BOOT_AUTO, running, ret, err);
}

int boot_cmdline_pending_for(const char *root, enum boot_loader loader, const char *running,
			     struct cmdline_diff **ret, struct gv_error *err)
{
	struct boot_detection *d = NULL;
	struct cmdline_diff *diff = NULL;
	char *conf = NULL, *proc = NULL;
	int r;

	if (!running) {
		char line[8192] = "";
		FILE *f = fopen("/proc/cmdline", "re");
		if (!f)
			return gv_error_set(err, -errno, "/proc/cmdline: %s", strerror(errno));
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
		proc = xstrdup(line);
		running = proc;
	}
	r = detect_for(root, loader, &d, err);
	if (r < 0)
		goto out;
	r = configured(d, &conf, err);
	if (r < 0)
		goto out;
	r = cmdline_compare(conf, running, &diff);
	if (r < 0) {
		gv_error_set(err, r, "comparing command lines: %s", strerror(-r));
		goto out;
	}
	if (d->loader == BOOT_GRUB || d->loader == BOOT_GRUB_BLS) {
		/* grub-mkconfig puts root=... ro on the linux line itself */
		size_t k = 0;
		for (size_t i = 0; i < diff->n_extra; i++) {
			const char *x = diff->extra[i];
			if (!strncmp(x, "root=", 5) || !strcmp(x, "ro") || !strcmp(x, "rw")) {
				free(diff->extra[i]);
				continue;
			}
			diff->extra[k++] = diff->extra[i];
		}
		diff->n_extra = k;
	}
	*ret = diff;
	diff = NULL;
out:
	cmdline_diff_free(diff);
	free(conf);
	free(proc);
	boot_detection_free(d);
	return r;
}
