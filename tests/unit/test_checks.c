/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The firmware checklist and the post-reboot verification, on fixture hosts
 * built to make each finding pass and fail (tests/fixtures/hosts/check-*).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/verify/checks.h"
#include "core/util/cmdline.h"
#include "core/scan/firmware.h"
#include "core/scan/grub.h"
#include "core/scan/host.h"
#include "core/plan/plan.h"
#include "tests/unit/testbed.h"

static struct host *host;
static struct findings *checks;

/* checks_run() with the configuration snapshot of ROOT, taken now. */
static int checks_run_root(const char *root, struct gv_error *err)
{
	struct sysconf *sc = NULL;
	int r = sysconf_load(root, host, &sc, err);

	if (r >= 0) {
		findings_free(checks);
		checks = checks_run(host, sc, root);
	}
	sysconf_free(sc);
	return r;
}

/* Scan fixture NAME and run every check with a fresh copy of its root. */
static const char *run(const char *name)
{
	struct gv_error err = { 0 };
	const char *root;

	testbed_use(name);
	root = testbed_root(name);
	ck_assert_msg(host_scan(&host, &err) == 0, "host_scan: %s", err.msg);
	ck_assert_msg(checks_run_root(root, &err) == 0, "checks_run: %s", err.msg);
	return root;
}

static void done(void)
{
	findings_free(checks);
	host_free(host);
	checks = NULL;
	host = NULL;
}

static const struct finding *get(const char *id)
{
	const struct finding *f = findings_find(checks, id);

	ck_assert_msg(f != NULL, "no finding %s", id);
	ck_assert_ptr_nonnull(f->title);
	ck_assert_ptr_nonnull(f->evidence);
	return f;
}

/* The finding ID has STATUS; NEEDLE (if not NULL) is in its evidence and
 * FIX_NEEDLE (if not NULL) in its fix. */
static void expect(const char *id, enum finding_status status, const char *needle, const char *fix_needle)
{
	const struct finding *f = get(id);

	ck_assert_msg(f->status == status, "%s: status %s, want %s (%s)", id, finding_status_name(f->status),
		      finding_status_name(status), f->title);
	if (needle)
		ck_assert_msg(strstr(f->evidence, needle), "%s: evidence \"%s\" lacks \"%s\"", id, f->evidence, needle);
	if (fix_needle) {
		ck_assert_msg(f->fix != NULL, "%s: no fix", id);
		ck_assert_msg(strstr(f->fix, fix_needle), "%s: fix \"%s\" lacks \"%s\"", id, f->fix, fix_needle);
	}
}

/* The number of findings with ID and STATUS. */
static size_t count(const char *id, enum finding_status status)
{
	size_t n = 0;

	for (size_t i = 0; i < findings_n(checks); i++) {
		const struct finding *f = findings_get(checks, i);
		if (!strcmp(f->id, id) && f->status == status)
			n++;
	}
	return n;
}

START_TEST(good_host_passes)
{
	run("check-good");
	expect("cpu-virtualization", FINDING_PASS, "/proc/cpuinfo: flags: ... vmx", NULL);
	expect("kvm-device", FINDING_PASS, "/dev/kvm", NULL);
	expect("iommu-firmware", FINDING_PASS, "/sys/firmware/acpi/tables/DMAR: present", NULL);
	expect("iommu-kernel", FINDING_PASS, "dmar0 dmar1", NULL);
	expect("interrupt-remapping", FINDING_PASS, "/proc/interrupts: IR-PCI-MSI", NULL);
	expect("vmd", FINDING_PASS, NULL, NULL);
	expect("uefi", FINDING_PASS, "/sys/firmware/efi: present", NULL);
	expect("secure-boot", FINDING_PASS, "SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c", NULL);
	expect("kernel-version", FINDING_INFO, "/proc/sys/kernel/osrelease: 6.8.4-2-pve", NULL);
	expect("iommu-passthrough-mode", FINDING_PASS, "identity", NULL);
	expect("config-lint", FINDING_PASS, NULL, NULL);
	expect("verify-journal", FINDING_INFO, "no change sets", NULL);
	ck_assert(!findings_any_fail(checks));
	ck_assert(!findings_verification_pending(checks));
	for (size_t i = 0; i < findings_n(checks); i++) {
		const struct finding *f = findings_get(checks, i);
		ck_assert_msg(f->status == FINDING_PASS || f->status == FINDING_INFO, "%s: %s", f->id, f->title);
	}
	done();
}
END_TEST

