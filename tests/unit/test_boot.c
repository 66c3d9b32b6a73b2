/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Boot loader detection from evidence, and the command line proposals per
 * boot loader: golden previews and file bytes (tests/fixtures/roots/golden/),
 * apply twice = apply once, undo byte-identical.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/propose/boot.h"
#include "core/scan/sysconf.h"
#include "core/scan/grub.h"
#include "core/plan/journal.h"
#include "core/plan/plan.h"
#include "core/plan/undo.h"
#include "tests/unit/testbed.h"

static const char *srcdir(void)
{
	const char *s = getenv("GV_SRCDIR");
	return s ? s : ".";
}

/* A fresh copy of tests/fixtures/roots/NAME (owned path). */
static char *root_copy(const char *name)
{
	char dir[1024], cmd[4096];

	snprintf(dir, sizeof(dir), "%s/gv-boot.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert(mkdtemp(dir) != NULL);
	snprintf(cmd, sizeof(cmd), "cp -a '%s/tests/fixtures/roots/%s/.' '%s/'", srcdir(), name, dir);
	ck_assert_int_eq(system(cmd), 0);
	return strdup(dir);
}

static void rm_rf(char *dir)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(dir);
}

static char *capture(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *out = NULL;
	size_t len = 0;

	ck_assert_ptr_nonnull(p);
	FILE *m = open_memstream(&out, &len);
	int ch;
	while ((ch = fgetc(p)) != EOF)
		fputc(ch, m);
	fclose(m);
	pclose(p);
	return out;
}

/* Digest of every file and the list of paths, except gpuvirt's own state
 * (the journal creates var/lib/gpuvirt and keeps it). */
static char *tree_digest(const char *root)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && find . -path ./var/lib/gpuvirt -prune -o -type f -print0 | sort -z | xargs -0 -r sha256sum; "
		 "cd '%s' && find . -path ./var/lib/gpuvirt -prune -o -print | grep -v -x -e ./var -e ./var/lib | sort",
		 root, root);
	return capture(cmd);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *out = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	FILE *m = open_memstream(&out, &len);
	int ch;
	while ((ch = fgetc(f)) != EOF)
		fputc(ch, m);
	fclose(m);
	fclose(f);
	return out;
}

/* Compare TEXT with golden file NAME; GV_UPDATE_GOLDEN=1 rewrites it. */
static void golden(const char *name, const char *text)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/tests/fixtures/roots/golden/%s", srcdir(), name);
	if (getenv("GV_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fputs(text, f);
		fclose(f);
	}
	char *want = read_file(path);
	ck_assert_msg(want != NULL, "golden file %s missing (GV_UPDATE_GOLDEN=1 to create)", path);
	ck_assert_msg(strcmp(want, text) == 0, "%s differs:\n--- want\n%s\n--- got\n%s", name, want, text);
	free(want);
}

/* The two snapshots, of the current test bed (the host: UEFI, the running
 * command line) and of ROOT, as a session takes them: again after an apply. */
static struct host *host;
static struct sysconf *conf;

static struct sysconf *snap(const char *root)
{
	struct gv_error err = { 0 };

	sysconf_free(conf);
	host_free(host);
	ck_assert_msg(host_scan(&host, &err) == 0, "%s", err.msg);
	ck_assert_msg(sysconf_load(root, host, &conf, &err) == 0, "%s", err.msg);
	return conf;
}

static void snap_free(void)
{
	sysconf_free(conf);
	host_free(host);
	conf = NULL;
	host = NULL;
}

static void detect_is(const char *fixture, const char *bed, enum boot_loader want, size_t n_cand)
{
	char *root = root_copy(fixture);
	const struct boot_detection *d;

	testbed_use(bed);
	d = sysconf_boot(snap(root));
	char *desc = boot_detection_describe(d);
	ck_assert_msg(boot_detection_loader(d) == want, "%s: %s, expected %s\n%s", fixture,
		      boot_loader_name(boot_detection_loader(d)), boot_loader_name(want), desc);
	ck_assert_msg(boot_detection_n_candidates(d) == n_cand, "%s: %zu candidates\n%s", fixture,
		      boot_detection_n_candidates(d), desc);
	if (want != BOOT_AUTO) {
		const char *const *ev = boot_detection_evidence(d, want);
		ck_assert_ptr_nonnull(ev);
		ck_assert_ptr_nonnull(ev[0]);
	}
	free(desc);
	snap_free();
	rm_rf(root);
}

