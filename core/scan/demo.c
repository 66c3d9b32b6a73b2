/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sample host behind `gpuvirt --demo`, for machines without a GPU: the
 * same host as tests/fixtures/hosts/ubuntu-v100, built in memory so that the
 * demo needs neither /sys nor umockdev, and its configuration root: the
 * Ubuntu 24.04 files of tests/fixtures/hosts/ubuntu-v100/root (GRUB with
 * grub.d, initramfs-tools, modprobe.d, a libvirt domain win11 to give the V100
 * to), so the demo walks the whole flow: the boot loader found from evidence,
 * a GRUB drop-in diff, the initramfs, the VM.
 * tests/unit/test_host.c keeps these bytes equal to the fixture's.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/scan/demo.h"
#include "core/scan/host-private.h"
#include "core/scan/names.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"

/* ---- the hardware ---- */

struct demo_dev {
	const char *addr;
	int vendor, device, sub_vendor, sub_device, class_code;
	const char *driver;
	const char *module;       /* the driver's module; NULL: built in */
	int group;
	int boot_vga;
};

static const struct demo_dev demo_devs[] = {
	{ "0000:00:00.0", 0x1022, 0x1480, 0x0000, 0x0000, 0x060000, NULL, NULL, 0, -1 },
	{ "0000:00:01.1", 0x1022, 0x1483, 0x0000, 0x0000, 0x060400, "pcieport", NULL, 1, -1 },
	{ "0000:01:00.0", 0x1a03, 0x1150, 0x0000, 0x0000, 0x060400, NULL, NULL, 1, -1 },
	{ "0000:02:00.0", 0x1a03, 0x2000, 0x0000, 0x0000, 0x030000, "ast", "ast", 1, 1 },
	{ "0000:40:00.0", 0x1022, 0x1480, 0x0000, 0x0000, 0x060000, NULL, NULL, 64, -1 },
	{ "0000:40:03.1", 0x1022, 0x1483, 0x0000, 0x0000, 0x060400, "pcieport", NULL, 65, -1 },
	{ "0000:41:00.0", 0x10de, 0x1db4, 0x10de, 0x1214, 0x030200, "nouveau", "nouveau", 66, 0 },
	{ "0000:60:00.0", 0x1022, 0x1480, 0x0000, 0x0000, 0x060000, NULL, NULL, 80, -1 },
	{ "0000:60:01.1", 0x1022, 0x1483, 0x0000, 0x0000, 0x060400, "pcieport", NULL, 81, -1 },
	{ "0000:61:00.0", 0x8086, 0x1521, 0x0000, 0x0000, 0x020000, "igb", "igb", 82, -1 },
	{ "0000:61:00.1", 0x8086, 0x1521, 0x0000, 0x0000, 0x020000, "igb", "igb", 83, -1 },
};

/*
 * What the sample host's firmware and kernel say: an AMD EPYC server as it
 * comes, with SVM and the IOMMU on in the BIOS (an IVRS table, AMD-Vi units,
 * interrupt remapping), booted with UEFI, Secure Boot off, Ubuntu's stock
 * kernel command line (no iommu=pt), so the checklist has something to say.
 */
static const char demo_cpu_flags[] =
	"fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse "
	"sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl nonstop_tsc "
	"cpuid extd_apicid aperfmperf rapl pni pclmulqdq monitor ssse3 fma cx16 sse4_1 sse4_2 movbe "
	"popcnt aes xsave avx f16c rdrand lahf_lm cmp_legacy svm extapic cr8_legacy abm sse4a "
	"misalignsse 3dnowprefetch osvw ibs skinit wdt tce topoext perfctr_core perfctr_nb bpext "
	"perfctr_llc mwaitx cpb cat_l3 cdp_l3 hw_pstate ssbd mba ibrs ibpb stibp vmmcall fsgsbase bmi1 "
	"avx2 smep bmi2 cqm rdt_a rdseed adx smap clflushopt clwb sha_ni xsaveopt xsavec xgetbv1 "
	"xsaves cqm_llc cqm_occup_llc cqm_mbm_total cqm_mbm_local clzero irperf xsaveerptr rdpru "
	"wbnoinvd amd_ppin arat npt lbrv svm_lock nrip_save tsc_scale vmcb_clean flushbyasid "
	"decodeassists pausefilter pfthreshold avic v_vmsave_vmload vgif v_spec_ctrl umip rdpid "
	"overflow_recov succor smca sme sev sev_es";

