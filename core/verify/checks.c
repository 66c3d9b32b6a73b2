/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/scan/bootdetect.h"
#include "core/util/buf.h"
#include "core/util/cmdline.h"
#include "core/scan/firmware.h"
#include "core/scan/grub.h"
#include "core/verify/checks.h"
#include "core/plan/journal.h"
#include "core/verify/lint.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

struct checks {
	struct checks_finding *v;
	size_t n, cap;
};

int checks_new(struct checks **ret)
{
	struct checks *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	*ret = c;
	return 0;
}

void checks_free(struct checks *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free((char *)c->v[i].id);
		free((char *)c->v[i].title);
		free((char *)c->v[i].evidence);
		free((char *)c->v[i].fix);
	}
	free(c->v);
	free(c);
}

int checks_add(struct checks *c, enum checks_category category, const char *id,
	       enum checks_status status, const char *title, const char *evidence,
	       const char *fix)
{
	struct checks_finding *f;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		f = realloc(c->v, cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		c->v = f;
		c->cap = cap;
	}
	f = &c->v[c->n++];
	f->id = xstrdup(id);
	f->status = status;
	f->category = category;
	f->title = xstrdup(title);
	f->evidence = xstrdup(evidence ? evidence : "");
	f->fix = xstrdup(fix);
	return 0;
}

/* checks_add() taking ownership of the formatted strings. */
static int add_own(struct checks *c, enum checks_category cat, const char *id,
		   enum checks_status st, char *title, char *evidence, char *fix)
{
	int r = checks_add(c, cat, id, st, title, evidence, fix);

	free(title);
	free(evidence);
	free(fix);
	return r;
}

size_t checks_n(const struct checks *c)
{
	return c->n;
}

const struct checks_finding *checks_get(const struct checks *c, size_t i)
{
	return i < c->n ? &c->v[i] : NULL;
}

const struct checks_finding *checks_find(const struct checks *c, const char *id)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].id, id))
			return &c->v[i];
	return NULL;
}

bool checks_any_fail(const struct checks *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].status == CHECKS_FAIL)
			return true;
	return false;
}

bool checks_verification_pending(const struct checks *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].category == CHECKS_VERIFY &&
		    (c->v[i].status == CHECKS_FAIL || c->v[i].status == CHECKS_WARN))
			return true;
	return false;
}

const char *checks_status_name(enum checks_status s)
{
	switch (s) {
	case CHECKS_PASS:
		return "pass";
	case CHECKS_WARN:
		return "warn";
	case CHECKS_FAIL:
		return "fail";
	case CHECKS_INFO:
		return "info";
	}
	return "info";
}

int checks_to_json(const struct checks *c, char **ret_json)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "{\"findings\": [");
	for (size_t i = 0; i < c->n; i++) {
		const struct checks_finding *f = &c->v[i];

		buf_puts(&b, i ? ",\n  {" : "\n  {");
		buf_puts(&b, "\"id\": ");
		buf_json_str(&b, f->id);
		buf_puts(&b, ", \"status\": ");
		buf_json_str(&b, checks_status_name(f->status));
		buf_puts(&b, ", \"title\": ");
		buf_json_str(&b, f->title);
		buf_puts(&b, ", \"evidence\": ");
		buf_json_str(&b, f->evidence);
		buf_puts(&b, ", \"fix\": ");
		buf_json_str(&b, f->fix);
		buf_putc(&b, '}');
	}
	buf_puts(&b, c->n ? "\n]}\n" : "]}\n");
	*ret_json = buf_steal(&b);
	return 0;
}

/* ---- the firmware checklist ---- */

#define FW CHECKS_FIRMWARE

static bool is_vm(const struct firmware *fw)
{
	return firmware_cpu_has_flag(fw, "hypervisor");
}

static bool cpu_virt(const struct firmware *fw)
{
	return firmware_cpu_has_flag(fw, "vmx") || firmware_cpu_has_flag(fw, "svm");
}

static const char *bios_cpu_fix(enum host_cpu_vendor v)
{
	switch (v) {
	case HOST_CPU_INTEL:
		return "turn on \"Intel Virtualization Technology\" (VT-x, \"Intel VMX\") in the BIOS/UEFI setup";
	case HOST_CPU_AMD:
		return "turn on \"SVM Mode\" (AMD-V) in the BIOS/UEFI setup";
	default:
		return "turn on CPU virtualization in the BIOS/UEFI setup (\"VT-x\" on Intel, \"SVM Mode\" on AMD)";
	}
}

static const char *bios_iommu_fix(enum host_cpu_vendor v)
{
	switch (v) {
	case HOST_CPU_INTEL:
		return "turn on \"Intel VT-d\" (Virtualization Technology for Directed I/O) in the BIOS/UEFI setup";
	case HOST_CPU_AMD:
		return "turn on \"AMD IOMMU\" (AMD-Vi; on many boards under AMD CBS > NBIO) in the BIOS/UEFI setup";
	default:
		return "turn on the IOMMU in the BIOS/UEFI setup (\"Intel VT-d\" on Intel, \"AMD IOMMU\"/\"AMD-Vi\" on AMD)";
	}
}

