/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Findings: what `gpuvirt check` reports and what the wizard's "Firmware
 * checks", "Kernel command line" and "Apply & verify" steps show. Each
 * finding is inferred from evidence (the file and the line or value it came
 * from) and carries the fix: the BIOS setting's name as vendors print it,
 * or the gpuvirt command that changes it.
 *
 * One type for every producer, each appending to a list it is handed and
 * knowing nothing of who runs it: the firmware checklist (core/verify/
 * fwcheck.h), the configuration lint (lint.h, with the command-line lint of
 * cmdline-lint.h), the verification of the journal after the reboot
 * (verify.h) and why SR-IOV VFs did not appear (sriov-check.h). core/verify/checks.h runs them all in that order. An id may
 * repeat (one finding per expectation or per file line).
 */
#include <stdbool.h>
#include <stddef.h>

enum finding_status { FINDING_PASS, FINDING_WARN, FINDING_FAIL, FINDING_INFO };

enum finding_category { FINDING_FIRMWARE, FINDING_LINT, FINDING_VERIFY, FINDING_SRIOV };

struct finding {
	const char *id;               /* "iommu-kernel" */
	enum finding_status status;
	enum finding_category category;
	const char *title;            /* one line */
	const char *evidence;         /* "/proc/cmdline: intel_iommu=off" */
	const char *fix;              /* NULL when there is nothing to do */
	/* The journal's change set a verify finding is about; 0 for none (the
	 * journal numbers its sets from 1, so an initializer that leaves it out
	 * means none). */
	int set_id;
};

struct findings;

/* An empty list. */
struct findings *findings_new(void);
void findings_free(struct findings *fs);

/* Append a copy of F: its strings are copied (EVIDENCE NULL reads as "",
 * FIX may be NULL). */
void findings_add(struct findings *fs, const struct finding *f);

/* Findings in the order they were added; borrowed, valid until the next
 * findings_add() or findings_free(). */
size_t findings_n(const struct findings *fs);
const struct finding *findings_get(const struct findings *fs, size_t i);
/* The first finding with ID, NULL when none. */
const struct finding *findings_find(const struct findings *fs, const char *id);

/* True when a finding has status fail (`gpuvirt check` then exits 1). */
bool findings_any_fail(const struct findings *fs);
/* True when something applied earlier is not in effect: a verify finding
 * that is fail or warn (the TUI then opens on its verification screen). */
bool findings_verification_pending(const struct findings *fs);

/* "pass", "warn", "fail", "info". */
const char *finding_status_name(enum finding_status s);

/* The `check --json` document: {"findings": [{"id", "status", "title",
 * "evidence", "fix", "set"}]}, fix null when there is none, set the change
 * set's number or null. Owned; ends with a newline. */
char *findings_to_json(const struct findings *fs);
