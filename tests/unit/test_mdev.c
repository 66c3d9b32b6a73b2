/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Mediated devices and vGPU: gpuvirt's JSON layouts, mdevctl's definitions
 * read and written as mdevctl does, what starts them at boot, NVIDIA's
 * per-VF interface and the VMs that hold devices in the host snapshot,
 * GVT-g's generations, the proposal on the V100, and a sysfs write's own
 * reversal through apply, rollback, the journal, undo and plan files.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/plan/plan.h"
#include "core/plan/undo.h"
#include "core/propose/draft.h"
#include "core/propose/mdev.h"
#include "core/scan/host.h"
#include "core/scan/mdevconf.h"
#include "core/scan/sysconf.h"
#include "core/util/buf.h"
#include "core/util/fsutil.h"
#include "core/util/jsonout.h"
#include "core/util/log.h"
#include "tests/unit/testbed.h"
#include "tests/unit/testroot.h"

static char *mkroot(void)
{
	return testroot_new("mdev");
}

static void put(const char *root, const char *rel, const char *s)
{
	testroot_put(root, rel, s, strlen(s), 0);
}

static char *get(const char *path)
{
	char *d = NULL;
	size_t n;

	ck_assert_int_eq(fsutil_read_file(path, &d, &n), 0);
	return d;
}

/* ---- JSON ---- */

START_TEST(jsonout_layouts)
{
	struct json_object *doc = jsonout_object(), *a = jsonout_array(), *o = jsonout_object();
	struct buf b = BUF_INIT;

	jsonout_set(o, "path", jsonout_str("/sys/a \"b\"\t\x01"));
	jsonout_set(o, "n", jsonout_count(-1));
	jsonout_set(o, "ok", jsonout_bool(true));
	jsonout_push(a, o);
	jsonout_push(a, jsonout_int(7));
	jsonout_set(doc, "list", a);
	jsonout_set(doc, "empty", jsonout_array());
	jsonout_set(doc, "none", jsonout_object());

	jsonout_inline(&b, doc);
	ck_assert_str_eq(b.data, "{\"list\": [{\"path\": \"/sys/a \\\"b\\\"\\t\\u0001\", \"n\": null, \"ok\": true}, 7], "
				 "\"empty\": [], \"none\": {}}");
	buf_reset(&b);
	jsonout_plain(&b, doc);
	ck_assert_str_eq(b.data, "{\"list\":[{\"path\":\"/sys/a \\\"b\\\"\\t\\u0001\",\"n\":null,\"ok\":true},7],"
				 "\"empty\":[],\"none\":{}}");
	buf_reset(&b);
	jsonout_lines(&b, doc, 2);
	ck_assert_str_eq(b.data, "{\n"
				 "  \"list\": [\n"
				 "    {\"path\": \"/sys/a \\\"b\\\"\\t\\u0001\", \"n\": null, \"ok\": true},\n"
				 "    7\n"
				 "  ],\n"
				 "  \"empty\": [],\n"
				 "  \"none\": {}\n"
				 "}");
	buf_reset(&b);
	jsonout_lines(&b, doc, 99);
	ck_assert_str_eq(b.data, "{\n"
				 "  \"list\": [\n"
				 "    {\n"
				 "      \"path\": \"/sys/a \\\"b\\\"\\t\\u0001\",\n"
				 "      \"n\": null,\n"
				 "      \"ok\": true\n"
				 "    },\n"
				 "    7\n"
				 "  ],\n"
				 "  \"empty\": [],\n"
				 "  \"none\": {}\n"
				 "}");
	buf_free(&b);
	jsonout_free(doc);
	jsonout_free(NULL);
}
END_TEST

/* ---- mdevctl's definitions ---- */

#define V100 "etc/mdevctl.d/0000:41:00.0/"

