/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The session: what one run of gpuvirt works on, decided once for both faces
 * (every line-mode command and the full-screen program open it through
 * tui/main.c):
 *
 *   the configuration root   --root DIR made absolute, or the demo's scratch root
 *   the host snapshot        host_scan(), or host_demo() under --demo
 *   the configuration        sysconf_load() of the root: boot loader, initramfs
 *     snapshot               tool, modprobe configuration, GRUB, module parameters
 *
 * Under --demo no configuration of the machine is read or written: the root
 * is a scratch directory that starts as the sample host's own configuration
 * (core/scan/demo.h), and the host is the sample host, built in memory.
 *
 * The scratch root of a line-mode command is kept between commands, so that
 * `gpuvirt --demo apply ...` and then `gpuvirt --demo undo` work on the same
 * files: DIR/gpuvirt-demo-UID, DIR being $XDG_RUNTIME_DIR, else $TMPDIR,
 * else /tmp. It is made (mode 0700) when missing; one that is a symbolic
 * link, not a directory, not owned by the user or writable by others is
 * refused. The full-screen program gets a fresh one per run instead
 * ($TMPDIR/gpuvirt-demo.XXXXXX), removed by session_close().
 */
#include <stdbool.h>

#include "core/scan/host.h"
#include "core/scan/sysconf.h"
#include "core/util/error.h"

struct session;

struct session_opts {
	const char *root;       /* --root DIR, relative or not; NULL: "/" */
	bool demo;              /* --demo: the sample host on a scratch root (ROOT is not used) */
	bool fresh_scratch;     /* --demo: a scratch root of its own, removed by session_close() */
};

/*
 * Open a session: resolve the root (realpath; what is missing or not a
 * directory is -EINVAL, the message naming --root as given), or make or
 * reuse the demo's scratch root (a refused one is -EPERM), then take the
 * first host and configuration snapshots. Returns 0 and an owned session, or -errno with ERR
 * set.
 */
int session_open(const struct session_opts *o, struct session **ret, struct gv_error *err);

/* Close S, removing a fresh scratch root with everything in it; NULL is fine. */
void session_close(struct session *s);

/* The configuration root: absolute, "/" by default; under --demo the scratch root. */
const char *session_root(const struct session *s);

/* True under --demo. */
bool session_demo(const struct session *s);

/* The current host snapshot, owned by S; a rescan frees it. */
const struct host *session_host(const struct session *s);

/* The configuration snapshot of the root, owned by S; a rescan frees it. */
const struct sysconf *session_sysconf(const struct session *s);
/*
 * Take fresh snapshots of the host and of the configuration (after an apply,
 * on a udev event; under --demo a fresh copy of the sample host). On success
 * the previous snapshots are freed,
 * so every pointer into it must be dropped; on failure it stays. Returns 0 or
 * -errno with ERR set.
 */
int session_rescan(struct session *s, struct gv_error *err);