static int check_cpu(struct checks *c, const struct firmware *fw)
{
	enum host_cpu_vendor v = firmware_cpu_vendor(fw);

	if (!firmware_cpu_flags(fw))
		return checks_add(c, FW, "cpu-virtualization", CHECKS_INFO,
				  "CPU virtualization could not be read",
				  "/proc/cpuinfo: no \"flags\" line", NULL);
	if (firmware_cpu_has_flag(fw, "vmx"))
		return checks_add(c, FW, "cpu-virtualization", CHECKS_PASS,
				  "CPU virtualization is on (Intel VT-x)",
				  "/proc/cpuinfo: flags: ... vmx", NULL);
	if (firmware_cpu_has_flag(fw, "svm"))
		return checks_add(c, FW, "cpu-virtualization", CHECKS_PASS,
				  "CPU virtualization is on (AMD-V)",
				  "/proc/cpuinfo: flags: ... svm", NULL);
	if (is_vm(fw))
		return add_own(c, FW, "cpu-virtualization", CHECKS_FAIL,
			       xasprintf("CPU virtualization is not available: this is a virtual machine without nested virtualization"),
			       xasprintf("/proc/cpuinfo: flags: no vmx or svm, but hypervisor"),
			       xasprintf("turn on nested virtualization in the hypervisor (on bare metal: %s)",
				   bios_cpu_fix(v)));
	return checks_add(c, FW, "cpu-virtualization", CHECKS_FAIL,
			  "CPU virtualization is off in the firmware",
			  "/proc/cpuinfo: flags: no vmx or svm", bios_cpu_fix(v));
}

static int check_kvm(struct checks *c, const struct firmware *fw)
{
	int dev = firmware_kvm_dev(fw);
	const char *mod = firmware_cpu_vendor(fw) == HOST_CPU_AMD ? "kvm_amd" : "kvm_intel";

	/* The module first: a test bed cannot hide the real /dev/kvm, and on a
	 * real host /dev/kvm exists only while kvm is loaded (or built in). */
	if (!firmware_kvm_module(fw))
		return add_own(c, FW, "kvm-device", CHECKS_FAIL, xasprintf("KVM is not loaded"),
			       xasprintf("/sys/module/kvm: absent%s", dev == -ENOENT ? "; /dev/kvm: absent" : ""),
			       cpu_virt(fw) ? xasprintf("modprobe %s (if it refuses, dmesg says why)", mod)
					    : xasprintf("%s; then the kvm modules load by themselves",
						  is_vm(fw) ? "turn on nested virtualization in the hypervisor"
							    : bios_cpu_fix(firmware_cpu_vendor(fw))));
	if (dev == 0)
		return checks_add(c, FW, "kvm-device", CHECKS_PASS, "/dev/kvm is there and usable",
				  "/dev/kvm: present, readable and writable", NULL);
	if (dev == -EACCES)
		return add_own(c, FW, "kvm-device", CHECKS_WARN,
			       xasprintf("/dev/kvm is there but this user cannot use it"),
			       xasprintf("/dev/kvm: present, not readable and writable by uid %u", (unsigned)getuid()),
			       xasprintf("run VMs as root or as a member of group kvm (usermod -aG kvm USER)"));
	return add_own(c, FW, "kvm-device", CHECKS_FAIL, xasprintf("/dev/kvm is missing although kvm is loaded"),
		       xasprintf("/dev/kvm: absent; /sys/module/kvm: present"),
		       xasprintf("modprobe %s (the vendor module creates /dev/kvm; if it refuses, dmesg says why)", mod));
}

