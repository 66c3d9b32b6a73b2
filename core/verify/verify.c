/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/plan/journal.h"
#include "core/scan/bootdetect.h"
#include "core/util/cmdline.h"
#include "core/scan/grub.h"
#include "core/util/buf.h"
#include "core/util/xalloc.h"
#include "core/verify/mdevcheck.h"
#include "core/verify/verify.h"

/* Each expectation decides on one finding; the strings are owned. */
static struct finding found_own(const char *id, enum finding_status st, char *title, char *evidence,
				char *fix)
{
	return (struct finding){ .id = id, .status = st, .title = title, .evidence = evidence, .fix = fix };
}

static long long parse_when(const char *when)
{
	struct tm tm = { 0 };
	const char *end;

	if (!when)
		return -1;
	end = strptime(when, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		return -1;
	return (long long)timegm(&tm);
}

/* The files gpuvirt writes a kernel command line to that hold ARG, for the
 * fix text; "" when none does. Owned. */
static char *cmdline_files_with(const char *root, const char *arg)
{
	static const char *const files[] = {
		GRUB_DROPIN, "etc/kernel/cmdline", "etc/default/grub",
	};
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *path = xasprintf("%s/%s", root, files[i]);
		FILE *f = fopen(path, "re");
		char line[4096];
		bool found = false;

		free(path);
		if (!f)
			continue;
		while (!found && fgets(line, sizeof(line), f))
			found = strstr(line, arg) != NULL;
		fclose(f);
		if (found)
			buf_printf(&b, "%s%s", b.len ? ", " : "", files[i]);
	}
	if (!b.len)
		buf_puts(&b, "");
	return buf_steal(&b);
}

/* ARG ("iommu=pt", or a bare "quiet") is on the running command line; a bare
 * KEY also matches "KEY=anything". */
static bool running_has(const struct firmware *fw, const char *arg)
{
	const struct cmdline *c = firmware_cmdline_args(fw);

	return c && (cmdline_contains(c, arg) || (!strchr(arg, '=') && cmdline_has_key(c, arg)));
}

static struct finding verify_cmdline(const struct firmware *fw, const struct sysconf *sc, const char *root,
				     const struct journal_set *s, const char *arg, bool pending, const char *ref)
{
	if (running_has(fw, arg))
		return found_own("verify-cmdline", FINDING_PASS, xasprintf("%s is on the running command line", arg),
				 xasprintf("/proc/cmdline: %s", arg), NULL);
	if (!firmware_cmdline(fw))
		return found_own("verify-cmdline", FINDING_INFO, xasprintf("%s: the running command line is unknown", arg),
				 xasprintf("/proc/cmdline: cannot read"), NULL);

	char *files = cmdline_files_with(root, arg);
	char *fix = NULL;
	const struct boot_detection *bd = sysconf_boot(sc);

	if (pending) {
		fix = xasprintf("reboot: change set %d was applied after this boot", s->id);
	} else if (boot_detection_loader(bd) != BOOT_AUTO) {
		/* Name the boot loader this root really uses: editing GRUB on a
		 * systemd-boot Proxmox host is the mistake people report most. */
		enum boot_loader bl = boot_detection_loader(bd);
		const char *file = boot_detection_cmdline_file(bd, bl);
		const char *regen = boot_detection_regen(bd, bl);

		if (*files && file && !strstr(files, file))
			fix = xasprintf("this host boots with %s, which reads %s, not %s: gpuvirt undo, then apply the change again",
				  boot_loader_name(bl), file, files);
		else
			fix = xasprintf("reboot; if it is still missing the bootloader did not read the file we wrote: %s (%s boots this host: run %s, then reboot)",
				  *files ? files : file ? file : "none holds it", boot_loader_name(bl),
				  regen ? regen : "its regeneration command");
	}
	if (!fix)
		fix = xasprintf("reboot; if it is still missing the bootloader did not read the file we wrote: %s (run the regeneration command, e.g. update-grub or proxmox-boot-tool refresh, and check which bootloader this host uses)",
			  *files ? files : "no command-line file under the root holds it");
	free(files);
	return found_own("verify-cmdline", pending ? FINDING_WARN : FINDING_FAIL,
			 xasprintf("%s is not on the running command line", arg),
			 xasprintf("/proc/cmdline: no %s (%s)", arg, ref), fix);
}