START_TEST(detection)
{
	detect_is("ubuntu-grub", "ubuntu-v100", BOOT_GRUB, 1);
	detect_is("proxmox-grub", "proxmox-n100", BOOT_GRUB, 1);
	detect_is("proxmox-zfs-sdboot", "proxmox-n100", BOOT_PROXMOX_SDBOOT, 1);
	/* the same files on a BIOS boot: proxmox-boot-tool runs GRUB */
	detect_is("proxmox-zfs-sdboot", "ubuntu-v100", BOOT_GRUB, 1);
	detect_is("proxmox-uefi-nocmdline", "proxmox-n100", BOOT_AUTO, 2);
	detect_is("fedora-bls", "ubuntu-v100", BOOT_GRUB_BLS, 1);
	detect_is("rhel94-bls", "ubuntu-v100", BOOT_GRUB_BLS, 1);
	detect_is("grubd-override", "ubuntu-v100", BOOT_GRUB, 1);
	detect_is("popos-kernelstub", "proxmox-n100", BOOT_KERNELSTUB, 1);
	detect_is("systemd-boot", "proxmox-n100", BOOT_SYSTEMD_BOOT, 1);
	detect_is("ambiguous", "proxmox-n100", BOOT_AUTO, 2);
}
END_TEST

START_TEST(ambiguous_is_refused_with_candidates)
{
	char *root = root_copy("ambiguous");
	struct plan *p = NULL;
	struct gv_error err = { 0 };
	const char *add[] = { "iommu=pt" };

	testbed_use("proxmox-n100");
	snap(root);
	ck_assert_int_eq(plan_new(root, &p), 0);
	ck_assert_int_eq(boot_propose_cmdline(p, host, conf, add, 1, NULL, 0, &err), -ENOTUNIQ);
	ck_assert_ptr_nonnull(strstr(err.msg, "grub"));
	ck_assert_ptr_nonnull(strstr(err.msg, "systemd-boot"));
	ck_assert_uint_eq(plan_n_actions(p), 0);
	/* the person chose */
	ck_assert_int_eq(boot_propose_cmdline_for(p, host, conf, BOOT_SYSTEMD_BOOT, add, 1, NULL, 0, &err), 0);
	ck_assert_uint_ge(plan_n_actions(p), 1);
	plan_free(p);
	char *line = NULL;
	ck_assert_int_eq(boot_configured_cmdline(conf, &line, &err), -ENOTUNIQ);
	rm_rf(root);

	root = root_copy("ubuntu-grub");
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/etc' '%s/boot'", root, root);
	ck_assert_int_eq(system(cmd), 0);
	snap(root);
	ck_assert_int_eq(plan_new(root, &p), 0);
	ck_assert_int_eq(boot_propose_cmdline(p, host, conf, add, 1, NULL, 0, &err), -ENOENT);
	plan_free(p);
	snap_free();
	rm_rf(root);
}
END_TEST

struct scenario {
	const char *fixture, *bed;
	const char *add[6];
	const char *rm[3];
	const char *file;       /* the file whose bytes are golden, NULL: none */
};

static void run_scenario(const struct scenario *s)
{
	char *root = root_copy(s->fixture);
	struct plan *p = NULL;
	struct gv_error err = { 0 };
	size_t n_add = 0, n_rm = 0;
	char *text = NULL, name[256], path[4096];
	struct plan_apply_opts opts = { .no_run = true };

	while (s->add[n_add])
		n_add++;
	while (s->rm[n_rm])
		n_rm++;
	testbed_use(s->bed);
	char *before = tree_digest(root);

	snap(root);
	ck_assert_int_eq(plan_new(root, &p), 0);
	ck_assert_msg(boot_propose_cmdline(p, host, conf, s->add, n_add, s->rm, n_rm, &err) == 0, "%s: %s",
		      s->fixture, err.msg);
	ck_assert_int_eq(plan_preview(p, &text, &err), 0);
	snprintf(name, sizeof(name), "%s.preview", s->fixture);
	golden(name, text);
	free(text);
	ck_assert_msg(plan_apply(p, &opts, &err) == 0, "%s: apply: %s", s->fixture, err.msg);
	plan_free(p);
	if (s->file) {
		snprintf(path, sizeof(path), "%s/%s", root, s->file);
		text = read_file(path);
		ck_assert_ptr_nonnull(text);
		snprintf(name, sizeof(name), "%s.%s", s->fixture, strrchr(s->file, '/') + 1);
		golden(name, text);
		free(text);
	}

	/* apply twice = apply once: nothing left to do */
	snap(root);
	ck_assert_int_eq(plan_new(root, &p), 0);
	ck_assert_int_eq(boot_propose_cmdline(p, host, conf, s->add, n_add, s->rm, n_rm, &err), 0);
	ck_assert_msg(plan_is_empty(p), "%s: a second proposal still changes something", s->fixture);
	plan_free(p);

	/* what is configured now has every added argument; the running kernel
	 * (the test bed's /proc/cmdline) may not yet */
	char *line = NULL;
	ck_assert_int_eq(boot_configured_cmdline(conf, &line, &err), 0);
	for (size_t i = 0; i < n_add; i++) {
		struct cmdline *c;
		ck_assert_int_eq(cmdline_parse(line, &c), 0);
		ck_assert_msg(cmdline_contains(c, s->add[i]), "%s: %s not in '%s'", s->fixture, s->add[i], line);
		cmdline_free(c);
	}
	free(line);
	snap_free();

	/* undo: byte-identical */
	struct journal_undo_opts uo = { .no_run = true };
	ck_assert_msg(journal_undo(root, &uo, &err) == 0, "%s: undo: %s", s->fixture, err.msg);
	char *after = tree_digest(root);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	rm_rf(root);
}