static int check_iommu_firmware(struct checks *c, const struct firmware *fw)
{
	enum host_cpu_vendor v = firmware_cpu_vendor(fw);
	const char *table = v == HOST_CPU_AMD ? "IVRS" : v == HOST_CPU_INTEL ? "DMAR" : "DMAR, IVRS";

	if (firmware_has_dmar(fw))
		return checks_add(c, FW, "iommu-firmware", CHECKS_PASS,
				  "The firmware has the IOMMU on (Intel VT-d)",
				  "/sys/firmware/acpi/tables/DMAR: present", NULL);
	if (firmware_has_ivrs(fw))
		return checks_add(c, FW, "iommu-firmware", CHECKS_PASS,
				  "The firmware has the IOMMU on (AMD-Vi)",
				  "/sys/firmware/acpi/tables/IVRS: present", NULL);
	if (firmware_n_iommu_groups(fw) > 0)
		return add_own(c, FW, "iommu-firmware", CHECKS_PASS,
			       xasprintf("The kernel found an IOMMU without a DMAR or IVRS table"),
			       xasprintf("/sys/firmware/acpi/tables/%s: absent; /sys/class/iommu: %s",
				   table, firmware_n_iommus(fw) ? firmware_iommu(fw, 0) : "empty"),
			       NULL);
	if (!firmware_acpi_readable(fw))
		return checks_add(c, FW, "iommu-firmware", CHECKS_INFO,
				  "No ACPI tables to read: the firmware's IOMMU setting is unknown",
				  "/sys/firmware/acpi/tables: absent or unreadable", NULL);
	if (is_vm(fw))
		return add_own(c, FW, "iommu-firmware", CHECKS_FAIL,
			       xasprintf("No IOMMU: this virtual machine has no virtual IOMMU"),
			       xasprintf("/sys/firmware/acpi/tables/%s: absent (/proc/cpuinfo: hypervisor)", table),
			       xasprintf("give the VM a virtual IOMMU (QEMU: -device intel-iommu,intremap=on) or run gpuvirt on the host"));
	return add_own(c, FW, "iommu-firmware", CHECKS_FAIL,
		       xasprintf("The IOMMU is off in the firmware (no %s table)", table),
		       xasprintf("/sys/firmware/acpi/tables/%s: absent", table),
		       xasprintf("%s", bios_iommu_fix(v)));
}

/* The running command line's last argument with KEY, as written; NULL when
 * none or the line is unknown. */
static const char *running_find(const struct firmware *fw, const char *key)
{
	const struct cmdline *c = firmware_cmdline_args(fw);

	return c ? cmdline_find(c, key) : NULL;
}

/* ARG ("iommu=pt", or a bare "quiet") is on the running command line; a bare
 * KEY also matches "KEY=anything". */
static bool running_has(const struct firmware *fw, const char *arg)
{
	const struct cmdline *c = firmware_cmdline_args(fw);

	return c && (cmdline_contains(c, arg) || (!strchr(arg, '=') && cmdline_has_key(c, arg)));
}

/* The command-line argument that turns the IOMMU off, NULL when none. */
static const char *iommu_off_arg(const struct firmware *fw)
{
	static const char *const keys[] = { "intel_iommu", "amd_iommu", "iommu" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *a = running_find(fw, keys[i]);
		const char *val = a ? strchr(a, '=') : NULL;
		if (!val)
			continue;
		/* intel_iommu=off,sm_on: options are comma separated */
		val++;
		if (!strncmp(val, "off", 3) && (val[3] == '\0' || val[3] == ','))
			return a;
	}
	return NULL;
}

