/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <libkmod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/scan/kparam.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

struct kparam_db {
	struct kmod_ctx *ctx;   /* NULL: table only */
	char *dir;
	char *shown;            /* dir for messages: without the root "/" */
};

struct table_module {
	const char *name;
	const char *const *params;   /* NULL: the module is known, its parameters are not */
};

/* Parameters as the modules declare them (modinfo -p), for the modules that
 * matter to passthrough. i915 lists the SR-IOV DKMS build's max_vfs too:
 * the stock module lacks it, which only libkmod can tell. */
static const char *const p_i915[] = {
	"modeset", "enable_guc", "enable_fbc", "enable_psr", "enable_psr2_sel_fetch",
	"psr_safest_params", "enable_dc", "enable_dpcd_backlight", "enable_dp_mst",
	"enable_hangcheck", "enable_ips", "enable_sagv", "enable_gvt", "force_probe", "fastboot",
	"guc_log_level", "guc_firmware_path", "huc_firmware_path", "dmc_firmware_path",
	"gsc_firmware_path", "invert_brightness", "disable_power_well", "disable_display",
	"reset", "error_capture", "load_detect_test", "force_reset_modeset_test",
	"verbose_state_checks", "nuclear_pageflip", "edp_vswing", "mmio_debug",
	"lvds_channel_mode", "lvds_use_ssc", "panel_use_ssc", "vbt_sdvo_panel_type",
	"vbt_firmware", "memtest", "lmem_size", "lmem_bar_size", "enable_dsb", "enable_dmc",
	"enable_dpt", "request_timeout_ms", "enable_rc6", "enable_execlists", "semaphores",
	"preliminary_hw_support", "alpha_support", "enable_psr2", "max_vfs", "enable_hwconfig",
	NULL,
};
static const char *const p_xe[] = {
	"force_probe", "max_vfs", "guc_log_level", "guc_firmware_path", "huc_firmware_path",
	"gsc_firmware_path", "probe_display", "vram_bar_size", "force_execlist", "wedged_mode",
	"svm_notifier_size", "enable_display", NULL,
};
static const char *const p_vfio_pci[] = {
	"ids", "nointxmask", "disable_vga", "disable_idle_d3", "enable_sriov",
	"disable_denylist", NULL,
};
static const char *const p_vfio[] = { "enable_unsafe_noiommu_mode", NULL };
static const char *const p_vfio_iommu_type1[] = {
	"allow_unsafe_interrupts", "disable_hugepages", "dma_entry_limit", NULL,
};
static const char *const p_kvm[] = {
	"ignore_msrs", "report_ignored_msrs", "min_timer_period_us", "tsc_tolerance_ppm",
	"lapic_timer_advance_ns", "vector_hashing", "enable_vmware_backdoor",
	"force_emulation_prefix", "pi_inject_timer", "halt_poll_ns", "halt_poll_ns_grow",
	"halt_poll_ns_grow_start", "halt_poll_ns_shrink", "nx_huge_pages",
	"nx_huge_pages_recovery_ratio", "nx_huge_pages_recovery_period_ms", "mmio_caching",
	"tdp_mmu", "flush_on_reuse", "eager_page_split", "enable_pmu", "kvmclock_periodic_sync",
	"enable_virt_at_load", NULL,
};
static const char *const p_kvm_intel[] = {
	"nested", "ept", "unrestricted_guest", "flexpriority", "vpid", "enable_apicv",
	"enable_shadow_vmcs", "pml", "emulate_invalid_guest_state", "fasteoi", "ple_gap",
	"ple_window", "ple_window_grow", "ple_window_shrink", "ple_window_max", "enable_ipiv",
	"preemption_timer", "allow_smaller_maxphyaddr", "dump_invalid_vmcs", "eptad",
	"nested_early_check", "vmentry_l1d_flush", "sgx", "error_on_inconsistent_vmcs_config",
	NULL,
};
static const char *const p_kvm_amd[] = {
	"nested", "npt", "avic", "sev", "sev_es", "sev_snp", "vls", "vgif", "lbrv", "tsc_scaling",
	"pause_filter_thresh", "pause_filter_count", "pause_filter_count_grow",
	"pause_filter_count_shrink", "pause_filter_count_max", "nrips", "intercept_smi",
	"dump_invalid_vmcb", "force_avic", "vnmi", NULL,
};
static const char *const p_nouveau[] = {
	"modeset", "config", "debug", "noaccel", "nofbaccel", "runpm", "atomic", "tv_disable",
	"vram_pushbuf", "duallink", "hdmimhz", "agpmode", "ignorelid", "tv_norm", NULL,
};
static const char *const p_amdgpu[] = {
	"modeset", "vramlimit", "vis_vramlimit", "gartsize", "gttsize", "moverate", "audio",
	"disp_priority", "hw_i2c", "pcie_gen2", "msi", "lockup_timeout", "dpm", "fw_load_type",
	"aspm", "runpm", "ip_block_mask", "bapm", "deep_color", "vm_size", "vm_fragment_size",
	"vm_block_size", "vm_fault_stop", "vm_update_mode", "exp_hw_support", "dc", "sched_jobs",
	"sched_hw_submission", "ppfeaturemask", "forcelongtraining", "pcie_gen_cap",
	"pcie_lane_cap", "cg_mask", "pg_mask", "sdma_phase_quantum", "disable_cu",
	"virtual_display", "lbpw", "compute_multipipe", "gpu_recovery", "emu_mode", "ras_enable",
	"ras_mask", "si_support", "cik_support", "smu_memory_pool_size", "async_gfx_ring",
	"mcbp", "discovery", "mes", "noretry", "force_asic_type", "use_xgmi_p2p", "sg_display",
	"seamless", "dcfeaturemask", "dcdebugmask", "abmlevel", "tmz", "reset_method",
	"bad_page_threshold", "num_kcq", "smu_pptable_id", "vcnfw_log", "hws_max_conc_proc",
	"sched_policy", "freesync_video", "job_hang_limit", "benchmark", "test",
	"backlight", "damageclips", "enforce_isolation", "user_partt_mode", NULL,
};
static const char *const p_nvidia[] = {
	"NVreg_Mobile", "NVreg_ResmanDebugLevel", "NVreg_RmLogonRC", "NVreg_ModifyDeviceFiles",
	"NVreg_DeviceFileUID", "NVreg_DeviceFileGID", "NVreg_DeviceFileMode",
	"NVreg_InitializeSystemMemoryAllocations", "NVreg_UsePageAttributeTable",
	"NVreg_EnablePCIeGen3", "NVreg_EnableMSI", "NVreg_TCEBypassMode", "NVreg_EnableStreamMemOPs",
	"NVreg_RestrictProfilingToAdminUsers", "NVreg_PreserveVideoMemoryAllocations",
	"NVreg_EnableS0ixPowerManagement", "NVreg_S0ixPowerManagementVideoMemoryThreshold",
	"NVreg_DynamicPowerManagement", "NVreg_DynamicPowerManagementVideoMemoryThreshold",
	"NVreg_EnableGpuFirmware", "NVreg_EnableGpuFirmwareLogs", "NVreg_OpenRmEnableUnsupportedGpus",
	"NVreg_EnableUserNUMAManagement", "NVreg_MemoryPoolSize", "NVreg_KMallocHeapMaxSize",
	"NVreg_VMallocHeapMaxSize", "NVreg_IgnoreMMIOCheck", "NVreg_NvLinkDisable",
	"NVreg_EnablePCIERelaxedOrderingMode", "NVreg_RegisterPCIDriver",
	"NVreg_EnableResizableBar", "NVreg_EnableDbgBreakpoint", "NVreg_RegistryDwords",
	"NVreg_RegistryDwordsPerDevice", "NVreg_RmMsg", "NVreg_GpuBlacklist",
	"NVreg_TemporaryFilePath", "NVreg_ExcludedGpus", "NVreg_DmaRemapPeerMmio",
	"NVreg_ImexChannelCount", "NVreg_CreateImexChannel0", "NVreg_GrdmaPciTopoCheckOverride",
	"rm_firmware_active", NULL,
};
static const char *const p_nvidia_drm[] = { "modeset", "fbdev", NULL };
static const char *const p_iommu[] = { "passthrough", "strict", "forcedac", NULL };