static struct finding verify_module(const struct firmware *fw, const char *mod, bool want, bool pending,
				    const char *ref)
{
	bool loaded = firmware_module_loaded(fw, mod);

	if (!firmware_modules_readable(fw) && !loaded)
		return found_own(want ? "verify-module" : "verify-no-module", FINDING_INFO,
				 xasprintf("Whether %s is loaded is unknown", mod),
				 xasprintf("/proc/modules: cannot read; /sys/module/%s: absent", mod), NULL);
	if (want && loaded)
		return found_own("verify-module", FINDING_PASS, xasprintf("Module %s is loaded", mod),
				 xasprintf("/proc/modules or /sys/module: %s", mod), NULL);
	if (!want && !loaded)
		return found_own("verify-no-module", FINDING_PASS, xasprintf("Module %s is not loaded", mod),
				 xasprintf("/proc/modules: no %s", mod), NULL);
	if (want)
		return found_own("verify-module", pending ? FINDING_WARN : FINDING_FAIL,
				 xasprintf("Module %s is not loaded", mod), xasprintf("/proc/modules: no %s (%s)", mod, ref),
				 pending ? xasprintf("reboot: the change set was applied after this boot")
					 : xasprintf("reboot; if it is still not loaded, rebuild the initramfs (update-initramfs -u -k all, dracut -f --regenerate-all or mkinitcpio -P) and see what modprobe %s says", mod));
	return found_own("verify-no-module", pending ? FINDING_WARN : FINDING_FAIL,
			 xasprintf("Module %s is loaded although it should not be", mod),
			 xasprintf("/proc/modules: %s (%s)", mod, ref),
			 pending ? xasprintf("reboot: the change set was applied after this boot")
				 : xasprintf("the initramfs still loads it: rebuild it (update-initramfs -u -k all, dracut -f --regenerate-all or mkinitcpio -P), then reboot"));
}

static const struct host_device *find_dev(const struct host *h, const char *addr)
{
	return h ? host_find(h, addr) : NULL;
}

static struct finding verify_driver(const struct host *h, const char *addr, const char *want, bool pending,
				    const char *ref)
{
	const struct host_device *d = find_dev(h, addr);

	if (!d)
		return found_own("verify-driver", FINDING_FAIL, xasprintf("%s is gone", addr),
				 xasprintf("/sys/bus/pci/devices/%s: absent (%s)", addr, ref),
				 xasprintf("check the card is seated and on in the BIOS; if it moved, gpuvirt undo and apply again for its new address"));
	if (want && d->driver && !strcmp(d->driver, want))
		return found_own("verify-driver", FINDING_PASS, xasprintf("%s is bound to %s", addr, want),
				 xasprintf("/sys/bus/pci/devices/%s/driver: %s", addr, want), NULL);
	return found_own("verify-driver", pending ? FINDING_WARN : FINDING_FAIL,
			 d->driver ? xasprintf("%s is bound to %s, not %s", addr, d->driver, want ? want : "(none)")
				   : xasprintf("%s is bound to no driver, not %s", addr, want ? want : "(none)"),
			 xasprintf("/sys/bus/pci/devices/%s/driver: %s (%s)", addr, d->driver ? d->driver : "absent", ref),
			 pending ? xasprintf("reboot: the change set was applied after this boot")
				 : xasprintf("the host driver claimed it before vfio-pci: rebuild the initramfs (the vfio modules and softdeps must be in it), then reboot"));
}

static struct finding verify_numvfs(const struct host *h, const char *addr, const char *value, bool pending,
				    const char *ref)
{
	const struct host_device *d = find_dev(h, addr);
	int want = value ? atoi(value) : -1;

	if (!d)
		return found_own("verify-numvfs", FINDING_FAIL, xasprintf("%s is gone", addr),
				 xasprintf("/sys/bus/pci/devices/%s: absent (%s)", addr, ref), NULL);
	if (d->sriov_total < 0)
		return found_own("verify-numvfs", pending ? FINDING_WARN : FINDING_FAIL,
				 xasprintf("%s cannot make VFs with its current driver (%s)", addr, d->driver ? d->driver : "none"),
				 xasprintf("/sys/bus/pci/devices/%s/sriov_totalvfs: absent (%s)", addr, ref),
				 xasprintf("load a driver that does SR-IOV (for Intel iGPUs the i915 SR-IOV DKMS build), then reboot"));
	if (d->sriov_num == want)
		return found_own("verify-numvfs", FINDING_PASS, xasprintf("%s has %d VF%s", addr, want, want == 1 ? "" : "s"),
				 xasprintf("/sys/bus/pci/devices/%s/sriov_numvfs: %d", addr, d->sriov_num), NULL);
	return found_own("verify-numvfs", pending ? FINDING_WARN : FINDING_FAIL,
			 xasprintf("%s has %d VFs, expected %s", addr, d->sriov_num, value ? value : "?"),
			 xasprintf("/sys/bus/pci/devices/%s/sriov_numvfs: %d (%s)", addr, d->sriov_num, ref),
			 pending ? xasprintf("reboot: the change set was applied after this boot")
				 : xasprintf("gpuvirt check's \"SR-IOV virtual functions\" findings say why (the count at boot, the driver, max_vfs); gpuvirt apply --vfs %s=%s sets it now and at every boot", addr, value ? value : "N"));
}

/* Append F about change set SET_ID (0: none), freeing its strings. */
static void add(struct findings *fs, int set_id, struct finding f)
{
	f.category = FINDING_VERIFY;
	f.set_id = set_id;
	findings_add(fs, &f);
	free((char *)f.title);
	free((char *)f.evidence);
	free((char *)f.fix);
}

