/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * `gpuvirt check`: every producer of findings (core/verify/findings.h) run
 * into one list, in this order:
 *   firmware   the checklist (core/verify/fwcheck.h)
 *   lint       the configuration under the root (core/verify/lint.h)
 *   verify     the journal's change sets against the running host
 *              (core/verify/verify.h)
 */
#include "core/scan/firmware.h"
#include "core/scan/host.h"
#include "core/util/error.h"
#include "core/verify/findings.h"

/*
 * Run everything: scan the firmware facts, then the checklist, the lint of
 * the configuration under ROOT and the verification of the journal under
 * ROOT. H may be NULL when the host could not be scanned (the findings that
 * need devices then say so). Returns 0 and an owned list, or -errno when
 * the firmware facts cannot be scanned, with err set; an unreadable file is
 * a finding, never an error.
 */
int checks_run(const struct host *h, const char *root, struct findings **ret, struct gv_error *err);

/* The same with firmware facts the caller already scanned. */
struct findings *checks_run_with(const struct host *h, const struct firmware *fw, const char *root);
