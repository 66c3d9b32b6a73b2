/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The header (version, CPU, IOMMU, boot loader, "reboot pending", the root)
 * and the status line (the keys that work here). Both are one row, so a
 * change rewrites at most one row.
 */
#include "tui/layout.h"

struct tui;

void header_draw(struct tui *t, const struct layout_rect *r);
/* The keys of the view, or of the open wizard step, as "KEY what" hints. */
void status_draw(struct tui *t, const struct layout_rect *r);