static const struct table_module table_modules[] = {
	{ "i915", p_i915 }, { "xe", p_xe }, { "vfio_pci", p_vfio_pci }, { "vfio", p_vfio },
	{ "vfio_iommu_type1", p_vfio_iommu_type1 }, { "kvm", p_kvm }, { "kvm_intel", p_kvm_intel },
	{ "kvm_amd", p_kvm_amd }, { "nouveau", p_nouveau }, { "amdgpu", p_amdgpu },
	{ "nvidia", p_nvidia }, { "nvidia_drm", p_nvidia_drm }, { "iommu", p_iommu },
	/* known, parameters not listed */
	{ "nvidia_modeset", NULL }, { "nvidia_uvm", NULL }, { "radeon", NULL }, { "vfio_virqfd", NULL },
	{ "snd_hda_intel", NULL }, { "printk", NULL }, { "rcupdate", NULL }, { "rcutree", NULL },
	{ "usbcore", NULL }, { "libata", NULL }, { "workqueue", NULL }, { "module", NULL },
	{ "drm", NULL }, { "drm_kms_helper", NULL }, { "i8042", NULL }, { "acpi", NULL },
	{ "pcie_aspm", NULL }, { "nvme", NULL }, { "nvme_core", NULL }, { "zfs", NULL },
	{ "efi", NULL }, { "random", NULL }, { "page_alloc", NULL }, { "vt", NULL },
	{ "fbcon", NULL }, { "processor", NULL }, { "intel_idle", NULL }, { "intel_pstate", NULL },
	{ "amd_pstate", NULL }, { "thermal", NULL }, { "ipv6", NULL }, { "net", NULL },
	{ "mdev", NULL }, { "nvidia_vgpu_vfio", NULL }, { "vhost", NULL }, { "8250", NULL },
};