static const char *const demo_modules[] = {
	"nouveau", "ast", "drm_kms_helper", "drm", "igb", "kvm_amd", "kvm", "ccp", "k10temp", NULL,
};

static void demo_firmware(struct host *h)
{
	static long long booted = -1;
	struct firmware *fw = &h->fw;
	size_t n_devs = sizeof(demo_devs) / sizeof(demo_devs[0]);

	/* Booted when the program started: what is applied in the demo is
	 * applied after this boot, so it waits for a reboot, as on a real host. */
	if (booted < 0)
		booted = (long long)time(NULL);
	fw->boot_time = booted;
	fw->cpu_vendor = HOST_CPU_AMD;
	fw->cpu_flags = xstrdup(demo_cpu_flags);
	fw->kvm_module = true;
	fw->kvm_dev = 0;
	fw->acpi_readable = true;
	fw->ivrs = true;
	for (int i = 0; i < 4; i++) {
		fw->iommus = xreallocarray(fw->iommus, fw->n_iommus + 2, sizeof(*fw->iommus));
		fw->iommus[fw->n_iommus++] = xasprintf("ivhd%d", i);
		fw->iommus[fw->n_iommus] = NULL;
	}
	/* one group per function, in id order, as the table lists them */
	fw->groups = xcalloc(n_devs, sizeof(*fw->groups));
	for (size_t i = 0; i < n_devs; i++) {
		int id = demo_devs[i].group;
		if (fw->n_groups && fw->groups[fw->n_groups - 1].id == id)
			continue;
		fw->groups[fw->n_groups].id = id;
		fw->groups[fw->n_groups].type = xstrdup("DMA-FQ");
		fw->n_groups++;
	}
	fw->interrupts_readable = true;
	fw->ir_chip = xstrdup("IR-PCI-MSIX-0000:61:00.0");
	fw->efi = true;
	fw->secure_boot = 0;
	firmware_set_release(fw, "6.8.0-45-generic");
	firmware_set_cmdline(fw, "BOOT_IMAGE=/boot/vmlinuz-6.8.0-45-generic "
			     "root=UUID=3f1c2d4e-8a6b-4c1d-9e2f-5a6b7c8d9e0f ro quiet splash");
	fw->modules_readable = true;
	for (size_t i = 0; demo_modules[i]; i++) {
		fw->modules = xreallocarray(fw->modules, fw->n_modules + 2, sizeof(*fw->modules));
		fw->modules[fw->n_modules++] = xstrdup(demo_modules[i]);
		fw->modules[fw->n_modules] = NULL;
		fw->sys_modules = xreallocarray(fw->sys_modules, fw->n_sys_modules + 2, sizeof(*fw->sys_modules));
		fw->sys_modules[fw->n_sys_modules++] = xstrdup(demo_modules[i]);
		fw->sys_modules[fw->n_sys_modules] = NULL;
	}
}