START_TEST(bios_off_names_bios_settings)
{
	run("check-bios-off");
	/* no vmx flag: the BIOS, by the name vendors print */
	expect("cpu-virtualization", FINDING_FAIL, "no vmx or svm", "Intel Virtualization Technology");
	expect("cpu-virtualization", FINDING_FAIL, NULL, "VT-x");
	expect("kvm-device", FINDING_FAIL, "/sys/module/kvm: absent", "VT-x");
	expect("iommu-firmware", FINDING_FAIL, "/sys/firmware/acpi/tables/DMAR: absent", "Intel VT-d");
	/* no table: the kernel's IOMMU is off because of the BIOS, not the command line */
	expect("iommu-kernel", FINDING_FAIL, "/sys/kernel/iommu_groups: empty", "Intel VT-d");
	ck_assert(!strstr(get("iommu-kernel")->fix, "--cmdline-remove"));
	expect("interrupt-remapping", FINDING_WARN, "no IR-", NULL);
	expect("uefi", FINDING_INFO, "/sys/firmware/efi: absent", NULL);
	expect("secure-boot", FINDING_INFO, NULL, NULL);
	expect("iommu-passthrough-mode", FINDING_INFO, "empty", NULL);
	expect("kernel-version", FINDING_INFO, "5.15.0-105-generic", NULL);
	ck_assert(strstr(get("kernel-version")->title, "list vfio_virqfd"));
	ck_assert(findings_any_fail(checks));
	done();
}
END_TEST

START_TEST(kernel_off_is_fixed_by_gpuvirt)
{
	run("check-kernel-off");
	expect("cpu-virtualization", FINDING_PASS, NULL, NULL);
	expect("kvm-device", FINDING_PASS, NULL, NULL);
	expect("iommu-firmware", FINDING_PASS, "DMAR: present", NULL);
	/* the table is there: the kernel has it off, Intel before 6.8 */
	expect("iommu-kernel", FINDING_FAIL, "before 6.8", "gpuvirt apply --iommu");
	ck_assert(!strstr(get("iommu-kernel")->fix, "BIOS"));
	expect("secure-boot", FINDING_WARN, "last byte 1", "mokutil");
	ck_assert(strstr(get("secure-boot")->title, "DKMS"));
	done();
}
END_TEST

START_TEST(cmdline_off_is_removed)
{
	run("check-cmdline-off");
	expect("iommu-firmware", FINDING_PASS, NULL, NULL);
	expect("iommu-kernel", FINDING_FAIL, "/proc/cmdline: intel_iommu=off", "gpuvirt apply --cmdline-remove intel_iommu");
	ck_assert(strstr(get("iommu-kernel")->title, "command line"));
	/* the lint does not repeat it */
	ck_assert_uint_eq(count("cmdline-bad-value", FINDING_FAIL), 0);
	done();
}
END_TEST

START_TEST(amd_host)
{
	run("check-amd");
	expect("cpu-virtualization", FINDING_PASS, "svm", NULL);
	ck_assert(strstr(get("cpu-virtualization")->title, "AMD-V"));
	expect("iommu-firmware", FINDING_PASS, "/sys/firmware/acpi/tables/IVRS: present", NULL);
	expect("iommu-kernel", FINDING_PASS, "ivhd0", NULL);
	expect("iommu-passthrough-mode", FINDING_WARN, "/type: DMA-FQ", "gpuvirt apply --cmdline-add iommu=pt");
	/* IOMMU on, no IR- chip: VFIO refuses */
	expect("interrupt-remapping", FINDING_FAIL, "no IR-", "allow_unsafe_interrupts");
	expect("secure-boot", FINDING_INFO, "absent", NULL);
	expect("uefi", FINDING_PASS, NULL, NULL);
	expect("iommu-group-shared", FINDING_WARN, "0000:02:00.0", NULL);
	ck_assert(strstr(get("iommu-group-shared")->title, "0000:01:00.0"));
	/* the audio function of the same card is no problem */
	ck_assert(!strstr(get("iommu-group-shared")->evidence, "0000:01:00.1"));
	expect("amd-iommu-on", FINDING_WARN, "amd_iommu=on", "--cmdline-remove amd_iommu");
	ck_assert_uint_eq(count("amd-iommu-on", FINDING_WARN), 2);   /* and etc/default/grub */
	done();
}
END_TEST

