/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gpuvirt export DEVICE --format libvirt|qemu|proxmox [--primary]
 * [--force-boot-gpu] [--json]: what a VM's consumer needs to be given DEVICE.
 * The text goes to stdout and the notes to stderr, so that the text can be
 * redirected into a file as it is; --json puts both on stdout.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "core/export/export.h"
#include "core/util/buf.h"
#include "tui/cli/cli.h"
#include "tui/cli/commands.h"

static void usage(FILE *f)
{
	fputs("usage: gpuvirt export DEVICE --format libvirt|qemu|proxmox [--primary] [--force-boot-gpu] [--json]\n"
	      "DEVICE: a PCI address (0000:41:00.0 or 41:00.0) or an mdev UUID\n", f);
}

static void print_json(const struct export_result *r)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "{\"device\": ");
	buf_json_str(&b, r->device);
	buf_puts(&b, ", \"format\": ");
	buf_json_str(&b, export_format_name(r->format));
	buf_puts(&b, ", \"text\": ");
	buf_json_str(&b, r->text);
	buf_puts(&b, ", \"notes\": [");
	for (size_t i = 0; i < r->n_notes; i++) {
		if (i)
			buf_puts(&b, ", ");
		buf_json_str(&b, r->notes[i]);
	}
	buf_puts(&b, "]}\n");
	fwrite(buf_str(&b), 1, b.len, stdout);
	buf_free(&b);
}

int cmd_export(int argc, char **argv, const struct gv_globals *g, struct session *s)
{
	enum { OPT_FORCE_BOOT_GPU = 256, OPT_PRIMARY };
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "primary", no_argument, NULL, OPT_PRIMARY },
		{ "force-boot-gpu", no_argument, NULL, OPT_FORCE_BOOT_GPU },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct export_opts o = { 0 };
	struct export_result *r = NULL;
	struct gv_error err = { 0 };
	const char *format = NULL;
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "f:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'j':
			json = true;
			break;
		case OPT_PRIMARY:
			o.primary = true;
			break;
		case OPT_FORCE_BOOT_GPU:
			o.force_boot_gpu = true;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fputs("gpuvirt export: which device? (a PCI address or an mdev UUID)\n", stderr);
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (optind + 1 < argc) {
		fprintf(stderr, "gpuvirt export: unexpected argument '%s' (one device at a time)\n", argv[optind + 1]);
		return CLI_EXIT_USAGE;
	}
	if (!format) {
		fputs("gpuvirt export: --format libvirt|qemu|proxmox is required\n", stderr);
		return CLI_EXIT_USAGE;
	}
	if (export_format_parse(format, &o.format) < 0) {
		fprintf(stderr, "gpuvirt export: --format '%s': expected libvirt, qemu or proxmox\n", format);
		return CLI_EXIT_USAGE;
	}

	/* Every refusal is about the device given, so it is bad input: exit 2. */
	if (export_device(session_host(s), argv[optind], &o, &r, &err) < 0) {
		fprintf(stderr, "gpuvirt export: %s\n", err.msg);
		return CLI_EXIT_USAGE;
	}
	if (json) {
		print_json(r);
	} else {
		fputs(r->text, stdout);
		for (size_t i = 0; i < r->n_notes; i++)
			fprintf(stderr, "gpuvirt export: note: %s\n", r->notes[i]);
	}
	export_result_free(r);
	return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}
