/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util/buf.h"
#include "core/util/cmdline.h"
#include "core/util/xalloc.h"
#include "core/verify/fwcheck.h"

/* Each check decides on one finding; the strings are owned. */
/* The running command line's last argument with KEY, as written; NULL when
 * none or the line is unknown. */
static const char *running_find(const struct firmware *fw, const char *key)
{
	const struct cmdline *c = firmware_cmdline_args(fw);

	return c ? cmdline_find(c, key) : NULL;
}

static struct finding found(const char *id, enum finding_status st, const char *title,
			    const char *evidence, const char *fix)
{
	return (struct finding){ .id = id, .status = st, .title = xstrdup(title),
				 .evidence = xstrdup(evidence), .fix = xstrdup(fix) };
}

/* found() taking ownership of the formatted strings. */
static struct finding found_own(const char *id, enum finding_status st, char *title, char *evidence,
				char *fix)
{
	return (struct finding){ .id = id, .status = st, .title = title, .evidence = evidence, .fix = fix };
}

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

static struct finding check_cpu(const struct firmware *fw)
{
	enum host_cpu_vendor v = firmware_cpu_vendor(fw);

	if (!firmware_cpu_flags(fw))
		return found("cpu-virtualization", FINDING_INFO,
			     "CPU virtualization could not be read",
			     "/proc/cpuinfo: no \"flags\" line", NULL);
	if (firmware_cpu_has_flag(fw, "vmx"))
		return found("cpu-virtualization", FINDING_PASS,
			     "CPU virtualization is on (Intel VT-x)",
			     "/proc/cpuinfo: flags: ... vmx", NULL);
	if (firmware_cpu_has_flag(fw, "svm"))
		return found("cpu-virtualization", FINDING_PASS,
			     "CPU virtualization is on (AMD-V)",
			     "/proc/cpuinfo: flags: ... svm", NULL);
	if (is_vm(fw))
		return found_own("cpu-virtualization", FINDING_FAIL,
				 xasprintf("CPU virtualization is not available: this is a virtual machine without nested virtualization"),
				 xasprintf("/proc/cpuinfo: flags: no vmx or svm, but hypervisor"),
				 xasprintf("turn on nested virtualization in the hypervisor (on bare metal: %s)",
				     bios_cpu_fix(v)));
	return found("cpu-virtualization", FINDING_FAIL,
		     "CPU virtualization is off in the firmware",
		     "/proc/cpuinfo: flags: no vmx or svm", bios_cpu_fix(v));
}

static struct finding check_kvm(const struct firmware *fw)
{
	int dev = firmware_kvm_dev(fw);
	const char *mod = firmware_cpu_vendor(fw) == HOST_CPU_AMD ? "kvm_amd" : "kvm_intel";

	/* The module first: a test bed cannot hide the real /dev/kvm, and on a
	 * real host /dev/kvm exists only while kvm is loaded (or built in). */
	if (!firmware_kvm_module(fw))
		return found_own("kvm-device", FINDING_FAIL, xasprintf("KVM is not loaded"),
				 xasprintf("/sys/module/kvm: absent%s", dev == -ENOENT ? "; /dev/kvm: absent" : ""),
				 cpu_virt(fw) ? xasprintf("modprobe %s (if it refuses, dmesg says why)", mod)
					      : xasprintf("%s; then the kvm modules load by themselves",
						    is_vm(fw) ? "turn on nested virtualization in the hypervisor"
							      : bios_cpu_fix(firmware_cpu_vendor(fw))));
	if (dev == 0)
		return found("kvm-device", FINDING_PASS, "/dev/kvm is there and usable",
			     "/dev/kvm: present, readable and writable", NULL);
	if (dev == -EACCES)
		return found_own("kvm-device", FINDING_WARN,
				 xasprintf("/dev/kvm is there but this user cannot use it"),
				 xasprintf("/dev/kvm: present, not readable and writable by uid %u", (unsigned)getuid()),
				 xasprintf("run VMs as root or as a member of group kvm (usermod -aG kvm USER)"));
	return found_own("kvm-device", FINDING_FAIL, xasprintf("/dev/kvm is missing although kvm is loaded"),
			 xasprintf("/dev/kvm: absent; /sys/module/kvm: present"),
			 xasprintf("modprobe %s (the vendor module creates /dev/kvm; if it refuses, dmesg says why)", mod));
}