static int check_iommu_kernel(struct checks *c, const struct firmware *fw)
{
	size_t ng = firmware_n_iommu_groups(fw), ni = firmware_n_iommus(fw);
	enum host_cpu_vendor v = firmware_cpu_vendor(fw);
	bool table = firmware_has_dmar(fw) || firmware_has_ivrs(fw);
	const char *off = iommu_off_arg(fw);
	const char *release = firmware_kernel_release(fw);
	bool intel = firmware_has_dmar(fw) || (!table && v == HOST_CPU_INTEL);

	if (ng > 0) {
		struct buf b = BUF_INIT;

		buf_puts(&b, "/sys/class/iommu:");
		for (size_t i = 0; i < ni && i < 4; i++)
			buf_printf(&b, " %s", firmware_iommu(fw, i));
		if (!ni)
			buf_puts(&b, " empty");
		else if (ni > 4)
			buf_puts(&b, " ...");
		buf_printf(&b, "; /sys/kernel/iommu_groups: %zu group%s", ng, ng == 1 ? "" : "s");
		return add_own(c, FW, "iommu-kernel", CHECKS_PASS,
			       xasprintf("The kernel has the IOMMU on (%zu IOMMU group%s)", ng, ng == 1 ? "" : "s"),
			       buf_steal(&b), NULL);
	}
	if (off) {
		char key[64];

		snprintf(key, sizeof(key), "%.*s", (int)strcspn(off, "="), off);
		return add_own(c, FW, "iommu-kernel", CHECKS_FAIL,
			       xasprintf("The IOMMU is turned off on the kernel command line"),
			       xasprintf("/proc/cmdline: %s; /sys/kernel/iommu_groups: empty", off),
			       intel && !firmware_kernel_at_least(fw, 6, 8) && !strcmp(key, "intel_iommu")
				       ? xasprintf("gpuvirt apply --cmdline-remove %s --iommu (before 6.8 the Intel IOMMU is off unless intel_iommu=on), then reboot", key)
				       : xasprintf("gpuvirt apply --cmdline-remove %s, then reboot", key));
	}
	if (table) {
		const char *on = running_find(fw, intel ? "intel_iommu" : "amd_iommu");
		const char *tname = firmware_has_dmar(fw) ? "DMAR" : "IVRS";

		if (intel && on && strstr(on, "=on"))
			return add_own(c, FW, "iommu-kernel", CHECKS_FAIL,
				       xasprintf("The kernel was asked to turn the IOMMU on but did not"),
				       xasprintf("/sys/firmware/acpi/tables/DMAR: present; /proc/cmdline: %s; /sys/kernel/iommu_groups: empty", on),
				       xasprintf("dmesg | grep -e DMAR -e IOMMU says why (a kernel without CONFIG_INTEL_IOMMU, or a broken DMAR table: update the BIOS)"));
		if (intel && !firmware_kernel_at_least(fw, 6, 8))
			return add_own(c, FW, "iommu-kernel", CHECKS_FAIL,
				       xasprintf("The firmware has the IOMMU on but the kernel does not use it"),
				       xasprintf("/sys/firmware/acpi/tables/DMAR: present; /sys/kernel/iommu_groups: empty; kernel %s (the Intel IOMMU is off by default before 6.8)",
					   release ? release : "unknown"),
				       xasprintf("gpuvirt apply --iommu (adds intel_iommu=on), then reboot"));
		return add_own(c, FW, "iommu-kernel", CHECKS_FAIL,
			       xasprintf("The firmware has the IOMMU on but the kernel does not use it"),
			       xasprintf("/sys/firmware/acpi/tables/%s: present; /sys/kernel/iommu_groups: empty; /proc/cmdline: no %s",
				   tname, intel ? "intel_iommu=on" : "amd_iommu= or iommu=off"),
			       xasprintf("gpuvirt apply --iommu, then reboot; if it stays off, dmesg | grep -e %s -e IOMMU says why",
				   intel ? "DMAR" : "AMD-Vi"));
	}
	return add_own(c, FW, "iommu-kernel", CHECKS_FAIL, xasprintf("The kernel has no IOMMU"),
		       xasprintf("/sys/kernel/iommu_groups: empty; /sys/class/iommu: empty"),
		       xasprintf("first the firmware (see iommu-firmware): %s%s",
			   is_vm(fw) ? "give the VM a virtual IOMMU" : bios_iommu_fix(v),
			   intel && !firmware_kernel_at_least(fw, 6, 8) ? "; then gpuvirt apply --iommu" : ""));
}

static int check_interrupt_remapping(struct checks *c, const struct firmware *fw)
{
	const char *chip = firmware_ir_chip(fw);

	if (!firmware_interrupts_readable(fw))
		return checks_add(c, FW, "interrupt-remapping", CHECKS_INFO,
				  "Interrupt remapping is unknown", "/proc/interrupts: cannot read", NULL);
	if (chip)
		return add_own(c, FW, "interrupt-remapping", CHECKS_PASS,
			       xasprintf("Interrupt remapping is on"), xasprintf("/proc/interrupts: %s", chip), NULL);
	if (firmware_n_iommu_groups(fw) == 0)
		return checks_add(c, FW, "interrupt-remapping", CHECKS_WARN,
				  "Interrupt remapping is off (it needs the IOMMU)",
				  "/proc/interrupts: no IR- interrupt chip",
				  "turn the IOMMU on first (see iommu-firmware and iommu-kernel)");
	return add_own(c, FW, "interrupt-remapping", CHECKS_FAIL,
		       xasprintf("Interrupt remapping is off: VFIO refuses to assign devices"),
		       xasprintf("/proc/interrupts: no IR- interrupt chip"),
		       xasprintf("%s; as a last resort gpuvirt apply --cmdline-add vfio_iommu_type1.allow_unsafe_interrupts=1 (gives up protection against MSI attacks from the VM)",
			   firmware_cpu_vendor(fw) == HOST_CPU_AMD
				   ? "update the BIOS and keep \"AMD IOMMU\" on (dmesg | grep AMD-Vi says why remapping is off)"
				   : "turn on \"Interrupt Remapping\" and \"X2APIC\" under \"Intel VT-d\" in the BIOS/UEFI setup"));
}

