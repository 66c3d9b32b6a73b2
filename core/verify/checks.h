/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Findings: what `gpuvirt check` reports and what the wizard's "Firmware
 * checks" and "Apply & verify" steps show. Each finding is inferred from
 * evidence (the file and the line or value it came from) and carries the
 * fix: the BIOS setting's name as vendors print it, or the gpuvirt command
 * that changes it.
 *
 * Three sources fill one list, in this order:
 *   firmware   the checklist (cpu-virtualization, kvm-device, iommu-firmware,
 *              iommu-kernel, interrupt-remapping, vmd, uefi, secure-boot,
 *              kernel-version, iommu-passthrough-mode)
 *   lint       the configuration under the root (see core/lint.h)
 *   verify     every applied change set's expectations against the running
 *              host (verify-cmdline, verify-module, verify-no-module,
 *              verify-driver, verify-numvfs, verify-mdev), commands left
 *              pending (verify-pending) and the journal itself
 *              (verify-journal)
 * An id may repeat (one finding per expectation or per file line).
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/util/error.h"
#include "core/scan/host.h"
#include "core/scan/sysconf.h"

enum checks_status { CHECKS_PASS, CHECKS_WARN, CHECKS_FAIL, CHECKS_INFO };

enum checks_category { CHECKS_FIRMWARE, CHECKS_LINT, CHECKS_VERIFY };

struct checks_finding {
	const char *id;               /* "iommu-kernel" */
	enum checks_status status;
	enum checks_category category;
	const char *title;            /* one line */
	const char *evidence;         /* "/proc/cmdline: intel_iommu=off" */
	const char *fix;              /* NULL when there is nothing to do */
};

struct checks;

/*
 * Run everything on host snapshot H (its devices and firmware facts) and the
 * configuration snapshot SC of ROOT: the checklist, the lint of the
 * configuration under ROOT and the verification of the journal under ROOT.
 * Returns 0 and an owned list, or -errno with err set; an unreadable file is
 * a finding, never an error.
 */
int checks_run(const struct host *h, const struct sysconf *sc, const char *root, struct checks **ret,
	       struct gv_error *err);

/* An empty list, for running the parts on their own. */
int checks_new(struct checks **ret);
void checks_free(struct checks *c);

/* The parts: the firmware checklist alone (the wizard's first step), and
 * the post-reboot verification of the journal under ROOT alone. */
int checks_firmware(struct checks *c, const struct host *h);
int checks_verify(struct checks *c, const struct host *h, const struct sysconf *sc, const char *root,
		  struct gv_error *err);

/* Append a finding (strings are copied; FIX may be NULL). For the modules
 * that produce findings, such as core/lint. Returns 0 or -ENOMEM. */
int checks_add(struct checks *c, enum checks_category category, const char *id,
	       enum checks_status status, const char *title, const char *evidence,
	       const char *fix);

/* Findings in report order; borrowed, valid until checks_free(). */
size_t checks_n(const struct checks *c);
const struct checks_finding *checks_get(const struct checks *c, size_t i);
/* The first finding with ID, NULL when none. */
const struct checks_finding *checks_find(const struct checks *c, const char *id);

/* True when a finding has status fail (`gpuvirt check` then exits 1). */
bool checks_any_fail(const struct checks *c);
/* True when something applied earlier is not in effect: a verify finding
 * that is fail or warn (the TUI then opens on its verification screen). */
bool checks_verification_pending(const struct checks *c);

/* "pass", "warn", "fail", "info". */
const char *checks_status_name(enum checks_status s);

/* The `check --json` document: {"findings": [{"id","status","title",
 * "evidence","fix"}]} with fix null when there is none. Returns 0 and an
 * owned string (ends with a newline). */
int checks_to_json(const struct checks *c, char **ret_json);
