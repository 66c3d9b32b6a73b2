/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The kernel command line, tokenized with the kernel's own rules
 * (lib/cmdline.c next_arg()): arguments are separated by white space; a
 * double quote anywhere toggles quoting, so `dyndbg="file x +p"` and
 * `"dyndbg=file x +p"` are one argument each; a lone `--` ends the kernel's
 * part and everything after it goes to init untouched (this module never
 * edits it). Keys compare with `-` and `_` as the same character, as the
 * kernel's parameq() does, so `vfio-pci.ids` and `vfio_pci.ids` are one key.
 *
 * Editing keeps every byte it does not have to change: the separators, the
 * order of the other arguments, `root=`, the text after `--`.
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/util/error.h"

/* COMMAND_LINE_SIZE on x86: the kernel keeps at most this many bytes
 * including the terminating NUL, and silently cuts the rest. */
#define CMDLINE_SIZE 2048

struct cmdline;

/* Parse LINE (any bytes; NUL ends it; NULL reads as ""). Never fails: an
 * unbalanced quote runs to the end, as in the kernel. Returns 0. */
int cmdline_parse(const char *line, struct cmdline **ret);
void cmdline_free(struct cmdline *c);

/* Arguments before `--`, as written (quotes kept). */
size_t cmdline_n_args(const struct cmdline *c);
const char *cmdline_arg(const struct cmdline *c, size_t i);
/* `--` and everything after it exactly as written, or NULL when absent. */
const char *cmdline_tail(const struct cmdline *c);

/* The line as it is now: every untouched byte as parsed. Owned string. */
char *cmdline_format(const struct cmdline *c);
/* strlen(cmdline_format(c)) without building it. */
size_t cmdline_length(const struct cmdline *c);

/* True when an argument with KEY (the part before '=', or a bare word) is
 * present before `--`. */
bool cmdline_has_key(const struct cmdline *c, const char *key);
/* The last argument before `--` whose key is KEY, as written
 * ("intel_iommu=off,sm_on"), or NULL: the one the kernel acts on. */
const char *cmdline_find(const struct cmdline *c, const char *key);
/* True when an argument equal to ARG is present (same key, same value once
 * quotes are removed). */
bool cmdline_contains(const struct cmdline *c, const char *arg);

/*
 * Add ARG (one argument: `intel_iommu=on`, `quiet`, `dyndbg="file x +p"`).
 * An argument with the same key is replaced in place (`foo=0` -> `foo=1`) and
 * further duplicates of the key are dropped, so the key ends up exactly once;
 * keys the kernel accumulates (console, video, initcall_blacklist,
 * modprobe.blacklist, rd.driver.*, ...) get ARG appended next to the others
 * instead. New arguments go before `--`, and before an argument whose double
 * quote never closes (it runs to the end of the line). Returns 1 when the line changed, 0
 * when ARG was already there exactly once (no-op), -EINVAL when ARG is not one
 * well-formed argument (empty, white space outside quotes, unbalanced quote,
 * `--`), -E2BIG when the line would no longer fit in CMDLINE_SIZE; on error
 * the line is untouched.
 */
int cmdline_add(struct cmdline *c, const char *arg);

/* Remove every argument whose key is KEY; when KEY contains '=', only
 * arguments equal to it (`console=ttyS0`). Text after `--` is never touched.
 * Returns the number removed (0 when none). */
int cmdline_remove(struct cmdline *c, const char *key);

/* Validate one argument for cmdline_add(); err names the problem. */
int cmdline_check_arg(const char *arg, struct gv_error *err);

/* Normalized key of ARG (quotes removed, '-' -> '_'): owned string. */
char *cmdline_arg_key(const char *arg);
/* ARG as it compares: the normalized key, then '=' and the value without its
 * quotes when it has one. Owned string. */
char *cmdline_arg_canon(const char *arg);
/* False when ARG leaves a double quote open (it then ran to the end of the
 * line). */
bool cmdline_arg_balanced(const char *arg);
/* True when the kernel (or the userspace reading /proc/cmdline) accumulates
 * every occurrence of normalized key NKEY (console, video, ...) instead of
 * keeping the last one. */
bool cmdline_key_accumulates(const char *nkey);

/* Argument-by-argument comparison of two command lines, e.g. the configured
 * next-boot line (WANT) against /proc/cmdline (HAVE). Arguments compare as
 * multisets with normalized keys and unquoted values; BOOT_IMAGE= and
 * initrd=, which bootloaders add on their own, are ignored on both sides.
 * The text after `--` is compared as one item. */
struct cmdline_diff {
	char **missing; size_t n_missing;   /* in WANT, not in HAVE: not yet in effect */
	char **extra; size_t n_extra;       /* in HAVE, not in WANT: still in effect */
};
int cmdline_compare(const char *want, const char *have, struct cmdline_diff **ret);
void cmdline_diff_free(struct cmdline_diff *d);
/* True when the diff has nothing in it. */
bool cmdline_diff_empty(const struct cmdline_diff *d);