START_TEST(definitions_read_as_mdevctl_reads_them)
{
	char *root = mkroot();
	struct mdevconf *mc;
	const struct mdevconf_def *d;

	put(root, V100 "634fc146-50a3-4960-ac30-f09e5cedc674",
	    "{\n  \"mdev_type\": \"nvidia-300\",\n  \"start\": \"auto\",\n  \"attrs\": []\n}");
	put(root, V100 "C2E088B4-6C7E-4C4B-8D6F-2B0F3A1D9E57",
	    "{\"mdev_type\": \"nvidia-299\", \"start\": \"manual\", \"attrs\": [{\"a\": \"1\"}, {\"b\": \"x y\"}]}\n");
	put(root, V100 "00000000-0000-4000-8000-000000000001", "{\"mdev_type\": \"nvidia-300\", \"start\": \"auto\"");
	put(root, V100 "00000000-0000-4000-8000-000000000002", "{\"mdev_type\": \"nvidia-300\"}");
	put(root, V100 "00000000-0000-4000-8000-000000000003", "{\"mdev_type\": \"nvidia-300\", \"start\": \"auto\", \"attrs\": {}}");
	put(root, V100 "00000000-0000-4000-8000-000000000004", "{\"mdev_type\": \"nvidia-300\", \"start\": \"auto\"} x");
	put(root, V100 "00000000-0000-4000-8000-000000000005", "{\"mdev_type\": 300, \"start\": \"auto\"}");
	put(root, V100 "00000000-0000-4000-8000-000000000006", "{'mdev_type': 'x', 'start': 'auto'}");
	/* skipped, as mdevctl skips them */
	put(root, V100 "not-a-uuid", "garbage");
	put(root, V100 ".634fc146-50a3-4960-ac30-f09e5cedc674.tmp", "garbage");
	put(root, "etc/mdevctl.d/scripts.d/callouts/00000000-0000-4000-8000-000000000009", "garbage");
	/* null attrs and an unknown start are manual, as in mdevctl */
	put(root, "etc/mdevctl.d/0000:00:02.0/4dd511f6-ec08-11e8-b839-2f163ddee3b3",
	    "{\"mdev_type\": \"i915-GVTg_V5_4\", \"start\": \"Auto\", \"attrs\": null}");

	mc = mdevconf_load(root);
	ck_assert_uint_eq(mdevconf_n(mc), 3);
	d = mdevconf_get(mc, 0);   /* by parent, then UUID */
	ck_assert_str_eq(d->parent, "0000:00:02.0");
	ck_assert(!d->start_auto);
	ck_assert_uint_eq(d->n_attrs, 0);
	d = mdevconf_get(mc, 1);
	ck_assert_str_eq(d->uuid, "634fc146-50a3-4960-ac30-f09e5cedc674");
	ck_assert_str_eq(d->path, V100 "634fc146-50a3-4960-ac30-f09e5cedc674");
	ck_assert_str_eq(d->type, "nvidia-300");
	ck_assert(d->start_auto);
	d = mdevconf_find(mc, "c2e088b4-6C7E-4c4b-8d6f-2b0f3a1d9e57");
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d->uuid, "c2e088b4-6c7e-4c4b-8d6f-2b0f3a1d9e57");
	ck_assert(!d->start_auto);
	ck_assert_uint_eq(d->n_attrs, 2);
	ck_assert_str_eq(d->attrs[1].key, "b");
	ck_assert_str_eq(d->attrs[1].value, "x y");
	ck_assert_ptr_null(mdevconf_find(mc, "00000000-0000-4000-8000-000000000001"));

	ck_assert_uint_eq(mdevconf_n_errors(mc), 6);
	ck_assert_str_eq(mdevconf_error(mc, 0)->path, V100 "00000000-0000-4000-8000-000000000001");
	ck_assert_str_eq(mdevconf_error(mc, 0)->reason, "not JSON: unexpected end of the file");
	ck_assert_str_eq(mdevconf_error(mc, 1)->reason, "no \"start\"");
	ck_assert_str_eq(mdevconf_error(mc, 2)->reason, "\"attrs\" is neither an array nor null");
	ck_assert(!strncmp(mdevconf_error(mc, 3)->reason, "not JSON: ", 10));   /* something after the object */
	ck_assert_str_eq(mdevconf_error(mc, 4)->reason, "no \"mdev_type\" string");
	ck_assert(!strncmp(mdevconf_error(mc, 5)->reason, "not JSON: ", 10));
	mdevconf_free(mc);
	mdevconf_free(NULL);

	/* none at all */
	mc = mdevconf_load("/nonexistent");
	ck_assert_uint_eq(mdevconf_n(mc) + mdevconf_n_errors(mc), 0);
	ck_assert_int_eq(mdevconf_boot(mc, NULL, NULL, NULL), MDEVCONF_BOOT_NO_MDEVCTL);
	mdevconf_free(mc);
	free(root);
}
END_TEST