static struct finding check_iommu_firmware(const struct firmware *fw)
{
	enum host_cpu_vendor v = firmware_cpu_vendor(fw);
	const char *table = v == HOST_CPU_AMD ? "IVRS" : v == HOST_CPU_INTEL ? "DMAR" : "DMAR, IVRS";

	if (firmware_has_dmar(fw))
		return found("iommu-firmware", FINDING_PASS,
			     "The firmware has the IOMMU on (Intel VT-d)",
			     "/sys/firmware/acpi/tables/DMAR: present", NULL);
	if (firmware_has_ivrs(fw))
		return found("iommu-firmware", FINDING_PASS,
			     "The firmware has the IOMMU on (AMD-Vi)",
			     "/sys/firmware/acpi/tables/IVRS: present", NULL);
	if (firmware_n_iommu_groups(fw) > 0)
		return found_own("iommu-firmware", FINDING_PASS,
				 xasprintf("The kernel found an IOMMU without a DMAR or IVRS table"),
				 xasprintf("/sys/firmware/acpi/tables/%s: absent; /sys/class/iommu: %s",
				     table, firmware_n_iommus(fw) ? firmware_iommu(fw, 0) : "empty"),
				 NULL);
	if (!firmware_acpi_readable(fw))
		return found("iommu-firmware", FINDING_INFO,
			     "No ACPI tables to read: the firmware's IOMMU setting is unknown",
			     "/sys/firmware/acpi/tables: absent or unreadable", NULL);
	if (is_vm(fw))
		return found_own("iommu-firmware", FINDING_FAIL,
				 xasprintf("No IOMMU: this virtual machine has no virtual IOMMU"),
				 xasprintf("/sys/firmware/acpi/tables/%s: absent (/proc/cpuinfo: hypervisor)", table),
				 xasprintf("give the VM a virtual IOMMU (QEMU: -device intel-iommu,intremap=on) or run gpuvirt on the host"));
	return found_own("iommu-firmware", FINDING_FAIL,
			 xasprintf("The IOMMU is off in the firmware (no %s table)", table),
			 xasprintf("/sys/firmware/acpi/tables/%s: absent", table),
			 xasprintf("%s", bios_iommu_fix(v)));
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

static struct finding check_iommu_kernel(const struct firmware *fw)
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
		return found_own("iommu-kernel", FINDING_PASS,
				 xasprintf("The kernel has the IOMMU on (%zu IOMMU group%s)", ng, ng == 1 ? "" : "s"),
				 buf_steal(&b), NULL);
	}
	if (off) {
		char key[64];

		snprintf(key, sizeof(key), "%.*s", (int)strcspn(off, "="), off);
		return found_own("iommu-kernel", FINDING_FAIL,
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
			return found_own("iommu-kernel", FINDING_FAIL,
					 xasprintf("The kernel was asked to turn the IOMMU on but did not"),
					 xasprintf("/sys/firmware/acpi/tables/DMAR: present; /proc/cmdline: %s; /sys/kernel/iommu_groups: empty", on),
					 xasprintf("dmesg | grep -e DMAR -e IOMMU says why (a kernel without CONFIG_INTEL_IOMMU, or a broken DMAR table: update the BIOS)"));
		if (intel && !firmware_kernel_at_least(fw, 6, 8))
			return found_own("iommu-kernel", FINDING_FAIL,
					 xasprintf("The firmware has the IOMMU on but the kernel does not use it"),
					 xasprintf("/sys/firmware/acpi/tables/DMAR: present; /sys/kernel/iommu_groups: empty; kernel %s (the Intel IOMMU is off by default before 6.8)",
					     release ? release : "unknown"),
					 xasprintf("gpuvirt apply --iommu (adds intel_iommu=on), then reboot"));
		return found_own("iommu-kernel", FINDING_FAIL,
				 xasprintf("The firmware has the IOMMU on but the kernel does not use it"),
				 xasprintf("/sys/firmware/acpi/tables/%s: present; /sys/kernel/iommu_groups: empty; /proc/cmdline: no %s",
				     tname, intel ? "intel_iommu=on" : "amd_iommu= or iommu=off"),
				 xasprintf("gpuvirt apply --iommu, then reboot; if it stays off, dmesg | grep -e %s -e IOMMU says why",
				     intel ? "DMAR" : "AMD-Vi"));
	}
	return found_own("iommu-kernel", FINDING_FAIL, xasprintf("The kernel has no IOMMU"),
			 xasprintf("/sys/kernel/iommu_groups: empty; /sys/class/iommu: empty"),
			 xasprintf("first the firmware (see iommu-firmware): %s%s",
			     is_vm(fw) ? "give the VM a virtual IOMMU" : bios_iommu_fix(v),
			     intel && !firmware_kernel_at_least(fw, 6, 8) ? "; then gpuvirt apply --iommu" : ""));
}

