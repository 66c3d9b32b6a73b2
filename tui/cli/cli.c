/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/plan/plan.h"
#include "core/propose/propose.h"
#include "core/util/text.h"
#include "core/util/xalloc.h"
#include "tui/cli/cli.h"

enum {
	OPT_CHANGE = 0x100,                 /* + enum change_kind */
	OPT_JSON = 0x200,
	OPT_YES,
	OPT_NO_RUN,
	OPT_PLAN,
	OPT_SAVE,
	OPT_UNDO,
	OPT_FORCE_BOOT_GPU,
	OPT_FORCE_HAND_EDITS,
	OPT_BOOTLOADER,
	OPT_VFS_DRIVER,
	OPT_BOOT_ONLY,
	OPT_FORCE_VFS_IN_USE,
	OPT_LIVE,
	OPT_HELP,
	OPT_VM,
	OPT_VMID,
	OPT_HOSTPCI,
};

static const struct option other_options[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "yes", no_argument, NULL, OPT_YES },
	{ "no-run", no_argument, NULL, OPT_NO_RUN },
	{ "plan", required_argument, NULL, OPT_PLAN },
	{ "save", required_argument, NULL, OPT_SAVE },
	{ "undo", no_argument, NULL, OPT_UNDO },
	{ "force-boot-gpu", no_argument, NULL, OPT_FORCE_BOOT_GPU },
	{ "force-hand-edits", no_argument, NULL, OPT_FORCE_HAND_EDITS },
	{ "bootloader", required_argument, NULL, OPT_BOOTLOADER },
	{ "vfs-driver", required_argument, NULL, OPT_VFS_DRIVER },
	{ "boot-only", no_argument, NULL, OPT_BOOT_ONLY },
	{ "force-vfs-in-use", no_argument, NULL, OPT_FORCE_VFS_IN_USE },
	{ "live", no_argument, NULL, OPT_LIVE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "vm", required_argument, NULL, OPT_VM },
	{ "vmid", required_argument, NULL, OPT_VMID },
	{ "hostpci", required_argument, NULL, OPT_HOSTPCI },
};

#define N_OTHER (sizeof(other_options) / sizeof(other_options[0]))

/* What each CHANGE option's argument is called in usage texts. */
static const char *const change_metavar[_CHANGE_KIND_MAX] = {
	[CHANGE_CMDLINE_ADD] = "ARG",
	[CHANGE_CMDLINE_REMOVE] = "KEY",
	[CHANGE_BLACKLIST] = "MODULE",
	[CHANGE_VFIO] = "ADDRESS",
	[CHANGE_VFS] = "ADDRESS=N",
	[CHANGE_MDEV] = "PARENT:TYPE[=COUNT]",
	[CHANGE_MDEV_REMOVE] = "UUID",
	[CHANGE_VGPU] = "VF=TYPE_ID",
	[CHANGE_ASSIGN] = "DEVICE --vm NAME|--vmid N [--hostpci K]",
};

/* getopt's table: the CHANGE options by their one spelling in change.c, then ours. */
static const struct option *options(void)
{
	static struct option opts[_CHANGE_KIND_MAX + N_OTHER + 1];

	if (!opts[0].name) {
		for (int k = 0; k < _CHANGE_KIND_MAX; k++)
			opts[k] = (struct option){
				.name = change_kind_option((enum change_kind)k) + 2,
				.has_arg = change_kind_has_arg((enum change_kind)k) ? required_argument : no_argument,
				.val = OPT_CHANGE + k,
			};
		memcpy(&opts[_CHANGE_KIND_MAX], other_options, sizeof(other_options));
	}
	return opts;
}

void cli_usage_changes(FILE *f)
{
	fputs("CHANGE:", f);
	for (int k = 0; k < _CHANGE_KIND_MAX; k++) {
		const char *m = change_metavar[k];
		fprintf(f, "%s %s%s%s", k == 0 ? "" : k == CHANGE_VFIO || k == CHANGE_MDEV_REMOVE || k == CHANGE_ASSIGN
			    ? "\n       " : " |",
			change_kind_option((enum change_kind)k), m ? " " : "", m ? m : "");
	}
	fputc('\n', f);
}

void cli_opts_clear(struct cli_opts *c)
{
	draft_free(c->draft);
	*c = (struct cli_opts){ 0 };
}

static int add_change(const char *cmd, enum change_kind kind, const char *arg, struct cli_opts *c)
{
	struct gv_error err = { 0 };

	if (draft_add_option(c->draft, kind, arg, &err) < 0) {
		fprintf(stderr, "gpuvirt %s: %s\n", cmd, err.msg);
		return -1;
	}
	return 0;
}

/* --assign DEVICE and its --vm NAME or --vmid N [--hostpci K], in any
 * order, until the next --assign: one CHANGE, "DEVICE,vm=NAME". */
struct pending_assign {
	const char *device, *vm, *vmid, *hostpci;
};