START_TEST(definitions_written_as_mdevctl_writes_them)
{
	const struct mdevconf_attr attrs[] = { { (char *)"assign_adapter", (char *)"5" },
					       { (char *)"assign_domain", (char *)"0x47" } };
	char *root = mkroot(), *s;
	struct mdevconf *mc;

	s = mdevconf_render("nvidia-300", true, NULL, 0);
	ck_assert_str_eq(s, "{\n  \"mdev_type\": \"nvidia-300\",\n  \"start\": \"auto\",\n  \"attrs\": []\n}");
	free(s);
	s = mdevconf_render("vfio_ap-passthrough", false, attrs, 2);
	ck_assert_str_eq(s, "{\n"
			    "  \"mdev_type\": \"vfio_ap-passthrough\",\n"
			    "  \"start\": \"manual\",\n"
			    "  \"attrs\": [\n"
			    "    {\n"
			    "      \"assign_adapter\": \"5\"\n"
			    "    },\n"
			    "    {\n"
			    "      \"assign_domain\": \"0x47\"\n"
			    "    }\n"
			    "  ]\n"
			    "}");
	/* and read back */
	put(root, "etc/mdevctl.d/matrix/11111111-2222-4333-8444-555555555555", s);
	free(s);
	mc = mdevconf_load(root);
	ck_assert_uint_eq(mdevconf_n(mc), 1);
	ck_assert_str_eq(mdevconf_get(mc, 0)->attrs[1].value, "0x47");
	mdevconf_free(mc);
	ck_assert(mdevconf_uuid_ok("634fc146-50a3-4960-ac30-f09e5cedc674"));
	ck_assert(!mdevconf_uuid_ok("634fc146-50a3-4960-ac30-f09e5cedc67"));
	ck_assert(!mdevconf_uuid_ok("634fc14650a3-4960-ac30-f09e5cedc6744"));
	ck_assert(!mdevconf_uuid_ok(NULL));
	free(root);
}
END_TEST