/* Prefixes of parameters that userspace reads from /proc/cmdline (dracut,
 * systemd, kmod, udev, ...), never a kernel module. */
static const char *const userspace_prefixes[] = {
	"rd", "systemd", "modprobe", "udev", "rd_NO", "plymouth", "vconsole", "locale",
	"luks", "resume", "netroot", "ip", "cloud-init", "ds", "casper", "live", "boot", "zfs_force",
	NULL,
};

static const char *const core_params[] = {
	"intel_iommu", "amd_iommu", "iommu", "amd_iommu_dump", "intremap", "pcie_acs_override",
	"initcall_blacklist", "video", "vga", "root", "ro", "rw", "quiet", "splash", "nosplash",
	"BOOT_IMAGE", "initrd", "init", "rootfstype", "rootflags", "rootwait", "rootdelay",
	"resume", "console", "earlycon", "earlyprintk", "loglevel", "debug", "nomodeset", "pci",
	"pcie_aspm", "pcie_ports", "pcie_port_pm", "efi", "efifb", "vesafb", "noefi", "nokaslr",
	"mitigations", "hugepagesz", "hugepages", "default_hugepagesz", "transparent_hugepage",
	"isolcpus", "nohz_full", "rcu_nocbs", "irqaffinity", "nox2apic", "x2apic_phys",
	"apparmor", "security", "selinux", "enforcing", "audit", "module_blacklist",
	"single", "emergency", "rescue", "panic", "crashkernel", "memmap", "mem", "acpi",
	"acpi_osi", "noapic", "nolapic", "nosmt", "maxcpus", "nr_cpus", "vfio_iommu_type1",
	"kvm", "ipv6", "net.ifnames", "biosdevname", "boot", "fsck.mode", "fsck.repair",
	"sysfb_init", "nouveau", "noresume", "lockdown", "amd_pstate", "intel_pstate",
	"processor.max_cstate", "intel_idle.max_cstate", "preempt", "threadirqs",
	"vfio_pci", "pti", "spectre_v2", "tsx", "sysrq_always_enabled", "consoleblank",
	"fbcon", "plymouth.enable", "nvme_core.default_ps_max_latency_us",
	NULL,
};

