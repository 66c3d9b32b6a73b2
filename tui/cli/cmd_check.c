/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gpuvirt check [--json]: the firmware checklist, the lint of the
 * configuration under --root and the verification of what gpuvirt applied,
 * as a checklist that fits 80 columns or as JSON (see man/20-check.man).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/verify/checks.h"
#include "core/scan/host.h"
#include "tui/cli/commands.h"

#define WIDTH 80
#define INDENT 7

static void check_usage(FILE *f)
{
	fputs("usage: gpuvirt [--root DIR] check [--json]\n"
	      "Firmware checklist, configuration lint and verification of applied changes.\n"
	      "Exit status: 0 nothing failed, 1 something failed, 2 bad usage.\n", f);
}

/*
 * Print TEXT word-wrapped to WIDTH columns: the first line after FIRST (of
 * visible width FIRST_W), the next ones indented by CONT spaces. Words
 * longer than a line (paths) are cut.
 */
static void wrap(FILE *out, const char *first, size_t first_w, size_t cont, const char *text)
{
	size_t col = first_w;
	bool empty = true;      /* nothing after the prefix on this line yet */

	fputs(first, out);
	for (;;) {
		text += strspn(text, " ");
		if (!*text)
			break;
		size_t w = strcspn(text, " ");
		if (!empty && col + 1 + w > WIDTH) {
			fprintf(out, "\n%*s", (int)cont, "");
			col = cont;
			empty = true;
		}
		if (!empty) {
			fputc(' ', out);
			col++;
		}
		while (col + w > WIDTH) {
			size_t part = WIDTH - col;
			fwrite(text, 1, part, out);
			text += part;
			w -= part;
			fprintf(out, "\n%*s", (int)cont, "");
			col = cont;
		}
		fwrite(text, 1, w, out);
		col += w;
		text += w;
		empty = false;
	}
	fputc('\n', out);
}

static const char *tag(enum finding_status s)
{
	switch (s) {
	case FINDING_PASS:
		return "[ OK ]";
	case FINDING_WARN:
		return "[WARN]";
	case FINDING_FAIL:
		return "[FAIL]";
	default:
		return "[INFO]";
	}
}

static const char *colour(enum finding_status s)
{
	switch (s) {
	case FINDING_PASS:
		return "\033[32m";
	case FINDING_WARN:
		return "\033[33m";
	case FINDING_FAIL:
		return "\033[1;31m";
	default:
		return "\033[36m";
	}
}

static void print_text(FILE *out, const struct findings *c, const char *root, bool use_colour)
{
	static const char *const heading[] = {
		[FINDING_FIRMWARE] = "Firmware and kernel",
		[FINDING_LINT] = "Configuration",
		[FINDING_VERIFY] = "Applied changes",
		[FINDING_SRIOV] = "SR-IOV virtual functions",
	};
	size_t count[4] = { 0 };
	int last = -1;

	for (size_t i = 0; i < findings_n(c); i++) {
		const struct finding *f = findings_get(c, i);
		char first[64];

		if ((int)f->category != last) {
			last = (int)f->category;
			if (f->category == FINDING_LINT)
				fprintf(out, "%s%s (under %s)\n", i ? "\n" : "", heading[last], root);
			else
				fprintf(out, "%s%s\n", i ? "\n" : "", heading[last]);
		}
		count[f->status]++;
		if (use_colour)
			snprintf(first, sizeof(first), "%s%s\033[0m ", colour(f->status), tag(f->status));
		else
			snprintf(first, sizeof(first), "%s ", tag(f->status));
		wrap(out, first, INDENT, INDENT, f->title);
		if (f->evidence && *f->evidence) {
			char pad[INDENT + 1];
			memset(pad, ' ', INDENT);
			pad[INDENT] = '\0';
			wrap(out, pad, INDENT, INDENT + 2, f->evidence);
		}
		if (f->fix) {
			char pad[INDENT + 8];
			snprintf(pad, sizeof(pad), "%*sfix: ", INDENT, "");
			wrap(out, pad, INDENT + 5, INDENT + 5, f->fix);
		}
	}
	fprintf(out, "\n%zu ok, %zu warning%s, %zu failed, %zu info\n", count[FINDING_PASS], count[FINDING_WARN],
		count[FINDING_WARN] == 1 ? "" : "s", count[FINDING_FAIL], count[FINDING_INFO]);
}

int cmd_check(int argc, char **argv, const struct gv_globals *g, struct session *s)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct findings *c = NULL;
	bool json = false;
	int opt, status = 2;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			check_usage(stdout);
			return 0;
		default:
			check_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "gpuvirt: check: unexpected argument '%s'\n", argv[optind]);
		check_usage(stderr);
		return 2;
	}

	c = checks_run(session_host(s), session_sysconf(s), session_root(s));
	if (json) {
		char *text = findings_to_json(c);
		fputs(text, stdout);
		free(text);
	} else {
		bool use_colour = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !g->no_color;
		print_text(stdout, c, session_root(s), use_colour);
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "gpuvirt: check: cannot write the report\n");
		goto out;
	}
	status = findings_any_fail(c) ? 1 : 0;
out:
	findings_free(c);
	return status;
}