/* Debian 12's rule calls /usr/sbin/mdevctl; the package installs /usr/bin's. */
START_TEST(what_starts_them_at_boot)
{
	static const char rule[] = "# mdevctl\nACTION==\"change\", ENV{MDEV_STATE}==\"registered\", "
				   "RUN+=\"/bin/sh -c '{ /usr/sbin/mdevctl start-parent-mdevs %k 2>&3 | logger; }'\"\n";
	char *root = mkroot(), *link;
	const char *bin, *file, *calls;
	struct mdevconf *mc;

	put(root, "usr/bin/mdevctl", "");
	mc = mdevconf_load(root);
	ck_assert_int_eq(mdevconf_boot(mc, &bin, &file, &calls), MDEVCONF_BOOT_NO_RULE);
	ck_assert_str_eq(bin, "/usr/bin/mdevctl");
	ck_assert(!mdevconf_starts_at_boot(mc));
	mdevconf_free(mc);

	put(root, "lib/udev/rules.d/60-mdevctl.rules", rule);
	mc = mdevconf_load(root);
	ck_assert_int_eq(mdevconf_boot(mc, &bin, &file, &calls), MDEVCONF_BOOT_BROKEN);
	ck_assert_str_eq(file, "lib/udev/rules.d/60-mdevctl.rules");
	ck_assert_str_eq(calls, "/usr/sbin/mdevctl");
	ck_assert(!mdevconf_starts_at_boot(mc));
	mdevconf_free(mc);

	put(root, MDEVCONF_OWN_RULE, "x\n");
	mc = mdevconf_load(root);
	ck_assert(mdevconf_own_rule(mc));
	ck_assert(mdevconf_starts_at_boot(mc));
	mdevconf_free(mc);

	/* a fixed package, or the same name in etc/ replacing the package's */
	put(root, "etc/udev/rules.d/60-mdevctl.rules", "RUN+=\"/usr/bin/mdevctl start-parent-mdevs $kernel\"\n");
	mc = mdevconf_load(root);
	ck_assert_int_eq(mdevconf_boot(mc, NULL, &file, &calls), MDEVCONF_BOOT_OK);
	ck_assert_str_eq(file, "etc/udev/rules.d/60-mdevctl.rules");
	ck_assert_str_eq(calls, "/usr/bin/mdevctl");
	ck_assert(!mdevconf_vgpu_mgr_installed(mc));
	ck_assert(!mdevconf_vgpu_mgr_enabled(mc));
	mdevconf_free(mc);

	put(root, "lib/systemd/system/nvidia-vgpu-mgr.service", "[Unit]\n");
	put(root, "etc/systemd/system/multi-user.target.wants/x", "");
	link = fsutil_join(root, "etc/systemd/system/multi-user.target.wants/nvidia-vgpu-mgr.service");
	/* a link to the root's own /lib: dangling from here */
	ck_assert_int_eq(symlink("/lib/systemd/system/nvidia-vgpu-mgr.service", link), 0);
	free(link);
	mc = mdevconf_load(root);
	ck_assert(mdevconf_vgpu_mgr_installed(mc));
	ck_assert(mdevconf_vgpu_mgr_enabled(mc));
	mdevconf_free(mc);
	free(root);
}
END_TEST

/* ---- the host ---- */

START_TEST(nvidia_vgpu_per_vf)
{
	struct host *h = NULL;
	struct gv_error err = { 0 };
	const struct host_device *d;
	struct pciaddr a;

	testbed_use("nvidia-vgpu-vf");
	ck_assert_int_eq(host_scan(&h, &err), 0);
	d = host_find(h, "17:00.4");
	ck_assert_int_eq(d->vgpu_current, 1145);
	ck_assert_uint_eq(d->n_vgpu_types, 2);
	ck_assert_int_eq(d->vgpu_types[1].id, 1147);
	ck_assert_str_eq(d->vgpu_types[1].name, "NVIDIA L40S-1Q");
	d = host_find(h, "17:00.6");
	ck_assert_int_eq(d->vgpu_current, 0);
	ck_assert_uint_eq(d->n_vgpu_types, 0);   /* the header alone */
	ck_assert_int_eq(host_find(h, "17:00.0")->vgpu_current, -1);
	ck_assert(host_vgpu_driver_loaded(h));
	/* the VM that holds a VF, by full or short address */
	ck_assert_str_eq(host_vm_using(h, "0000:17:00.4"), "render01 (QEMU pid 4242)");
	ck_assert_ptr_null(host_vm_using(h, "0000:17:00.5"));
	/* where 65:00.0's VFs will be: offset 4, stride 1, four of them */
	d = host_find(h, "65:00.0");
	ck_assert_int_eq(d->sriov_offset, 4);
	ck_assert_int_eq(d->sriov_stride, 1);
	pciaddr_parse("65:00.5", &a);
	ck_assert_int_eq(host_vgpu_vf_index(d, &a), 1);
	pciaddr_parse("65:01.0", &a);
	ck_assert_int_eq(host_vgpu_vf_index(d, &a), -1);
	pciaddr_parse("65:00.3", &a);
	ck_assert_int_eq(host_vgpu_vf_index(d, &a), -1);
	host_free(h);
}
END_TEST