/* A later change set still applied removed mdev UUID (its "no-mdev"). */
static bool removed_later(const struct journal_set *sets, size_t n, const struct journal_set *s, const char *uuid)
{
	for (size_t i = 0; i < n; i++) {
		if (sets[i].id <= s->id)
			continue;
		for (size_t j = 0; j < sets[i].n_expects; j++)
			if (!strcmp(sets[i].expects[j].kind, "no-mdev") && !strcasecmp(sets[i].expects[j].key, uuid))
				return true;
	}
	return false;
}

static void verify_no_mdev(struct findings *fs, const struct host *h, const char *uuid, bool pending,
			   const char *ref, int set_id)
{
	if (!host_find_mdev(h, uuid, NULL))
		add(fs, set_id, found_own("verify-mdev", FINDING_PASS, xasprintf("mdev %s is gone, as removed", uuid),
					  xasprintf("/sys/bus/mdev/devices/%s: absent", uuid), NULL));
	else
		add(fs, set_id, found_own("verify-mdev", pending ? FINDING_WARN : FINDING_FAIL,
					  xasprintf("mdev %s is there, though it was removed", uuid),
					  xasprintf("/sys/bus/mdev/devices/%s: present (%s)", uuid, ref),
					  xasprintf("something made it again at boot: look for a definition of it "
						    "(mdevctl list -d) and for libvirt's nodedev; mdevctl stop -u %s", uuid)));
}

static void verify_set(struct findings *fs, const struct host *h, const struct firmware *fw,
		       const struct sysconf *sc, const char *root, const struct journal_set *sets, size_t n,
		       const struct journal_set *s)
{
	long long when = parse_when(s->when), boot = firmware_boot_time(fw);
	/* Applied after this boot began: nothing of it can be in effect yet. */
	bool pending = when >= 0 && boot >= 0 && when >= boot;
	char *ref = xasprintf("change set %d, %s", s->id, s->when ? s->when : "?");

	for (size_t i = 0; i < s->n_expects; i++) {
		const struct journal_expect *e = &s->expects[i];

		if (!e->kind || !e->key)
			continue;
		if (!strcmp(e->kind, "cmdline"))
			add(fs, s->id, verify_cmdline(fw, sc, root, s, e->key, pending, ref));
		else if (!strcmp(e->kind, "module"))
			add(fs, s->id, verify_module(fw, e->key, true, pending, ref));
		else if (!strcmp(e->kind, "no-module"))
			add(fs, s->id, verify_module(fw, e->key, false, pending, ref));
		else if (!strcmp(e->kind, "driver"))
			add(fs, s->id, verify_driver(h, e->key, e->value, pending, ref));
		else if (!strcmp(e->kind, "numvfs"))
			add(fs, s->id, verify_numvfs(h, e->key, e->value, pending, ref));
		else if (!strcmp(e->kind, "mdev")) {
			if (!removed_later(sets, n, s, e->key))
				mdevcheck_expected(fs, h, sc, e->key, e->value, pending, ref, s->id);
		} else if (!strcmp(e->kind, "no-mdev"))
			verify_no_mdev(fs, h, e->key, pending, ref, s->id);
		else if (!strcmp(e->kind, "vgpu"))
			mdevcheck_vgpu(fs, h, sc, root, e->key, e->value, pending, ref, s->id);
		else
			add(fs, s->id, found_own("verify-journal", FINDING_INFO,
						 xasprintf("Unknown expectation \"%s\" in the journal", e->kind),
						 xasprintf("var/lib/gpuvirt (%s): %s %s", ref, e->kind, e->key), NULL));
	}
	for (size_t i = 0; i < s->n_pending; i++)
		add(fs, s->id, found_own("verify-pending", FINDING_WARN,
					 xasprintf("A command gpuvirt did not run is still pending: %s", s->pending[i]),
					 xasprintf("var/lib/gpuvirt (%s): pending (applied with --no-run)", ref),
					 strcmp(root, "/") ? xasprintf("run it inside the root (chroot %s %s), then reboot", root, s->pending[i])
							   : xasprintf("run it (%s), then reboot", s->pending[i])));
	free(ref);
}

void verify_run(struct findings *fs, const struct host *h, const struct sysconf *sc, const char *root)
{
	const struct firmware *fw = host_firmware(h);
	struct journal_set *sets = NULL;
	size_t n = 0;
	struct gv_error jerr = { 0 };
	int r;

	r = journal_list(root, &sets, &n, &jerr);
	if (r < 0) {
		add(fs, 0, found_own("verify-journal", FINDING_WARN, xasprintf("The journal could not be read"),
				     xasprintf("%s", jerr.msg[0] ? jerr.msg : strerror(-r)),
				     xasprintf("see the file it names; gpuvirt cannot verify or undo until it reads")));
		return;
	}
	if (!n)
		add(fs, 0, found_own("verify-journal", FINDING_INFO, xasprintf("Nothing applied with gpuvirt to verify"),
				     xasprintf("%s%svar/lib/gpuvirt: no change sets", root,
					 root[strlen(root) - 1] == '/' ? "" : "/"),
				     NULL));
	for (size_t i = 0; i < n; i++)
		verify_set(fs, h, fw, sc, root, sets, n, &sets[i]);
	mdevcheck_definitions(fs, h, sc, root, sets, n);
	journal_sets_free(sets, n);
}
