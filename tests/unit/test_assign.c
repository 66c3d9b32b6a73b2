/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --assign: the spec, the VM configurations (core/scan/vmconf), the plan it
 * makes (the exact argv of the commands, their undo and read-back), the
 * reversible commands in plan files, the journal and the undo, and the
 * vm-device findings of `gpuvirt check`. libvirt's schema and the
 * commands' real run are in tests/cli/assign.sh. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/plan/plan.h"
#include "core/plan/undo.h"
#include "core/propose/assign.h"
#include "core/propose/change.h"
#include "core/propose/draft.h"
#include "core/scan/host.h"
#include "core/scan/sysconf.h"
#include "core/scan/vmconf.h"
#include "core/util/buf.h"
#include "core/util/fsutil.h"
#include "core/util/log.h"
#include "core/verify/findings.h"
#include "core/verify/vmcheck.h"
#include "tests/unit/testbed.h"

static char logged[16384];

static void capture(void *ud, enum gv_log_level level, const char *msg)
{
	(void)ud;
	snprintf(logged + strlen(logged), sizeof(logged) - strlen(logged), "%d:%s\n", (int)level, msg);
}

/* A fresh root of fixture NAME with the VMs of tests/fixtures/vms. */
static const char *vm_root(const char *name)
{
	const char *root = testbed_root(name);
	const char *src = getenv("GV_SRCDIR");
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), "cp -a '%s/tests/fixtures/vms/.' '%s/'", src ? src : ".", root);
	ck_assert_int_eq(system(cmd), 0);
	return root;
}

static void put(const char *root, const char *rel, const char *s)
{
	char *p = fsutil_join(root, rel), *slash = strrchr(p, '/');
	FILE *f;

	*slash = '\0';
	ck_assert_int_eq(fsutil_mkdir_p(p, 0755, NULL), 0);
	*slash = '/';
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(s, f);
	ck_assert_int_eq(fclose(f), 0);
	free(p);
}

struct fx {
	struct host *h;
	struct sysconf *sc;
	struct draft *d;
	struct plan *p;
	const char *root;
	struct gv_error err;
};

static void fx_open(struct fx *f, const char *host, const char *root)
{
	memset(f, 0, sizeof(*f));
	logged[0] = '\0';
	gv_log_set(capture, NULL);
	f->root = root;
	testbed_use(host);
	ck_assert_msg(host_scan(&f->h, &f->err) == 0, "%s", f->err.msg);
	ck_assert_msg(sysconf_load(f->root, f->h, &f->sc, &f->err) == 0, "%s", f->err.msg);
	f->d = draft_new();
}

static void fx_close(struct fx *f)
{
	plan_free(f->p);
	draft_free(f->d);
	sysconf_free(f->sc);
	host_free(f->h);
}

/* Build the plan of the --assign ARGs (NULL-terminated). */
static int fx_build(struct fx *f, const char *const *args)
{
	for (size_t i = 0; args[i]; i++)
		ck_assert_msg(draft_add_option(f->d, CHANGE_ASSIGN, args[i], &f->err) == 0, "%s", f->err.msg);
	plan_free(f->p);
	f->p = NULL;
	return draft_build_plan(f->d, f->h, f->sc, f->root, &f->p, &f->err);
}

static char *json(const struct plan *p)
{
	char *j = NULL;
	struct gv_error err = { 0 };

	ck_assert_int_eq(plan_preview_json(p, &j, &err), 0);
	return j;
}

static void has(const char *text, const char *part)
{
	ck_assert_msg(strstr(text, part) != NULL, "missing:\n%s\nin:\n%s", part, text);
}

static void lacks(const char *text, const char *part)
{
	ck_assert_msg(strstr(text, part) == NULL, "unexpected:\n%s\nin:\n%s", part, text);
}

/* ---- the spec ---- */

static void spec_bad(const char *arg, const char *want)
{
	struct assign_spec s;
	struct gv_error err = { 0 };

	ck_assert_int_eq(assign_spec_parse(arg, &s, &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, want), "%s: '%s' lacks '%s'", arg, err.msg, want);
}

