/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Export to libvirt, QEMU and Proxmox, on fixture test beds. The consumers'
 * own checks (libvirt's schema, QEMU's property list, qemu-server's grammar)
 * run in tests/cli/export.sh; here the exact texts, notes and refusals. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/export/export.h"
#include "core/scan/host.h"
#include "core/util/log.h"
#include "tests/unit/testbed.h"

static void quiet(void *userdata, enum gv_log_level level, const char *msg)
{
	(void)userdata;
	(void)level;
	(void)msg;
}

static struct host *scan(const char *fixture)
{
	struct host *h = NULL;
	struct gv_error err = {};

	testbed_use(fixture);
	gv_log_set(quiet, NULL);
	ck_assert_msg(host_scan(&h, &err) == 0, "host_scan: %s", err.msg);
	return h;
}

/* Export DEVICE as FORMAT (with FLAGS applied to the options) and expect it
 * to work. */
static struct export_result *ok(const struct host *h, const char *device, enum export_format format,
				bool primary, bool force)
{
	struct export_opts o = { .format = format, .primary = primary, .force_boot_gpu = force };
	struct export_result *r = NULL;
	struct gv_error err = {};

	ck_assert_msg(export_device(h, device, &o, &r, &err) == 0, "%s: %s", device, err.msg);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->format, format);
	return r;
}

/* Export DEVICE and expect the error CODE with exactly MSG. */
static void refused(const struct host *h, const char *device, enum export_format format, bool force, int code,
		    const char *msg)
{
	struct export_opts o = { .format = format, .force_boot_gpu = force };
	struct export_result *r = NULL;
	struct gv_error err = {};

	ck_assert_int_eq(export_device(h, device, &o, &r, &err), code);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(err.code, code);
	ck_assert_str_eq(err.msg, msg);
}

static bool has_note(const struct export_result *r, const char *part)
{
	for (size_t i = 0; i < r->n_notes; i++)
		if (strstr(r->notes[i], part))
			return true;
	return false;
}

START_TEST(test_format_names)
{
	enum export_format f = EXPORT_QEMU;

	for (int i = EXPORT_LIBVIRT; i <= EXPORT_PROXMOX; i++) {
		ck_assert_int_eq(export_format_parse(export_format_name((enum export_format)i), &f), 0);
		ck_assert_int_eq(f, i);
	}
	ck_assert_str_eq(export_format_name(EXPORT_LIBVIRT), "libvirt");
	ck_assert_int_eq(export_format_parse("xml", &f), -EINVAL);
	ck_assert_int_eq(export_format_parse("Libvirt", &f), -EINVAL);
	ck_assert_int_eq(export_format_parse(NULL, &f), -EINVAL);
	ck_assert_int_eq(f, EXPORT_PROXMOX);   /* untouched on failure */
	export_result_free(NULL);
}
END_TEST

START_TEST(test_v100)
{
	struct host *h = scan("ubuntu-v100");
	struct export_result *r = ok(h, "41:00.0", EXPORT_LIBVIRT, false, false);

	ck_assert_str_eq(r->device, "0000:41:00.0");
	ck_assert_str_eq(r->text, "<hostdev mode='subsystem' type='pci' managed='yes'>\n"
			 "  <source>\n"
			 "    <address domain='0x0000' bus='0x41' slot='0x00' function='0x0'/>\n"
			 "  </source>\n"
			 "</hostdev>\n");
	ck_assert_uint_eq(r->n_notes, 1);
	ck_assert_str_eq(r->notes[0], "0000:41:00.0 (nouveau) is on a host driver now: with managed='yes' libvirt "
			 "detaches it to vfio-pci when the domain starts and gives it back when it stops");
	export_result_free(r);

	r = ok(h, "0000:41:00.0", EXPORT_QEMU, false, false);
	ck_assert_str_eq(r->text, "-device vfio-pci,host=0000:41:00.0\n");
	ck_assert_uint_eq(r->n_notes, 1);
	ck_assert_str_eq(r->notes[0], "0000:41:00.0 (nouveau): not on vfio-pci, and QEMU binds nothing; bind first "
			 "with gpuvirt apply --vfio 0000:41:00.0");
	export_result_free(r);

	r = ok(h, "41:00.0", EXPORT_PROXMOX, false, false);
	ck_assert_str_eq(r->text, "hostpci0: 0000:41:00.0,pcie=1\n");
	ck_assert(has_note(r, "pcie=1 needs the q35 machine type"));
	ck_assert(has_note(r, "0000:41:00.0 (nouveau) is on a host driver now: Proxmox binds"));
	export_result_free(r);
	host_free(h);
}
END_TEST

