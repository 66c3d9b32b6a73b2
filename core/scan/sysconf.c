/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/scan/firmware.h"
#include "core/scan/grub.h"
#include "core/scan/host.h"
#include "core/scan/kparam.h"
#include "core/scan/mdevconf.h"
#include "core/scan/modconf.h"
#include "core/scan/sysconf.h"
#include "core/util/fsutil.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

/* GRUB's effective values, or why they could not be computed. */
struct grub_values {
	int r;
	struct gv_error err;
	char *linux_, *dflt;
};

struct sysconf {
	char *root;
	struct boot_detection *boot;
	enum initramfs_tool initramfs;
	const char *initramfs_evidence;
	struct modconf *modconf;
	struct grub_values grub[2];   /* [0] without the drop-ins, [1] with them */
	struct kparam_db *kparam;
	struct mdevconf *mdevconf;
};

/* ---- the initramfs tool ---- */

struct initramfs_evidence {
	const char *name;
	const char *evidence[3];   /* configuration it leaves under the root */
	const char *program[4];    /* where its program lives under the root */
};

static const struct initramfs_evidence tools[] = {
	[INITRAMFS_NONE] = { .name = "none" },
	[INITRAMFS_TOOLS] = {
		.name = "initramfs-tools",
		.evidence = { "etc/initramfs-tools" },
		.program = { "usr/sbin/update-initramfs", "sbin/update-initramfs" },
	},
	[INITRAMFS_DRACUT] = {
		.name = "dracut",
		.evidence = { "etc/dracut.conf.d", "etc/dracut.conf" },
		.program = { "usr/bin/dracut", "usr/sbin/dracut", "sbin/dracut", "bin/dracut" },
	},
	[INITRAMFS_MKINITCPIO] = {
		.name = "mkinitcpio",
		.evidence = { "etc/mkinitcpio.conf", "etc/mkinitcpio.conf.d" },
		.program = { "usr/bin/mkinitcpio", "bin/mkinitcpio" },
	},
};
#define N_TOOLS (sizeof(tools) / sizeof(tools[0]))

/* Preferred when the evidence is ambiguous and no program settles it:
 * distributions that moved on (Ubuntu to dracut) leave the old tool's
 * directory behind, never the other way round. */
static const enum initramfs_tool preference[] = { INITRAMFS_DRACUT, INITRAMFS_MKINITCPIO, INITRAMFS_TOOLS };

static bool exists_in_root(const char *root, const char *rel)
{
	char *path = fsutil_join(root, rel);
	struct stat st;
	bool r = lstat(path, &st) == 0;

	free(path);
	return r;
}

static const char *evidence_of(const char *root, enum initramfs_tool t)
{
	for (size_t i = 0; i < 3 && tools[t].evidence[i]; i++)
		if (exists_in_root(root, tools[t].evidence[i]))
			return tools[t].evidence[i];
	return NULL;
}

static bool program_of(const char *root, enum initramfs_tool t)
{
	for (size_t i = 0; i < 4 && tools[t].program[i]; i++)
		if (exists_in_root(root, tools[t].program[i]))
			return true;
	return false;
}

static void detect_initramfs(struct sysconf *sc)
{
	enum initramfs_tool found[N_TOOLS], chosen = INITRAMFS_NONE;
	size_t n = 0, n_prog = 0;

	for (size_t i = 0; i < sizeof(preference) / sizeof(preference[0]); i++)
		if (evidence_of(sc->root, preference[i]))
			found[n++] = preference[i];
	if (n == 1) {
		chosen = found[0];
	} else if (n > 1) {
		for (size_t i = 0; i < n; i++) {
			if (program_of(sc->root, found[i])) {
				if (!n_prog)
					chosen = found[i];
				n_prog++;
			}
		}
		if (!n_prog)
			chosen = found[0];
		gv_log(GV_LOG_WARN, "configuration of both %s (%s) and %s (%s) is present; using %s%s",
		       tools[found[0]].name, evidence_of(sc->root, found[0]), tools[found[1]].name,
		       evidence_of(sc->root, found[1]), tools[chosen].name,
		       n_prog == 1 ? ", the one installed" : "");
	}
	sc->initramfs = chosen;
	sc->initramfs_evidence = chosen == INITRAMFS_NONE ? NULL : evidence_of(sc->root, chosen);
}

