/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/propose/boot.h"
#include "core/propose/sriov.h"
#include "core/scan/kparam.h"
#include "core/util/cmdline.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"
#include "core/verify/sriov-check.h"

struct pf {
	struct findings *fs;
	const struct host_device *d;
	const struct firmware *fw;
	const struct sysconf *sc;
	const char *root;
	const char *next_cmdline;    /* the next boot's, NULL when unknown */
	struct sriov_boot boot;
	int now, want;               /* want: the most VFs anything asks for; 0 none */
	const char *gpu;             /* "i915" or "xe" for an Intel GPU PF, else NULL */
};

/* Append a finding; takes the strings. */
static void add(struct pf *p, const char *id, enum finding_status st, char *title, char *evidence, char *fix)
{
	findings_add(p->fs, &(struct finding){ .id = id, .status = st, .category = FINDING_SRIOV, .title = title,
					       .evidence = evidence, .fix = fix });
	free(title);
	free(evidence);
	free(fix);
}

/* The value of KEY ("i915.max_vfs") on LINE, as written; NULL when absent. */
static char *arg_value(const char *line, const char *key)
{
	struct cmdline *c = NULL;
	const char *arg;
	char *v = NULL;

	if (!line || cmdline_parse(line, &c) < 0)
		return NULL;
	arg = cmdline_find(c, key);
	if (arg)
		v = xstrdup(strchr(arg, '=') ? strchr(arg, '=') + 1 : "");
	cmdline_free(c);
	return v;
}

static int arg_int(const char *line, const char *key)
{
	char *v = arg_value(line, key);
	int n = v && isdigit((unsigned char)v[0]) ? atoi(v) : -1;

	free(v);
	return n;
}

/* Whether FILE (root-relative) changed after this boot began: what it says
 * is still to come. */
static bool newer_than_boot(const struct pf *p, const char *file)
{
	long long boot = firmware_boot_time(p->fw);
	struct stat st;
	char *abs;
	bool r;

	if (!file || boot < 0)
		return false;
	abs = fsutil_join(p->root, file);
	r = stat(abs, &st) == 0 && (long long)st.st_mtime >= boot;
	free(abs);
	return r;
}

/* The installed module for the root's kernel has a max_vfs parameter. */
static int installed_max_vfs(const struct pf *p, const char *module)
{
	struct kparam_info info;

	kparam_lookup(sysconf_kparam((struct sysconf *)p->sc), module, "max_vfs", &info);
	if (!info.from_modinfo)
		return -1;
	return info.param == KPARAM_PARAM_KNOWN;
}

static const char *modules_dir(const struct pf *p)
{
	const char *dir = kparam_db_modules_dir(sysconf_kparam((struct sysconf *)p->sc));
	return dir ? dir : "/lib/modules";
}

static void summary(struct pf *p)
{
	const struct host_device *d = p->d;
	char *boot;

	if (p->boot.via == SRIOV_PERSIST_NONE)
		boot = xstrdup("nothing sets them at boot");
	else
		boot = xasprintf("the next boot makes %d (%s%s)", p->boot.count, p->boot.where,
				 p->boot.ignored ? ", never read" : "");
	add(p, "sriov-vfs",
	    (p->boot.via == SRIOV_PERSIST_NONE ? p->now == 0 : p->boot.count == p->now && !p->boot.ignored)
		? FINDING_PASS : FINDING_INFO,
	    xasprintf("%s has %d of %d VFs; %s", d->address, p->now, d->sriov_total, boot),
	    xasprintf("/sys/bus/pci/devices/%s: sriov_numvfs %d, sriov_totalvfs %d; driver %s (sets the count: %s)", d->address,
		      p->now, d->sriov_total, d->driver ? d->driver : "none", host_sriov_driver_name(d->sriov_driver)),
	    NULL);
	free(boot);
}

static void pf_vfio(struct pf *p)
{
	const struct host_device *d = p->d;

	add(p, "sriov-pf-vfio", FINDING_FAIL,
	    xasprintf("%s, a PF that should have VFs, is bound to vfio-pci: given to a VM, its VFs vanish", d->address),
	    xasprintf("/sys/bus/pci/devices/%s/driver: vfio-pci", d->address),
	    xasprintf("give a VM one VF, never the PF or \"All Functions\": gpuvirt undo the change that bound %s (or "
		      "take it out of vfio-pci's ids), reboot, then gpuvirt apply --vfio VF", d->address));
}

