/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/propose/mdev.h"
#include "core/scan/mdevconf.h"
#include "core/util/buf.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"
#include "core/verify/mdevcheck.h"

/* Append a finding whose strings are owned, and free them. */
static void add(struct findings *fs, enum finding_category cat, int set_id, const char *id, enum finding_status st,
		char *title, char *evidence, char *fix)
{
	struct finding f = { .id = id, .status = st, .category = cat, .title = title, .evidence = evidence,
			     .fix = fix, .set_id = set_id };

	findings_add(fs, &f);
	free(title);
	free(evidence);
	free(fix);
}

static bool is_nvidia(const struct host_device *d)
{
	return d->vendor_id == 0x10de;
}

/* "0000:41:00.0/mdev_supported_types: nvidia-299, nvidia-300" */
static char *types_evidence(const struct host_device *d)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "/sys/bus/pci/devices/%s/mdev_supported_types:", d->address);
	for (size_t i = 0; i < d->n_mdev_types; i++)
		buf_printf(&b, "%s%s", i ? ", " : " ", d->mdev_types[i].id);
	return buf_steal(&b);
}

/* Why start at boot cannot work, for evidence; NULL when it can. Owned. */
static char *boot_broken(const struct mdevconf *mc, const char *root)
{
	const char *binary, *rule, *calls;

	if (mdevconf_starts_at_boot(mc))
		return NULL;
	switch (mdevconf_boot(mc, &binary, &rule, &calls)) {
	case MDEVCONF_BOOT_NO_MDEVCTL:
		return xasprintf("mdevctl is not installed under %s (no usr/bin/mdevctl)", root);
	case MDEVCONF_BOOT_NO_RULE:
		return xasprintf("no udev rule runs %s start-parent-mdevs", binary);
	case MDEVCONF_BOOT_BROKEN:
		return xasprintf("%s runs %s, which is not there", rule, calls);
	case MDEVCONF_BOOT_OK:
		break;
	}
	return NULL;
}

/*
 * The finding for mdev UUID, which should exist as TYPE under PARENT and
 * does not (or not so): the first reason that explains it, most basic
 * first. ABSENT is the evidence's first part.
 */