START_TEST(gvtg_generations)
{
	static const struct { int ven, dev; bool gvtg; } ids[] = {
		{ 0x8086, 0x1616, true },   /* Broadwell HD 5500 */
		{ 0x8086, 0x1912, true },   /* Skylake HD 530 */
		{ 0x8086, 0x5912, true },   /* Kaby Lake HD 630 */
		{ 0x8086, 0x5a85, true },   /* Broxton */
		{ 0x8086, 0x3e92, true },   /* Coffee Lake UHD 630 */
		{ 0x8086, 0x87c0, true },   /* Amber Lake */
		{ 0x8086, 0x9bc5, true },   /* Comet Lake UHD 630 */
		{ 0x8086, 0x3184, false },  /* Gemini Lake */
		{ 0x8086, 0x8a52, false },  /* Ice Lake, Gen 11 */
		{ 0x8086, 0x46d1, false },  /* N100, Gen 12 */
		{ 0x10de, 0x1db4, false },
	};
	struct host_device d = { .class_code = 0x030000 };

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		d.vendor_id = ids[i].ven;
		d.device_id = ids[i].dev;
		ck_assert_msg(host_device_gvtg_capable(&d) == ids[i].gvtg, "%04x:%04x", ids[i].ven, ids[i].dev);
	}
	d.vendor_id = 0x8086;
	d.device_id = 0x9bc5;
	d.physfn = (char *)"0000:00:02.0";
	ck_assert(!host_device_gvtg_capable(&d));
}
END_TEST

/* ---- the proposal ---- */