START_TEST(test_spec)
{
	struct assign_spec s;
	struct gv_error err = { 0 };
	struct change c;
	char *t;

	ck_assert_int_eq(assign_spec_parse("41:00.0,vm=win,11", &s, &err), 0);
	ck_assert_str_eq(s.device, "0000:41:00.0");
	ck_assert_int_eq(s.kind, VMCONF_LIBVIRT);
	ck_assert_str_eq(s.vm, "win,11");   /* the rest is the name */
	ck_assert_int_eq(s.hostpci, -1);
	t = assign_spec_format(&s);
	ck_assert_str_eq(t, "0000:41:00.0,vm=win,11");
	free(t);
	t = assign_spec_describe(&s);
	ck_assert_str_eq(t, "0000:41:00.0 --vm win,11");
	free(t);
	assign_spec_clear(&s);

	ck_assert_int_eq(assign_spec_parse("634FC146-50A3-4960-AC30-F09E5CEDC674,vmid=100,hostpci=15", &s, &err), 0);
	ck_assert_str_eq(s.device, "634fc146-50a3-4960-ac30-f09e5cedc674");
	ck_assert_int_eq(s.kind, VMCONF_PROXMOX);
	ck_assert_str_eq(s.vm, "100");
	ck_assert_int_eq(s.hostpci, 15);
	t = assign_spec_describe(&s);
	ck_assert_str_eq(t, "634fc146-50a3-4960-ac30-f09e5cedc674 --vmid 100 --hostpci 15");
	free(t);
	assign_spec_clear(&s);

	spec_bad("41:00.0", "give the device and the VM");
	spec_bad("gpu0,vm=x", "neither a PCI address");
	spec_bad("41:00.0,vm=", "empty domain name");
	spec_bad("41:00.0,vm=-c", "starting with '-'");
	spec_bad("41:00.0,vm=a/b", "has no '/'");
	spec_bad("41:00.0,vmid=99", "from 100 to 999999999");
	spec_bad("41:00.0,vmid=1e3", "from 100 to 999999999");
	spec_bad("41:00.0,vmid=100,hostpci=16", "from 0 to 15");
	spec_bad("41:00.0,vmid=100,mdev=x", "'mdev=x' is not part of");
	spec_bad("41:00.0,name=x", "expected DEVICE,vm=NAME");
	/* every refusal names --assign: DEVICE,vmid=N has no --vmid of its own */
	spec_bad("41:00.0,vmid=1-x", "--assign 0000:41:00.0 --vmid 1-x: want a number");
	spec_bad("41:00.0,vmid=100,hostpci=x", "--assign 0000:41:00.0 --vmid 100 --hostpci x: want a number");
	spec_bad("41:00.0,vm=", "--assign 0000:41:00.0 --vm: empty");
	spec_bad("41:00.0,vm=a/b", "--assign 0000:41:00.0 --vm a/b:");

	/* as a CHANGE */
	ck_assert_int_eq(change_parse(CHANGE_ASSIGN, "41:00.0,vmid=100", &c, &err), 0);
	ck_assert_str_eq(c.arg, "0000:41:00.0,vmid=100");
	ck_assert_str_eq(c.address, "0000:41:00.0");
	t = change_to_string(&c);
	ck_assert_str_eq(t, "--assign 0000:41:00.0 --vmid 100");
	free(t);
	change_clear(&c);
	ck_assert_int_eq(change_parse(CHANGE_ASSIGN, "634fc146-50a3-4960-ac30-f09e5cedc674,vm=w", &c, &err), 0);
	ck_assert_str_eq(c.address, "");
	change_clear(&c);
	ck_assert_str_eq(change_kind_option(CHANGE_ASSIGN), "--assign");
}
END_TEST

/* ---- the VM configurations ---- */

