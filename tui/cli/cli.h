/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * What the line-mode commands share: the exit-status contract (DESIGN.md
 * §2), their option parsing (the CHANGE options come from
 * core/propose/change.c's table, spelled there once), the confirm prompt,
 * and building and printing a plan on the session's host and root.
 *
 * Exit status: 0 success; 1 a check failed, or an apply was refused or
 * rolled back, or the system does not allow it; 2 bad usage or bad input.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/propose/boot.h"
#include "core/propose/change.h"
#include "core/propose/draft.h"
#include "core/session.h"

struct plan;

enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILED = 1,
	CLI_EXIT_USAGE = 2,
};

/* Which options a command takes (cli_parse()'s TAKES). */
#define CLI_TAKES_CHANGES (1u << 0)     /* the CHANGE options, --bootloader, --vfs-driver,
					 * --boot-only, --force-vfs-in-use */
#define CLI_TAKES_JSON (1u << 1)
#define CLI_TAKES_APPLY (1u << 2)       /* --yes --no-run --force-hand-edits --live */
#define CLI_TAKES_PLAN (1u << 3)        /* --plan FILE */
#define CLI_TAKES_FORCE_GPU (1u << 4)   /* --force-boot-gpu */
#define CLI_TAKES_SAVE (1u << 5)        /* --save FILE */
#define CLI_TAKES_UNDO (1u << 6)        /* --undo */

struct cli_opts {
	/* The CHANGE options, --bootloader and --force-boot-gpu: the same value
	 * the wizard edits, so both build their plan by one call. */
	struct draft *draft;
	bool json, yes, no_run, force_hand_edits;
	bool live;                      /* apply --live: sysfs writes under another --root */
	bool undo;                      /* plan --undo */
	const char *plan_file;          /* apply --plan FILE */
	const char *save_file;          /* plan --save FILE */
};

/*
 * Parse a command's ARGV (argv[0] is its name) into RET, which must start
 * zeroed, allowing the options in TAKES. Returns 0; 1 when --help printed
 * USAGE on stdout; -1 after a one-line message on stderr (and USAGE, for an
 * unknown option). Release RET with cli_opts_clear() in every case.
 */
int cli_parse(int argc, char **argv, unsigned takes, void (*usage)(FILE *f), struct cli_opts *ret);

/* Release what C holds; it is zeroed again. */
void cli_opts_clear(struct cli_opts *c);

/* The "CHANGE: --iommu | --cmdline-add ARG | ..." lines of a usage text. */
void cli_usage_changes(FILE *f);

/* The exit status for a propose_build() error: 2 for bad input (-EINVAL,
 * -ENODEV, -EOPNOTSUPP, -E2BIG), else 1 (a refusal such as -EPERM, or what
 * the system does not allow). */
int cli_exit_status(int r);

/* True when writing under ROOT needs root and this process is not: ROOT is "/". */
bool cli_needs_root(const char *root);

/* Ask QUESTION on a terminal (y/N); without one only YES goes ahead, and a
 * line on stderr says so. CMD is "apply" or "undo". */
bool cli_confirm(const char *cmd, const char *question, bool yes);

/* Build the plan of C's draft on session S's host and root
 * (draft_build_plan(), as the wizard does). Returns an exit status; on 0 the
 * owned plan is in *RET. Errors are printed. */
int cli_build_plan(const char *cmd, const struct cli_opts *c, struct session *s, struct plan **ret);

/* Whether an apply under session S with C makes the sysfs writes a plan
 * names: on the running system's root "/" (not under --demo, not with
 * --boot-only), elsewhere only with --live. */
bool cli_live(const struct cli_opts *c, struct session *s);

/* Ask QUESTION (cli_confirm()), then apply P with C's --no-run and
 * --force-hand-edits (commands are always listed, not run, under --demo:
 * the scratch root holds configuration only) and sysfs writes only where
 * cli_live() says. Returns an exit status; a failure is printed, naming
 * CMD. */
int cli_confirm_apply(const char *cmd, const char *question, const struct cli_opts *c, struct session *s,
		      struct plan *p);

/* fputs() of S with its control characters shown visibly (text_visible()):
 * whatever came from a file (a diff, a plan file's "why", the journal's
 * summary) cannot rewrite the terminal it is printed on. */
void cli_puts_visible(const char *s, FILE *f);

/* Print P's preview (JSON when JSON) on stdout, control characters visible.
 * Returns an exit status. */
int cli_print_preview(const char *cmd, const struct plan *p, bool json);