int host_demo(struct host **ret)
{
	struct host *h = host_alloc();

	h->in_memory = true;
	struct names *names = names_new();

	for (size_t i = 0; i < sizeof(demo_devs) / sizeof(demo_devs[0]); i++) {
		const struct demo_dev *dd = &demo_devs[i];
		struct pciaddr a;
		if (pciaddr_parse(dd->addr, &a) < 0)
			abort();
		struct host_device *d = host_add_device(h, &a);
		d->vendor_id = dd->vendor;
		d->device_id = dd->device;
		d->subsys_vendor_id = dd->sub_vendor;
		d->subsys_device_id = dd->sub_device;
		d->class_code = dd->class_code;
		d->driver = xstrdup(dd->driver);
		d->driver_module = xstrdup(dd->module);
		d->iommu_group = dd->group;
		d->boot_vga = dd->boot_vga;
		if (dd->vendor == 0x8086 && dd->device == 0x1521) {
			/* Intel I350: 7 VFs a port (8086:1520), none enabled; the
			 * two ports' VFs interleave on the next bus */
			d->sriov_total = 7;
			d->sriov_num = 0;
			d->sriov_offset = 0x180;
			d->sriov_stride = 4;
			d->sriov_vf_device = 0x1520;
			d->sriov_autoprobe = 1;
			d->sriov_driver = HOST_SRIOV_DRIVER_CAN;
		}
		if (dd->vendor == 0x10de) {
			struct host_mdev_type *t = host_device_add_mdev_type(d, "nvidia-300");
			t->name = xstrdup("GRID V100-8C");
			t->available_instances = 2;
			t->device_api = xstrdup("vfio-pci");
			t->description = xstrdup("num_heads=1, frl_config=60, framebuffer=8192M, "
					     "max_resolution=4096x2160, max_instance=2");
			t = host_device_add_mdev_type(d, "nvidia-299");
			t->name = xstrdup("GRID V100-4C");
			t->available_instances = 4;
			t->device_api = xstrdup("vfio-pci");
			t->description = xstrdup("num_heads=1, frl_config=60, framebuffer=4096M, "
					     "max_resolution=4096x2160, max_instance=4");
		}
	}
	demo_firmware(h);
	host_finish(h, names);
	names_free(names);
	*ret = h;
	return 0;
}

/* ---- the configuration root ---- */

