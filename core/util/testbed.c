/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <unistd.h>

#include "core/util/testbed.h"

bool testbed_active(void)
{
	return access(TESTBED_MARKER, F_OK) == 0;
}

const char *testbed_getenv(const char *name)
{
	const char *v = getenv(name);

	/* the environment first: outside the tests the marker is never looked for */
	return v && testbed_active() ? v : NULL;
}