static void stock_driver(struct pf *p)
{
	const struct host_device *d = p->d;
	const char *rel = firmware_kernel_release(p->fw) ? firmware_kernel_release(p->fw) : "$(uname -r)";
	int inst = installed_max_vfs(p, p->gpu);

	add(p, "sriov-driver", FINDING_FAIL, xasprintf("%s runs the stock %s, which cannot make VFs", d->address, p->gpu),
	    xasprintf("/sys/module/%s/parameters: no max_vfs (the stock module logs \"unknown parameter 'max_vfs' "
		      "ignored\"); %s: %s", p->gpu, modules_dir(p),
		      inst > 0 ? "the SR-IOV build (max_vfs)" : inst == 0 ? "the stock module (no max_vfs)" : "modinfo unknown"),
	    inst > 0 ? xasprintf("update-initramfs -u -k %s (the SR-IOV build is installed, the initramfs still loads the "
				 "stock module), then reboot", rel)
		     : xasprintf("dkms autoinstall -k %s (with the i915 SR-IOV DKMS build for this kernel added: dkms "
				 "status), then update-initramfs -u -k %s and reboot", rel, rel));
}

static void no_driver(struct pf *p)
{
	const struct host_device *d = p->d;
	bool intel = d->vendor_id == 0x8086 && host_device_is_display(d);
	char *blacklist = arg_value(firmware_cmdline(p->fw), "module_blacklist");

	if (intel && firmware_secure_boot(p->fw) == 1 && installed_max_vfs(p, "i915") > 0)
		add(p, "sriov-secure-boot", FINDING_FAIL,
		    xasprintf("%s has no driver: Secure Boot is on, and the DKMS module was likely refused (\"Key was "
			      "rejected by service\")", d->address),
		    xasprintf("/sys/bus/pci/devices/%s/driver: absent; SecureBoot efivar: 1; %s: i915 with max_vfs (a DKMS "
			      "build)", d->address, modules_dir(p)),
		    xasprintf("mokutil --import /var/lib/dkms/mok.pub, reboot and enroll the key in the MOK manager"));
	else
		add(p, "sriov-no-driver", FINDING_FAIL,
		    xasprintf("%s has no driver, and the kernel makes VFs only through the PF's driver", d->address),
		    xasprintf("/sys/bus/pci/devices/%s/driver: absent%s%s", d->address,
			      blacklist ? "; /proc/cmdline: module_blacklist=" : "", blacklist ? blacklist : ""),
		    blacklist ? xasprintf("gpuvirt apply --cmdline-remove module_blacklist=%s if it names the driver, "
					  "then reboot", blacklist)
			      : xasprintf("modprobe %s; dmesg says why it does not bind", intel ? "i915" : "THE-DRIVER"));
	free(blacklist);
}

/* An Intel GPU's driver offers no VFs (sriov_totalvfs 0). */
static void no_total(struct pf *p)
{
	const struct host_device *d = p->d;
	char *key = xasprintf("%s.max_vfs", p->gpu), *guc = arg_value(firmware_cmdline(p->fw), "i915.enable_guc");
	int max = d->sriov_driver_max_vfs >= 0 ? d->sriov_driver_max_vfs : arg_int(firmware_cmdline(p->fw), key);

	if (max <= 0)
		add(p, "sriov-max-vfs", FINDING_FAIL,
		    xasprintf("%s offers no VFs: %s is unset (the driver's default is none)", d->address, key),
		    xasprintf("/sys/bus/pci/devices/%s/sriov_totalvfs: 0; /sys/module/%s/parameters/max_vfs: %d", d->address,
			      p->gpu, d->sriov_driver_max_vfs),
		    xasprintf("gpuvirt apply --vfs %s=%d (it puts %s on the command line), then reboot", d->address,
			      p->want > 0 ? p->want : 7, key));
	else if (!strcmp(p->gpu, "i915") && (!guc || strcmp(guc, "3")))
		add(p, "sriov-guc", FINDING_FAIL,
		    xasprintf("%s offers no VFs although max_vfs=%d: SR-IOV needs GuC submission (\"No VFs could be "
			      "associated with this PF!\")", d->address, max),
		    xasprintf("/sys/bus/pci/devices/%s/sriov_totalvfs: 0; /proc/cmdline: i915.enable_guc=%s", d->address,
			      guc ? guc : "(unset)"),
		    xasprintf("gpuvirt apply --cmdline-add i915.enable_guc=3, then reboot (a typo such as 915.enable_guc "
			      "is ignored)"));
	else
		add(p, "sriov-bars", FINDING_FAIL,
		    xasprintf("%s offers no VFs although max_vfs=%d: no room for the VFs' memory (BARs)", d->address, max),
		    xasprintf("/sys/bus/pci/devices/%s/sriov_totalvfs: 0 with max_vfs=%d and GuC on (dmesg: \"VF BAR ... "
			      "contains BAR2\", \"not enough MMIO resources for SR-IOV\")", d->address, max),
		    xasprintf("turn on \"Above 4G decoding\" in the BIOS, or ask for fewer: gpuvirt apply --cmdline-add "
			      "%s.max_vfs=%d, then reboot", p->gpu, max > 1 ? max / 2 : 1));
	free(guc);
	free(key);
}

