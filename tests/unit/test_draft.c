/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The draft as a value: editing it, the equivalent command, and the plan it
 * builds, which must be byte for byte what `gpuvirt plan` prints for that
 * command on the same host and root. No curses anywhere. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/plan/plan.h"
#include "core/propose/draft.h"
#include "core/propose/sriov.h"
#include "core/scan/host.h"
#include "core/scan/mdevconf.h"
#include "core/scan/sysconf.h"
#include "core/util/buf.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"
#include "tests/unit/testbed.h"
#include "tui/wizdraft.h"

static void quiet(void *ud, enum gv_log_level level, const char *msg)
{
	(void)ud, (void)level, (void)msg;
}

/* Run ARGV, return its standard output (owned) and its exit status. */
static char *run_capture(char *const *argv, int *ret_status)
{
	struct buf out = BUF_INIT;
	int fd[2];
	pid_t pid;
	char chunk[4096];
	ssize_t n;
	int status;

	ck_assert_int_eq(pipe(fd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fd[1], STDOUT_FILENO);
		close(fd[0]);
		close(fd[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	while ((n = read(fd[0], chunk, sizeof(chunk))) > 0)
		buf_append(&out, chunk, (size_t)n);
	close(fd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	*ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return buf_steal(&out);
}

static struct draft *v100_draft(void)
{
	struct draft *d = draft_new();
	struct gv_error err = { 0 };

	ck_assert_int_eq(draft_add_option(d, CHANGE_IOMMU, NULL, &err), 0);
	ck_assert_int_eq(draft_add_option(d, CHANGE_VFIO, "41:00.0", &err), 0);
	ck_assert_int_eq(draft_add_option(d, CHANGE_BLACKLIST, "nouveau", &err), 0);
	return d;
}

START_TEST(test_edit)
{
	struct draft *d = v100_draft();
	struct change c;
	struct gv_error err = { 0 };

	ck_assert_uint_eq(draft_n(d), 3);
	/* the same change twice is one change */
	ck_assert_int_eq(draft_add_option(d, CHANGE_VFIO, "0000:41:00.0", &err), 0);
	ck_assert_uint_eq(draft_n(d), 3);
	ck_assert_int_eq(change_parse(CHANGE_BLACKLIST, "nouveau", &c, &err), 0);
	ck_assert(draft_has(d, &c));
	ck_assert(draft_remove(d, &c));
	ck_assert(!draft_has(d, &c));
	ck_assert(!draft_remove(d, &c));
	change_clear(&c);
	ck_assert_uint_eq(draft_n(d), 2);
	ck_assert_int_eq(draft_get(d, 1)->kind, CHANGE_VFIO);
	ck_assert_str_eq(draft_get(d, 1)->address, "0000:41:00.0");
	ck_assert_ptr_null(draft_get(d, 2));

	struct draft *copy = draft_copy(d);
	draft_clear(d);
	ck_assert_uint_eq(draft_n(d), 0);
	ck_assert_uint_eq(draft_n(copy), 2);
	draft_free(copy);
	draft_free(d);
	draft_free(NULL);
}
END_TEST

START_TEST(test_argv)
{
	struct draft *d = v100_draft();
	struct gv_error err = { 0 };
	char **argv;
	struct buf b = BUF_INIT;

	ck_assert_int_eq(draft_add_option(d, CHANGE_VFS, "00:02.0=3", &err), 0);
	ck_assert_int_eq(draft_add_option(d, CHANGE_CMDLINE_ADD, "i915.max_vfs=7", &err), 0);
	draft_set_boot_loader(d, BOOT_GRUB);
	draft_set_force_boot_gpu(d, true);
	argv = draft_argv(d, "apply");
	for (char **a = argv; *a; a++)
		buf_printf(&b, "%s%s", a == argv ? "" : "|", *a);
	ck_assert_str_eq(b.data, "apply|--bootloader|grub|--force-boot-gpu|--iommu|--vfio|0000:41:00.0|"
				 "--blacklist|nouveau|--vfs|0000:00:02.0=3|--cmdline-add|i915.max_vfs=7");
	buf_free(&b);
	draft_argv_free(argv);
	draft_free(d);
}
END_TEST

/* ---- the wizard's choices as draft edits (tui/wizdraft.h, no curses) ---- */

START_TEST(test_wizdraft_toggles)
{
	static const char *const sriov[] = { "i915.enable_guc=3", "i915.max_vfs=7", NULL };
	struct draft *d = draft_new();
	struct gv_error err = { 0 };

	/* --iommu: one change, no argument */
	ck_assert(!wizdraft_toggle_on(d, CHANGE_IOMMU, NULL));
	ck_assert(wizdraft_toggle(d, CHANGE_IOMMU, NULL));
	ck_assert(wizdraft_toggle_on(d, CHANGE_IOMMU, NULL));
	ck_assert_uint_eq(draft_n(d), 1);
	ck_assert_int_eq(draft_get(d, 0)->kind, CHANGE_IOMMU);
	/* a toggle of two arguments is on only with both */
	ck_assert_int_eq(draft_add_option(d, CHANGE_CMDLINE_ADD, "i915.max_vfs=7", &err), 0);
	ck_assert(!wizdraft_toggle_on(d, CHANGE_CMDLINE_ADD, sriov));
	ck_assert(wizdraft_toggle(d, CHANGE_CMDLINE_ADD, sriov));
	ck_assert(wizdraft_toggle_on(d, CHANGE_CMDLINE_ADD, sriov));
	ck_assert_uint_eq(draft_n(d), 3);
	ck_assert_uint_eq(wizdraft_count(d, WIZDRAFT_CMDLINE), 3);
	ck_assert_uint_eq(wizdraft_count(d, WIZDRAFT_DRIVERS), 0);
	/* off removes all of them, and only them */
	ck_assert(!wizdraft_toggle(d, CHANGE_CMDLINE_ADD, sriov));
	ck_assert_uint_eq(draft_n(d), 1);
	ck_assert(!wizdraft_toggle(d, CHANGE_IOMMU, NULL));
	ck_assert_uint_eq(draft_n(d), 0);
	/* blacklists are toggles too; a bad module name is never drafted */
	ck_assert(wizdraft_toggle(d, CHANGE_BLACKLIST, (const char *const[]){ "nouveau", NULL }));
	ck_assert(wizdraft_toggle_on(d, CHANGE_BLACKLIST, (const char *const[]){ "nouveau", NULL }));
	ck_assert(!wizdraft_toggle_on(d, CHANGE_BLACKLIST, (const char *const[]){ "no/such", NULL }));
	ck_assert_uint_eq(draft_n(d), 1);
	draft_free(d);
}
END_TEST

/* The guard's force goes with the guarded picks: desktop-twins' boot GPU is
 * 03:00.0, its twins 01:00.0 and 02:00.0 are not guarded. */
START_TEST(test_wizdraft_picks_and_force)
{
	struct draft *d = draft_new();
	struct gv_error err = { 0 };
	struct host *h = NULL;

	testbed_use("desktop-twins");
	ck_assert_msg(host_scan(&h, &err) == 0, "%s", err.msg);
	wizdraft_pick(d, "0000:01:00.0", false);
	ck_assert(wizdraft_picked(d, "0000:01:00.0"));
	ck_assert(!wizdraft_picked(d, "0000:02:00.0"));
	ck_assert(!draft_force_boot_gpu(d));
	wizdraft_pick(d, "0000:03:00.0", true);
	ck_assert(draft_force_boot_gpu(d));
	/* dropping an unguarded pick keeps the force of the guarded one */
	wizdraft_drop(d, h, "0000:01:00.0");
	ck_assert(!wizdraft_picked(d, "0000:01:00.0"));
	ck_assert(draft_force_boot_gpu(d));
	/* dropping the last guarded pick takes it away */
	wizdraft_pick(d, "0000:02:00.0", false);
	wizdraft_drop(d, h, "0000:03:00.0");
	ck_assert(!draft_force_boot_gpu(d));
	ck_assert_uint_eq(draft_n(d), 1);
	ck_assert_str_eq(draft_get(d, 0)->address, "0000:02:00.0");
	host_free(h);
	draft_free(d);
}
END_TEST

START_TEST(test_wizdraft_part)
{
	struct draft *d = v100_draft(), *part;

	draft_set_boot_loader(d, BOOT_GRUB);
	part = wizdraft_part(d, WIZDRAFT_DRIVERS);
	ck_assert_uint_eq(draft_n(part), 2);
	ck_assert_int_eq(draft_get(part, 0)->kind, CHANGE_VFIO);
	ck_assert_int_eq(draft_get(part, 1)->kind, CHANGE_BLACKLIST);
	ck_assert_int_eq(draft_boot_loader(part), BOOT_GRUB);
	ck_assert(!wizdraft_equal(part, d));
	draft_free(part);
	part = wizdraft_part(d, WIZDRAFT_ALL);
	ck_assert(wizdraft_equal(part, d));
	draft_set_force_boot_gpu(part, true);
	ck_assert(!wizdraft_equal(part, d));
	draft_free(part);
	draft_free(d);
}
END_TEST

/* One count a PF: a new count takes the old one's place; -1 drops it. */
START_TEST(test_wizdraft_vfs)
{
	struct draft *d = draft_new(), *part;
	struct sriov_opts o = { .vf_driver = SRIOV_VF_VFIO, .boot_only = true };

	ck_assert_int_eq(wizdraft_vfs(d, "0000:00:02.0"), -1);
	wizdraft_set_vfs(d, "0000:00:02.0", 7);
	ck_assert_int_eq(wizdraft_vfs(d, "0000:00:02.0"), 7);
	wizdraft_set_vfs(d, "0000:00:02.0", 3);
	wizdraft_set_vfs(d, "0000:03:00.1", 0);
	ck_assert_uint_eq(draft_n(d), 2);
	ck_assert_int_eq(wizdraft_vfs(d, "0000:00:02.0"), 3);
	/* 0 removes the VFs: a count like any other */
	ck_assert_int_eq(wizdraft_vfs(d, "0000:03:00.1"), 0);
	ck_assert_uint_eq(wizdraft_count(d, WIZDRAFT_SRIOV), 2);
	/* the step's part carries the --vfs options with it */
	draft_set_sriov(d, &o);
	part = wizdraft_part(d, WIZDRAFT_SRIOV);
	ck_assert(wizdraft_equal(part, d));
	ck_assert_int_eq(draft_sriov(part)->vf_driver, SRIOV_VF_VFIO);
	ck_assert(draft_sriov(part)->boot_only);
	o.boot_only = false;
	draft_set_sriov(part, &o);
	ck_assert(!wizdraft_equal(part, d));
	draft_free(part);
	wizdraft_set_vfs(d, "0000:00:02.0", -1);
	ck_assert_int_eq(wizdraft_vfs(d, "0000:00:02.0"), -1);
	ck_assert_uint_eq(draft_n(d), 1);
	/* not an address: nothing drafted */
	wizdraft_set_vfs(d, "nonsense", 2);
	ck_assert_uint_eq(draft_n(d), 1);
	draft_free(d);
}
END_TEST

/* One VM a device: a new VM takes the old one's place, NULL drops it, and a
 * name the command line refuses leaves the draft as it was. */
START_TEST(test_wizdraft_assign)
{
	struct draft *d = draft_new();
	struct gv_error err = { 0 };
	const struct change *c;
	char **words;

	ck_assert_ptr_null(wizdraft_assigned(d, "0000:41:00.0"));
	ck_assert_int_eq(wizdraft_assign(d, "0000:41:00.0", VMCONF_LIBVIRT, "win11", &err), 0);
	c = wizdraft_assigned(d, "0000:41:00.0");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->arg, "0000:41:00.0,vm=win11");
	ck_assert_int_eq(wizdraft_assign(d, "0000:41:00.0", VMCONF_PROXMOX, "100", &err), 0);
	ck_assert_uint_eq(draft_n(d), 1);
	ck_assert_str_eq(wizdraft_assigned(d, "0000:41:00.0")->arg, "0000:41:00.0,vmid=100");
	ck_assert_int_eq(wizdraft_assign(d, "634fc146-50a3-4960-ac30-f09e5cedc674", VMCONF_LIBVIRT, "win11", &err), 0);
	ck_assert_uint_eq(wizdraft_count(d, WIZDRAFT_ASSIGN), 2);
	ck_assert_ptr_nonnull(wizdraft_assigned(d, "634fc146-50a3-4960-ac30-f09e5cedc674"));
	/* the equivalent command */
	words = draft_argv(d, "apply");
	ck_assert_str_eq(words[1], "--assign");
	ck_assert_str_eq(words[2], "0000:41:00.0,vmid=100");
	draft_argv_free(words);
	/* refused: nothing changes */
	ck_assert_int_eq(wizdraft_assign(d, "0000:41:00.0", VMCONF_LIBVIRT, "-x", &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, "-x"), "%s", err.msg);
	ck_assert_int_eq(wizdraft_assign(d, "0000:41:00.0", VMCONF_PROXMOX, "7", &err), -EINVAL);
	ck_assert_str_eq(wizdraft_assigned(d, "0000:41:00.0")->arg, "0000:41:00.0,vmid=100");
	ck_assert_int_eq(wizdraft_assign(d, "0000:41:00.0", VMCONF_LIBVIRT, NULL, &err), 0);
	ck_assert_ptr_null(wizdraft_assigned(d, "0000:41:00.0"));
	ck_assert_uint_eq(draft_n(d), 1);
	draft_free(d);
}
END_TEST

/* An assignment applied with --no-run: its command is in the journal, still
 * to run, and names the device and the VM. */
START_TEST(test_wizdraft_assign_not_run)
{
	char *pending[] = {
		"update-grub",
		"virsh attach-device win110 /var/lib/gpuvirt/hostdev/win110/0000:41:00.0.xml --config",
		"qm set 100 -hostpci0 0000:00:02.1,pcie=1",
	};
	struct journal_set set = { .id = 1, .pending = pending, .n_pending = 3 };
	struct draft *d = draft_new();
	struct gv_error err = { 0 };

	ck_assert_int_eq(wizdraft_assign(d, "0000:41:00.0", VMCONF_LIBVIRT, "win11", &err), 0);
	ck_assert_int_eq(wizdraft_assign(d, "0000:00:02.1", VMCONF_PROXMOX, "100", &err), 0);
	ck_assert_int_eq(wizdraft_assign(d, "0000:00:02.2", VMCONF_PROXMOX, "100", &err), 0);
	/* win11 is not win110 */
	ck_assert(!wizdraft_assign_not_run(&set, 1, draft_get(d, 0)));
	ck_assert(wizdraft_assign_not_run(&set, 1, draft_get(d, 1)));
	ck_assert(!wizdraft_assign_not_run(&set, 1, draft_get(d, 2)));
	ck_assert(!wizdraft_assign_not_run(&set, 0, draft_get(d, 1)));
	pending[1] = "virsh attach-device win11 /var/lib/gpuvirt/hostdev/win11/0000:41:00.0.xml --config";
	ck_assert(wizdraft_assign_not_run(&set, 1, draft_get(d, 0)));
	draft_free(d);
}
END_TEST

/* An assignment is in place when its VM's configuration names the device:
 * the function, every function of its slot (Proxmox 00:02), the mdev. */
START_TEST(test_wizdraft_assign_in_vm)
{
	const char *root = testbed_root("check-vms");
	struct vmconf_list *vms = vmconf_scan(root);
	static const struct {
		const char *device;
		enum vmconf_kind kind;
		const char *vm;
		bool in;
	} cases[] = {
		{ "0000:01:00.0", VMCONF_LIBVIRT, "win11", true },
		{ "0000:01:00.1", VMCONF_LIBVIRT, "win11", true },
		{ "634fc146-50a3-4960-ac30-f09e5cedc674", VMCONF_LIBVIRT, "win11", true },
		{ "0000:00:02.1", VMCONF_PROXMOX, "100", true },
		{ "0000:00:02.3", VMCONF_PROXMOX, "100", true },
		{ "0000:02:00.0", VMCONF_LIBVIRT, "win11", false },
		{ "0000:01:00.0", VMCONF_PROXMOX, "100", false },
		{ "0000:01:00.0", VMCONF_LIBVIRT, "nosuch", false },
	};
	struct gv_error err = { 0 };

	ck_assert_ptr_nonnull(vms);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct draft *d = draft_new();

		ck_assert_int_eq(wizdraft_assign(d, cases[i].device, cases[i].kind, cases[i].vm, &err), 0);
		ck_assert_msg(wizdraft_assign_in_vm(vms, draft_get(d, 0)) == cases[i].in, "%s to %s", cases[i].device,
			      cases[i].vm);
		draft_free(d);
	}
	vmconf_list_free(vms);
}
END_TEST

START_TEST(test_wizdraft_command)
{
	struct draft *d = draft_new();
	char *line;

	wizdraft_toggle(d, CHANGE_IOMMU, NULL);
	wizdraft_pick(d, "0000:41:00.0", false);
	line = wizdraft_draft_command(d, "apply", "/mnt", false);
	ck_assert_str_eq(line, "gpuvirt --root /mnt apply --iommu --vfio 0000:41:00.0");
	free(line);
	line = wizdraft_draft_command(d, "apply", "/", false);
	ck_assert_str_eq(line, "gpuvirt apply --iommu --vfio 0000:41:00.0");
	free(line);
	line = wizdraft_draft_command(d, "apply", "/tmp/gpuvirt-demo.x", true);
	ck_assert_str_eq(line, "gpuvirt --demo apply --iommu --vfio 0000:41:00.0");
	free(line);
	/* shell-quoted, so it can be pasted */
	line = wizdraft_command("/srv/my root", false, (const char *const[]){ "apply", "--plan", "it's.plan", NULL });
	ck_assert_str_eq(line, "gpuvirt --root '/srv/my root' apply --plan 'it'\\''s.plan'");
	free(line);
	draft_free(d);
}
END_TEST

/* The wizard's plan (a draft) and the command line's plan are one plan, on
 * host HOST_NAME and configuration ROOT. */
static void same_plan_in(const char *host_name, const char *root, struct draft *d)
{
	struct gv_error err = { 0 };
	struct host *h = NULL;
	struct plan *p = NULL;
	char *preview = NULL, *cli, **words = draft_argv(d, "plan");
	char *argv[64];
	size_t n = 0;
	int status;

	struct sysconf *sc = NULL;

	testbed_use(host_name);
	setenv("GPUVIRT_EXPECT_TESTBED", "1", 1);
	ck_assert_msg(host_scan(&h, &err) == 0, "%s", err.msg);
	ck_assert_msg(sysconf_load(root, h, &sc, &err) == 0, "%s", err.msg);
	ck_assert_msg(draft_build_plan(d, h, sc, root, &p, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(plan_preview(p, &preview, &err), 0);
	ck_assert(!plan_is_empty(p));

	argv[n++] = xasprintf("%s/gpuvirt", getenv("GV_BUILD") ? getenv("GV_BUILD") : "build");
	argv[n++] = "--root";
	argv[n++] = (char *)root;
	for (char **w = words; *w && n < 63; w++)
		argv[n++] = *w;
	argv[n] = NULL;
	cli = run_capture(argv, &status);
	ck_assert_int_eq(status, 0);
	ck_assert_str_eq(cli, preview);

	free(argv[0]);
	free(cli);
	free(preview);
	draft_argv_free(words);
	plan_free(p);
	sysconf_free(sc);
	host_free(h);
}

static void same_plan_as_cli(const char *host_name, struct draft *d)
{
	same_plan_in(host_name, testbed_root(host_name), d);
}

START_TEST(test_same_plan_v100)
{
	struct draft *d = v100_draft();

	same_plan_as_cli("ubuntu-v100", d);
	draft_free(d);
}
END_TEST

START_TEST(test_same_plan_twins_by_address)
{
	struct draft *d = draft_new();
	struct gv_error err = { 0 };

	ck_assert_int_eq(draft_add_option(d, CHANGE_CMDLINE_ADD, "iommu=pt", &err), 0);
	ck_assert_int_eq(draft_add_option(d, CHANGE_VFIO, "02:00.0", &err), 0);
	same_plan_as_cli("desktop-twins", d);
	draft_free(d);
}
END_TEST

/* Choices made as the steps make them build the plan `gpuvirt plan` builds
 * for the equivalent command; so does a step's part alone. */
START_TEST(test_same_plan_from_choices)
{
	struct draft *d = draft_new(), *part;

	wizdraft_toggle(d, CHANGE_IOMMU, NULL);
	wizdraft_pick(d, "0000:41:00.0", false);
	wizdraft_toggle(d, CHANGE_BLACKLIST, (const char *const[]){ "nouveau", NULL });
	same_plan_as_cli("ubuntu-v100", d);
	part = wizdraft_part(d, WIZDRAFT_DRIVERS);
	same_plan_as_cli("ubuntu-v100", part);
	draft_free(part);
	part = wizdraft_part(d, WIZDRAFT_CMDLINE);
	same_plan_as_cli("ubuntu-v100", part);
	draft_free(part);
	draft_free(d);
}
END_TEST

/* The SR-IOV step's choices and the assign step's build what `gpuvirt
 * plan --vfs ... --vfs-driver vfio-pci` and `--assign` build. */
START_TEST(test_same_plan_sriov_assign)
{
	struct draft *d = draft_new();
	struct sriov_opts o = { .vf_driver = SRIOV_VF_VFIO };
	struct gv_error err = { 0 };
	const char *root;
	char *cmd;

	wizdraft_set_vfs(d, "0000:00:02.0", 7);
	draft_set_sriov(d, &o);
	same_plan_as_cli("proxmox-n100", d);
	wizdraft_set_vfs(d, "0000:00:02.0", 0);
	same_plan_as_cli("proxmox-n100", d);
	draft_free(d);

	/* the N100's VFs to the VMs of tests/fixtures/vms */
	root = testbed_root("proxmox-n100");
	cmd = xasprintf("cp -a '%s/tests/fixtures/vms/.' '%s/'", getenv("GV_SRCDIR") ? getenv("GV_SRCDIR") : ".", root);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	d = draft_new();
	ck_assert_int_eq(wizdraft_assign(d, "0000:00:02.1", VMCONF_LIBVIRT, "win11", &err), 0);
	ck_assert_int_eq(wizdraft_assign(d, "0000:00:02.3", VMCONF_PROXMOX, "100", &err), 0);
	same_plan_in("proxmox-n100", root, d);
	draft_free(d);
}
END_TEST

/* The measure of the draft: what is still to do before and after an apply,
 * the reboot it waits for, and why a draft that does not fit fails. */
START_TEST(test_wizdraft_measure)
{
	const char *root = testbed_root("ubuntu-v100");
	struct draft *d = v100_draft();
	struct plan_apply_opts ao = { .no_run = true };
	struct wizdraft_measure m;
	struct gv_error err = { 0 };
	struct host *h = NULL;
	struct plan *p = NULL;
	struct sysconf *sc = NULL;
	size_t todo, done, failed;

	testbed_use("ubuntu-v100");
	ck_assert_int_eq(host_scan(&h, &err), 0);
	ck_assert_int_eq(sysconf_load(root, h, &sc, &err), 0);
	wizdraft_measure(d, h, sc, root, &m);
	ck_assert_uint_eq(m.n, 3);
	ck_assert_uint_eq(m.n_todo, 3);
	ck_assert_int_eq(m.plan_r, 0);
	ck_assert(!m.plan_empty);
	ck_assert(!wizdraft_reboot_pending(d, &m, h, true));
	wizdraft_measure_release(&m);

	ck_assert_int_eq(draft_build_plan(d, h, sc, root, &p, &err), 0);
	ck_assert_msg(plan_apply(p, &ao, &err) == 0, "%s", err.msg);
	plan_free(p);
	sysconf_free(sc);
	ck_assert_int_eq(sysconf_load(root, h, &sc, &err), 0);
	wizdraft_measure(d, h, sc, root, &m);
	ck_assert_uint_eq(m.n_done, 3);
	ck_assert_uint_eq(m.n_todo, 0);
	ck_assert(m.plan_empty);
	wizdraft_measure_part(&m, d, WIZDRAFT_DRIVERS, &todo, &done, &failed);
	ck_assert_uint_eq(todo + failed, 0);
	ck_assert_uint_eq(done, 2);
	/* 41:00.0 is still on nouveau: configured, waiting for the boot */
	ck_assert(wizdraft_reboot_pending(d, &m, h, false));
	wizdraft_measure_release(&m);

	/* a change that does not fit says why, and so does the plan */
	ck_assert_int_eq(draft_add_option(d, CHANGE_VFIO, "7f:00.0", &err), 0);
	wizdraft_measure(d, h, sc, root, &m);
	ck_assert_uint_eq(m.n_failed, 1);
	ck_assert_int_eq(m.state[3], WIZDRAFT_FAILED);
	ck_assert_int_lt(m.plan_r, 0);
	ck_assert_msg(strstr(m.why, "0000:7f:00.0"), "%s", m.why);
	wizdraft_measure_release(&m);
	sysconf_free(sc);
	host_free(h);
	draft_free(d);
}
END_TEST

/* After the plan is applied, every change of the draft measures as done;
 * before, as still to do. */
START_TEST(test_pending_after_apply)
{
	const char *root = testbed_root("ubuntu-v100");
	struct draft *d = v100_draft();
	struct plan_apply_opts ao = { .no_run = true };
	struct gv_error err = { 0 };
	struct host *h = NULL;
	struct plan *p = NULL;
	struct sysconf *sc = NULL;
	bool pending;

	testbed_use("ubuntu-v100");
	ck_assert_int_eq(host_scan(&h, &err), 0);
	ck_assert_int_eq(sysconf_load(root, h, &sc, &err), 0);
	for (size_t i = 0; i < draft_n(d); i++) {
		ck_assert_msg(draft_change_pending(d, i, h, sc, root, &pending, &err) == 0, "%s", err.msg);
		ck_assert_msg(pending, "change %zu already done before apply", i);
	}
	ck_assert_int_eq(draft_build_plan(d, h, sc, root, &p, &err), 0);
	ck_assert_msg(plan_apply(p, &ao, &err) == 0, "%s", err.msg);
	plan_free(p);
	/* the configuration changed: a new snapshot of it, as the session takes */
	sysconf_free(sc);
	ck_assert_int_eq(sysconf_load(root, h, &sc, &err), 0);
	for (size_t i = 0; i < draft_n(d); i++) {
		ck_assert_msg(draft_change_pending(d, i, h, sc, root, &pending, &err) == 0, "%s", err.msg);
		ck_assert_msg(!pending, "change %zu still pending after apply", i);
	}
	ck_assert_int_eq(draft_change_pending(d, 9, h, sc, root, &pending, &err), -EINVAL);
	/* an empty draft is an empty plan, not an error */
	draft_clear(d);
	ck_assert_int_eq(draft_build_plan(d, h, sc, root, &p, &err), 0);
	ck_assert(plan_is_empty(p));
	plan_free(p);
	sysconf_free(sc);
	host_free(h);
	draft_free(d);
}
END_TEST

/* A draft that does not fit the host says why. */
START_TEST(test_build_error)
{
	const char *root = testbed_root("ubuntu-v100");
	struct draft *d = draft_new();
	struct gv_error err = { 0 };
	struct host *h = NULL;
	struct plan *p = NULL;
	struct sysconf *sc = NULL;

	testbed_use("ubuntu-v100");
	ck_assert_int_eq(host_scan(&h, &err), 0);
	ck_assert_int_eq(sysconf_load(root, h, &sc, &err), 0);
	ck_assert_int_eq(draft_add_option(d, CHANGE_VFIO, "7f:00.0", &err), 0);
	ck_assert_int_lt(draft_build_plan(d, h, sc, root, &p, &err), 0);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(err.msg, "0000:7f:00.0"), "%s", err.msg);
	sysconf_free(sc);
	host_free(h);
	draft_free(d);
}
END_TEST

/* The "Mediated devices" step's edits: one --mdev per parent and type and
 * one --vgpu per VF, replaced by a new count or type; and what is in place,
 * which the proposal cannot measure for them: after the V100's two
 * nvidia-300 are applied (on the root only), both are gpuvirt's own, and a
 * removal of one is in place once applied. */
START_TEST(test_wizdraft_mdev)
{
	const char *root = testbed_root("vgpu-v100");
	struct plan_apply_opts ao = { .no_run = true, .no_live = true };
	struct draft *d = draft_new();
	struct gv_error err = { 0 };
	struct host *h = NULL;
	struct plan *p = NULL;
	struct sysconf *sc = NULL;
	const struct mdevconf *mc;
	const struct change *c;
	struct draft *part;
	char uuid[64];

	testbed_use("vgpu-v100");
	ck_assert_int_eq(host_scan(&h, &err), 0);
	ck_assert_int_eq(sysconf_load(root, h, &sc, &err), 0);
	ck_assert_int_eq(wizdraft_mdev_set(d, "0000:41:00.0", "nvidia-300", 1), 0);
	ck_assert_int_eq(wizdraft_mdev_set(d, "0000:41:00.0", "nvidia-300", 2), 0);
	ck_assert_uint_eq(draft_n(d), 1);
	c = wizdraft_mdev(d, "0000:41:00.0", "nvidia-300");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->count, 2);
	ck_assert_ptr_null(wizdraft_mdev(d, "0000:41:00.0", "nvidia-299"));
	ck_assert_int_eq(wizdraft_mdev_set(d, "0000:41:00.0", "bad type!", 1), -EINVAL);
	ck_assert_uint_eq(draft_n(d), 1);
	ck_assert_uint_eq(wizdraft_count(d, WIZDRAFT_MDEV), 1);
	ck_assert(!wizdraft_mdev_in_place(c, h, sc, root));
	ck_assert_uint_eq(wizdraft_mdev_own(h, sc, root, "0000:41:00.0", "nvidia-300"), 0);

	ck_assert_msg(draft_build_plan(d, h, sc, root, &p, &err) == 0, "%s", err.msg);
	ck_assert_msg(plan_apply(p, &ao, &err) == 0, "%s", err.msg);
	plan_free(p);
	sysconf_free(sc);
	ck_assert_int_eq(sysconf_load(root, h, &sc, &err), 0);
	mc = sysconf_mdevconf(sc);
	ck_assert_uint_eq(mdevconf_n(mc), 2);
	ck_assert_uint_eq(wizdraft_mdev_own(h, sc, root, "0000:41:00.0", "nvidia-300"), 2);
	ck_assert_uint_eq(wizdraft_mdev_own(h, sc, root, "0000:41:00.0", "nvidia-299"), 0);
	c = wizdraft_mdev(d, "0000:41:00.0", "nvidia-300");
	ck_assert(wizdraft_mdev_in_place(c, h, sc, root));
	/* what is in place is not previewed again: the proposal would make two more */
	part = wizdraft_mdev_todo(d, h, sc, root);
	ck_assert_uint_eq(draft_n(part), 0);
	draft_free(part);

	/* remove one: the count no longer holds, the removal does once applied */
	snprintf(uuid, sizeof(uuid), "%s", mdevconf_get(mc, 0)->uuid);
	ck_assert(wizdraft_mdev_set(d, "0000:41:00.0", "nvidia-300", -1) == 0);
	ck_assert_uint_eq(draft_n(d), 0);
	ck_assert(wizdraft_toggle(d, CHANGE_MDEV_REMOVE, (const char *const[]){ uuid, NULL }));
	ck_assert(!wizdraft_mdev_in_place(draft_get(d, 0), h, sc, root));
	part = wizdraft_mdev_todo(d, h, sc, root);
	ck_assert_uint_eq(draft_n(part), 1);
	draft_free(part);
	ck_assert_msg(draft_build_plan(d, h, sc, root, &p, &err) == 0, "%s", err.msg);
	ck_assert_msg(plan_apply(p, &ao, &err) == 0, "%s", err.msg);
	plan_free(p);
	sysconf_free(sc);
	ck_assert_int_eq(sysconf_load(root, h, &sc, &err), 0);
	ck_assert(wizdraft_mdev_in_place(draft_get(d, 0), h, sc, root));
	ck_assert_uint_eq(wizdraft_mdev_own(h, sc, root, "0000:41:00.0", "nvidia-300"), 1);
	sysconf_free(sc);
	host_free(h);
	draft_free(d);
}
END_TEST

/* NVIDIA's per-VF vGPU: one type per VF in the draft; a VF that has the
 * type now is in place. */
START_TEST(test_wizdraft_vgpu)
{
	const char *root = testbed_root("nvidia-vgpu-vf");
	struct draft *d = draft_new();
	struct gv_error err = { 0 };
	struct host *h = NULL;
	struct sysconf *sc = NULL;
	const struct change *c;

	testbed_use("nvidia-vgpu-vf");
	ck_assert_int_eq(host_scan(&h, &err), 0);
	ck_assert_int_eq(sysconf_load(root, h, &sc, &err), 0);
	ck_assert_int_eq(wizdraft_vgpu_set(d, "0000:17:00.5", 1145), 0);
	ck_assert_int_eq(wizdraft_vgpu_set(d, "0000:17:00.5", 1147), 0);
	ck_assert_int_eq(wizdraft_vgpu_set(d, "0000:17:00.4", 1145), 0);
	ck_assert_uint_eq(draft_n(d), 2);
	c = wizdraft_vgpu(d, "0000:17:00.5");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->count, 1147);
	ck_assert(!wizdraft_mdev_in_place(c, h, sc, root));
	ck_assert(wizdraft_mdev_in_place(wizdraft_vgpu(d, "0000:17:00.4"), h, sc, root));
	ck_assert_int_eq(wizdraft_vgpu_set(d, "0000:17:00.5", -1), 0);
	ck_assert_ptr_null(wizdraft_vgpu(d, "0000:17:00.5"));
	ck_assert_uint_eq(draft_n(d), 1);
	sysconf_free(sc);
	host_free(h);
	draft_free(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("draft");
	TCase *tc = tcase_create("draft");
	SRunner *sr;
	int failed;

	gv_log_set(quiet, NULL);
	tcase_add_test(tc, test_edit);
	tcase_add_test(tc, test_argv);
	tcase_add_test(tc, test_same_plan_v100);
	tcase_add_test(tc, test_same_plan_twins_by_address);
	tcase_add_test(tc, test_pending_after_apply);
	tcase_add_test(tc, test_build_error);
	tcase_add_test(tc, test_wizdraft_toggles);
	tcase_add_test(tc, test_wizdraft_picks_and_force);
	tcase_add_test(tc, test_wizdraft_part);
	tcase_add_test(tc, test_wizdraft_command);
	tcase_add_test(tc, test_same_plan_from_choices);
	tcase_add_test(tc, test_wizdraft_measure);
	tcase_add_test(tc, test_wizdraft_mdev);
	tcase_add_test(tc, test_wizdraft_vgpu);
	tcase_add_test(tc, test_wizdraft_vfs);
	tcase_add_test(tc, test_wizdraft_assign);
	tcase_add_test(tc, test_wizdraft_assign_not_run);
	tcase_add_test(tc, test_wizdraft_assign_in_vm);
	tcase_add_test(tc, test_same_plan_sriov_assign);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