static int check_vmd(struct checks *c, const struct host *h)
{
	struct buf ev = BUF_INIT;
	const char *gpu = NULL;
	size_t n = 0;

	if (!h)
		return checks_add(c, FW, "vmd", CHECKS_INFO, "Intel VMD is unknown (no PCI devices could be read)",
				  "/sys/bus/pci/devices: cannot read", NULL);
	for (size_t i = 0; i < host_n_devices(h); i++) {
		const struct host_device *d = host_device(h, i);
		bool behind = d->addr.domain >= 0x10000;
		bool vmd = d->driver && !strcmp(d->driver, "vmd");

		if (!behind && !vmd)
			continue;
		if (behind && host_device_is_display(d) && !gpu)
			gpu = d->address;
		if (n < 3)
			buf_printf(&ev, "%s/sys/bus/pci/devices/%s: %s", n ? "; " : "", d->address,
				   vmd ? "driver vmd" : "domain above ffff");
		n++;
	}
	if (!n) {
		buf_free(&ev);
		return checks_add(c, FW, "vmd", CHECKS_PASS, "No Intel VMD controller hides devices",
				  "/sys/bus/pci/devices: no domain above ffff, no device bound to vmd", NULL);
	}
	if (n > 3)
		buf_printf(&ev, "; %zu more", n - 3);
	return add_own(c, FW, "vmd", gpu ? CHECKS_FAIL : CHECKS_WARN,
		       gpu ? xasprintf("GPU %s is behind Intel VMD and cannot be passed to a VM", gpu)
			   : xasprintf("Intel VMD is on: devices behind it cannot be passed to a VM"),
		       buf_steal(&ev),
		       xasprintf("turn VMD off in the BIOS/UEFI setup (\"VMD setup menu\" / \"Enable VMD controller\"), as the N100 guide does; devices behind VMD cannot be passed to a VM"));
}

static int check_uefi(struct checks *c, const struct firmware *fw)
{
	if (firmware_efi(fw))
		return checks_add(c, FW, "uefi", CHECKS_PASS, "Booted with UEFI", "/sys/firmware/efi: present", NULL);
	return checks_add(c, FW, "uefi", CHECKS_INFO, "Booted in legacy BIOS (CSM) mode",
			  "/sys/firmware/efi: absent", NULL);
}

static int check_secure_boot(struct checks *c, const struct firmware *fw)
{
	static const char var[] = "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";

	if (!firmware_efi(fw))
		return checks_add(c, FW, "secure-boot", CHECKS_INFO, "Secure Boot does not apply (legacy boot)",
				  "/sys/firmware/efi: absent", NULL);
	switch (firmware_secure_boot(fw)) {
	case 1:
		return add_own(c, FW, "secure-boot", CHECKS_WARN,
			       xasprintf("Secure Boot is on: unsigned DKMS modules (i915-sriov-dkms, NVIDIA vGPU) will not load"),
			       xasprintf("%s: last byte 1", var),
			       xasprintf("enrol the DKMS signing key (mokutil --import /var/lib/dkms/mok.pub, reboot, confirm in MokManager) or turn \"Secure Boot\" off in the BIOS/UEFI setup"));
	case 0:
		return add_own(c, FW, "secure-boot", CHECKS_PASS, xasprintf("Secure Boot is off"),
			       xasprintf("%s: last byte 0", var), NULL);
	default:
		return add_own(c, FW, "secure-boot", CHECKS_INFO, xasprintf("Secure Boot state is unknown"),
			       xasprintf("%s: absent or unreadable", var), NULL);
	}
}

static int check_kernel(struct checks *c, const struct firmware *fw)
{
	const char *rel = firmware_kernel_release(fw);

	if (!rel)
		return checks_add(c, FW, "kernel-version", CHECKS_WARN, "The kernel release could not be read",
				  "/proc/sys/kernel/osrelease: cannot read", NULL);
	return add_own(c, FW, "kernel-version", CHECKS_INFO,
		       xasprintf("Kernel %s: %s%s", rel,
			   firmware_kernel_at_least(fw, 6, 2)
				   ? "vfio_virqfd is part of vfio (since 6.2), do not list it"
				   : "list vfio_virqfd with the vfio modules (separate before 6.2)",
			   firmware_kernel_at_least(fw, 6, 8)
				   ? "; NVIDIA vGPU 17+ uses per-VF sysfs instead of mdev (6.8+)"
				   : "; the Intel IOMMU is off unless intel_iommu=on (before 6.8)"),
		       xasprintf("/proc/sys/kernel/osrelease: %s", rel), NULL);
}