/* The next boot's command line has max_vfs, the running one not. */
static bool cmdline_missing(struct pf *p)
{
	char *key = xasprintf("%s.max_vfs", p->gpu);
	char *next = arg_value(p->next_cmdline, key), *running = arg_value(firmware_cmdline(p->fw), key);
	bool missing = next && !running;

	if (missing) {
		const struct boot_detection *bd = sysconf_boot(p->sc);
		enum boot_loader bl = boot_detection_loader(bd);
		const char *file = bl != BOOT_AUTO ? boot_detection_cmdline_file(bd, bl) : NULL;
		const char *regen = bl != BOOT_AUTO ? boot_detection_regen(bd, bl) : NULL;
		bool pending = newer_than_boot(p, file);

		add(p, "sriov-cmdline", pending ? FINDING_WARN : FINDING_FAIL,
		    pending ? xasprintf("%s=%s is set for the next boot, not yet running: reboot", key, next)
			    : xasprintf("%s=%s is set for the next boot but missing from the running command line: the boot "
					"loader read another file", key, next),
		    xasprintf("/proc/cmdline: no %s; %s: %s=%s", key, file ? file : "the configured command line", key, next),
		    pending ? xasprintf("reboot")
			    : regen ? xasprintf("%s, then reboot (this host boots with %s, which reads %s)", regen,
						boot_loader_name(bl), file ? file : "its own file")
			    : xasprintf("find the file this host's boot loader reads (gpuvirt check, \"Configuration\"), "
					"then reboot"));
	}
	free(next);
	free(running);
	free(key);
	return missing;
}

/* The first cause of fewer VFs than wanted; true when one was reported. */
static bool cause(struct pf *p)
{
	const struct host_device *d = p->d;

	if (d->driver && !strcmp(d->driver, "vfio-pci")) {
		pf_vfio(p);
		return true;
	}
	if (p->gpu && d->driver && !strcmp(d->driver, p->gpu) && d->sriov_driver == HOST_SRIOV_DRIVER_CANNOT) {
		stock_driver(p);
		return true;
	}
	if (d->sriov_driver == HOST_SRIOV_DRIVER_NONE) {
		no_driver(p);
		return true;
	}
	/* the parameters never reached this boot: what follows from it is no cause */
	if (p->gpu && p->next_cmdline && cmdline_missing(p))
		return true;
	if (p->gpu && d->sriov_total == 0) {
		no_total(p);
		return true;
	}
	if (p->boot.via != SRIOV_PERSIST_NONE && p->boot.count > d->sriov_total) {
		add(p, "sriov-too-many", FINDING_FAIL,
		    xasprintf("%s: the next boot asks for %d VFs, and it offers %d (the kernel says ERANGE)", d->address,
			      p->boot.count, d->sriov_total),
		    xasprintf("%s: %d; /sys/bus/pci/devices/%s/sriov_totalvfs: %d", p->boot.where, p->boot.count,
			      d->address, d->sriov_total),
		    xasprintf("gpuvirt apply --vfs %s=%d", d->address, d->sriov_total));
		return true;
	}
	return false;
}