START_TEST(test_hostpci_index)
{
	struct host *h = scan("ubuntu-v100");
	struct export_opts o = { .format = EXPORT_PROXMOX, .hostpci = 15 };
	struct export_result *r = NULL;
	struct gv_error err = {};

	ck_assert_int_eq(export_device(h, "41:00.0", &o, &r, &err), 0);
	ck_assert_str_eq(r->text, "hostpci15: 0000:41:00.0,pcie=1\n");
	export_result_free(r);
	r = NULL;
	o.hostpci = 16;
	ck_assert_int_eq(export_device(h, "41:00.0", &o, &r, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "hostpci16: Proxmox has hostpci0 to hostpci15");
	ck_assert_ptr_null(r);
	host_free(h);
}
END_TEST

START_TEST(test_vgpu)
{
	struct host *h = scan("export-v100-vgpu");
	/* upper case in, the kernel's lower case out */
	struct export_result *r = ok(h, "C2E088B4-6C7E-4C4B-8D6F-2B0F3A1D9E57", EXPORT_LIBVIRT, false, false);

	ck_assert_str_eq(r->device, "c2e088b4-6c7e-4c4b-8d6f-2b0f3a1d9e57");
	ck_assert_str_eq(r->text, "<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci' display='on'>\n"
			 "  <source>\n"
			 "    <address uuid='c2e088b4-6c7e-4c4b-8d6f-2b0f3a1d9e57'/>\n"
			 "  </source>\n"
			 "</hostdev>\n");
	ck_assert(has_note(r, "it must exist on 0000:41:00.0 when the domain starts"));
	export_result_free(r);

	r = ok(h, "634fc146-50a3-4960-ac30-f09e5cedc674", EXPORT_QEMU, false, false);
	ck_assert_str_eq(r->text, "-device vfio-pci,sysfsdev=/sys/bus/mdev/devices/634fc146-50a3-4960-ac30-f09e5cedc674,"
			 "display=on\n");
	export_result_free(r);

	r = ok(h, "634fc146-50a3-4960-ac30-f09e5cedc674", EXPORT_PROXMOX, false, false);
	ck_assert_str_eq(r->text, "hostpci0: 0000:41:00.0,mdev=nvidia-300,pcie=1\n");
	ck_assert(has_note(r, "Proxmox creates its own mdev of type nvidia-300 on 0000:41:00.0"));
	export_result_free(r);

	/* the parent itself: whole, on nvidia (a host driver) */
	r = ok(h, "41:00.0", EXPORT_LIBVIRT, false, false);
	ck_assert(has_note(r, "0000:41:00.0 (nvidia) is on a host driver now"));
	export_result_free(r);

	refused(h, "634fc146-50a3-4960-ac30-f09e5cedc675", EXPORT_QEMU, false, -ENODEV,
		"mdev 634fc146-50a3-4960-ac30-f09e5cedc675: no such mediated device on this host");
	host_free(h);
}
END_TEST

START_TEST(test_n100_vf)
{
	struct host *h = scan("proxmox-n100");
	struct export_result *r = ok(h, "00:02.1", EXPORT_PROXMOX, false, false);

	ck_assert_str_eq(r->device, "0000:00:02.1");
	ck_assert_str_eq(r->text, "hostpci0: 0000:00:02.1,pcie=1\n");
	/* no driver: nothing for Proxmox to unbind */
	ck_assert(!has_note(r, "host driver"));
	export_result_free(r);

	r = ok(h, "00:02.3", EXPORT_LIBVIRT, false, false);
	ck_assert(strstr(r->text, "<address domain='0x0000' bus='0x00' slot='0x02' function='0x3'/>"));
	ck_assert(!strstr(r->text, "multifunction"));
	ck_assert_uint_eq(r->n_notes, 0);
	export_result_free(r);

	r = ok(h, "00:02.1", EXPORT_QEMU, true, false);
	ck_assert_str_eq(r->text, "-device vfio-pci,host=0000:00:02.1\n");
	ck_assert(has_note(r, "0000:00:02.1 (no driver): not on vfio-pci"));
	ck_assert(has_note(r, "a VF has no legacy VGA"));
	export_result_free(r);

	r = ok(h, "00:02.1", EXPORT_PROXMOX, true, false);
	ck_assert_str_eq(r->text, "hostpci0: 0000:00:02.1,pcie=1,x-vga=1\n");
	export_result_free(r);

	/* the PF with VFs enabled: a VF is named instead, even when forced */
	refused(h, "00:02.0", EXPORT_PROXMOX, true, -EINVAL,
		"0000:00:02.0 is an SR-IOV PF with 3 VFs enabled, which a VM cannot have while they exist; "
		"give a VF instead: 0000:00:02.1");
	host_free(h);
}
END_TEST

START_TEST(test_rtx_with_audio)
{
	struct host *h = scan("desktop-twins");
	static const char *const asked[] = { "01:00.0", "0000:01:00.1" };

	for (size_t i = 0; i < 2; i++) {
		struct export_result *r = ok(h, asked[i], EXPORT_LIBVIRT, false, false);

		ck_assert_str_eq(r->text,
				 "<hostdev mode='subsystem' type='pci' managed='yes'>\n"
				 "  <source>\n"
				 "    <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>\n"
				 "  </source>\n"
				 "  <address type='pci' domain='0x0000' bus='0x00' slot='0x10' function='0x0' multifunction='on'/>\n"
				 "</hostdev>\n"
				 "<hostdev mode='subsystem' type='pci' managed='yes'>\n"
				 "  <source>\n"
				 "    <address domain='0x0000' bus='0x01' slot='0x00' function='0x1'/>\n"
				 "  </source>\n"
				 "  <address type='pci' domain='0x0000' bus='0x00' slot='0x10' function='0x1'/>\n"
				 "</hostdev>\n");
		ck_assert(has_note(r, "0000:01:00.0 (nouveau), 0000:01:00.1 (snd_hda_intel) are on a host driver now"));
		export_result_free(r);

		r = ok(h, asked[i], EXPORT_QEMU, false, false);
		ck_assert_str_eq(r->text, "-device vfio-pci,host=0000:01:00.0,bus=pcie.0,addr=10.0,multifunction=on \\\n"
				 "-device vfio-pci,host=0000:01:00.1,bus=pcie.0,addr=10.1\n");
		export_result_free(r);

		r = ok(h, asked[i], EXPORT_PROXMOX, false, false);
		ck_assert_str_eq(r->text, "hostpci0: 0000:01:00.0;0000:01:00.1,pcie=1\n");
		ck_assert(has_note(r, "qm set VMID -hostpci0 '0000:01:00.0;0000:01:00.1,pcie=1'"));
		export_result_free(r);
	}

	struct export_result *r = ok(h, "02:00.0", EXPORT_QEMU, true, false);
	ck_assert_str_eq(r->text, "-device vfio-pci,host=0000:02:00.0,bus=pcie.0,addr=10.0,multifunction=on,x-vga=on \\\n"
			 "-device vfio-pci,host=0000:02:00.1,bus=pcie.0,addr=10.1\n");
	export_result_free(r);
	host_free(h);
}
END_TEST

START_TEST(test_nvidia_vf)
{
	struct host *h = scan("export-nvidia-vf");
	struct export_result *r = ok(h, "17:00.4", EXPORT_LIBVIRT, false, false);

	ck_assert(strstr(r->text, "<hostdev mode='subsystem' type='pci' managed='no'>\n"));
	ck_assert(has_note(r, "0000:17:00.4 stays on nvidia"));
	export_result_free(r);
	r = ok(h, "17:00.4", EXPORT_QEMU, false, false);
	ck_assert(!has_note(r, "--vfio"));
	export_result_free(r);
	/* the PF, with its VFs enabled */
	refused(h, "17:00.0", EXPORT_LIBVIRT, false, -EINVAL,
		"0000:17:00.0 is an SR-IOV PF with 4 VFs enabled, which a VM cannot have while they exist; "
		"give a VF instead: 0000:17:00.4");
	host_free(h);
}
END_TEST

START_TEST(test_refusals)
{
	struct host *h = scan("ubuntu-v100");
	struct export_opts o = { .format = EXPORT_QEMU, .primary = true };
	struct export_result *r = NULL;
	struct gv_error err = {};

	refused(h, "40:03.1", EXPORT_LIBVIRT, true, -EINVAL,
		"0000:40:03.1 is a bridge (class 060400); bridges stay with the host");
	refused(h, "01:00.0", EXPORT_LIBVIRT, true, -EINVAL,
		"0000:01:00.0 is a bridge (class 060400); bridges stay with the host");
	refused(h, "02:00.0", EXPORT_PROXMOX, false, -EPERM,
		"0000:02:00.0 is the boot GPU (boot_vga=1): giving it to a VM takes the host's console on it; use a "
		"serial console or ssh and pass --force-boot-gpu");
	refused(h, "99:00.0", EXPORT_PROXMOX, false, -ENODEV, "0000:99:00.0: no such PCI device on this host");
	refused(h, "41:00", EXPORT_PROXMOX, false, -EINVAL,
		"'41:00' is neither a PCI address (0000:41:00.0 or 41:00.0) nor an mdev UUID");
	refused(h, "", EXPORT_PROXMOX, false, -EINVAL,
		"'' is neither a PCI address (0000:41:00.0 or 41:00.0) nor an mdev UUID");
	ck_assert_int_eq(export_device(h, "41:00.0", &o, &r, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "--primary: 0000:41:00.0 is not a VGA-class GPU (class 030200), so it cannot be the "
			 "guest's primary display");

	r = ok(h, "02:00.0", EXPORT_LIBVIRT, false, true);
	ck_assert(has_note(r, "--force-boot-gpu: 0000:02:00.0 is the boot GPU (boot_vga=1): the host loses its "
			   "console on it while the VM runs"));
	export_result_free(r);
	host_free(h);

	h = scan("desktop-twins");
	refused(h, "03:00.0", EXPORT_QEMU, true, -EINVAL,
		"0000:03:00.0 shares IOMMU group 14 with devices the host keeps: 0000:04:00.0; a VM can only have the "
		"group whole (see gpuvirt list)");
	refused(h, "03:00.1", EXPORT_QEMU, true, -EINVAL,
		"0000:03:00.1 shares IOMMU group 14 with devices the host keeps: 0000:04:00.0; a VM can only have the "
		"group whole (see gpuvirt list)");
	refused(h, "04:00.0", EXPORT_QEMU, false, -EINVAL,
		"0000:04:00.0 shares IOMMU group 14 with devices the host keeps: 0000:03:00.0, 0000:03:00.1; a VM can "
		"only have the group whole (see gpuvirt list)");
	host_free(h);

	/* the host's only GPU, though not the boot one */
	h = scan("drv-single");
	refused(h, "0a:00.0", EXPORT_LIBVIRT, false, -EPERM,
		"0000:0a:00.0 is the host's only GPU: giving it to a VM takes the host's console on it; use a serial "
		"console or ssh and pass --force-boot-gpu");
	refused(h, "0a:00.1", EXPORT_LIBVIRT, false, -EPERM,
		"0000:0a:00.0 is the host's only GPU: giving it to a VM takes the host's console on it; use a serial "
		"console or ssh and pass --force-boot-gpu");
	host_free(h);
}
END_TEST

START_TEST(test_iommu_off)
{
	struct host *h = scan("iommu-off");
	struct export_result *r = ok(h, "01:00.0", EXPORT_PROXMOX, false, false);

	/* no group: the functions of the slot, and a note that no VM can start */
	ck_assert_str_eq(r->text, "hostpci0: 0000:01:00.0;0000:01:00.1,pcie=1\n");
	ck_assert(has_note(r, "0000:01:00.0 has no IOMMU group: the IOMMU is off"));
	export_result_free(r);
	host_free(h);
}
END_TEST

START_TEST(test_vmd_domain)
{
	struct host *h = scan("vmd-laptop");
	struct export_result *r = ok(h, "10000:e1:00.0", EXPORT_LIBVIRT, false, false);

	ck_assert(strstr(r->text, "<address domain='0x10000' bus='0xe1' slot='0x00' function='0x0'/>"));
	export_result_free(r);
	r = ok(h, "10000:e1:00.0", EXPORT_PROXMOX, false, false);
	ck_assert_str_eq(r->text, "hostpci0: 10000:e1:00.0,pcie=1\n");
	export_result_free(r);
	host_free(h);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("fixtures");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_format_names);
	tcase_add_test(tc, test_v100);
	tcase_add_test(tc, test_hostpci_index);
	tcase_add_test(tc, test_vgpu);
	tcase_add_test(tc, test_n100_vf);
	tcase_add_test(tc, test_rtx_with_audio);
	tcase_add_test(tc, test_nvidia_vf);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_iommu_off);
	tcase_add_test(tc, test_vmd_domain);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