static int flush_assign(const char *cmd, struct pending_assign *a, struct cli_opts *c)
{
	char *arg;
	int r;

	if (!a->device && !a->vm && !a->vmid && !a->hostpci)
		return 0;
	if (!a->device) {
		fprintf(stderr, "gpuvirt %s: %s %s: which device? --assign DEVICE\n", cmd,
			a->vm ? "--vm" : a->vmid ? "--vmid" : "--hostpci", a->vm ? a->vm : a->vmid ? a->vmid : a->hostpci);
		return -1;
	}
	if (!a->vm && !a->vmid) {
		fprintf(stderr, "gpuvirt %s: --assign %s: which VM? --vm NAME (libvirt) or --vmid N (Proxmox)\n", cmd,
			a->device);
		return -1;
	}
	if (a->vm && (a->vmid || a->hostpci)) {
		fprintf(stderr, "gpuvirt %s: --assign %s: --vm NAME is a libvirt domain; --vmid and --hostpci are for a "
			"Proxmox VM\n", cmd, a->device);
		return -1;
	}
	if (a->vm)
		arg = xasprintf("%s,vm=%s", a->device, a->vm);
	else
		arg = xasprintf("%s,vmid=%s%s%s", a->device, a->vmid, a->hostpci ? ",hostpci=" : "",
				a->hostpci ? a->hostpci : "");
	r = add_change(cmd, CHANGE_ASSIGN, arg, c);
	free(arg);
	*a = (struct pending_assign){ 0 };
	return r;
}

/* Set *FIELD of the pending --assign to VALUE, once. */
static int assign_part(const char *cmd, const char *word, const char **field, const char *value)
{
	if (*field) {
		fprintf(stderr, "gpuvirt %s: %s twice for one --assign\n", cmd, word);
		return -1;
	}
	*field = value;
	return 0;
}

int cli_parse(int argc, char **argv, unsigned takes, void (*usage)(FILE *f), struct cli_opts *c)
{
	const char *cmd = argv[0];
	struct pending_assign assign = { 0 };
	enum boot_loader loader;
	struct sriov_opts so;
	int opt;

	if (!c->draft)
		c->draft = draft_new();
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", options(), NULL)) != -1) {
		const char *word = argv[optind - 1];
		bool ok = true;

		if (opt >= OPT_CHANGE && opt < OPT_CHANGE + _CHANGE_KIND_MAX) {
			if (!(takes & CLI_TAKES_CHANGES)) {
				fprintf(stderr, "gpuvirt %s: %s is not an option of %s\n", cmd,
					change_kind_option((enum change_kind)(opt - OPT_CHANGE)), cmd);
				return -1;
			}
			if (opt == OPT_CHANGE + CHANGE_ASSIGN && !strchr(optarg, ',')) {
				if ((assign.device && flush_assign(cmd, &assign, c) < 0) ||
				    assign_part(cmd, "--assign", &assign.device, optarg) < 0)
					return -1;
				continue;
			}
			if (add_change(cmd, (enum change_kind)(opt - OPT_CHANGE), optarg, c) < 0)
				return -1;
			continue;
		}
		if (opt == OPT_VM || opt == OPT_VMID || opt == OPT_HOSTPCI) {
			/* WORD is the argument here: getopt has moved past it */
			const char *name = opt == OPT_VM ? "--vm" : opt == OPT_VMID ? "--vmid" : "--hostpci";
			if (!(takes & CLI_TAKES_CHANGES)) {
				fprintf(stderr, "gpuvirt %s: %s is not an option of %s\n", cmd, name, cmd);
				return -1;
			}
			if (assign_part(cmd, name, opt == OPT_VM ? &assign.vm : opt == OPT_VMID ? &assign.vmid
					: &assign.hostpci, optarg) < 0)
				return -1;
			continue;
		}
		switch (opt) {
		case OPT_JSON:
			ok = takes & CLI_TAKES_JSON;
			c->json = true;
			break;
		case OPT_YES:
			ok = takes & CLI_TAKES_APPLY;
			c->yes = true;
			break;
		case OPT_NO_RUN:
			ok = takes & CLI_TAKES_APPLY;
			c->no_run = true;
			break;
		case OPT_FORCE_HAND_EDITS:
			ok = takes & CLI_TAKES_APPLY;
			c->force_hand_edits = true;
			break;
		case OPT_PLAN:
			ok = takes & CLI_TAKES_PLAN;
			c->plan_file = optarg;
			break;
		case OPT_UNDO:
			ok = takes & CLI_TAKES_UNDO;
			c->undo = true;
			break;
		case OPT_SAVE:
			ok = takes & CLI_TAKES_SAVE;
			c->save_file = optarg;
			break;
		case OPT_FORCE_BOOT_GPU:
			ok = takes & CLI_TAKES_FORCE_GPU;
			draft_set_force_boot_gpu(c->draft, true);
			break;
		case OPT_BOOTLOADER:
			/* where the evidence is ambiguous, the person decides */
			ok = takes & CLI_TAKES_CHANGES;
			if (ok && (boot_loader_from_name(optarg, &loader) < 0 || loader == BOOT_AUTO)) {
				fprintf(stderr, "gpuvirt %s: --bootloader: unknown boot loader '%s' (grub, grub-bls, "
					"proxmox-boot-tool, systemd-boot, kernelstub)\n", cmd, optarg);
				return -1;
			}
			draft_set_boot_loader(c->draft, loader);
			break;
		case OPT_VFS_DRIVER:
			ok = takes & CLI_TAKES_CHANGES;
			so = *draft_sriov(c->draft);
			if (ok && sriov_vf_driver_parse(optarg, &so.vf_driver) < 0) {
				fprintf(stderr, "gpuvirt %s: --vfs-driver: '%s' is not vfio-pci or host\n", cmd, optarg);
				return -1;
			}
			draft_set_sriov(c->draft, &so);
			break;
		case OPT_BOOT_ONLY:
		case OPT_FORCE_VFS_IN_USE:
			ok = takes & CLI_TAKES_CHANGES;
			so = *draft_sriov(c->draft);
			if (opt == OPT_BOOT_ONLY)
				so.boot_only = true;
			else
				so.force_in_use = true;
			draft_set_sriov(c->draft, &so);
			break;
		case OPT_LIVE:
			ok = takes & CLI_TAKES_APPLY;
			c->live = true;
			break;
		case OPT_HELP:
			usage(stdout);
			return 1;
		case ':':
			fprintf(stderr, "gpuvirt %s: %s needs an argument\n", cmd, word);
			return -1;
		default:
			fprintf(stderr, "gpuvirt %s: unknown option '%s'\n", cmd, word);
			usage(stderr);
			return -1;
		}
		if (!ok) {
			fprintf(stderr, "gpuvirt %s: %s is not an option of %s\n", cmd, word, cmd);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "gpuvirt %s: unexpected argument '%s'\n", cmd, argv[optind]);
		return -1;
	}
	if (c->live && draft_sriov(c->draft)->boot_only) {
		fprintf(stderr, "gpuvirt %s: --live and --boot-only contradict each other\n", cmd);
		return -1;
	}
	return flush_assign(cmd, &assign, c);
}