START_TEST(vmd_host)
{
	run("check-lint");
	expect("vmd", FINDING_WARN, "10000:e1:00.0", "VMD");
	ck_assert(strstr(get("vmd")->evidence, "0000:00:0e.0: driver vmd"));
	done();
}
END_TEST

START_TEST(json_document)
{
	char *json = NULL;

	run("check-good");
	json = findings_to_json(checks);
	ck_assert(!strncmp(json, "{\"findings\": [", 14));
	ck_assert(strstr(json, "\"id\": \"cpu-virtualization\", \"status\": \"pass\", \"title\": "));
	ck_assert(strstr(json, "\"fix\": null, \"set\": null}"));
	ck_assert(json[strlen(json) - 1] == '\n');
	free(json);
	done();

	/* empty list */
	checks = findings_new();
	json = findings_to_json(checks);
	ck_assert_str_eq(json, "{\"findings\": []}\n");
	free(json);
	findings_add(checks, &(struct finding){ .category = FINDING_LINT, .id = "x", .status = FINDING_FAIL,
						.title = "a \"quoted\"\ttitle", .evidence = "e", .fix = "f" });
	ck_assert(findings_any_fail(checks));
	ck_assert(!findings_verification_pending(checks));
	json = findings_to_json(checks);
	ck_assert(strstr(json, "\"title\": \"a \\\"quoted\\\"\\ttitle\""));
	free(json);
	findings_free(checks);
	checks = NULL;
	findings_free(NULL);
}
END_TEST

START_TEST(firmware_facts)
{
	struct host *h = NULL;
	const struct firmware *fw;
	const struct cmdline *args;
	int major, minor;

	testbed_use("check-good");
	ck_assert_int_eq(host_scan(&h, NULL), 0);
	fw = host_firmware(h);
	ck_assert_int_eq(firmware_cpu_vendor(fw), HOST_CPU_INTEL);
	ck_assert(firmware_cpu_has_flag(fw, "vmx"));
	ck_assert(!firmware_cpu_has_flag(fw, "vm"));
	ck_assert(firmware_has_dmar(fw) && !firmware_has_ivrs(fw));
	ck_assert_uint_eq(firmware_n_iommus(fw), 2);
	ck_assert_str_eq(firmware_iommu(fw, 0), "dmar0");
	ck_assert_uint_eq(firmware_n_iommu_groups(fw), 6);
	const char *type = NULL;
	ck_assert_int_eq(firmware_iommu_group(fw, 3, &type), 10);   /* id order */
	ck_assert_str_eq(type, "identity");
	ck_assert_str_eq(firmware_ir_chip(fw), "IR-PCI-MSI");
	ck_assert(firmware_efi(fw));
	ck_assert_int_eq(firmware_secure_boot(fw), 0);
	ck_assert_str_eq(firmware_kernel_release(fw), "6.8.4-2-pve");
	ck_assert(firmware_kernel_at_least(fw, 6, 8) && firmware_kernel_at_least(fw, 6, 2));
	ck_assert(!firmware_kernel_at_least(fw, 6, 9) && !firmware_kernel_at_least(fw, 7, 0));
	/* the running line, through the one tokenizer */
	args = firmware_cmdline_args(fw);
	ck_assert_ptr_nonnull(args);
	ck_assert(cmdline_contains(args, "iommu=pt"));
	ck_assert(cmdline_has_key(args, "intel_iommu"));
	ck_assert(!cmdline_contains(args, "iommu=off"));
	ck_assert_str_eq(cmdline_find(args, "i915.max_vfs"), "i915.max_vfs=7");
	ck_assert(firmware_module_loaded(fw, "vfio-pci"));
	ck_assert(!firmware_module_loaded(fw, "nouveau"));
	/* the host's own getters read the same facts */
	ck_assert_str_eq(host_kernel_release(h), firmware_kernel_release(fw));
	ck_assert_str_eq(host_cmdline(h), firmware_cmdline(fw));
	host_free(h);

	ck_assert_int_eq(firmware_parse_release("6.10.0-rc1", &major, &minor), 0);
	ck_assert_int_eq(major, 6);
	ck_assert_int_eq(minor, 10);
	ck_assert_int_eq(firmware_parse_release("garbage", &major, &minor), -EINVAL);
}
END_TEST