static struct finding check_interrupt_remapping(const struct firmware *fw)
{
	const char *chip = firmware_ir_chip(fw);

	if (!firmware_interrupts_readable(fw))
		return found("interrupt-remapping", FINDING_INFO,
			     "Interrupt remapping is unknown", "/proc/interrupts: cannot read", NULL);
	if (chip)
		return found_own("interrupt-remapping", FINDING_PASS,
				 xasprintf("Interrupt remapping is on"), xasprintf("/proc/interrupts: %s", chip), NULL);
	if (firmware_n_iommu_groups(fw) == 0)
		return found("interrupt-remapping", FINDING_WARN,
			     "Interrupt remapping is off (it needs the IOMMU)",
			     "/proc/interrupts: no IR- interrupt chip",
			     "turn the IOMMU on first (see iommu-firmware and iommu-kernel)");
	return found_own("interrupt-remapping", FINDING_FAIL,
			 xasprintf("Interrupt remapping is off: VFIO refuses to assign devices"),
			 xasprintf("/proc/interrupts: no IR- interrupt chip"),
			 xasprintf("%s; as a last resort gpuvirt apply --cmdline-add vfio_iommu_type1.allow_unsafe_interrupts=1 (gives up protection against MSI attacks from the VM)",
			     firmware_cpu_vendor(fw) == HOST_CPU_AMD
				     ? "update the BIOS and keep \"AMD IOMMU\" on (dmesg | grep AMD-Vi says why remapping is off)"
				     : "turn on \"Interrupt Remapping\" and \"X2APIC\" under \"Intel VT-d\" in the BIOS/UEFI setup"));
}

static struct finding check_vmd(const struct host *h)
{
	struct buf ev = BUF_INIT;
	const char *gpu = NULL;
	size_t n = 0;

	if (!h)
		return found("vmd", FINDING_INFO, "Intel VMD is unknown (no PCI devices could be read)",
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
		return found("vmd", FINDING_PASS, "No Intel VMD controller hides devices",
			     "/sys/bus/pci/devices: no domain above ffff, no device bound to vmd", NULL);
	}
	if (n > 3)
		buf_printf(&ev, "; %zu more", n - 3);
	return found_own("vmd", gpu ? FINDING_FAIL : FINDING_WARN,
			 gpu ? xasprintf("GPU %s is behind Intel VMD and cannot be passed to a VM", gpu)
			     : xasprintf("Intel VMD is on: devices behind it cannot be passed to a VM"),
			 buf_steal(&ev),
			 xasprintf("turn VMD off in the BIOS/UEFI setup (\"VMD setup menu\" / \"Enable VMD controller\"), as the N100 guide does; devices behind VMD cannot be passed to a VM"));
}

static struct finding check_uefi(const struct firmware *fw)
{
	if (firmware_efi(fw))
		return found("uefi", FINDING_PASS, "Booted with UEFI", "/sys/firmware/efi: present", NULL);
	return found("uefi", FINDING_INFO, "Booted in legacy BIOS (CSM) mode",
		     "/sys/firmware/efi: absent", NULL);
}

static struct finding check_secure_boot(const struct firmware *fw)
{
	static const char var[] = "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";