static char *normalize(const char *s)
{
	char *n = xstrdup(s ? s : "");

	for (char *p = n; *p; p++)
		if (*p == '-')
			*p = '_';
	return n;
}

static bool name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char ca = *a == '-' ? '_' : *a, cb = *b == '-' ? '_' : *b;
		if (ca != cb)
			return false;
	}
	return *a == *b;
}

/* Optimal string alignment distance (Levenshtein with transpositions),
 * bounded: returns LIMIT + 1 as soon as it is certain to exceed LIMIT. */
static size_t osa_distance(const char *a, const char *b, size_t limit)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *d;
	size_t r;

	if ((la > lb ? la - lb : lb - la) > limit || la > 64 || lb > 64)
		return limit + 1;
	d = xcalloc((la + 1) * (lb + 1), sizeof(*d));
#define D(i, j) d[(i) * (lb + 1) + (j)]
	for (size_t i = 0; i <= la; i++)
		D(i, 0) = i;
	for (size_t j = 0; j <= lb; j++)
		D(0, j) = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t v = D(i - 1, j) + 1;
			if (D(i, j - 1) + 1 < v)
				v = D(i, j - 1) + 1;
			if (D(i - 1, j - 1) + cost < v)
				v = D(i - 1, j - 1) + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    D(i - 2, j - 2) + 1 < v)
				v = D(i - 2, j - 2) + 1;
			D(i, j) = v;
		}
	}
	r = D(la, lb);
#undef D
	free(d);
	return r;
}

static const struct table_module *table_find(const char *module)
{
	for (size_t i = 0; i < sizeof(table_modules) / sizeof(table_modules[0]); i++)
		if (name_eq(table_modules[i].name, module))
			return &table_modules[i];
	return NULL;
}

static bool is_userspace_prefix(const char *module)
{
	for (size_t i = 0; userspace_prefixes[i]; i++)
		if (name_eq(userspace_prefixes[i], module))
			return true;
	return false;
}

struct kparam_db *kparam_db_new(const char *root, const char *kernel_release)
{
	struct kparam_db *db = xcalloc(1, sizeof(*db));
	static const char *const no_config[] = { NULL };
	char *index = NULL;

	if (root && kernel_release && *kernel_release && !strchr(kernel_release, '/')) {
		db->dir = xasprintf("%s/lib/modules/%s", root, kernel_release);
		db->shown = xasprintf("%s/lib/modules/%s", strcmp(root, "/") ? root : "", kernel_release);
		index = xasprintf("%s/modules.dep.bin", db->dir);
		if (access(index, R_OK) == 0) {
			/* No modprobe configuration: only the index and modinfo matter
			 * here, and the host's /etc must never leak into a --root. */
			db->ctx = kmod_new(db->dir, no_config);
			if (!db->ctx)
				gv_log(GV_LOG_DEBUG, "kparam: kmod_new(%s) failed; using the table only", db->dir);
		} else {
			gv_log(GV_LOG_DEBUG, "kparam: no module index at %s; using the table only", index);
		}
		free(index);
	}
	return db;
}

void kparam_db_free(struct kparam_db *db)
{
	if (!db)
		return;
	if (db->ctx)
		kmod_unref(db->ctx);
	free(db->dir);
	free(db->shown);
	free(db);
}

bool kparam_db_has_index(const struct kparam_db *db)
{
	return db && db->ctx;
}

const char *kparam_db_modules_dir(const struct kparam_db *db)
{
	return db ? db->shown : NULL;
}

/* Ask libkmod. Returns -ENOENT when the index has no such module, 0 with
 * *has_list and *param_found set when it has (has_list false when its modinfo could
 * not be read, e.g. a built-in module without modules.builtin.modinfo). */