START_TEST(v100_plan)
{
	struct host *h = NULL;
	struct sysconf *sc = NULL;
	struct draft *dr = draft_new();
	struct plan *p = NULL;
	struct gv_error err = { 0 };
	const char *root = testbed_root("vgpu-v100");
	char file[4200], *text, **argv;

	testbed_use("vgpu-v100");
	gv_log_set(capture, NULL);
	ck_assert_int_eq(host_scan(&h, &err), 0);
	ck_assert_int_eq(sysconf_load(root, h, &sc, &err), 0);
	ck_assert_int_eq(draft_add_option(dr, CHANGE_MDEV, "41:00.0:nvidia-300=2", &err), 0);
	ck_assert_int_eq(draft_add_option(dr, CHANGE_VFIO, "02:00.0", &err), 0);
	argv = draft_argv(dr, "plan");
	ck_assert_str_eq(argv[1], "--mdev");
	ck_assert_str_eq(argv[2], "0000:41:00.0:nvidia-300=2");
	draft_argv_free(argv);
	draft_clear(dr);
	ck_assert_int_eq(draft_add_option(dr, CHANGE_MDEV, "41:00.0:nvidia-300=2", &err), 0);
	ck_assert_msg(draft_build_plan(dr, h, sc, root, &p, &err) == 0, "%s", err.msg);
	/* two creates, two definitions, gpuvirt's rule */
	ck_assert_uint_eq(plan_n_actions(p), 5);
	snprintf(file, sizeof(file), "%s/v100.plan", root);
	ck_assert_int_eq(plan_save(p, file, &err), 0);
	text = get(file);
	ck_assert_ptr_nonnull(strstr(text, "/mdev_supported_types/nvidia-300/create "));
	ck_assert_ptr_nonnull(strstr(text, " undo /sys/bus/pci/devices/0000:41:00.0/"));
	ck_assert_ptr_nonnull(strstr(text, "\nwrite etc/udev/rules.d/60-gpuvirt-mdevctl.rules mode=0644 base=absent\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nexpect mdev "));
	free(text);
	plan_free(p);
	p = NULL;

	/* each refusal is bad input, and adds nothing */
	draft_clear(dr);
	ck_assert_int_eq(draft_add_option(dr, CHANGE_MDEV, "41:00.0:nvidia-299=5", &err), 0);
	ck_assert_int_eq(draft_build_plan(dr, h, sc, root, &p, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "--mdev 0000:41:00.0:nvidia-299=5: 0000:41:00.0 has 4 instances of nvidia-299 available, "
				  "5 asked; other types that still fit: nvidia-300 (2 available)");
	draft_clear(dr);
	ck_assert_int_eq(draft_add_option(dr, CHANGE_VGPU, "41:00.0=1145", &err), 0);
	ck_assert_int_eq(draft_build_plan(dr, h, sc, root, &p, &err), -EINVAL);
	draft_clear(dr);
	ck_assert_int_eq(draft_add_option(dr, CHANGE_MDEV_REMOVE, "634fc146-50a3-4960-ac30-f09e5cedc674", &err), 0);
	ck_assert_int_eq(draft_build_plan(dr, h, sc, root, &p, &err), -ENODEV);
	ck_assert_ptr_null(p);

	draft_free(dr);
	sysconf_free(sc);
	host_free(h);
}
END_TEST

/* The draft's --mdev alone, built into a plan. */
static struct plan *mdev_plan(const char *words, const struct host *h, const struct sysconf *sc, const char *root,
			      int want_r, struct gv_error *err)
{
	struct draft *dr = draft_new();
	struct plan *p = NULL;

	ck_assert_int_eq(draft_add_option(dr, CHANGE_MDEV, words, err), 0);
	ck_assert_msg(draft_build_plan(dr, h, sc, root, &p, err) == want_r, "%s: %s", words, err->msg);
	draft_free(dr);
	return p;
}

static bool mdev_pending(const char *words, const struct host *h, const struct sysconf *sc, const char *root)
{
	struct draft *dr = draft_new();
	struct gv_error err = { 0 };
	bool pending = true;

	ck_assert_int_eq(draft_add_option(dr, CHANGE_MDEV, words, &err), 0);
	ck_assert_msg(draft_change_pending(dr, 0, h, sc, root, &pending, &err) == 0, "%s", err.msg);
	draft_free(dr);
	return pending;
}

static void apply_reload(struct plan *p, const struct host *h, const char *root, struct sysconf **sc)
{
	struct plan_apply_opts ao = { .no_run = true, .no_live = true };
	struct gv_error err = { 0 };

	ck_assert_msg(plan_apply(p, &ao, &err) == 0, "%s", err.msg);
	plan_free(p);
	sysconf_free(*sc);
	ck_assert_int_eq(sysconf_load(root, h, sc, &err), 0);
}

/* --mdev P:T=N says how many of gpuvirt's own there are: applied twice on
 * the root (no live writes: the definitions count) it is applied once; a
 * smaller N removes the newest; instances gpuvirt did not make stay. */
START_TEST(v100_count_is_declarative)
{
	const char *root = testbed_root("vgpu-v100");
	struct gv_error err = { 0 };
	struct host *h = NULL;
	struct sysconf *sc = NULL;
	struct plan *p;
	char **own = NULL, **left = NULL, first[40], newest[40];
	size_t n_own = 0, n_left = 0;
	static const char foreign[] = "0e0e0e0e-1111-4222-8333-444455556666";

	testbed_use("vgpu-v100");
	gv_log_set(capture, NULL);
	ck_assert_int_eq(host_scan(&h, &err), 0);
	ck_assert_int_eq(sysconf_load(root, h, &sc, &err), 0);
	ck_assert(mdev_pending("41:00.0:nvidia-300=2", h, sc, root));
	p = mdev_plan("41:00.0:nvidia-300=2", h, sc, root, 0, &err);
	ck_assert(!plan_is_empty(p));
	apply_reload(p, h, root, &sc);
	ck_assert_uint_eq(mdevconf_n(sysconf_mdevconf(sc)), 2);
	ck_assert_int_eq(mdev_own(h, sc, root, "0000:41:00.0", "nvidia-300", &own, &n_own, &err), 0);
	ck_assert_uint_eq(n_own, 2);
	snprintf(first, sizeof(first), "%s", own[0]);
	snprintf(newest, sizeof(newest), "%s", own[1]);
	mdev_own_free(own, n_own);

	/* the same again: nothing to change, and the change is in place */
	ck_assert(!mdev_pending("41:00.0:nvidia-300=2", h, sc, root));
	buf_reset(&logbuf);
	p = mdev_plan("41:00.0:nvidia-300=2", h, sc, root, 0, &err);
	ck_assert(plan_is_empty(p));
	ck_assert_ptr_nonnull(strstr(logbuf.data, "gpuvirt's 2 instances of nvidia-300 on 0000:41:00.0 are there already"));
	apply_reload(p, h, root, &sc);
	ck_assert_uint_eq(mdevconf_n(sysconf_mdevconf(sc)), 2);

	/* what is available is checked against what is to be made */
	plan_free(mdev_plan("41:00.0:nvidia-300=4", h, sc, root, 0, &err));
	p = mdev_plan("41:00.0:nvidia-300=5", h, sc, root, -EINVAL, &err);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(err.msg, "--mdev 0000:41:00.0:nvidia-300=5: 0000:41:00.0 has 2 instances of nvidia-300 "
				  "available, 5 asked, of which gpuvirt has 2 already: 3 to make; other types that "
				  "still fit: nvidia-299 (4 available)");

	/* one fewer: the newest goes, with its definition; one that gpuvirt
	 * did not make stays, named */
	put(root, "etc/mdevctl.d/0000:41:00.0/0e0e0e0e-1111-4222-8333-444455556666",
	    "{\n  \"mdev_type\": \"nvidia-300\",\n  \"start\": \"auto\",\n  \"attrs\": []\n}");
	sysconf_free(sc);
	ck_assert_int_eq(sysconf_load(root, h, &sc, &err), 0);
	ck_assert(mdev_pending("41:00.0:nvidia-300=1", h, sc, root));
	buf_reset(&logbuf);
	p = mdev_plan("41:00.0:nvidia-300=1", h, sc, root, 0, &err);
	ck_assert_ptr_nonnull(strstr(logbuf.data, "the 1 other of nvidia-300 on 0000:41:00.0 stays "
						  "(0e0e0e0e-1111-4222-8333-444455556666)"));
	apply_reload(p, h, root, &sc);
	ck_assert_uint_eq(mdevconf_n(sysconf_mdevconf(sc)), 2);
	ck_assert_ptr_null(mdevconf_find(sysconf_mdevconf(sc), newest));
	ck_assert_ptr_nonnull(mdevconf_find(sysconf_mdevconf(sc), first));
	ck_assert_ptr_nonnull(mdevconf_find(sysconf_mdevconf(sc), foreign));
	ck_assert(!mdev_pending("41:00.0:nvidia-300=1", h, sc, root));
	ck_assert_int_eq(mdev_own(h, sc, root, "0000:41:00.0", "nvidia-300", &left, &n_left, &err), 0);
	ck_assert_uint_eq(n_left, 1);
	ck_assert_str_eq(left[0], first);
	mdev_own_free(left, n_left);

	/* =0: gpuvirt's last one goes, the other stays; then =0 is in place */
	apply_reload(mdev_plan("41:00.0:nvidia-300=0", h, sc, root, 0, &err), h, root, &sc);
	ck_assert_uint_eq(mdevconf_n(sysconf_mdevconf(sc)), 1);
	ck_assert_ptr_nonnull(mdevconf_find(sysconf_mdevconf(sc), foreign));
	ck_assert(!mdev_pending("41:00.0:nvidia-300=0", h, sc, root));
	sysconf_free(sc);
	host_free(h);
}
END_TEST

/* ---- a sysfs write's own reversal ---- */

/* two plain files in a copy of the bed: without the kernel double a write
 * is a write */
#define BED_DEV "sys/devices/pci0000:40/0000:40:03.1/0000:41:00.0/"
#define ATTR_A "/sys/bus/pci/devices/0000:41:00.0/gvtest_a"
#define ATTR_B "/sys/bus/pci/devices/0000:41:00.0/gvtest_b"

static void ck_attr(const char *path, const char *want)
{
	char *got = get(path);

	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(sysfs_write_with_its_reversal)
{
	char *root = mkroot(), *text, file[256];
	struct plan *p = NULL, *q = NULL;
	struct gv_error err = { 0 };
	struct plan_apply_opts live = { 0 }, dry = { .no_live = true };

	const char *bed = testbed_use_copy("ubuntu-v100");

	put(bed, BED_DEV "gvtest_a", "");
	put(bed, BED_DEV "gvtest_b", "");
	/* not live: listed, not written, not journaled */
	ck_assert_int_eq(plan_new(root, &p), 0);
	ck_assert_int_eq(plan_write_sysfs_undo(p, ATTR_A, "made", ATTR_B, "unmade", "w"), 0);
	ck_assert_int_eq(plan_apply(p, &dry, &err), 0);
	ck_attr(ATTR_A, "");
	ck_assert_ptr_nonnull(strstr(logbuf.data, "not written (the running host is left alone): echo made > " ATTR_A));

	/* live: written, journaled with its reversal */
	ck_assert_msg(plan_apply(p, &live, &err) == 0, "%s", err.msg);
	ck_attr(ATTR_A, "made\n");
	plan_free(p);
	ck_assert_int_eq(undo_plan(root, &q, &err), 0);
	ck_assert_int_eq(plan_preview(q, &text, &err), 0);
	ck_assert_ptr_nonnull(strstr(text, "echo unmade > " ATTR_B "\n"));
	free(text);
	ck_assert_msg(plan_apply(q, &live, &err) == 0, "%s", err.msg);
	ck_attr(ATTR_B, "unmade\n");
	plan_free(q);

	/* rollback: the second write fails, the first is reversed by its own */
	ck_assert_int_eq(plan_new(root, &p), 0);
	ck_assert_int_eq(plan_write_sysfs_undo(p, ATTR_A, "again", ATTR_B, "reversed", "w"), 0);
	ck_assert_int_eq(plan_write_sysfs(p, "/sys/bus/pci/devices/0000:41:00.0/nonexistent/x", "1", "fails"), 0);
	ck_assert_int_eq(plan_apply(p, &live, &err) < 0, 1);
	ck_attr(ATTR_A, "again\n");
	ck_attr(ATTR_B, "reversed\n");

	/* plan files keep it */
	snprintf(file, sizeof(file), "%s/p.plan", root);
	ck_assert_int_eq(plan_save(p, file, &err), 0);
	ck_assert_int_eq(plan_load(file, root, &q, &err), 0);
	plan_free(p);
	snprintf(file, sizeof(file), "%s/q.plan", root);
	ck_assert_int_eq(plan_save(q, file, &err), 0);
	text = get(file);
	ck_assert_ptr_nonnull(strstr(text, "\nsysfs " ATTR_A " again undo " ATTR_B " reversed\n"));
	free(text);
	plan_free(q);
	/* a bad reversal is refused */
	ck_assert_int_eq(plan_new(root, &p), 0);
	ck_assert_int_eq(plan_write_sysfs_undo(p, ATTR_A, "x", "/etc/passwd", "y", "w"), -EINVAL);
	ck_assert_int_eq(plan_write_sysfs_undo(p, ATTR_A, "x", ATTR_B, "a\nb", "w"), -EINVAL);
	ck_assert_uint_eq(plan_n_actions(p), 0);
	plan_free(p);
	free(root);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("mdev");
	TCase *tc = tcase_create("mdev");

	tcase_add_test(tc, jsonout_layouts);
	tcase_add_test(tc, definitions_read_as_mdevctl_reads_them);
	tcase_add_test(tc, definitions_written_as_mdevctl_writes_them);
	tcase_add_test(tc, what_starts_them_at_boot);
	tcase_add_test(tc, nvidia_vgpu_per_vf);
	tcase_add_test(tc, gvtg_generations);
	tcase_add_test(tc, v100_plan);
	tcase_add_test(tc, v100_count_is_declarative);
	tcase_add_test(tc, sysfs_write_with_its_reversal);
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
