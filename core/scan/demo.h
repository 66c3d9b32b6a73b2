/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The --demo sample host's configuration root (its hardware is host_demo()
 * in core/host.h).
 */
#include <stddef.h>

#include "core/util/error.h"

struct demo_file {
	const char *path;      /* relative to the root */
	const char *content;
};

size_t demo_root_n_files(void);
const struct demo_file *demo_root_file(size_t i);

/* Write the sample host's configuration files under DIR (a scratch root). */
int demo_root_populate(const char *dir, struct gv_error *err);