bool cli_live(const struct cli_opts *c, struct session *s)
{
	if (session_demo(s) || draft_sriov(c->draft)->boot_only)
		return false;
	return c->live || !strcmp(session_root(s), "/");
}

int cli_exit_status(int r)
{
	switch (r) {
	case -EINVAL:
	case -ENODEV:
	case -EOPNOTSUPP:
	case -E2BIG:
		return CLI_EXIT_USAGE;   /* -ENOPKG, -ENXIO, -EBUSY (--vfs): what the host does not allow */
	default:
		return CLI_EXIT_FAILED;
	}
}

bool cli_needs_root(const char *root)
{
	/* a --root directory is the caller's business */
	return geteuid() != 0 && !strcmp(root, "/");
}

bool cli_confirm(const char *cmd, const char *question, bool yes)
{
	char line[64];

	if (yes)
		return true;
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "gpuvirt %s: not a terminal, so nothing was %s; pass --yes to %s without asking\n",
			cmd, !strcmp(cmd, "undo") ? "undone" : "applied", cmd);
		return false;
	}
	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

int cli_build_plan(const char *cmd, const struct cli_opts *c, struct session *s, struct plan **ret)
{
	struct gv_error err = { 0 };
	int r = draft_build_plan(c->draft, session_host(s), session_sysconf(s), session_root(s), ret, &err);

	if (r < 0) {
		fprintf(stderr, "gpuvirt %s: %s\n", cmd, err.msg[0] ? err.msg : strerror(-r));
		return cli_exit_status(r);
	}
	return CLI_EXIT_OK;
}

int cli_confirm_apply(const char *cmd, const char *question, const struct cli_opts *c, struct session *s,
		      struct plan *p)
{
	struct plan_apply_opts ao = {
		.no_run = c->no_run || session_demo(s),
		.force_hand_edits = c->force_hand_edits,
		.no_live = !cli_live(c, s),
	};
	struct gv_error err = { 0 };
	int r;

	if (!cli_confirm(cmd, question, c->yes))
		return CLI_EXIT_FAILED;
	r = plan_apply(p, &ao, &err);
	if (r < 0) {
		fprintf(stderr, "gpuvirt %s: %s\n", cmd, err.msg[0] ? err.msg : strerror(-r));
		return CLI_EXIT_FAILED;
	}
	return CLI_EXIT_OK;
}

void cli_puts_visible(const char *s, FILE *f)
{
	char *v = text_visible(s);

	fputs(v, f);
	free(v);
}

int cli_print_preview(const char *cmd, const struct plan *p, bool json)
{
	struct gv_error err = { 0 };
	char *text = NULL;
	int r = json ? plan_preview_json(p, &text, &err) : plan_preview(p, &text, &err);

	if (r < 0) {
		fprintf(stderr, "gpuvirt %s: %s\n", cmd, err.msg[0] ? err.msg : strerror(-r));
		return CLI_EXIT_FAILED;
	}
	if (json) {
		fputs(text, stdout);
		if (!*text || text[strlen(text) - 1] != '\n')
			putchar('\n');
	} else {
		cli_puts_visible(text, stdout);
	}
	free(text);
	fflush(stdout);
	return CLI_EXIT_OK;
}