/* ---- expected vs actual after an apply ---- */

static void apply_expectations(const char *root)
{
	static const char cfg[] = "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT intel_iommu=on iommu=pt\"\n";
	static const char *const update[] = { "update-grub", NULL };
	struct gv_error err = { 0 };
	struct plan *p = NULL;
	struct plan_apply_opts opts = { .no_run = true };

	ck_assert_int_eq(plan_new(root, &p), 0);
	ck_assert_int_eq(plan_write_file(p, GRUB_DROPIN, cfg, strlen(cfg), 0644,
					 "turn the IOMMU on"), 0);
	ck_assert_int_eq(plan_expect(p, "cmdline", "intel_iommu=on", NULL), 0);
	ck_assert_int_eq(plan_expect(p, "cmdline", "quiet", NULL), 0);
	ck_assert_int_eq(plan_expect(p, "module", "vfio_pci", NULL), 0);
	ck_assert_int_eq(plan_expect(p, "module", "kvm_intel", NULL), 0);
	ck_assert_int_eq(plan_expect(p, "no-module", "nouveau", NULL), 0);
	ck_assert_int_eq(plan_expect(p, "driver", "0000:01:00.0", "vfio-pci"), 0);
	ck_assert_int_eq(plan_expect(p, "driver", "0000:00:02.0", "i915"), 0);
	ck_assert_int_eq(plan_expect(p, "mdev", "4dd511f6-ec08-11e8-b839-2f163ddee3b3", "0000:01:00.0:nvidia-300"), 0);
	ck_assert_int_eq(plan_run(p, update, "regenerate grub.cfg"), 0);
	ck_assert_msg(plan_apply(p, &opts, &err) == 0, "plan_apply: %s", err.msg);
	plan_free(p);
}

/* Pretend the change sets were applied before this boot. */
static void backdate(const char *root)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), "sed -i 's/^when .*/when 2000-01-01T00:00:00Z/' '%s'/var/lib/gpuvirt/journal/*", root);
	ck_assert_int_eq(system(cmd), 0);
}

static void run_with_root(const char *root)
{
	struct gv_error err = { 0 };

	findings_free(checks);
	checks = NULL;
	ck_assert_msg(checks_run_root(root, &err) == 0, "checks_run: %s", err.msg);
}

START_TEST(verify_after_apply)
{
	const char *root = run("check-kernel-off");
	char saved[4096];

	snprintf(saved, sizeof(saved), "%s", root);
	apply_expectations(saved);

	/* applied after this boot began: nothing can be in effect yet */
	run_with_root(saved);
	expect("verify-cmdline", FINDING_WARN, "/proc/cmdline: no intel_iommu=on", "reboot");
	ck_assert(strstr(get("verify-cmdline")->title, "intel_iommu=on is not on the running command line"));
	ck_assert(findings_verification_pending(checks));
	ck_assert_uint_eq(count("verify-cmdline", FINDING_PASS), 1);    /* quiet */
	expect("verify-pending", FINDING_WARN, "--no-run", "update-grub");

	/* after a reboot that did not take */
	backdate(saved);
	run_with_root(saved);
	expect("verify-cmdline", FINDING_FAIL, "no intel_iommu=on",
	       "reboot; if it is still missing the bootloader did not read the file we wrote: " GRUB_DROPIN);
	ck_assert_msg(strstr(get("verify-cmdline")->fix, "grub boots this host: run grub"), "%s", get("verify-cmdline")->fix);
	ck_assert_uint_eq(count("verify-module", FINDING_FAIL), 1);     /* vfio_pci */
	ck_assert_uint_eq(count("verify-module", FINDING_PASS), 1);     /* kvm_intel */
	ck_assert(strstr(get("verify-module")->title, "vfio_pci"));
	expect("verify-no-module", FINDING_PASS, NULL, NULL);
	ck_assert_uint_eq(count("verify-driver", FINDING_FAIL), 1);
	ck_assert_uint_eq(count("verify-driver", FINDING_PASS), 1);
	ck_assert(strstr(get("verify-driver")->title, "0000:01:00.0 is bound to nouveau, not vfio-pci"));
	expect("verify-mdev", FINDING_FAIL, "/sys/bus/mdev/devices/4dd511f6-ec08-11e8-b839-2f163ddee3b3: absent", "mdevctl");
	expect("verify-pending", FINDING_WARN, NULL, NULL);
	ck_assert(findings_any_fail(checks));
	ck_assert(findings_verification_pending(checks));
	done();
}
END_TEST