static int check_passthrough_mode(struct checks *c, const struct firmware *fw)
{
	size_t ng = firmware_n_iommu_groups(fw);
	const char *pt = running_find(fw, "iommu");
	int dma_id = -1, id_id = -1;
	const char *dma_type = NULL;

	if (!ng)
		return checks_add(c, FW, "iommu-passthrough-mode", CHECKS_INFO,
				  "IOMMU passthrough mode does not apply (no IOMMU groups)",
				  "/sys/kernel/iommu_groups: empty", NULL);
	for (size_t i = 0; i < ng; i++) {
		const char *type;
		int id = firmware_iommu_group(fw, i, &type);

		if (!type)
			continue;
		if (!strcmp(type, "identity")) {
			if (id_id < 0)
				id_id = id;
		} else if (!strncmp(type, "DMA", 3) && dma_id < 0) {
			dma_id = id;
			dma_type = type;
		}
	}
	if (pt && !strcmp(pt, "iommu=pt"))
		return add_own(c, FW, "iommu-passthrough-mode", CHECKS_PASS,
			       xasprintf("The IOMMU is in passthrough mode for the host (iommu=pt)"),
			       id_id >= 0 ? xasprintf("/proc/cmdline: iommu=pt; /sys/kernel/iommu_groups/%d/type: identity", id_id)
					  : xasprintf("/proc/cmdline: iommu=pt"),
			       NULL);
	if (dma_id >= 0)
		return add_own(c, FW, "iommu-passthrough-mode", CHECKS_WARN,
			       xasprintf("The IOMMU translates the host's own DMA (%s): iommu=pt is recommended", dma_type),
			       xasprintf("/sys/kernel/iommu_groups/%d/type: %s", dma_id, dma_type),
			       xasprintf("gpuvirt apply --cmdline-add iommu=pt, then reboot"));
	if (id_id >= 0)
		return add_own(c, FW, "iommu-passthrough-mode", CHECKS_PASS,
			       xasprintf("The IOMMU is in passthrough mode for the host"),
			       xasprintf("/sys/kernel/iommu_groups/%d/type: identity", id_id), NULL);
	return checks_add(c, FW, "iommu-passthrough-mode", CHECKS_INFO, "IOMMU passthrough mode is unknown",
			  "/sys/kernel/iommu_groups/N/type: cannot read", NULL);
}

int checks_firmware(struct checks *c, const struct host *h)
{
	const struct firmware *fw = host_firmware(h);
	int (*const fns[])(struct checks *, const struct firmware *) = {
		check_cpu, check_kvm, check_iommu_firmware, check_iommu_kernel, check_interrupt_remapping,
	};
	int r;

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		r = fns[i](c, fw);
		if (r < 0)
			return r;
	}
	r = check_vmd(c, h);
	if (r >= 0)
		r = check_uefi(c, fw);
	if (r >= 0)
		r = check_secure_boot(c, fw);
	if (r >= 0)
		r = check_kernel(c, fw);
	if (r >= 0)
		r = check_passthrough_mode(c, fw);
	return r < 0 ? r : 0;
}

/* ---- verification after the reboot ---- */

#define VF CHECKS_VERIFY

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

