/* SPDX-License-Identifier: GPL-2.0-or-later */
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
#include "core/scan/grub.h"
#include "core/util/xalloc.h"

#define PBT_UUIDS "etc/kernel/proxmox-boot-uuids"

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
	struct boot_facts facts;
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
	return xasprintf("%s/%s", root, rel);
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
			found = xasprintf("%s/%s", rel, de->d_name);
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

	if (d->n_evidence[l] >= MAX_EVIDENCE)
		return;
	va_start(ap, fmt);
	d->evidence[l][d->n_evidence[l]++] = xvasprintf(fmt, ap);
	va_end(ap);
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

	d->facts.debian = exists_at(d->root, "etc/debian_version");
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
					d->facts.debian = true;
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
	d->facts.rhel_bls_cmdline = rhel && version >= 9.3 - 1e-9;
}

int boot_detect(const char *root, bool uefi, struct boot_detection **ret, struct gv_error *err)
{
	struct boot_detection *d;
	struct stat st;
	char *bls = NULL, *esp = NULL;
	bool kcmd, grub_cfg, def_grub, pbt;

	if (!root || stat(root, &st) < 0 || !S_ISDIR(st.st_mode))
		return gv_error_set(err, -ENOENT, "%s: not a directory", root ? root : "(null)");
	d = xcalloc(1, sizeof(*d));
	d->root = xstrdup(root);
	d->facts.uefi = uefi;
	os_release(d);
	d->facts.grub_dropins = grub_reads_dropins(root);
	d->facts.grub2 = exists_at(root, "boot/grub2") || exists_at(root, "etc/grub2.cfg");

	kcmd = d->facts.kernel_cmdline = exists_at(root, BOOT_KERNEL_CMDLINE);
	def_grub = exists_at(root, GRUB_DEFAULTS);
	grub_cfg = exists_at(root, "boot/grub/grub.cfg") || exists_at(root, "boot/grub2/grub.cfg");
	pbt = exists_at(root, PBT_UUIDS);
	bls = first_conf(root, "boot/loader/entries");
	static const char *const esps[] = { "efi/loader/entries", "boot/efi/loader/entries", NULL };
	for (size_t i = 0; esps[i] && !esp; i++)
		esp = first_conf(root, esps[i]);
	if (!esp && (exists_at(root, "efi/loader/loader.conf") || exists_at(root, "boot/efi/loader/loader.conf")))
		esp = xstrdup(exists_at(root, "efi/loader/loader.conf") ? "efi/loader/loader.conf" : "boot/efi/loader/loader.conf");

	if (exists_at(root, BOOT_KERNELSTUB_CONFIG)) {
		candidate(d, BOOT_KERNELSTUB);
		evidence(d, BOOT_KERNELSTUB, "%s: kernelstub manages the command line", BOOT_KERNELSTUB_CONFIG);
	}
	if (pbt) {
		if (d->facts.uefi && kcmd) {
			candidate(d, BOOT_PROXMOX_SDBOOT);
			evidence(d, BOOT_PROXMOX_SDBOOT, "%s: proxmox-boot-tool keeps the ESPs", PBT_UUIDS);
			evidence(d, BOOT_PROXMOX_SDBOOT, "%s: the command line systemd-boot gets", BOOT_KERNEL_CMDLINE);
			evidence(d, BOOT_PROXMOX_SDBOOT, "/sys/firmware/efi: booted with UEFI");
		} else if (!d->facts.uefi) {
			candidate(d, BOOT_GRUB);
			evidence(d, BOOT_GRUB, "%s with a BIOS boot (no /sys/firmware/efi): proxmox-boot-tool runs GRUB", PBT_UUIDS);
		} else {
			candidate(d, BOOT_PROXMOX_SDBOOT);
			evidence(d, BOOT_PROXMOX_SDBOOT, "%s and /sys/firmware/efi: systemd-boot, but %s is missing", PBT_UUIDS, BOOT_KERNEL_CMDLINE);
			candidate(d, BOOT_GRUB);
			evidence(d, BOOT_GRUB, "%s and /sys/firmware/efi without %s: proxmox-boot-tool may run GRUB", PBT_UUIDS, BOOT_KERNEL_CMDLINE);
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
			evidence(d, BOOT_SYSTEMD_BOOT, "%s: the command line kernel-install uses", BOOT_KERNEL_CMDLINE);
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
	return d->facts.uefi;
}

const struct boot_facts *boot_detection_facts(const struct boot_detection *d)
{
	return &d->facts;
}

const char *boot_detection_root(const struct boot_detection *d)
{
	return d->root;
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
		return d->facts.grub_dropins ? GRUB_DROPIN : GRUB_DEFAULTS;
	case BOOT_GRUB_BLS:
		return GRUB_DEFAULTS;
	case BOOT_PROXMOX_SDBOOT:
	case BOOT_SYSTEMD_BOOT:
		return BOOT_KERNEL_CMDLINE;
	default:
		return NULL;
	}
}

static const char *grub_mkconfig(const struct boot_detection *d)
{
	if (d->facts.debian)
		return "update-grub";
	return d->facts.grub2 ? "grub2-mkconfig -o /boot/grub2/grub.cfg" : "grub-mkconfig -o /boot/grub/grub.cfg";
}

const char *boot_detection_regen(const struct boot_detection *d, enum boot_loader l)
{
	switch (l) {
	case BOOT_GRUB:
		return grub_mkconfig(d);
	case BOOT_GRUB_BLS:
		return d->facts.rhel_bls_cmdline ? "grub2-mkconfig -o /boot/grub2/grub.cfg --update-bls-cmdline"
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

int boot_detection_error(const struct boot_detection *d, struct gv_error *err)
{
	struct buf b = BUF_INIT;
	int r;

	if (d->n_cand == 0) {
		return gv_error_set(err, -ENOENT, "%s: no boot loader configuration found (looked for %s, %s, %s, boot/loader/entries, %s)",
				    d->root, GRUB_DEFAULTS, BOOT_KERNEL_CMDLINE, PBT_UUIDS, BOOT_KERNELSTUB_CONFIG);
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