static void why_not(struct findings *fs, const struct host *h, const struct mdevconf *mc, const char *root,
		    const char *uuid, const char *parent, const char *type, bool pending, const char *absent,
		    int set_id)
{
	const struct host_device *d = host_find(h, parent), *ip = NULL;
	const struct host_mdev *inst = host_find_mdev(h, uuid, &ip);
	const struct host_mdev_type *t = d ? host_device_mdev_type(d, type) : NULL;
	enum finding_status st = pending ? FINDING_WARN : FINDING_FAIL;
	const char *later = pending ? "reboot: it was defined after this boot; if it is still missing then, " : "";
	char *boot;

	if (inst) {
		add(fs, FINDING_VERIFY, set_id, "verify-mdev", FINDING_FAIL,
		    xasprintf("mdev %s is of type %s on %s, not %s on %s", uuid, inst->type ? inst->type : "unknown",
			      ip->address, type, parent),
		    xasprintf("/sys/bus/mdev/devices/%s/mdev_type: %s", uuid, inst->type ? inst->type : "?"),
		    xasprintf("mdevctl stop -u %s; mdevctl start -u %s", uuid, uuid));
		return;
	}
	if (!d) {
		add(fs, FINDING_VERIFY, set_id, "verify-mdev", FINDING_FAIL,
		    xasprintf("mdev %s is not present: its parent %s is missing", uuid, parent),
		    xasprintf("%s; /sys/bus/pci/devices/%s: absent", absent, parent),
		    xasprintf("check the card is seated and on in the BIOS; if it moved, define the mdev for its new "
			      "address (etc/mdevctl.d/ADDRESS/%s), then mdevctl start -u %s", uuid, uuid));
		return;
	}
	if (!d->n_mdev_types) {
		char *fix;
		if (is_nvidia(d))
			fix = xasprintf("%s%s: load NVIDIA's vGPU host driver (nvidia_vgpu_vfio) and enable "
					"nvidia-vgpu-mgr, then mdevctl start -u %s", later,
					host_vgpu_driver_loaded(h) ? "its driver registers no types" : "nvidia_vgpu_vfio is not loaded",
					uuid);
		else if (host_device_gvtg_capable(d))
			fix = xasprintf("%sGVT-g is off: gpuvirt apply --mdev %s:%s adds i915.enable_gvt=1 and kvmgt; "
					"after the reboot mdevctl starts it (mdevctl start -u %s)", later, parent, type, uuid);
		else
			fix = xasprintf("%sload the driver that registers %s with the mdev core, then mdevctl start -u %s",
					later, parent, uuid);
		add(fs, FINDING_VERIFY, set_id, "verify-mdev", st,
		    xasprintf("mdev %s is not present: %s is not registered as an mdev parent", uuid, parent),
		    xasprintf("%s; /sys/class/mdev_bus/%s: absent (driver %s)", absent, parent, d->driver ? d->driver : "none"),
		    fix);
		return;
	}
	if (!t) {
		char *types = types_evidence(d);
		add(fs, FINDING_VERIFY, set_id, "verify-mdev", FINDING_FAIL,
		    xasprintf("mdev %s is not present: %s has no type %s", uuid, parent, type),
		    xasprintf("%s; %s", absent, types),
		    xasprintf("make one of a type it has (gpuvirt apply --mdev %s:TYPE) and remove this one "
			      "(gpuvirt apply --mdev-remove %s, or mdevctl undefine -u %s)", parent, uuid, uuid));
		free(types);
		return;
	}
	if (t->available_instances == 0) {
		struct buf others = BUF_INIT;
		for (size_t i = 0; i < d->n_mdevs; i++)
			buf_printf(&others, "%s%s (%s)", i ? ", " : "", d->mdevs[i].uuid,
				   d->mdevs[i].type ? d->mdevs[i].type : "?");
		add(fs, FINDING_VERIFY, set_id, "verify-mdev", FINDING_FAIL,
		    xasprintf("mdev %s is not present: no instance of %s is left on %s", uuid, type, parent),
		    xasprintf("%s; /sys/bus/pci/devices/%s/mdev_supported_types/%s/available_instances: 0; on %s: %s",
			      absent, parent, type, parent, others.len ? buf_str(&others) : "no mdev"),
		    xasprintf("remove another mdev of %s (gpuvirt apply --mdev-remove UUID), then mdevctl start -u %s",
			      parent, uuid));
		buf_free(&others);
		return;
	}
	boot = boot_broken(mc, root);
	if (boot) {
		add(fs, FINDING_VERIFY, set_id, "verify-mdev", st,
		    xasprintf("mdev %s is not present: nothing starts it at boot", uuid),
		    xasprintf("%s; %s", absent, boot),
		    mdevconf_boot(mc, NULL, NULL, NULL) == MDEVCONF_BOOT_NO_MDEVCTL
		    ? xasprintf("install the package mdevctl, then mdevctl start -u %s", uuid)
		    : xasprintf("gpuvirt writes its own rule (" MDEVCONF_OWN_RULE ") with the next --mdev; "
				"for now mdevctl start -u %s", uuid));
		free(boot);
		return;
	}
	add(fs, FINDING_VERIFY, set_id, "verify-mdev", st,
	    xasprintf("mdev %s is not present: the udev rule did not start it at boot", uuid),
	    xasprintf("%s; the rule is there and %s has %d instance%s of %s left", absent, parent,
		      t->available_instances, t->available_instances == 1 ? "" : "s", type),
	    xasprintf("%smdevctl start -u %s; journalctl -t mdevctl says why it failed at boot", later, uuid));
}

static bool present_as(const struct host *h, const char *uuid, const char *parent, const char *type)
{
	const struct host_device *ip = NULL, *d = host_find(h, parent);
	const struct host_mdev *inst = host_find_mdev(h, uuid, &ip);

	return inst && d && ip == d && inst->type && !strcmp(inst->type, type);
}

/* The change set still applied whose expectation KIND names KEY; 0 when none. */
static int set_of(const struct journal_set *sets, size_t n, const char *kind, const char *key)
{
	for (size_t i = n; i-- > 0;)
		for (size_t j = 0; j < sets[i].n_expects; j++)
			if (!strcmp(sets[i].expects[j].kind, kind) && !strcasecmp(sets[i].expects[j].key, key))
				return sets[i].id;
	return 0;
}

