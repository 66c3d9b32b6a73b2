/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The lint of one kernel command line (core/verify/cmdline-lint). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/scan/kparam.h"
#include "core/util/cmdline.h"
#include "core/verify/cmdline-lint.h"
#include "tests/unit/testbed.h"

/* Lint LINE into a new list; *RET_N is its length. */
static struct findings *lint(const char *line, const char *root, const char *kernel_release, size_t *ret_n)
{
	struct findings *fs = findings_new();
	/* the configuration snapshot's database; without a root, the table alone */
	struct kparam_db *db = root ? kparam_db_new(root, kernel_release) : NULL;

	cmdline_lint(fs, line, db);
	kparam_db_free(db);
	*ret_n = findings_n(fs);
	return fs;
}

/* A finding ID with status ST about ARG (its evidence), NEEDLE (if not NULL)
 * in its title. */
static bool has_finding(const struct findings *fs, const char *id, enum finding_status st, const char *arg,
			const char *needle)
{
	for (size_t i = 0; i < findings_n(fs); i++) {
		const struct finding *f = findings_get(fs, i);
		if (strcmp(f->id, id) == 0 && f->status == st && strcmp(f->evidence, arg) == 0 &&
		    (!needle || strstr(f->title, needle)))
			return true;
	}
	return false;
}

static void dump(const struct findings *fs)
{
	for (size_t i = 0; i < findings_n(fs); i++) {
		const struct finding *f = findings_get(fs, i);
		fprintf(stderr, "finding %s %s %s: %s\n", f->id, finding_status_name(f->status), f->evidence, f->title);
	}
}

START_TEST(lint_table_only)
{
	struct findings *f = NULL;
	size_t n = 0;

	f = lint("BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet splash intel_iommu=on iommu=pt "
		 "i915.enable_guc=3 i915.max_vfs=7 vfio-pci.ids=10de:1db4 initcall_blacklist=sysfb_init "
		 "rd.driver.pre=vfio-pci modprobe.blacklist=nouveau iommu.passthrough=1 kvm.ignore_msrs=1 "
		 "systemd.unit=multi-user.target mysteryword foo=bar -- single",
		 NULL, NULL, &n);
	dump(f);
	ck_assert_uint_eq(n, 0);
	findings_free(f);

	f = lint("quiet 915.enable_guc=3 i915.enable_gcu=3 amd_iommu=on pcie_acs_override=downstream "
		 "intel_iomu=on iommu=pt iommu=nopt intel_iommu=off",
		 NULL, NULL, &n);
	dump(f);
	ck_assert(has_finding(f, "cmdline-unknown-module", FINDING_FAIL, "915.enable_guc=3", "i915"));
	ck_assert(has_finding(f, "cmdline-unknown-param", FINDING_FAIL, "i915.enable_gcu=3", "enable_guc"));
	ck_assert(has_finding(f, "cmdline-bad-value", FINDING_WARN, "amd_iommu=on", "not a valid value"));
	ck_assert(has_finding(f, "cmdline-acs-override", FINDING_WARN, "pcie_acs_override=downstream", "isolation"));
	ck_assert(has_finding(f, "cmdline-unknown-core", FINDING_WARN, "intel_iomu=on", "intel_iommu"));
	ck_assert(has_finding(f, "cmdline-duplicate", FINDING_WARN, "iommu=pt", "iommu=nopt"));
	ck_assert(has_finding(f, "cmdline-bad-value", FINDING_FAIL, "intel_iommu=off", NULL));
	ck_assert_uint_eq(n, 7);
	findings_free(f);

	/* an unknown module that is no near miss: nothing to check against */
	f = lint("foobarmod.x=1 i915.some_new_param=1", NULL, NULL, &n);
	dump(f);
	ck_assert_uint_eq(n, 1);
	ck_assert(has_finding(f, "cmdline-unknown-module", FINDING_WARN, "foobarmod.x=1", NULL));
	findings_free(f);
}
END_TEST

START_TEST(lint_too_long)
{
	struct findings *f = NULL;
	size_t n = 0;
	char *big = malloc(CMDLINE_SIZE + 8);

	memset(big, 'a', CMDLINE_SIZE);
	big[CMDLINE_SIZE] = '\0';
	f = lint(big, NULL, NULL, &n);
	ck_assert(has_finding(f, "cmdline-too-long", FINDING_FAIL, "", "2048 bytes"));
	findings_free(f);
	big[CMDLINE_SIZE - 1] = '\0';   /* 2047: fits */
	f = lint(big, NULL, NULL, &n);
	ck_assert_uint_eq(n, 0);
	findings_free(f);
	free(big);
}
END_TEST

/* A root with modules installed for 6.8.4-2-pve: the stock i915 (no max_vfs),
 * a module "foo" with parameter "bar", and vfio_pci built in. Built with the
 * compiler and depmod, as a kernel build would. */