	if (!firmware_efi(fw))
		return found("secure-boot", FINDING_INFO, "Secure Boot does not apply (legacy boot)",
			     "/sys/firmware/efi: absent", NULL);
	switch (firmware_secure_boot(fw)) {
	case 1:
		return found_own("secure-boot", FINDING_WARN,
				 xasprintf("Secure Boot is on: unsigned DKMS modules (i915-sriov-dkms, NVIDIA vGPU) will not load"),
				 xasprintf("%s: last byte 1", var),
				 xasprintf("enrol the DKMS signing key (mokutil --import /var/lib/dkms/mok.pub, reboot, confirm in MokManager) or turn \"Secure Boot\" off in the BIOS/UEFI setup"));
	case 0:
		return found_own("secure-boot", FINDING_PASS, xasprintf("Secure Boot is off"),
				 xasprintf("%s: last byte 0", var), NULL);
	default:
		return found_own("secure-boot", FINDING_INFO, xasprintf("Secure Boot state is unknown"),
				 xasprintf("%s: absent or unreadable", var), NULL);
	}
}

static struct finding check_kernel(const struct firmware *fw)
{
	const char *rel = firmware_kernel_release(fw);

	if (!rel)
		return found("kernel-version", FINDING_WARN, "The kernel release could not be read",
			     "/proc/sys/kernel/osrelease: cannot read", NULL);
	return found_own("kernel-version", FINDING_INFO,
			 xasprintf("Kernel %s: %s%s", rel,
			     firmware_kernel_at_least(fw, 6, 2)
				     ? "vfio_virqfd is part of vfio (since 6.2), do not list it"
				     : "list vfio_virqfd with the vfio modules (separate before 6.2)",
			     firmware_kernel_at_least(fw, 6, 8)
				     ? "; NVIDIA vGPU 17+ uses per-VF sysfs instead of mdev (6.8+)"
				     : "; the Intel IOMMU is off unless intel_iommu=on (before 6.8)"),
			 xasprintf("/proc/sys/kernel/osrelease: %s", rel), NULL);
}

static struct finding check_passthrough_mode(const struct firmware *fw)
{
	size_t ng = firmware_n_iommu_groups(fw);
	const char *pt = running_find(fw, "iommu");
	int dma_id = -1, id_id = -1;
	const char *dma_type = NULL;

	if (!ng)
		return found("iommu-passthrough-mode", FINDING_INFO,
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
		return found_own("iommu-passthrough-mode", FINDING_PASS,
				 xasprintf("The IOMMU is in passthrough mode for the host (iommu=pt)"),
				 id_id >= 0 ? xasprintf("/proc/cmdline: iommu=pt; /sys/kernel/iommu_groups/%d/type: identity", id_id)
					    : xasprintf("/proc/cmdline: iommu=pt"),
				 NULL);
	if (dma_id >= 0)
		return found_own("iommu-passthrough-mode", FINDING_WARN,
				 xasprintf("The IOMMU translates the host's own DMA (%s): iommu=pt is recommended", dma_type),
				 xasprintf("/sys/kernel/iommu_groups/%d/type: %s", dma_id, dma_type),
				 xasprintf("gpuvirt apply --cmdline-add iommu=pt, then reboot"));
	if (id_id >= 0)
		return found_own("iommu-passthrough-mode", FINDING_PASS,
				 xasprintf("The IOMMU is in passthrough mode for the host"),
				 xasprintf("/sys/kernel/iommu_groups/%d/type: identity", id_id), NULL);
	return found("iommu-passthrough-mode", FINDING_INFO, "IOMMU passthrough mode is unknown",
		     "/sys/kernel/iommu_groups/N/type: cannot read", NULL);
}

static void add(struct findings *fs, struct finding f)
{
	f.category = FINDING_FIRMWARE;
	findings_add(fs, &f);
	free((char *)f.title);
	free((char *)f.evidence);
	free((char *)f.fix);
}

void fwcheck_run(struct findings *fs, const struct host *h)
{
	const struct firmware *fw = host_firmware(h);

	struct finding (*const fns[])(const struct firmware *) = {
		check_cpu, check_kvm, check_iommu_firmware, check_iommu_kernel, check_interrupt_remapping,
	};

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		add(fs, fns[i](fw));
	add(fs, check_vmd(h));
	add(fs, check_uefi(fw));
	add(fs, check_secure_boot(fw));
	add(fs, check_kernel(fw));
	add(fs, check_passthrough_mode(fw));
}