/* Written after this boot began: it cannot have been started at boot. */
static bool after_boot(const struct host *h, const char *root, const char *path)
{
	char *abs = fsutil_join(root, path);
	long long boot = firmware_boot_time(host_firmware(h));
	struct stat st;
	bool r = boot >= 0 && stat(abs, &st) == 0 && (long long)st.st_mtime >= boot;

	free(abs);
	return r;
}

void mdevcheck_definitions(struct findings *fs, const struct host *h, const struct sysconf *sc, const char *root,
			   const struct journal_set *sets, size_t n)
{
	const struct mdevconf *mc = sysconf_mdevconf(sc);

	for (size_t i = 0; i < mdevconf_n(mc); i++) {
		const struct mdevconf_def *def = mdevconf_get(mc, i);
		int set_id = set_of(sets, n, "mdev", def->uuid);
		char *absent;

		if (present_as(h, def->uuid, def->parent, def->type)) {
			add(fs, FINDING_VERIFY, set_id, "verify-mdev", FINDING_PASS,
			    xasprintf("mdev %s (%s on %s) is present", def->uuid, def->type, def->parent),
			    xasprintf("/sys/bus/mdev/devices/%s/mdev_type: %s (%s)", def->uuid, def->type, def->path), NULL);
			continue;
		}
		if (!def->start_auto) {
			add(fs, FINDING_VERIFY, set_id, "verify-mdev", FINDING_INFO,
			    xasprintf("mdev %s (%s on %s) is defined to start by hand, and is not running", def->uuid,
				      def->type, def->parent),
			    xasprintf("%s: \"start\": \"manual\"", def->path),
			    xasprintf("mdevctl start -u %s, or mdevctl modify -u %s --auto to start it at boot", def->uuid,
				      def->uuid));
			continue;
		}
		absent = xasprintf("/sys/bus/mdev/devices/%s: absent (%s, start auto)", def->uuid, def->path);
		why_not(fs, h, mc, root, def->uuid, def->parent, def->type, after_boot(h, root, def->path), absent,
			set_id);
		free(absent);
	}
}

void mdevcheck_expected(struct findings *fs, const struct host *h, const struct sysconf *sc, const char *uuid,
			const char *value, bool pending, const char *ref, int set_id)
{
	const char *colon = value ? strrchr(value, ':') : NULL;
	char *parent = colon ? xstrndup(value, (size_t)(colon - value)) : NULL, *absent;

	if (mdevconf_find(sysconf_mdevconf(sc), uuid)) {
		/* its definition is checked with the others */
		free(parent);
		return;
	}
	if (parent && present_as(h, uuid, parent, colon + 1)) {
		add(fs, FINDING_VERIFY, set_id, "verify-mdev", FINDING_PASS, xasprintf("mdev %s is present", uuid),
		    xasprintf("/sys/bus/mdev/devices/%s: present", uuid), NULL);
	} else if (!parent) {
		add(fs, FINDING_VERIFY, set_id, "verify-mdev", FINDING_INFO,
		    xasprintf("mdev %s: the journal does not say of which type", uuid),
		    xasprintf("var/lib/gpuvirt (%s): mdev %s %s", ref, uuid, value ? value : ""), NULL);
	} else {
		absent = xasprintf("/sys/bus/mdev/devices/%s: absent (%s; no definition in " MDEVCONF_DIR ")", uuid, ref);
		why_not(fs, h, sysconf_mdevconf(sc), sysconf_root(sc), uuid, parent, colon + 1, pending, absent, set_id);
		free(absent);
	}
	free(parent);
}

