/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Test hooks (a simulated crash before a rename, a device that vanishes
 * between scan and apply) act only inside a fixture test bed: a umockdev
 * test bed that carries /sys/.gpuvirt-testbed (tests/fixtures/mkhost). In a
 * release binary on a real machine the environment variables that name them
 * do nothing.
 */
#include <stdbool.h>

/* The marker every test bed carries. */
#define TESTBED_MARKER "/sys/.gpuvirt-testbed"

/* True when this process sees a test bed at /sys. */
bool testbed_active(void);

/* getenv(NAME), but only inside a test bed; NULL elsewhere. */
const char *testbed_getenv(const char *name);
