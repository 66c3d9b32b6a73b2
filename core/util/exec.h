/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Running the regeneration commands a plan names (update-initramfs,
 * update-grub, ...) and showing them the way a person would type them.
 */
#include "core/util/error.h"

/*
 * Run ARGV (argv[0] looked up in PATH) inside `chroot ROOT` when ROOT is not
 * "/", directly otherwise, with stdin from /dev/null; its output goes line
 * by line to gv_log (INFO). Returns 0 when it exited 0; otherwise -EIO
 * (non-zero exit or signal) or -errno, with ERR naming the command and its
 * exit status.
 */
int exec_run(const char *root, const char *const *argv, struct gv_error *err);

/* The same, for a command whose output is read (a read-back such as `virsh
 * dumpxml`): what it writes to stdout and stderr is returned in RET_OUT,
 * owned and NUL-terminated, instead of being logged. */
int exec_capture(const char *root, const char *const *argv, char **ret_out, struct gv_error *err);

/* ARGV as one shell-quoted line ("update-initramfs -u -k all"); owned. */
char *exec_argv_str(const char *const *argv);