static int kmod_ask(const struct kparam_db *db, const char *module, const char *param,
		    bool *has_list, bool *param_found)
{
	struct kmod_list *list = NULL, *info = NULL, *i;
	struct kmod_module *mod;
	int r;

	*has_list = false;
	*param_found = false;
	r = kmod_module_new_from_lookup(db->ctx, module, &list);
	if (r < 0 || !list)
		return -ENOENT;
	mod = kmod_module_get_module(list);
	/* An alias lookup may answer with a module of another name; only the
	 * module itself counts. */
	if (!name_eq(kmod_module_get_name(mod), module)) {
		kmod_module_unref(mod);
		kmod_module_unref_list(list);
		return -ENOENT;
	}
	/* A built-in module without modules.builtin.modinfo answers with an
	 * empty list: that says nothing about its parameters. */
	if (kmod_module_get_info(mod, &info) > 0) {
		*has_list = true;
		kmod_list_foreach(i, info) {
			const char *k = kmod_module_info_get_key(i);
			const char *v = kmod_module_info_get_value(i);
			if (!k || !v || strcmp(k, "parm") != 0)
				continue;
			size_t n = strcspn(v, ":");
			char *pn = xstrndup(v, n);
			if (param && name_eq(pn, param))
				*param_found = true;
			free(pn);
		}
		kmod_module_info_free_list(info);
	}
	kmod_module_unref(mod);
	kmod_module_unref_list(list);
	return 0;
}

void kparam_lookup(const struct kparam_db *db, const char *module, const char *param, struct kparam_info *ret)
{
	const struct table_module *t = table_find(module);
	struct kparam_info r = { KPARAM_MODULE_UNKNOWN, KPARAM_PARAM_NO_LIST, false };
	char *m = normalize(module);

	if (db && db->ctx) {
		bool has_list, found;
		if (kmod_ask(db, m, param, &has_list, &found) == 0) {
			r.module = KPARAM_MODULE_KNOWN;
			if (has_list) {
				r.from_modinfo = true;
				r.param = found ? KPARAM_PARAM_KNOWN : KPARAM_PARAM_UNKNOWN;
			}
		} else if (!t && !is_userspace_prefix(m)) {
			r.module = KPARAM_MODULE_ABSENT;
		}
	}
	if (r.module != KPARAM_MODULE_KNOWN && (t || is_userspace_prefix(m)))
		r.module = KPARAM_MODULE_KNOWN;
	if (param && !r.from_modinfo && t && t->params) {
		r.param = KPARAM_PARAM_NOT_IN_TABLE;
		for (size_t i = 0; t->params[i]; i++)
			if (name_eq(t->params[i], param))
				r.param = KPARAM_PARAM_KNOWN;
	}
	free(m);
	*ret = r;
}

const char *kparam_suggest_module(const char *module)
{
	char *m = normalize(module);
	const char *best = NULL;

	for (size_t i = 0; i < sizeof(table_modules) / sizeof(table_modules[0]) && !best; i++) {
		const char *name = table_modules[i].name;
		if (strcmp(name, m) != 0 && osa_distance(m, name, 1) <= 1)
			best = name;
	}
	free(m);
	return best;
}

const char *kparam_suggest_param(const char *module, const char *param)
{
	const struct table_module *t = table_find(module);
	char *p = normalize(param);
	const char *best = NULL;
	size_t limit = strlen(p) >= 6 ? 2 : 1, bestd = limit + 1;

	for (size_t i = 0; t && t->params && t->params[i]; i++) {
		char *cand = normalize(t->params[i]);
		size_t dist = osa_distance(p, cand, limit);
		if (dist > 0 && dist < bestd) {
			bestd = dist;
			best = t->params[i];
		}
		free(cand);
	}
	free(p);
	return best;
}

bool kparam_is_core(const char *name)
{
	for (size_t i = 0; core_params[i]; i++)
		if (name_eq(core_params[i], name))
			return true;
	return false;
}

const char *kparam_suggest_core(const char *name)
{
	char *n = normalize(name);
	const char *best = NULL;

	if (strlen(n) >= 5) {
		for (size_t i = 0; core_params[i] && !best; i++) {
			char *cand = normalize(core_params[i]);
			if (strcmp(cand, n) != 0 && osa_distance(n, cand, 1) <= 1)
				best = core_params[i];
			free(cand);
		}
	}
	free(n);
	return best;
}