static int verify_cmdline(struct checks *c, const struct firmware *fw, const struct sysconf *sc,
			  const char *root, const struct journal_set *s, const char *arg, bool pending,
			  const char *ref)
{
	if (running_has(fw, arg))
		return add_own(c, VF, "verify-cmdline", CHECKS_PASS, xasprintf("%s is on the running command line", arg),
			       xasprintf("/proc/cmdline: %s", arg), NULL);
	if (!firmware_cmdline(fw))
		return add_own(c, VF, "verify-cmdline", CHECKS_INFO, xasprintf("%s: the running command line is unknown", arg),
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
	return add_own(c, VF, "verify-cmdline", pending ? CHECKS_WARN : CHECKS_FAIL,
		       xasprintf("%s is not on the running command line", arg),
		       xasprintf("/proc/cmdline: no %s (%s)", arg, ref), fix);
}

static int verify_module(struct checks *c, const struct firmware *fw, const char *mod, bool want,
			 bool pending, const char *ref)
{
	bool loaded = firmware_module_loaded(fw, mod);

	if (!firmware_modules_readable(fw) && !loaded)
		return add_own(c, VF, want ? "verify-module" : "verify-no-module", CHECKS_INFO,
			       xasprintf("Whether %s is loaded is unknown", mod),
			       xasprintf("/proc/modules: cannot read; /sys/module/%s: absent", mod), NULL);
	if (want && loaded)
		return add_own(c, VF, "verify-module", CHECKS_PASS, xasprintf("Module %s is loaded", mod),
			       xasprintf("/proc/modules or /sys/module: %s", mod), NULL);
	if (!want && !loaded)
		return add_own(c, VF, "verify-no-module", CHECKS_PASS, xasprintf("Module %s is not loaded", mod),
			       xasprintf("/proc/modules: no %s", mod), NULL);
	if (want)
		return add_own(c, VF, "verify-module", pending ? CHECKS_WARN : CHECKS_FAIL,
			       xasprintf("Module %s is not loaded", mod), xasprintf("/proc/modules: no %s (%s)", mod, ref),
			       pending ? xasprintf("reboot: the change set was applied after this boot")
				       : xasprintf("reboot; if it is still not loaded, rebuild the initramfs (update-initramfs -u -k all, dracut -f --regenerate-all or mkinitcpio -P) and see what modprobe %s says", mod));
	return add_own(c, VF, "verify-no-module", pending ? CHECKS_WARN : CHECKS_FAIL,
		       xasprintf("Module %s is loaded although it should not be", mod),
		       xasprintf("/proc/modules: %s (%s)", mod, ref),
		       pending ? xasprintf("reboot: the change set was applied after this boot")
			       : xasprintf("the initramfs still loads it: rebuild it (update-initramfs -u -k all, dracut -f --regenerate-all or mkinitcpio -P), then reboot"));
}

static const struct host_device *find_dev(const struct host *h, const char *addr)
{
	return h ? host_find(h, addr) : NULL;
}

static int verify_driver(struct checks *c, const struct host *h, const char *addr, const char *want,
			 bool pending, const char *ref)
{
	const struct host_device *d = find_dev(h, addr);

	if (!d)
		return add_own(c, VF, "verify-driver", CHECKS_FAIL, xasprintf("%s is gone", addr),
			       xasprintf("/sys/bus/pci/devices/%s: absent (%s)", addr, ref),
			       xasprintf("check the card is seated and on in the BIOS; if it moved, gpuvirt undo and apply again for its new address"));
	if (want && d->driver && !strcmp(d->driver, want))
		return add_own(c, VF, "verify-driver", CHECKS_PASS, xasprintf("%s is bound to %s", addr, want),
			       xasprintf("/sys/bus/pci/devices/%s/driver: %s", addr, want), NULL);
	return add_own(c, VF, "verify-driver", pending ? CHECKS_WARN : CHECKS_FAIL,
		       d->driver ? xasprintf("%s is bound to %s, not %s", addr, d->driver, want ? want : "(none)")
				 : xasprintf("%s is bound to no driver, not %s", addr, want ? want : "(none)"),
		       xasprintf("/sys/bus/pci/devices/%s/driver: %s (%s)", addr, d->driver ? d->driver : "absent", ref),
		       pending ? xasprintf("reboot: the change set was applied after this boot")
			       : xasprintf("the host driver claimed it before vfio-pci: rebuild the initramfs (the vfio modules and softdeps must be in it), then reboot"));
}

static int verify_numvfs(struct checks *c, const struct host *h, const char *addr, const char *value,
			 bool pending, const char *ref)
{
	const struct host_device *d = find_dev(h, addr);
	int want = value ? atoi(value) : -1;

	if (!d)
		return add_own(c, VF, "verify-numvfs", CHECKS_FAIL, xasprintf("%s is gone", addr),
			       xasprintf("/sys/bus/pci/devices/%s: absent (%s)", addr, ref), NULL);
	if (d->sriov_total < 0)
		return add_own(c, VF, "verify-numvfs", pending ? CHECKS_WARN : CHECKS_FAIL,
			       xasprintf("%s cannot make VFs with its current driver (%s)", addr, d->driver ? d->driver : "none"),
			       xasprintf("/sys/bus/pci/devices/%s/sriov_totalvfs: absent (%s)", addr, ref),
			       xasprintf("load a driver that does SR-IOV (for Intel iGPUs the i915 SR-IOV DKMS build), then reboot"));
	if (d->sriov_num == want)
		return add_own(c, VF, "verify-numvfs", CHECKS_PASS, xasprintf("%s has %d VF%s", addr, want, want == 1 ? "" : "s"),
			       xasprintf("/sys/bus/pci/devices/%s/sriov_numvfs: %d", addr, d->sriov_num), NULL);
	return add_own(c, VF, "verify-numvfs", pending ? CHECKS_WARN : CHECKS_FAIL,
		       xasprintf("%s has %d VFs, expected %s", addr, d->sriov_num, value ? value : "?"),
		       xasprintf("/sys/bus/pci/devices/%s/sriov_numvfs: %d (%s)", addr, d->sriov_num, ref),
		       pending ? xasprintf("reboot: the change set was applied after this boot")
			       : xasprintf("the boot-time setting did not run: sysfsutils reads etc/sysfs.d only when etc/sysfs.conf exists; or the driver made fewer (dmesg)"));
}

static int verify_mdev(struct checks *c, const struct host *h, const char *uuid, const char *value,
		       bool pending, const char *ref)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s", uuid);
	if (stat(path, &st) == 0) {
		const char *type = value ? strrchr(value, ':') : NULL;
		const char *have = NULL;

		for (size_t i = 0; h && i < host_n_devices(h) && !have; i++) {
			const struct host_device *d = host_device(h, i);
			for (size_t j = 0; j < d->n_mdevs; j++)
				if (!strcmp(d->mdevs[j].uuid, uuid))
					have = d->mdevs[j].type ? d->mdevs[j].type : "";
		}
		if (type && have && *have && strcmp(have, type + 1))
			return add_own(c, VF, "verify-mdev", CHECKS_FAIL,
				       xasprintf("mdev %s is of type %s, expected %s", uuid, have, type + 1),
				       xasprintf("%s/mdev_type: %s (%s)", path, have, ref),
				       xasprintf("mdevctl stop -u %s; mdevctl start -u %s", uuid, uuid));
		return add_own(c, VF, "verify-mdev", CHECKS_PASS, xasprintf("mdev %s is present", uuid),
			       xasprintf("%s: present", path), NULL);
	}
	return add_own(c, VF, "verify-mdev", pending ? CHECKS_WARN : CHECKS_FAIL,
		       xasprintf("mdev %s (%s) is not present", uuid, value ? value : "?"),
		       xasprintf("%s: absent (%s)", path, ref),
		       xasprintf("mdevctl start -u %s; at boot mdevctl starts it only when its definition says \"start\": \"auto\" and the parent's driver is loaded",
			   uuid));
}

