/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The wizard's drafts gathered into one plan: every step that drafts
 * changes adds them (its build()), in the wizard's order, to one plan for
 * the root. What the "Apply & verify" step counts, previews and applies.
 */
#include "core/util/error.h"

struct tui;
struct plan;

/* Returns 0 and an owned plan for T's root, or -errno with ERR set. */
int drafts_build_plan(struct tui *t, struct plan **ret, struct gv_error *err);