static const char *kmod_root(void)
{
	static char dir[1024];
	char cmd[8192];

	snprintf(dir, sizeof(dir), "%s/gv-kmod.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert(mkdtemp(dir) != NULL);
	snprintf(cmd, sizeof(cmd),
		 "set -e; unset UMOCKDEV_DIR; m='%s/lib/modules/6.8.4-2-pve'; mkdir -p \"$m/kernel\"; cd \"$m\"; "
		 "printf '%%s\\n' 'static const char mi[] __attribute__((section(\".modinfo\"), used, aligned(1))) = "
		 "\"license=GPL\\0name=i915\\0parm=enable_guc:Enable GuC (int)\\0parm=modeset:x (int)\\0\";' > i.c; "
		 "printf '%%s\\n' 'static const char mi[] __attribute__((section(\".modinfo\"), used, aligned(1))) = "
		 "\"license=GPL\\0name=foo\\0parm=bar:a bar (int)\\0\";' > f.c; "
		 "cc -c -o kernel/i915.ko i.c; cc -c -o kernel/foo.ko f.c; rm i.c f.c; "
		 "echo kernel/drivers/vfio/pci/vfio-pci.ko > modules.builtin; "
		 "PATH=$PATH:/sbin:/usr/sbin depmod -b '%s' 6.8.4-2-pve 2>/dev/null",
		 dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	return dir;
}

START_TEST(lint_with_libkmod)
{
	const char *root = kmod_root();
	struct findings *f = NULL;
	size_t n = 0;
	struct kparam_db *db;
	struct kparam_info info;

	db = kparam_db_new(root, "6.8.4-2-pve");
	ck_assert_ptr_nonnull(db);
	ck_assert(kparam_db_has_index(db));
	kparam_lookup(db, "foo", "bar", &info);
	ck_assert_int_eq(info.module, KPARAM_MODULE_KNOWN);
	ck_assert_int_eq(info.param, KPARAM_PARAM_KNOWN);
	ck_assert(info.from_modinfo);
	kparam_lookup(db, "foo", "baz", &info);
	ck_assert_int_eq(info.param, KPARAM_PARAM_UNKNOWN);
	kparam_lookup(db, "nosuchmod", NULL, &info);
	ck_assert_int_eq(info.module, KPARAM_MODULE_ABSENT);
	kparam_lookup(db, "vfio-pci", "ids", &info);   /* built in, no modinfo: the table answers */
	ck_assert_int_eq(info.module, KPARAM_MODULE_KNOWN);
	ck_assert_int_eq(info.param, KPARAM_PARAM_KNOWN);
	kparam_db_free(db);

	f = lint("root=/dev/sda1 i915.enable_guc=3 i915.max_vfs=7 foo.bar=1 foo.baz=2 "
		 "nosuchmod.x=1 vfio-pci.ids=10de:1db4 rd.driver.pre=vfio-pci",
		 root, "6.8.4-2-pve", &n);
	dump(f);
	ck_assert(has_finding(f, "cmdline-unknown-param", FINDING_FAIL, "i915.max_vfs=7", "SR-IOV"));
	ck_assert(has_finding(f, "cmdline-unknown-param", FINDING_FAIL, "foo.baz=2", "no parameter baz"));
	ck_assert(has_finding(f, "cmdline-unknown-module", FINDING_FAIL, "nosuchmod.x=1", "lib/modules/6.8.4-2-pve"));
	ck_assert_uint_eq(n, 3);
	findings_free(f);

	/* a release that is not installed: the table only */
	f = lint("i915.max_vfs=7 nosuchmod.x=1", root, "6.1.0-13-amd64", &n);
	dump(f);
	ck_assert(has_finding(f, "cmdline-unknown-module", FINDING_WARN, "nosuchmod.x=1", NULL));
	ck_assert_uint_eq(n, 1);
	findings_free(f);

	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* Each finding is one of the list's: category lint, and the fix the
 * configuration lint used to add on top. */
START_TEST(lint_findings_are_whole)
{
	size_t n = 0;
	struct findings *f = lint("quiet 915.enable_guc=3 pcie_acs_override=downstream", NULL, NULL, &n);
	const struct finding *x;

	dump(f);
	ck_assert_uint_eq(n, 2);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(findings_get(f, i)->category, FINDING_LINT);
		ck_assert_int_eq(findings_get(f, i)->set_id, 0);
	}
	x = findings_find(f, "cmdline-unknown-module");
	ck_assert_ptr_nonnull(x);
	ck_assert_str_eq(x->evidence, "915.enable_guc=3");
	ck_assert_str_eq(x->fix, "gpuvirt apply --cmdline-remove 915.enable_guc (and --cmdline-add the corrected argument)");
	x = findings_find(f, "cmdline-acs-override");
	ck_assert_ptr_nonnull(x);
	ck_assert(strstr(x->fix, "gpuvirt apply --cmdline-remove pcie_acs_override"));
	findings_free(f);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cmdline-lint");
	TCase *tc = tcase_create("cmdline-lint");

	tcase_add_test(tc, lint_table_only);
	tcase_add_test(tc, lint_too_long);
	tcase_add_test(tc, lint_with_libkmod);
	tcase_add_test(tc, lint_findings_are_whole);
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