START_TEST(test_vmconf)
{
	const char *root = vm_root("proxmox-n100");
	struct vmconf *vm = NULL;
	struct gv_error err = { 0 };
	struct vmconf_list *l;

	ck_assert_int_eq(vmconf_load(root, VMCONF_LIBVIRT, "gaming", &vm, &err), 0);
	ck_assert_uint_eq(vm->n_devs, 3);
	ck_assert_str_eq(vm->devs[0].address, "0000:02:00.0");
	ck_assert(vm->devs[0].managed);
	ck_assert_uint_eq(vm->devs[0].line, 23);
	ck_assert_str_eq(vm->devs[1].address, "0000:02:00.1");
	ck_assert_int_eq(vm->devs[2].kind, VMCONF_DEV_MDEV);
	ck_assert_str_eq(vm->devs[2].uuid, "c2e088b4-6c7e-4c4b-8d6f-2b0f3a1d9e57");
	ck_assert(!vm->devs[2].managed);
	vmconf_free(vm);

	/* [PENDING] counts, a snapshot does not */
	ck_assert_int_eq(vmconf_load(root, VMCONF_PROXMOX, "102", &vm, &err), 0);
	ck_assert_uint_eq(vm->hostpci_used, 0x3);
	ck_assert_uint_eq(vm->n_devs, 2);
	ck_assert_str_eq(vm->devs[0].address, "0000:00:02.2");
	ck_assert_int_eq(vm->devs[0].hostpci, 0);
	ck_assert_str_eq(vm->devs[1].address, "0000:00:1f.3");
	ck_assert_uint_eq(vm->devs[1].line, 11);
	vmconf_free(vm);

	ck_assert_int_eq(vmconf_load(root, VMCONF_PROXMOX, "101", &vm, &err), 0);
	ck_assert_uint_eq(vm->hostpci_used, 0xffff);
	ck_assert_int_eq(vm->devs[15].kind, VMCONF_DEV_MAPPING);
	ck_assert_str_eq(vm->devs[15].mapping, "dev15");
	vmconf_free(vm);

	put(root, "etc/pve/qemu-server/103.conf", "hostpci0: 00:02;0000:00:1f.3,pcie=1\nhostpci1: 0000:41:00.0,mdev=nvidia-300\n");
	ck_assert_int_eq(vmconf_load(root, VMCONF_PROXMOX, "103", &vm, &err), 0);
	ck_assert_uint_eq(vm->n_devs, 3);
	ck_assert(vm->devs[0].all_functions);
	ck_assert(vmconf_dev_covers(&vm->devs[0], &(struct pciaddr){ .bus = 0, .dev = 2, .fn = 5 }));
	ck_assert(!vm->devs[1].all_functions);
	ck_assert_int_eq(vm->devs[2].kind, VMCONF_DEV_MDEV);
	ck_assert_str_eq(vm->devs[2].mdev_type, "nvidia-300");
	ck_assert_str_eq(vm->devs[2].address, "0000:41:00.0");
	vmconf_free(vm);

	/* what does not parse names the file and the line */
	ck_assert_int_eq(vmconf_load(root, VMCONF_LIBVIRT, "nosuch", &vm, &err), -ENOENT);
	put(root, "etc/libvirt/qemu/bad.xml", "<domain type='kvm'>\n  <name>bad</name>\n  <devices>\n</domain>\n");
	ck_assert_int_eq(vmconf_load(root, VMCONF_LIBVIRT, "bad", &vm, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "etc/libvirt/qemu/bad.xml:4: Opening and ending tag mismatch: devices line 3 and domain");
	put(root, "etc/libvirt/qemu/other.xml", "<domain><name>else</name></domain>\n");
	ck_assert_int_eq(vmconf_load(root, VMCONF_LIBVIRT, "other", &vm, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "etc/libvirt/qemu/other.xml:1: the domain is named else, not other");
	put(root, "etc/libvirt/qemu/net.xml", "<network><name>net</name></network>\n");
	ck_assert_int_eq(vmconf_load(root, VMCONF_LIBVIRT, "net", &vm, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "etc/libvirt/qemu/net.xml: not a libvirt domain (the root element is <network>)");
	put(root, "etc/pve/qemu-server/104.conf", "hostpci3: 0000:zz:00.0\n");
	ck_assert_int_eq(vmconf_load(root, VMCONF_PROXMOX, "104", &vm, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "etc/pve/qemu-server/104.conf:1: hostpci3: '0000:zz:00.0' is not a PCI address");

	l = vmconf_scan(root);
	ck_assert_uint_eq(l->n, 2 + 4);   /* gaming win11; 100 101 102 103 */
	ck_assert_str_eq(l->vms[0]->name, "gaming");
	ck_assert_str_eq(l->vms[2]->name, "100");
	ck_assert_str_eq(l->vms[5]->name, "103");
	ck_assert_uint_eq(l->n_errors, 4);
	vmconf_list_free(l);
}
END_TEST

/* ---- the plan ---- */

START_TEST(test_libvirt_plan)
{
	struct fx f;
	char *j, *xml = NULL;
	size_t len;

	fx_open(&f, "ubuntu-v100", vm_root("ubuntu-v100"));
	ck_assert_msg(fx_build(&f, (const char *[]){ "41:00.0,vm=win11", NULL }) == 0, "%s", f.err.msg);
	j = json(f.p);
	has(j, "{\"kind\":\"write-file\",\"path\":\"var/lib/gpuvirt/hostdev/win11/0000:41:00.0.xml\"");
	has(j, "\"argv\":[\"virsh\",\"attach-device\",\"win11\",\"/var/lib/gpuvirt/hostdev/win11/0000:41:00.0.xml\","
	       "\"--config\"],\"undo\":[\"virsh\",\"detach-device-alias\",\"win11\",\"ua-gpuvirt-0000-41-00-0\","
	       "\"--config\"],\"readback\":[\"virsh\",\"dumpxml\",\"--inactive\",\"win11\"],"
	       "\"expect\":\"<address domain='0x0000' bus='0x41' slot='0x00' function='0x0'/>\"");
	free(j);
	ck_assert_int_eq(plan_file_content(f.p, "var/lib/gpuvirt/hostdev/win11/0000:41:00.0.xml", &xml, &len, NULL), 0);
	has(xml, "<hostdev mode='subsystem' type='pci' managed='yes'>\n  <source>\n"
		 "    <address domain='0x0000' bus='0x41' slot='0x00' function='0x0'/>\n  </source>\n"
		 "  <alias name='ua-gpuvirt-0000-41-00-0'/>\n</hostdev>\n");
	ck_assert(strncmp(xml, "<!-- Written by gpuvirt", 23) == 0);
	{
		/* no "--" inside an XML comment: libvirt would not parse it */
		const char *end = strstr(xml, "-->");
		ck_assert_ptr_nonnull(end);
		for (const char *q = xml + 4; q < end; q++)
			ck_assert_msg(q[0] != '-' || q[1] != '-', "-- in the comment: %s", xml);
	}
	free(xml);
	has(logged, "libvirt detaches it to vfio-pci when the domain starts");
	fx_close(&f);

	/* the RTX and its audio: one file and one attach each */
	fx_open(&f, "desktop-twins", vm_root("desktop-twins"));
	ck_assert_msg(fx_build(&f, (const char *[]){ "01:00.1,vm=win11", NULL }) == 0, "%s", f.err.msg);
	ck_assert_uint_eq(plan_n_actions(f.p), 4);
	j = json(f.p);
	has(j, "\"argv\":[\"virsh\",\"attach-device\",\"win11\",\"/var/lib/gpuvirt/hostdev/win11/0000:01:00.0.xml\"");
	has(j, "\"argv\":[\"virsh\",\"attach-device\",\"win11\",\"/var/lib/gpuvirt/hostdev/win11/0000:01:00.1.xml\"");
	has(j, "\"undo\":[\"virsh\",\"detach-device-alias\",\"win11\",\"ua-gpuvirt-0000-01-00-1\",\"--config\"]");
	has(j, "\"expect\":\"<address domain='0x0000' bus='0x01' slot='0x00' function='0x1'/>\"");
	free(j);
	ck_assert_int_eq(plan_file_content(f.p, "var/lib/gpuvirt/hostdev/win11/0000:01:00.0.xml", &xml, &len, NULL), 0);
	has(xml, "<address type='pci' domain='0x0000' bus='0x00' slot='0x10' function='0x0' multifunction='on'/>");
	free(xml);
	fx_close(&f);

	/* a vGPU (mdev) of the V100 */
	fx_open(&f, "export-v100-vgpu", vm_root("export-v100-vgpu"));
	ck_assert_msg(fx_build(&f, (const char *[]){ "634fc146-50a3-4960-ac30-f09e5cedc674,vm=win11", NULL }) == 0,
		      "%s", f.err.msg);
	j = json(f.p);
	has(j, "\"undo\":[\"virsh\",\"detach-device-alias\",\"win11\",\"ua-gpuvirt-634fc146-50a3-4960-ac30-f09e5cedc674\"");
	has(j, "\"expect\":\"<address uuid='634fc146-50a3-4960-ac30-f09e5cedc674'/>\"");
	free(j);
	fx_close(&f);
}
END_TEST

START_TEST(test_proxmox_plan)
{
	struct fx f;
	char *j;

	/* the next free hostpci: 0 and 2 are taken in VM 100 */
	fx_open(&f, "proxmox-n100", vm_root("proxmox-n100"));
	ck_assert_msg(fx_build(&f, (const char *[]){ "00:02.1,vmid=100", "00:02.3,vmid=100", NULL }) == 0, "%s",
		      f.err.msg);
	ck_assert_uint_eq(plan_n_actions(f.p), 2);
	j = json(f.p);
	has(j, "\"argv\":[\"qm\",\"set\",\"100\",\"-hostpci1\",\"0000:00:02.1,pcie=1\"],"
	       "\"undo\":[\"qm\",\"set\",\"100\",\"-delete\",\"hostpci1\"],"
	       "\"readback\":[\"qm\",\"config\",\"100\"],\"expect\":\"hostpci1: 0000:00:02.1,pcie=1\"");
	has(j, "\"argv\":[\"qm\",\"set\",\"100\",\"-hostpci3\",\"0000:00:02.3,pcie=1\"]");
	free(j);
	fx_close(&f);

	/* VM 102: hostpci0 set, hostpci1 pending; its snapshot's 41:00.0 is no claim */
	fx_open(&f, "ubuntu-v100", vm_root("ubuntu-v100"));
	ck_assert_msg(fx_build(&f, (const char *[]){ "41:00.0,vmid=102", NULL }) == 0, "%s", f.err.msg);
	j = json(f.p);
	has(j, "\"argv\":[\"qm\",\"set\",\"102\",\"-hostpci2\",\"0000:41:00.0,pcie=1\"]");
	free(j);
	fx_close(&f);

	/* the RTX and its audio as one hostpci; a named slot */
	fx_open(&f, "desktop-twins", vm_root("desktop-twins"));
	ck_assert_msg(fx_build(&f, (const char *[]){ "01:00.0,vmid=100,hostpci=7", NULL }) == 0, "%s", f.err.msg);
	j = json(f.p);
	has(j, "\"argv\":[\"qm\",\"set\",\"100\",\"-hostpci7\",\"0000:01:00.0;0000:01:00.1,pcie=1\"]");
	free(j);
	fx_close(&f);

	/* a vGPU: Proxmox makes its instance from the parent and the type */
	fx_open(&f, "export-v100-vgpu", vm_root("export-v100-vgpu"));
	ck_assert_msg(fx_build(&f, (const char *[]){ "634fc146-50a3-4960-ac30-f09e5cedc674,vmid=100", NULL }) == 0,
		      "%s", f.err.msg);
	j = json(f.p);
	has(j, "\"argv\":[\"qm\",\"set\",\"100\",\"-hostpci1\",\"0000:41:00.0,mdev=nvidia-300,pcie=1\"]");
	free(j);
	fx_close(&f);
}
END_TEST

static void refused(const char *host, const char *const *args, int code, const char *msg)
{
	struct fx f;

	fx_open(&f, host, vm_root(host));
	ck_assert_int_eq(fx_build(&f, args), code);
	ck_assert_ptr_null(f.p);
	ck_assert_str_eq(f.err.msg, msg);
	fx_close(&f);
}

START_TEST(test_refusals)
{
	refused("desktop-twins", (const char *[]){ "02:00.1,vm=win11", NULL }, -EBUSY,
		"--assign 0000:02:00.1 --vm win11: libvirt domain gaming has 0000:02:00.0 already "
		"(etc/libvirt/qemu/gaming.xml:23); take it out of that VM first");
	refused("export-v100-vgpu", (const char *[]){ "c2e088b4-6c7e-4c4b-8d6f-2b0f3a1d9e57,vmid=100", NULL }, -EBUSY,
		"--assign c2e088b4-6c7e-4c4b-8d6f-2b0f3a1d9e57 --vmid 100: libvirt domain gaming has "
		"c2e088b4-6c7e-4c4b-8d6f-2b0f3a1d9e57 already (etc/libvirt/qemu/gaming.xml:35); take it out of that VM first");
	refused("proxmox-n100", (const char *[]){ "00:02.2,vm=win11", NULL }, -EBUSY,
		"--assign 0000:00:02.2 --vm win11: Proxmox VM 102 has 0000:00:02.2 already "
		"(hostpci0, etc/pve/qemu-server/102.conf:3); take it out of that VM first");
	refused("proxmox-n100", (const char *[]){ "00:02.1,vmid=100", "00:02.1,vm=win11", NULL }, -EBUSY,
		"--assign 0000:00:02.1 --vm win11: this plan gives 0000:00:02.1 to Proxmox VM 100 already");
	refused("proxmox-n100", (const char *[]){ "00:02.1,vmid=101", NULL }, -ENOSPC,
		"--assign 0000:00:02.1 --vmid 101: Proxmox VM 101 uses every hostpci (hostpci0 to hostpci15, "
		"etc/pve/qemu-server/101.conf); it can be given no more devices");
	refused("proxmox-n100", (const char *[]){ "00:02.1,vmid=100,hostpci=2", NULL }, -EINVAL,
		"--assign 0000:00:02.1 --vmid 100 --hostpci 2: hostpci2 of Proxmox VM 100 is taken "
		"(etc/pve/qemu-server/100.conf:6); name a free one, or leave --hostpci out for the next free one");
	refused("proxmox-n100", (const char *[]){ "00:02.1,vmid=999", NULL }, -EINVAL,
		"--assign 0000:00:02.1 --vmid 999: no Proxmox VM 999 under the root (no etc/pve/qemu-server/999.conf)");
	refused("proxmox-n100", (const char *[]){ "00:02.1,vm=nosuch", NULL }, -EINVAL,
		"--assign 0000:00:02.1 --vm nosuch: no libvirt domain nosuch under the root (no etc/libvirt/qemu/nosuch.xml)");
	refused("proxmox-n100", (const char *[]){ "99:00.0,vm=win11", NULL }, -ENODEV,
		"--assign 0000:99:00.0 --vm win11: 0000:99:00.0: no such PCI device on this host");
	refused("proxmox-n100", (const char *[]){ "00:02.0,vmid=100", NULL }, -EINVAL,
		"--assign 0000:00:02.0 --vmid 100: 0000:00:02.0 is an SR-IOV PF with 3 VFs enabled, which a VM cannot "
		"have while they exist; give a VF instead: 0000:00:02.1");
	refused("ubuntu-v100", (const char *[]){ "02:00.0,vm=win11", NULL }, -EPERM,
		"--assign 0000:02:00.0 --vm win11: 0000:02:00.0 is the boot GPU (boot_vga=1): giving it to a VM takes "
		"the host's console on it; use a serial console or ssh and pass --force-boot-gpu");
}
END_TEST

START_TEST(test_broken_domain)
{
	struct fx f;
	const char *root = vm_root("ubuntu-v100");

	put(root, "etc/libvirt/qemu/broken.xml", "<domain type='kvm'>\n  <name>broken</name>\n  <devices>\n"
		  "    <hostdev mode='subsystem' type='pci'>\n  </devices>\n</domain>\n");
	fx_open(&f, "ubuntu-v100", root);
	ck_assert_int_eq(fx_build(&f, (const char *[]){ "41:00.0,vm=broken", NULL }), -EINVAL);
	ck_assert_str_eq(f.err.msg, "--assign 0000:41:00.0 --vm broken: etc/libvirt/qemu/broken.xml:5: Opening and "
				    "ending tag mismatch: hostdev line 4 and devices");
	lacks(logged, "broken.xml");   /* its one line, not a warning too */
	fx_close(&f);

	/* another VM's broken file: a warning, the assign goes on */
	fx_open(&f, "ubuntu-v100", root);
	ck_assert_msg(fx_build(&f, (const char *[]){ "41:00.0,vm=win11", NULL }) == 0, "%s", f.err.msg);
	has(logged, "1:not read, so not checked for the devices it has: etc/libvirt/qemu/broken.xml:5:");
	fx_close(&f);
}
END_TEST

START_TEST(test_already_there)
{
	struct fx f;
	const char *root = testbed_root("check-vms");

	fx_open(&f, "check-vms", root);
	ck_assert_msg(fx_build(&f, (const char *[]){ "01:00.1,vm=win11", "00:02.1,vmid=100",
						     "634fc146-50a3-4960-ac30-f09e5cedc674,vm=win11", NULL }) == 0,
		      "%s", f.err.msg);
	ck_assert_uint_eq(plan_n_actions(f.p), 0);
	has(logged, "2:libvirt domain win11 has 0000:01:00.1 already (etc/libvirt/qemu/win11.xml): nothing to add");
	has(logged, "2:Proxmox VM 100 has 0000:00:02.1 already (etc/pve/qemu-server/100.conf): nothing to add");
	lacks(logged, "pcie=1 needs");   /* no notes for nothing */
	fx_close(&f);
}
END_TEST

/* ---- reversible commands: plan files, journal, undo ---- */

static void write_text(const char *file, const char *text)
{
	struct gv_error err = { 0 };

	ck_assert_int_ge(fsutil_write_atomic(file, text, strlen(text), 0644, &err), 0);
}

START_TEST(test_planfile)
{
	char dir[] = "/tmp/gv-assign.XXXXXX", file[256];
	struct plan *p = NULL, *q = NULL;
	struct gv_error err = { 0 };
	char *a, *b, *text = NULL;
	size_t len;
	const char *run[] = { "qm", "set", "100", "-hostpci1", "0000:01:00.0;0000:01:00.1,pcie=1", NULL };
	const char *undo[] = { "qm", "set", "100", "-delete", "hostpci1", NULL };
	const char *back[] = { "qm", "config", "100", NULL };

	gv_log_set(capture, NULL);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/p.plan", dir);
	ck_assert_int_eq(plan_new(dir, &p), 0);
	ck_assert_int_eq(plan_run_reversible(p, run, undo, NULL, "x", "why"), 0);
	plan_free(p);
	ck_assert_int_eq(plan_new(dir, &p), 0);
	ck_assert_int_eq(plan_run_reversible(p, run, NULL, back, "x", NULL), -EINVAL);
	ck_assert_int_eq(plan_run_reversible(p, run, undo, back, "", NULL), -EINVAL);
	ck_assert_int_eq(plan_run_reversible(p, run, undo, back, "a\nb", NULL), -EINVAL);
	ck_assert_int_eq(plan_run_reversible(p, run, undo, back, "hostpci1: 0000:01:00.0;0000:01:00.1,pcie=1", "give"), 0);
	ck_assert_int_eq(plan_run_reversible(p, run, undo, back, "again", "give"), 0);   /* queued once */
	ck_assert_uint_eq(plan_n_actions(p), 1);
	ck_assert_int_eq(plan_save(p, file, &err), 0);
	ck_assert_int_eq(fsutil_read_file(file, &text, &len), 0);
	has(text, "gpuvirt-plan 2\n");
	has(text, "run qm set 100 -hostpci1 0000:01:00.0;0000:01:00.1,pcie=1\nwhy give\n"
		  "undo qm set 100 -delete hostpci1\nreadback hostpci1:%200000:01:00.0;0000:01:00.1,pcie=1 qm config 100\n");
	free(text);
	ck_assert_msg(plan_load(file, dir, &q, &err) == 0, "%s", err.msg);
	a = json(p);
	b = json(q);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	plan_free(q);

	/* misplaced lines name the line */
	write_text(file, "gpuvirt-plan 2\nundo qm x\nend\n");
	ck_assert_int_eq(plan_load(file, dir, &q, &err), -EINVAL);
	has(err.msg, "p.plan:2: 'undo' must follow a command, once");
	write_text(file, "gpuvirt-plan 2\nrun qm a\nreadback x qm config\nend\n");
	ck_assert_int_eq(plan_load(file, dir, &q, &err), -EINVAL);
	has(err.msg, "p.plan:3: 'readback EXPECT ARGV...' must follow a command's 'undo', once");
	write_text(file, "gpuvirt-plan 2\nrun qm a\nundo qm b\nundo qm c\nend\n");
	ck_assert_int_eq(plan_load(file, dir, &q, &err), -EINVAL);
	has(err.msg, "p.plan:4: 'undo' must follow a command, once");
	/* a plan without them, as older gpuvirt wrote it, loads as before */
	write_text(file, "gpuvirt-plan 2\nrun update-grub\nend\n");
	ck_assert_msg(plan_load(file, dir, &q, &err) == 0, "%s", err.msg);
	a = json(q);
	lacks(a, "\"undo\"");
	free(a);
	plan_free(q);
	plan_free(p);
}
END_TEST

/* Apply with --no-run, then the undo: the reversal runs the undo command,
 * newest first and before the regeneration commands; the journal keeps it. */
START_TEST(test_journal_and_undo)
{
	char dir[] = "/tmp/gv-assign.XXXXXX";
	struct plan *p = NULL, *u = NULL;
	struct gv_error err = { 0 };
	struct plan_apply_opts o = { .no_run = true };
	const char *regen[] = { "update-initramfs", "-u", NULL };
	const char *run1[] = { "virsh", "attach-device", "w", "/f1.xml", "--config", NULL };
	const char *undo1[] = { "virsh", "detach-device-alias", "w", "ua-1", "--config", NULL };
	const char *run2[] = { "qm", "set", "100", "-hostpci0", "0000:41:00.0", NULL };
	const char *undo2[] = { "qm", "set", "100", "-delete", "hostpci0", NULL };
	char *j, *manifest = NULL, *path;
	size_t len;

	gv_log_set(capture, NULL);
	logged[0] = '\0';
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(plan_new(dir, &p), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/x.conf", "x\n", 2, 0644, "x"), 0);
	ck_assert_int_eq(plan_run(p, regen, "regen"), 0);
	ck_assert_int_eq(plan_run_reversible(p, run1, undo1, NULL, NULL, "attach"), 0);
	ck_assert_int_eq(plan_run_reversible(p, run2, undo2, (const char *[]){ "qm", "config", "100", NULL },
					     "hostpci0: 0000:41:00.0", "qm"), 0);
	ck_assert_msg(plan_apply(p, &o, &err) == 0, "%s", err.msg);
	has(logged, "not run (--no-run), still to run: qm set 100 -hostpci0 0000:41:00.0\n"
		    "2:  then check that `qm config 100` shows hostpci0: 0000:41:00.0\n");
	path = fsutil_join(dir, "var/lib/gpuvirt/journal/0001");
	ck_assert_int_eq(fsutil_read_file(path, &manifest, &len), 0);
	has(manifest, "run pending virsh attach-device w /f1.xml --config\nundo virsh detach-device-alias w ua-1 --config\n"
		      "run pending qm set 100 -hostpci0 0000:41:00.0\nundo qm set 100 -delete hostpci0\n");
	has(manifest, "run pending update-initramfs -u\nrun pending virsh");   /* no undo line for a regeneration */
	free(manifest);
	free(path);

	ck_assert_msg(undo_plan(dir, &u, &err) == 0, "%s", err.msg);
	j = json(u);
	{
		const char *q = strstr(j, "[\"qm\",\"set\",\"100\",\"-delete\",\"hostpci0\"]");
		const char *v = strstr(j, "[\"virsh\",\"detach-device-alias\",\"w\",\"ua-1\",\"--config\"]");
		const char *r = strstr(j, "[\"update-initramfs\",\"-u\"]");
		ck_assert_msg(q && v && r && q < v && v < r, "%s", j);
	}
	lacks(j, "attach-device");
	free(j);
	ck_assert_msg(plan_apply(u, &o, &err) == 0, "%s", err.msg);
	has(logged, "still to run: qm set 100 -delete hostpci0");
	plan_free(u);
	plan_free(p);
}
END_TEST

/* A set a crash interrupted: only what ran is reversed. */
START_TEST(test_interrupted_set)
{
	char dir[] = "/tmp/gv-assign.XXXXXX";
	struct plan *u = NULL;
	struct gv_error err = { 0 };
	char *j;

	gv_log_set(capture, NULL);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	put(dir, "var/lib/gpuvirt/journal/0001",
	    "gpuvirt-journal 1\nid 1\nstate applying\nwhen 2024-01-01T00:00:00Z\nsummary s\n"
	    "run 0 qm set 100 -hostpci0 a\nundo qm set 100 -delete hostpci0\n"
	    "run pending qm set 100 -hostpci1 b\nundo qm set 100 -delete hostpci1\n"
	    "run 0 update-grub\nend\n");
	ck_assert_msg(undo_plan(dir, &u, &err) == 0, "%s", err.msg);
	j = json(u);
	has(j, "[\"qm\",\"set\",\"100\",\"-delete\",\"hostpci0\"]");
	lacks(j, "hostpci1");
	lacks(j, "update-grub");
	free(j);
	plan_free(u);
}
END_TEST

/* ---- gpuvirt check ---- */

static const struct finding *finding_with(const struct findings *fs, const char *evidence)
{
	for (size_t i = 0; i < findings_n(fs); i++)
		if (!strcmp(findings_get(fs, i)->evidence, evidence))
			return findings_get(fs, i);
	ck_abort_msg("no finding with evidence %s", evidence);
	return NULL;
}

static void status_is(const struct findings *fs, const char *evidence, enum finding_status st, const char *title)
{
	const struct finding *f = finding_with(fs, evidence);

	ck_assert_str_eq(f->id, "vm-device");
	ck_assert_int_eq(f->category, FINDING_LINT);
	ck_assert_msg(f->status == st, "%s: status %d, want %d", evidence, f->status, st);
	ck_assert_str_eq(f->title, title);
}

START_TEST(test_vmcheck)
{
	struct host *h = NULL;
	struct gv_error err = { 0 };
	struct findings *fs = findings_new();
	const char *root = testbed_root("check-vms");

	gv_log_set(capture, NULL);
	testbed_use("check-vms");
	ck_assert_int_eq(host_scan(&h, &err), 0);
	vmcheck_run(fs, h, root);
	ck_assert_uint_eq(findings_n(fs), 12);
	ck_assert_str_eq(findings_get(fs, 0)->id, "vm-config");
	ck_assert_str_eq(findings_get(fs, 0)->evidence,
			 "etc/libvirt/qemu/broken.xml:5: Opening and ending tag mismatch: hostdev line 4 and devices");
	status_is(fs, "etc/libvirt/qemu/win11.xml:8: 0000:01:00.0", FINDING_PASS,
		  "0000:01:00.0 for libvirt domain win11 is on vfio-pci");
	status_is(fs, "etc/libvirt/qemu/win11.xml:22: mdev 634fc146-50a3-4960-ac30-f09e5cedc674", FINDING_PASS,
		  "mdev 634fc146-50a3-4960-ac30-f09e5cedc674 for libvirt domain win11 exists (on 0000:41:00.0, type nvidia-300)");
	status_is(fs, "etc/libvirt/qemu/stale.xml:8: 0000:05:00.0", FINDING_FAIL,
		  "libvirt domain stale has 0000:05:00.0, which is not on this host");
	status_is(fs, "etc/libvirt/qemu/stale.xml:13: 0000:02:00.0", FINDING_WARN,
		  "0000:02:00.0 for libvirt domain stale is on nouveau, not vfio-pci: libvirt binds it to vfio-pci when "
		  "the domain starts");
	ck_assert_str_eq(finding_with(fs, "etc/libvirt/qemu/stale.xml:13: 0000:02:00.0")->fix,
			 "gpuvirt apply --vfio 0000:02:00.0, so that it is on vfio-pci from boot and the host never uses it");
	status_is(fs, "etc/libvirt/qemu/stale.xml:18: 0000:02:00.1", FINDING_FAIL,
		  "0000:02:00.1 for libvirt domain stale is on snd_hda_intel, not vfio-pci, and libvirt does not bind "
		  "it (managed='no')");
	status_is(fs, "etc/libvirt/qemu/stale.xml:23: mdev deadbeef-0000-4000-8000-000000000001", FINDING_FAIL,
		  "libvirt domain stale has mdev deadbeef-0000-4000-8000-000000000001, which does not exist");
	status_is(fs, "etc/pve/qemu-server/100.conf:2: hostpci0: 0000:00:02.1", FINDING_PASS,
		  "0000:00:02.1 for Proxmox VM 100 is on vfio-pci");
	status_is(fs, "etc/pve/qemu-server/100.conf:3: hostpci1: 0000:00:02", FINDING_WARN,
		  "Proxmox VM 100 has every function of 0000:00:02 (the PF and every VF of an iGPU)");
	status_is(fs, "etc/pve/qemu-server/100.conf:4: hostpci2: 0000:41:00.0,mdev=nvidia-300", FINDING_PASS,
		  "Proxmox can make an mdev of nvidia-300 on 0000:41:00.0 for Proxmox VM 100");
	status_is(fs, "etc/pve/qemu-server/100.conf:5: hostpci3: igpu-vf", FINDING_INFO,
		  "Proxmox VM 100 uses the PCI mapping igpu-vf: not checked here");
	findings_free(fs);

	/* nothing at all for a root without VMs */
	fs = findings_new();
	vmcheck_run(fs, h, testbed_root("proxmox-n100"));
	ck_assert_uint_eq(findings_n(fs), 0);
	findings_free(fs);
	host_free(h);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("assign");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_spec);
	tcase_add_test(tc, test_vmconf);
	tcase_add_test(tc, test_libvirt_plan);
	tcase_add_test(tc, test_proxmox_plan);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_broken_domain);
	tcase_add_test(tc, test_already_there);
	tcase_add_test(tc, test_planfile);
	tcase_add_test(tc, test_journal_and_undo);
	tcase_add_test(tc, test_interrupted_set);
	tcase_add_test(tc, test_vmcheck);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