START_TEST(golden_ubuntu_grub)
{
	/* the Ubuntu guide's AMD host: --iommu is iommu=pt only */
	size_t n = 0;
	const char *const *iommu = boot_iommu_args(HOST_CPU_AMD, &n);
	ck_assert_uint_eq(n, 1);
	struct scenario s = { "ubuntu-grub", "ubuntu-v100", { iommu[0], NULL }, { NULL }, GRUB_DROPIN };
	run_scenario(&s);
}
END_TEST

START_TEST(golden_proxmox_sdboot)
{
	struct scenario s = { "proxmox-zfs-sdboot", "proxmox-n100",
			      { "intel_iommu=on", "iommu=pt", "i915.enable_guc=3", "i915.max_vfs=7", NULL },
			      { NULL }, "etc/kernel/cmdline" };
	run_scenario(&s);
}
END_TEST

START_TEST(golden_proxmox_grub)
{
	struct scenario s = { "proxmox-grub", "proxmox-n100",
			      { "intel_iommu=on", "iommu=pt", "i915.enable_guc=3", "i915.max_vfs=7", NULL },
			      { NULL }, GRUB_DROPIN };
	run_scenario(&s);
}
END_TEST

START_TEST(golden_fedora_bls)
{
	struct scenario s = { "fedora-bls", "ubuntu-v100", { "intel_iommu=on", "iommu=pt", NULL }, { "rhgb", NULL },
			      "etc/default/grub" };
	run_scenario(&s);
}
END_TEST

START_TEST(golden_rhel94_bls)
{
	struct scenario s = { "rhel94-bls", "ubuntu-v100", { "intel_iommu=on", "iommu=pt", NULL }, { NULL },
			      "etc/default/grub" };
	run_scenario(&s);
}
END_TEST

START_TEST(golden_grubd_override)
{
	struct scenario s = { "grubd-override", "ubuntu-v100", { "iommu=pt", NULL }, { NULL }, GRUB_DROPIN };
	run_scenario(&s);
}
END_TEST

START_TEST(golden_systemd_boot)
{
	struct scenario s = { "systemd-boot", "proxmox-n100", { "intel_iommu=on", "iommu=pt", NULL }, { "loglevel", NULL },
			      "etc/kernel/cmdline" };
	run_scenario(&s);
}
END_TEST

START_TEST(kernelstub_commands)
{
	char *root = root_copy("popos-kernelstub");
	struct plan *p = NULL;
	struct gv_error err = { 0 };
	const char *add[] = { "intel_iommu=on", "iommu=pt", "loglevel=3" };
	const char *rm[] = { "splash" };
	char *text = NULL;

	testbed_use("proxmox-n100");
	snap(root);
	ck_assert_int_eq(plan_new(root, &p), 0);
	ck_assert_int_eq(boot_propose_cmdline(p, host, conf, add, 3, rm, 1, &err), 0);
	ck_assert_int_eq(plan_preview(p, &text, &err), 0);
	golden("popos-kernelstub.preview", text);
	free(text);
	plan_free(p);
	char *line = NULL;
	ck_assert_int_eq(boot_configured_cmdline(conf, &line, &err), 0);
	ck_assert_str_eq(line, "quiet loglevel=0 systemd.show_status=false splash");
	free(line);
	snap_free();
	rm_rf(root);
}
END_TEST

START_TEST(proxmox_sdboot_keeps_root)
{
	char *root = root_copy("proxmox-zfs-sdboot");
	struct plan *p = NULL;
	struct gv_error err = { 0 };
	const char *rm[] = { "root" };

	testbed_use("proxmox-n100");
	snap(root);
	ck_assert_int_eq(plan_new(root, &p), 0);
	ck_assert_int_eq(boot_propose_cmdline(p, host, conf, NULL, 0, rm, 1, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "root="));
	ck_assert_uint_eq(plan_n_actions(p), 0);
	plan_free(p);
	snap_free();
	rm_rf(root);
}
END_TEST

