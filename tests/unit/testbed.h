/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Test-bed helpers for Check unit tests. Every unit test binary runs under
 * umockdev-wrapper (tests/run.sh does it); testbed_use() points the preload
 * at a fixture host that tests/run.sh built from
 * tests/fixtures/hosts/NAME/host.desc, and asserts that what the process now
 * sees at /sys is that test bed, never the real machine.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline const char *testbed_dir(void)
{
	const char *d = getenv("GV_FIXTURES");
	return d ? d : "build/fixtures";
}

static inline void testbed_assert_inside(void)
{
	ck_assert_msg(access("/sys/.gpuvirt-testbed", F_OK) == 0,
		      "not inside a umockdev test bed (run under umockdev-wrapper with GV_FIXTURES set)");
}

/* Use fixture host NAME (read-only). Check forks each test, so the setenv
 * stays inside the test. */
static inline void testbed_use(const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", testbed_dir(), name);
	ck_assert_msg(access(path, F_OK) == 0, "fixture %s not built (run make check)", path);
	setenv("UMOCKDEV_DIR", path, 1);
	testbed_assert_inside();
}

/* A writable copy of fixture NAME's test bed, for tests that write sysfs.
 * Returns the copy's directory (static buffer). */
static inline const char *testbed_use_copy(const char *name)
{
	static char dir[4096];
	char cmd[8192];

	snprintf(dir, sizeof(dir), "%s/gv-testbed.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert(mkdtemp(dir) != NULL);
	unsetenv("UMOCKDEV_DIR"); /* so cp reads the real copy */
	snprintf(cmd, sizeof(cmd), "cp -a '%s/%s/.' '%s/'", testbed_dir(), name, dir);
	ck_assert_int_eq(system(cmd), 0);
	setenv("UMOCKDEV_DIR", dir, 1);
	testbed_assert_inside();
	return dir;
}

/* A fresh temporary copy of fixture NAME's configuration root
 * (tests/fixtures/hosts/NAME/root), or an empty directory when it has none. */
static inline const char *testbed_root(const char *name)
{
	static char dir[4096];
	char cmd[8192];
	const char *src = getenv("GV_SRCDIR");
	const char *saved = getenv("UMOCKDEV_DIR");
	char *keep = saved ? strdup(saved) : NULL;

	snprintf(dir, sizeof(dir), "%s/gv-root.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert(mkdtemp(dir) != NULL);
	unsetenv("UMOCKDEV_DIR");
	snprintf(cmd, sizeof(cmd), "[ ! -d '%s/tests/fixtures/hosts/%s/root' ] || cp -a '%s/tests/fixtures/hosts/%s/root/.' '%s/'",
		 src ? src : ".", name, src ? src : ".", name, dir);
	ck_assert_int_eq(system(cmd), 0);
	if (keep) {
		setenv("UMOCKDEV_DIR", keep, 1);
		free(keep);
	}
	return dir;
}
