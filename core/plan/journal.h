/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The journal: every applied change set under ROOT/var/lib/gpuvirt/, with
 * the backups of the bytes it replaced, hashes of what it wrote, the commands
 * it ran or left pending, and its expectations for after the reboot.
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/util/error.h"

/*
 * Layout under ROOT/var/lib/gpuvirt/ (documented in man/40-journal.man):
 *   lock                    flock(2) held while applying or undoing
 *   journal/NNNN            one text manifest per change set
 *   backup/NNNN/<path>      the bytes a change set replaced
 *   written/NNNN/<path>     the bytes it wrote (to show hand edits later)
 */
#define JOURNAL_DIR "var/lib/gpuvirt"
/* Change sets are numbered 1..JOURNAL_MAX_ID, one file each named with at
 * least four digits (journal/0001); a name outside that is not a set. */
#define JOURNAL_MAX_ID 999999

struct journal_expect {
	char *kind, *key, *value;   /* see plan_expect(); value may be NULL */
};

struct journal_set {
	int id;                     /* increasing */
	char *when;                 /* ISO 8601 UTC */
	char *summary;              /* one line */
	struct journal_expect *expects; size_t n_expects;
	char **pending; size_t n_pending;  /* commands not run (--no-run) */
	bool interrupted;           /* a crash stopped it half-way: undo or the next apply rolls it back */
};

/* Change sets still applied (not undone), oldest first. Returns 0 and an
 * owned array (possibly empty) or -errno. */
int journal_list(const char *root, struct journal_set **ret, size_t *ret_n, struct gv_error *err);
void journal_sets_free(struct journal_set *sets, size_t n);