static int verify_set(struct checks *c, const struct host *h, const struct firmware *fw,
		      const struct sysconf *sc, const char *root, const struct journal_set *s)
{
	long long when = parse_when(s->when), boot = firmware_boot_time(fw);
	/* Applied after this boot began: nothing of it can be in effect yet. */
	bool pending = when >= 0 && boot >= 0 && when >= boot;
	char *ref = xasprintf("change set %d, %s", s->id, s->when ? s->when : "?");
	int r = 0;

	for (size_t i = 0; i < s->n_expects && r >= 0; i++) {
		const struct journal_expect *e = &s->expects[i];

		if (!e->kind || !e->key)
			continue;
		if (!strcmp(e->kind, "cmdline"))
			r = verify_cmdline(c, fw, sc, root, s, e->key, pending, ref);
		else if (!strcmp(e->kind, "module"))
			r = verify_module(c, fw, e->key, true, pending, ref);
		else if (!strcmp(e->kind, "no-module"))
			r = verify_module(c, fw, e->key, false, pending, ref);
		else if (!strcmp(e->kind, "driver"))
			r = verify_driver(c, h, e->key, e->value, pending, ref);
		else if (!strcmp(e->kind, "numvfs"))
			r = verify_numvfs(c, h, e->key, e->value, pending, ref);
		else if (!strcmp(e->kind, "mdev"))
			r = verify_mdev(c, h, e->key, e->value, pending, ref);
		else
			r = add_own(c, VF, "verify-journal", CHECKS_INFO,
				    xasprintf("Unknown expectation \"%s\" in the journal", e->kind),
				    xasprintf("var/lib/gpuvirt (%s): %s %s", ref, e->kind, e->key), NULL);
	}
	for (size_t i = 0; i < s->n_pending && r >= 0; i++)
		r = add_own(c, VF, "verify-pending", CHECKS_WARN,
			    xasprintf("A command gpuvirt did not run is still pending: %s", s->pending[i]),
			    xasprintf("var/lib/gpuvirt (%s): pending (applied with --no-run)", ref),
			    strcmp(root, "/") ? xasprintf("run it inside the root (chroot %s %s), then reboot", root, s->pending[i])
					      : xasprintf("run it (%s), then reboot", s->pending[i]));
	free(ref);
	return r;
}

int checks_verify(struct checks *c, const struct host *h, const struct sysconf *sc, const char *root,
		  struct gv_error *err)
{
	const struct firmware *fw = host_firmware(h);
	struct journal_set *sets = NULL;
	size_t n = 0;
	struct gv_error jerr = { 0 };
	int r;

	r = journal_list(root, &sets, &n, &jerr);
	if (r == -ENOMEM)
		return gv_error_set(err, r, "%s", jerr.msg[0] ? jerr.msg : "out of memory");
	if (r < 0)
		return add_own(c, VF, "verify-journal", CHECKS_WARN, xasprintf("The journal could not be read"),
			       xasprintf("%s", jerr.msg[0] ? jerr.msg : strerror(-r)),
			       xasprintf("see the file it names; gpuvirt cannot verify or undo until it reads"));
	if (!n)
		r = add_own(c, VF, "verify-journal", CHECKS_INFO, xasprintf("Nothing applied with gpuvirt to verify"),
			    xasprintf("%s%svar/lib/gpuvirt: no change sets", root,
				root[strlen(root) - 1] == '/' ? "" : "/"),
			    NULL);
	for (size_t i = 0; i < n && r >= 0; i++)
		r = verify_set(c, h, fw, sc, root, &sets[i]);
	journal_sets_free(sets, n);
	return r < 0 ? gv_error_set(err, r, "out of memory") : 0;
}

int checks_run(const struct host *h, const struct sysconf *sc, const char *root, struct checks **ret,
	       struct gv_error *err)
{
	struct checks *c = NULL;
	int r;

	r = checks_new(&c);
	if (r < 0)
		return gv_error_set(err, r, "out of memory");
	r = checks_firmware(c, h);
	if (r < 0) {
		gv_error_set(err, r, "out of memory");
		goto out;
	}
	r = lint_run(c, h, sc, root, err);
	if (r < 0)
		goto out;
	r = checks_verify(c, h, sc, root, err);
	if (r < 0)
		goto out;
	*ret = c;
	c = NULL;
out:
	checks_free(c);
	return r < 0 ? r : 0;
}