/* GRUB edited on a host that boots with proxmox-boot-tool: the fix says so. */
START_TEST(verify_wrong_bootloader)
{
	const char *root = run("check-kernel-off");
	char saved[4096], path[4200];
	FILE *f;

	snprintf(saved, sizeof(saved), "%s", root);
	snprintf(path, sizeof(path), "%s/etc/kernel", saved);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/etc/kernel/cmdline", saved);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("root=ZFS=rpool/ROOT/pve-1 boot=zfs quiet\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/etc/kernel/proxmox-boot-uuids", saved);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("AD4C-36C9\n", f);
	fclose(f);
	apply_expectations(saved);
	backdate(saved);
	run_with_root(saved);
	expect("verify-cmdline", FINDING_FAIL, "no intel_iommu=on", "this host boots with proxmox-boot-tool, which reads etc/kernel/cmdline, not " GRUB_DROPIN);
	done();
}
END_TEST

START_TEST(verify_in_effect)
{
	const char *root = run("check-amd");
	char saved[4096];
	struct plan *p = NULL;
	struct plan_apply_opts opts = { .no_run = true };
	struct gv_error err = { 0 };

	snprintf(saved, sizeof(saved), "%s", root);
	ck_assert_int_eq(plan_new(saved, &p), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/modprobe.d/gpuvirt.conf", "blacklist nouveau\n", 18, 0644, "x"), 0);
	ck_assert_int_eq(plan_expect(p, "cmdline", "quiet", NULL), 0);
	ck_assert_int_eq(plan_expect(p, "module", "kvm_amd", NULL), 0);
	ck_assert_int_eq(plan_expect(p, "driver", "0000:01:00.0", "nouveau"), 0);
	ck_assert_int_eq(plan_expect(p, "mdev", "4dd511f6-ec08-11e8-b839-2f163ddee3b3", "0000:01:00.0:nvidia-300"), 0);
	ck_assert_msg(plan_apply(p, &opts, &err) == 0, "plan_apply: %s", err.msg);
	plan_free(p);
	backdate(saved);
	run_with_root(saved);
	expect("verify-cmdline", FINDING_PASS, "/proc/cmdline: quiet", NULL);
	expect("verify-module", FINDING_PASS, NULL, NULL);
	expect("verify-driver", FINDING_PASS, "driver: nouveau", NULL);
	expect("verify-mdev", FINDING_PASS, "present", NULL);
	ck_assert(!findings_verification_pending(checks));
	done();
}
END_TEST

START_TEST(verify_numvfs)
{
	const char *root = run("check-good");
	char saved[4096];
	struct plan *p = NULL;
	struct plan_apply_opts opts = { .no_run = true };
	struct gv_error err = { 0 };

	snprintf(saved, sizeof(saved), "%s", root);
	ck_assert_int_eq(plan_new(saved, &p), 0);
	ck_assert_int_eq(plan_write_file(p, "etc/sysfs.d/gpuvirt.conf", "x\n", 2, 0644, "x"), 0);
	ck_assert_int_eq(plan_expect(p, "numvfs", "0000:00:02.0", "3"), 0);
	ck_assert_int_eq(plan_expect(p, "numvfs", "00:02.0", "5"), 0);
	ck_assert_int_eq(plan_expect(p, "numvfs", "0000:00:14.0", "2"), 0);
	ck_assert_msg(plan_apply(p, &opts, &err) == 0, "plan_apply: %s", err.msg);
	plan_free(p);
	backdate(saved);
	run_with_root(saved);
	ck_assert_uint_eq(count("verify-numvfs", FINDING_PASS), 1);
	ck_assert_uint_eq(count("verify-numvfs", FINDING_FAIL), 2);
	expect("verify-numvfs", FINDING_PASS, "/sys/bus/pci/devices/0000:00:02.0/sriov_numvfs: 3", NULL);
	done();
}
END_TEST

/* Apply a change set under ROOT: one file, and expectations KIND KEY VALUE
 * (NULL-terminated triples). */
static void apply_set(const char *root, const char *file, const char *const *expects)
{
	struct gv_error err = { 0 };
	struct plan *p = NULL;
	struct plan_apply_opts opts = { .no_run = true };

	ck_assert_int_eq(plan_new(root, &p), 0);
	ck_assert_int_eq(plan_write_file(p, file, "x\n", 2, 0644, "x"), 0);
	for (; *expects; expects += 3)
		ck_assert_int_eq(plan_expect(p, expects[0], expects[1], expects[2]), 0);
	ck_assert_msg(plan_apply(p, &opts, &err) == 0, "plan_apply: %s", err.msg);
	plan_free(p);
}

/* The end of the JSON object of the first finding ID in JSON, from its last
 * comma on (one object per line). */
static const char *json_tail(const char *json, const char *id)
{
	static char tail[64];
	char key[128];
	const char *o, *end;

	snprintf(key, sizeof(key), "{\"id\": \"%s\"", id);
	o = strstr(json, key);
	ck_assert_msg(o != NULL, "no %s in %s", id, json);
	end = strchr(o, '\n') ? strchr(o, '\n') : o + strlen(o);
	if (end[-1] == ',')
		end--;
	for (const char *p = end - 1; p > o; p--)
		if (*p == ',') {
			snprintf(tail, sizeof(tail), "%.*s", (int)(end - p), p);
			break;
		}
	return tail;
}

/* Each verify finding names the change set it is about as a field: with two
 * sets applied, what failed is the second set's, what holds the first's;
 * nothing else is about a set. */
START_TEST(verify_names_the_set)
{
	static const char *const first[] = { "cmdline", "quiet", NULL, "module", "kvm_intel", NULL, NULL };
	static const char *const second[] = { "module", "vfio_pci", NULL,
					      "driver", "0000:01:00.0", "vfio-pci", NULL };
	const char *root = run("check-kernel-off");
	char saved[4096], *json;
	size_t n_pass = 0, n_fail = 0;

	for (size_t i = 0; i < findings_n(checks); i++)
		ck_assert_int_eq(findings_get(checks, i)->set_id, 0);
	ck_assert_int_eq(get("verify-journal")->set_id, 0);   /* nothing applied */
	snprintf(saved, sizeof(saved), "%s", root);
	apply_set(saved, "etc/modprobe.d/one.conf", first);
	apply_set(saved, "etc/modprobe.d/two.conf", second);
	backdate(saved);
	run_with_root(saved);
	for (size_t i = 0; i < findings_n(checks); i++) {
		const struct finding *f = findings_get(checks, i);

		if (f->category != FINDING_VERIFY) {
			ck_assert_int_eq(f->set_id, 0);
			continue;
		}
		ck_assert_msg(f->set_id == (f->status == FINDING_PASS ? 1 : 2), "%s (%s): set %d", f->id,
			      finding_status_name(f->status), f->set_id);
		n_pass += f->status == FINDING_PASS;
		n_fail += f->status == FINDING_FAIL;
	}
	ck_assert_uint_eq(n_pass, 2);   /* quiet, kvm_intel */
	ck_assert_uint_eq(n_fail, 2);   /* vfio_pci, the driver */
	expect("verify-driver", FINDING_FAIL, "(change set 2, 2000-01-01T00:00:00Z)", NULL);
	ck_assert_int_eq(get("verify-driver")->set_id, 2);

	json = findings_to_json(checks);
	ck_assert_str_eq(json_tail(json, "verify-driver"), ", \"set\": 2}");
	ck_assert_str_eq(json_tail(json, "cpu-virtualization"), ", \"set\": null}");
	free(json);
	done();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("checks");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, good_host_passes);
	tcase_add_test(tc, bios_off_names_bios_settings);
	tcase_add_test(tc, kernel_off_is_fixed_by_gpuvirt);
	tcase_add_test(tc, cmdline_off_is_removed);
	tcase_add_test(tc, amd_host);
	tcase_add_test(tc, vmd_host);
	tcase_add_test(tc, json_document);
	tcase_add_test(tc, firmware_facts);
	tcase_add_test(tc, verify_after_apply);
	tcase_add_test(tc, verify_wrong_bootloader);
	tcase_add_test(tc, verify_in_effect);
	tcase_add_test(tc, verify_numvfs);
	tcase_add_test(tc, verify_names_the_set);
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
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