/* The count at boot; CAUSED: a cause above explains a difference already. */
static void persistence(struct pf *p, bool caused)
{
	const struct host_device *d = p->d;

	if (p->boot.via == SRIOV_PERSIST_NONE) {
		if (p->now > 0)
			add(p, "sriov-persist", FINDING_WARN,
			    xasprintf("%s has %d VFs now and none after a reboot: nothing sets the count at boot", d->address,
				      p->now),
			    xasprintf("/sys/bus/pci/devices/%s/sriov_numvfs: %d; etc/sysfs.conf, etc/sysfs.d, udev rules, "
				      "driver parameters: none for %s", d->address, p->now, d->address),
			    xasprintf("gpuvirt apply --vfs %s=%d (it keeps the count at every boot)", d->address, p->now));
		return;
	}
	if (p->boot.ignored) {
		bool no_sysfsutils = strstr(p->boot.ignored, "not installed") != NULL;
		/* as a person types it: /etc/sysfs.conf, /mnt/etc/sysfs.conf */
		char *conf = fsutil_join(p->root, "etc/sysfs.conf");
		add(p, "sriov-persist", p->boot.count > 0 ? FINDING_FAIL : FINDING_WARN,
		    xasprintf("%s: the count at boot in %s is never read", d->address, p->boot.where),
		    xasprintf("%s: sriov_numvfs = %d; %s", p->boot.where, p->boot.count, p->boot.ignored),
		    no_sysfsutils ? xasprintf("apt install sysfsutils; or gpuvirt apply --vfs %s=%d, which sets it with a udev "
					      "rule where sysfsutils is missing", d->address, p->boot.count)
				  : xasprintf("touch %s", conf));
		free(conf);
		return;
	}
	if (p->boot.count == p->now || caused)
		return;
	if (newer_than_boot(p, p->boot.file)) {
		add(p, "sriov-boot-count", FINDING_INFO,
		    xasprintf("%s: the next boot makes %d VFs (%d now)", d->address, p->boot.count, p->now),
		    xasprintf("%s: %d, written after this boot began; /sys/bus/pci/devices/%s/sriov_numvfs: %d",
			      p->boot.where, p->boot.count, d->address, p->now),
		    NULL);
		return;
	}
	add(p, "sriov-boot-count", FINDING_FAIL,
	    xasprintf("%s: the count at boot did not take: %s says %d, the PF has %d", d->address, p->boot.where,
		      p->boot.count, p->now),
	    xasprintf("%s: %d; /sys/bus/pci/devices/%s/sriov_numvfs: %d", p->boot.where, p->boot.count, d->address,
		      p->now),
	    p->boot.via == SRIOV_PERSIST_SYSFSUTILS
		? xasprintf("journalctl -b -u sysfsutils names the attribute it could not write (written before %s "
			    "bound, or VFs already made by a driver parameter: EBUSY); gpuvirt apply --vfs %s=%d sets "
			    "it when the driver binds", d->driver ? d->driver : "the driver", d->address, p->boot.count)
		: p->boot.via == SRIOV_PERSIST_UDEV
		? xasprintf("udevadm test --action=bind /sys/bus/pci/devices/%s shows whether the rule matches; dmesg "
			    "says why the driver made fewer", d->address)
		: xasprintf("modinfo -p %s; dmesg says why the driver made %d", d->driver ? d->driver : "THE-DRIVER",
			    p->now));
}

/* Whether the check has something to say about D. */
static bool interesting(const struct pf *p)
{
	return p->now > 0 || p->boot.via != SRIOV_PERSIST_NONE ||
	       (p->gpu && (p->d->sriov_driver_max_vfs > 0 || p->want > 0));
}

void sriov_check_run(struct findings *fs, const struct host *h, const struct sysconf *sc, const char *root)
{
	struct sriov_conf *conf = sriov_conf_load(root, sc);
	char *next = NULL;

	if (boot_configured_cmdline(sc, &next, NULL) < 0)
		next = NULL;
	for (size_t i = 0; i < host_n_devices(h); i++) {
		const struct host_device *d = host_device(h, i);
		struct pf p = { .fs = fs, .d = d, .fw = host_firmware(h), .sc = sc, .root = root, .next_cmdline = next };
		char *key;

		if (d->sriov_total < 0 || d->physfn)
			continue;
		/* an Intel GPU: its driver's parameters say whether VFs are wanted */
		if (d->driver && !strcmp(d->driver, "xe"))
			p.gpu = "xe";
		else if ((d->driver && !strcmp(d->driver, "i915")) || (d->vendor_id == 0x8086 && host_device_is_display(d)))
			p.gpu = "i915";
		sriov_conf_boot(conf, d, &p.boot);
		p.now = d->sriov_num < 0 ? 0 : d->sriov_num;
		p.want = p.boot.count > p.now ? p.boot.count : p.now;
		if (p.gpu && p.want == 0) {
			/* max_vfs alone says VFs are meant, if not how many */
			key = xasprintf("%s.max_vfs", p.gpu);
			int m = arg_int(firmware_cmdline(p.fw), key), n = arg_int(next, key);
			p.want = m > n ? m : n > 0 ? n : 0;
			free(key);
		}
		if (interesting(&p)) {
			summary(&p);
			persistence(&p, p.want > p.now && cause(&p));
		}
		sriov_boot_clear(&p.boot);
	}
	free(next);
	sriov_conf_free(conf);
}