void mdevcheck_vgpu(struct findings *fs, const struct host *h, const struct sysconf *sc, const char *root,
		    const char *vf, const char *value, bool pending, const char *ref, int set_id)
{
	const struct host_device *d = host_find(h, vf);
	int want = value ? atoi(value) : -1;
	enum finding_status st = pending ? FINDING_WARN : FINDING_FAIL;
	char *unit = fsutil_join(root, MDEV_VGPU_WANTS);
	struct stat sb;
	bool enabled = stat(unit, &sb) == 0;

	(void)sc;
	free(unit);
	if (d && d->vgpu_current == want) {
		add(fs, FINDING_VERIFY, set_id, "verify-vgpu", FINDING_PASS,
		    xasprintf("VF %s has vGPU type %d", vf, want),
		    xasprintf("/sys/bus/pci/devices/%s/nvidia/current_vgpu_type: %d", vf, want), NULL);
	} else if (!d) {
		add(fs, FINDING_VERIFY, set_id, "verify-vgpu", st, xasprintf("VF %s is not there", vf),
		    xasprintf("/sys/bus/pci/devices/%s: absent (%s)", vf, ref),
		    xasprintf("%smake its PF's VFs at boot (NVIDIA's sriov-manage -e, or gpuvirt apply --vfs PF=N); "
			      "gpuvirt-vgpu.service waits 60 s for it", pending ? "reboot; if still so, " : ""));
	} else if (d->vgpu_current < 0) {
		add(fs, FINDING_VERIFY, set_id, "verify-vgpu", st,
		    xasprintf("VF %s has no NVIDIA vGPU interface", vf),
		    xasprintf("/sys/bus/pci/devices/%s/nvidia/current_vgpu_type: absent (driver %s; %s)", vf,
			      d->driver ? d->driver : "none", ref),
		    xasprintf("it must stay bound to nvidia, under NVIDIA's vGPU 17+ host driver"));
	} else {
		add(fs, FINDING_VERIFY, set_id, "verify-vgpu", st,
		    xasprintf("VF %s has vGPU type %d, not %d", vf, d->vgpu_current, want),
		    xasprintf("/sys/bus/pci/devices/%s/nvidia/current_vgpu_type: %d (%s)", vf, d->vgpu_current, ref),
		    pending ? xasprintf("reboot: the change set was applied after this boot")
		    : enabled ? xasprintf("systemctl status gpuvirt-vgpu says why it did not set it")
			      : xasprintf("gpuvirt-vgpu.service is not started at boot: " MDEV_VGPU_WANTS " is missing; "
					  "gpuvirt undo, then apply the change again"));
	}
}

void mdevcheck_lint(struct findings *fs, const struct host *h, const struct sysconf *sc, const char *root)
{
	const struct mdevconf *mc = sysconf_mdevconf(sc);
	size_t n_auto = 0;
	bool nvidia_vgpu = false;
	char *boot;

	for (size_t i = 0; i < mdevconf_n_errors(mc); i++) {
		const struct mdevconf_error *e = mdevconf_error(mc, i);
		add(fs, FINDING_LINT, 0, "mdev-definition", FINDING_FAIL,
		    xasprintf("mdevctl cannot read %s, and so lists and starts none of the mdevs", e->path),
		    xasprintf("%s: %s", e->path, e->reason),
		    xasprintf("fix the file or remove it: mdevctl gives up on every definition while one does not parse"));
	}
	for (size_t i = 0; i < mdevconf_n(mc); i++)
		n_auto += mdevconf_get(mc, i)->start_auto;
	boot = n_auto ? boot_broken(mc, root) : NULL;
	if (boot)
		add(fs, FINDING_LINT, 0, "mdev-boot", FINDING_FAIL,
		    xasprintf("Nothing starts the %zu mdev%s defined with start auto at boot", n_auto, n_auto == 1 ? "" : "s"),
		    boot,
		    mdevconf_boot(mc, NULL, NULL, NULL) == MDEVCONF_BOOT_NO_MDEVCTL
		    ? xasprintf("install the package mdevctl")
		    : xasprintf("gpuvirt apply --mdev writes gpuvirt's own rule, " MDEVCONF_OWN_RULE));
	for (size_t i = 0; i < host_n_devices(h); i++) {
		const struct host_device *d = host_device(h, i);
		nvidia_vgpu |= is_nvidia(d) && (d->n_mdev_types > 0 || d->vgpu_current >= 0);
	}
	if (nvidia_vgpu && !mdevconf_vgpu_mgr_enabled(mc))
		add(fs, FINDING_LINT, 0, "vgpu-manager", FINDING_WARN,
		    xasprintf("NVIDIA's vGPU manager is not started at boot"),
		    xasprintf("etc/systemd/system/*.wants/nvidia-vgpu-mgr.service: absent under %s%s", root,
			      mdevconf_vgpu_mgr_installed(mc) ? "" : " (and the unit is not installed)"),
		    xasprintf("systemctl enable --now nvidia-vgpu-mgr (NVIDIA's vGPU host driver package): a vGPU VM "
			      "starts only while it runs"));
}