static const struct demo_file files[] = {
	{ "boot/grub/grub.cfg",
		"# generated by grub-mkconfig (fixture)\n" },
	{ "etc/debian_version",
		"trixie/sid\n" },
	{ "etc/default/grub",
		"# If you change this file, run 'update-grub' afterwards to update\n"
		"# /boot/grub/grub.cfg.\n"
		"# For full documentation of the options in this file, see:\n"
		"#   info -f grub -n 'Simple configuration'\n"
		"\n"
		"GRUB_DEFAULT=0\n"
		"GRUB_TIMEOUT_STYLE=hidden\n"
		"GRUB_TIMEOUT=0\n"
		"GRUB_DISTRIBUTOR=`( . /etc/os-release; echo ${NAME:-Ubuntu} ) 2>/dev/null || echo Ubuntu`\n"
		"GRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"\n"
		"GRUB_CMDLINE_LINUX=\"\"\n"
		"\n"
		"# Uncomment to enable BadRAM filtering, modify to suit your needs\n"
		"# This works with Linux (no patch required) and with any kernel that obtains\n"
		"# the memory map information from GRUB (GNU Mach, kernel of FreeBSD ...)\n"
		"#GRUB_BADRAM=\"0x01234567,0xfefefefe,0x89abcdef,0xefefefef\"\n"
		"\n"
		"# Uncomment to disable graphical terminal (grub-pc only)\n"
		"#GRUB_TERMINAL=console\n" },
	{ "etc/default/grub.d/init-select.cfg",
		"# Set the init to be systemd by default (fixture)\n"
		"if [ \"${GRUB_CMDLINE_LINUX_DEFAULT#*init=}\" = \"${GRUB_CMDLINE_LINUX_DEFAULT}\" ]; then\n"
		"\ttrue\n"
		"fi\n" },
	{ "etc/initramfs-tools/modules",
		"# List of modules that you want to include in your initramfs.\n"
		"# They will be loaded at boot time in the order below.\n"
		"#\n"
		"# Syntax:  module_name [args ...]\n" },
	{ "etc/libvirt/qemu/win11.xml",
		"<!--\n"
		"WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n"
		"OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:\n"
		"  virsh edit win11\n"
		"or other application using the libvirt API.\n"
		"-->\n"
		"\n"
		"<domain type='kvm'>\n"
		"  <name>win11</name>\n"
		"  <uuid>5f0b1c2e-7a3d-4e8f-9b6a-1c2d3e4f5a6b</uuid>\n"
		"  <memory unit='KiB'>16777216</memory>\n"
		"  <currentMemory unit='KiB'>16777216</currentMemory>\n"
		"  <vcpu placement='static'>8</vcpu>\n"
		"  <os firmware='efi'>\n"
		"    <type arch='x86_64' machine='pc-q35-8.2'>hvm</type>\n"
		"    <boot dev='hd'/>\n"
		"  </os>\n"
		"  <features>\n"
		"    <acpi/>\n"
		"    <apic/>\n"
		"    <hyperv mode='custom'>\n"
		"      <relaxed state='on'/>\n"
		"      <vapic state='on'/>\n"
		"      <spinlocks state='on' retries='8191'/>\n"
		"    </hyperv>\n"
		"  </features>\n"
		"  <cpu mode='host-passthrough' check='none' migratable='on'/>\n"
		"  <clock offset='localtime'>\n"
		"    <timer name='hypervclock' present='yes'/>\n"
		"  </clock>\n"
		"  <on_poweroff>destroy</on_poweroff>\n"
		"  <on_reboot>restart</on_reboot>\n"
		"  <on_crash>destroy</on_crash>\n"
		"  <devices>\n"
		"    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
		"    <disk type='file' device='disk'>\n"
		"      <driver name='qemu' type='qcow2'/>\n"
		"      <source file='/var/lib/libvirt/images/win11.qcow2'/>\n"
		"      <target dev='sda' bus='sata'/>\n"
		"      <address type='drive' controller='0' bus='0' target='0' unit='0'/>\n"
		"    </disk>\n"
		"    <controller type='sata' index='0'>\n"
		"      <address type='pci' domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/>\n"
		"    </controller>\n"
		"    <controller type='pci' index='0' model='pcie-root'/>\n"
		"    <interface type='network'>\n"
		"      <mac address='52:54:00:3a:7c:11'/>\n"
		"      <source network='default'/>\n"
		"      <model type='e1000e'/>\n"
		"    </interface>\n"
		"    <input type='mouse' bus='ps2'/>\n"
		"    <input type='keyboard' bus='ps2'/>\n"
		"    <graphics type='spice' autoport='yes'>\n"
		"      <listen type='address'/>\n"
		"    </graphics>\n"
		"    <video>\n"
		"      <model type='qxl' ram='65536' vram='65536' vgamem='16384' heads='1' primary='yes'/>\n"
		"      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>\n"
		"    </video>\n"
		"    <memballoon model='virtio'>\n"
		"    </memballoon>\n"
		"  </devices>\n"
		"</domain>\n" },
	{ "etc/modprobe.d/blacklist.conf",
		"# This file lists those modules which we don't want to be loaded by\n"
		"# alias expansion, usually so some other driver will be loaded for the\n"
		"# device instead.\n"
		"\n"
		"# evbug is a debug tool that should be loaded explicitly\n"
		"blacklist evbug\n"
		"\n"
		"# these drivers are very simple, the HID drivers are usually preferred\n"
		"blacklist usbmouse\n"
		"blacklist usbkbd\n" },
	{ "etc/os-release",
		"PRETTY_NAME=\"Ubuntu 24.04.1 LTS\"\n"
		"NAME=\"Ubuntu\"\n"
		"VERSION_ID=\"24.04\"\n"
		"ID=ubuntu\n"
		"ID_LIKE=debian\n" },
};

size_t demo_root_n_files(void)
{
	return sizeof(files) / sizeof(files[0]);
}

const struct demo_file *demo_root_file(size_t i)
{
	return i < demo_root_n_files() ? &files[i] : NULL;
}

int demo_root_populate(const char *dir, struct gv_error *err)
{
	for (size_t i = 0; i < demo_root_n_files(); i++) {
		char *path = fsutil_join(dir, files[i].path);
		char *slash = strrchr(path, '/');
		int r;

		*slash = '\0';
		r = fsutil_mkdir_p(path, 0755, NULL);
		*slash = '/';
		if (r >= 0)
			r = fsutil_write_atomic(path, files[i].content, strlen(files[i].content), 0644, err);
		free(path);
		if (r < 0)
			return r;
	}
	return 0;
}