START_TEST(pending)
{
	char *root = root_copy("proxmox-zfs-sdboot");
	struct cmdline_diff *d = NULL;
	struct gv_error err = { 0 };

	testbed_use("proxmox-n100");
	/* configured: root=ZFS=rpool/ROOT/pve-1 boot=zfs; running (the test
	 * bed's host): the N100 guide's full line */
	snap(root);
	ck_assert_int_eq(boot_cmdline_pending(conf, host_cmdline(host), &d, &err), 0);
	ck_assert_uint_eq(d->n_missing, 0);
	ck_assert_uint_eq(d->n_extra, 4);
	ck_assert_str_eq(d->extra[0], "intel_iommu=on");
	cmdline_diff_free(d);
	rm_rf(root);

	root = root_copy("ubuntu-grub");
	testbed_use("ubuntu-v100");
	snap(root);
	ck_assert_int_eq(boot_cmdline_pending(conf, host_cmdline(host), &d, &err), 0);
	ck_assert_msg(cmdline_diff_empty(d), "GRUB's root= ro must not count as pending");
	cmdline_diff_free(d);
	ck_assert_int_eq(boot_cmdline_pending(conf, "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet", &d, &err), 0);
	ck_assert_uint_eq(d->n_missing, 1);
	ck_assert_str_eq(d->missing[0], "splash");
	cmdline_diff_free(d);
	/* an unknown running line is said, never read behind the snapshot */
	ck_assert_int_eq(boot_cmdline_pending(conf, NULL, &d, &err), -ENOENT);
	snap_free();
	rm_rf(root);
}
END_TEST

START_TEST(iommu_args)
{
	size_t n = 9;
	const char *const *a = boot_iommu_args(HOST_CPU_INTEL, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(a[0], "intel_iommu=on");
	ck_assert_str_eq(a[1], "iommu=pt");
	ck_assert_ptr_null(a[2]);
	a = boot_iommu_args(HOST_CPU_AMD, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(a[0], "iommu=pt");
	ck_assert_ptr_null(a[1]);
	ck_assert_ptr_null(boot_iommu_args(HOST_CPU_UNKNOWN, &n));
	ck_assert_uint_eq(n, 0);
	enum boot_loader l;
	ck_assert_int_eq(boot_loader_from_name("proxmox-boot-tool", &l), 0);
	ck_assert_int_eq(l, BOOT_PROXMOX_SDBOOT);
	ck_assert_int_eq(boot_loader_from_name("lilo", &l), -EINVAL);
}
END_TEST

START_TEST(grub_refusal_names_file_line)
{
	char *root = root_copy("ubuntu-grub");
	struct plan *p = NULL;
	struct gv_error err = { 0 };
	const char *add[] = { "iommu=pt" };
	char path[4096];

	testbed_use("ubuntu-v100");
	snprintf(path, sizeof(path), "%s/etc/default/grub.d/local.cfg", root);
	FILE *f = fopen(path, "w");
	fputs("# site\nGRUB_CMDLINE_LINUX_DEFAULT=\"$(cat /etc/extra)\"\n", f);
	fclose(f);
	snap(root);
	ck_assert_int_eq(plan_new(root, &p), 0);
	ck_assert_int_eq(boot_propose_cmdline(p, host, conf, add, 1, NULL, 0, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "etc/default/grub.d/local.cfg:2: command substitution $(...): gpuvirt cannot evaluate it");
	ck_assert_uint_eq(plan_n_actions(p), 0);
	plan_free(p);
	/* the snapshot keeps the same refusal for the configured line */
	char *line = NULL;
	ck_assert_int_eq(boot_configured_cmdline(conf, &line, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "etc/default/grub.d/local.cfg:2: command substitution $(...): gpuvirt cannot evaluate it");
	snap_free();
	rm_rf(root);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("boot");
	TCase *tc = tcase_create("boot");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, detection);
	tcase_add_test(tc, ambiguous_is_refused_with_candidates);
	tcase_add_test(tc, golden_ubuntu_grub);
	tcase_add_test(tc, golden_proxmox_sdboot);
	tcase_add_test(tc, golden_proxmox_grub);
	tcase_add_test(tc, golden_fedora_bls);
	tcase_add_test(tc, golden_rhel94_bls);
	tcase_add_test(tc, golden_grubd_override);
	tcase_add_test(tc, golden_systemd_boot);
	tcase_add_test(tc, kernelstub_commands);
	tcase_add_test(tc, proxmox_sdboot_keeps_root);
	tcase_add_test(tc, pending);
	tcase_add_test(tc, iommu_args);
	tcase_add_test(tc, grub_refusal_names_file_line);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