const char *sysconf_initramfs_name(enum initramfs_tool tool)
{
	if ((size_t)tool >= N_TOOLS)
		return "none";
	return tools[tool].name;
}

/* ---- the snapshot ---- */

static void load_grub(struct grub_values *v, const char *root, bool dropins)
{
	struct grub_source src = { .root = root, .dropins = dropins };

	v->r = grub_effective(&src, &v->linux_, &v->dflt, &v->err);
}

int sysconf_load(const char *root, const struct host *h, struct sysconf **ret, struct gv_error *err)
{
	struct sysconf *sc = xcalloc(1, sizeof(*sc));
	const char *release = h ? host_kernel_release(h) : NULL;
	int r;

	sc->root = xstrdup(root);
	r = boot_detect(root, h && firmware_efi(host_firmware(h)), &sc->boot, err);
	if (r < 0)
		goto fail;
	detect_initramfs(sc);
	r = modconf_load(root, &sc->modconf, err);
	if (r < 0)
		goto fail;
	/* Both readings are cheap where there is no etc/default/grub (nothing
	 * to evaluate); the one with the drop-ins only where they are read. */
	load_grub(&sc->grub[0], root, false);
	if (boot_detection_facts(sc->boot)->grub_dropins)
		load_grub(&sc->grub[1], root, true);
	sc->kparam = kparam_db_new(root, release);
	sc->mdevconf = mdevconf_load(root);
	*ret = sc;
	return 0;
fail:
	sysconf_free(sc);
	return r;
}

void sysconf_free(struct sysconf *sc)
{
	if (!sc)
		return;
	boot_detection_free(sc->boot);
	modconf_free(sc->modconf);
	for (size_t i = 0; i < 2; i++) {
		free(sc->grub[i].linux_);
		free(sc->grub[i].dflt);
	}
	kparam_db_free(sc->kparam);
	mdevconf_free(sc->mdevconf);
	free(sc->root);
	free(sc);
}

const char *sysconf_root(const struct sysconf *sc)
{
	return sc->root;
}

const struct boot_detection *sysconf_boot(const struct sysconf *sc)
{
	return sc->boot;
}

enum initramfs_tool sysconf_initramfs(const struct sysconf *sc, const char **ret_evidence)
{
	if (ret_evidence)
		*ret_evidence = sc->initramfs_evidence;
	return sc->initramfs;
}

const struct modconf *sysconf_modconf(const struct sysconf *sc)
{
	return sc->modconf;
}

int sysconf_grub(const struct sysconf *sc, enum boot_loader loader, const char **ret_linux,
		 const char **ret_default, struct gv_error *err)
{
	const struct grub_values *v;

	if (loader != BOOT_GRUB && loader != BOOT_GRUB_BLS)
		return gv_error_set(err, -EINVAL, "%s does not read GRUB's defaults", boot_loader_name(loader));
	/* Fedora's grub-mkconfig (grub-bls) has no grub.d */
	v = &sc->grub[loader == BOOT_GRUB && boot_detection_facts(sc->boot)->grub_dropins];
	if (v->r < 0) {
		if (err)
			*err = v->err;
		return v->r;
	}
	*ret_linux = v->linux_;
	*ret_default = v->dflt;
	return 0;
}

struct kparam_db *sysconf_kparam(const struct sysconf *sc)
{
	return sc->kparam;
}

const struct mdevconf *sysconf_mdevconf(const struct sysconf *sc)
{
	return sc->mdevconf;
}
