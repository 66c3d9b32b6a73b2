/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * gpuvirt's JSON, built as json-c values and written in the layouts its
 * documents promise. json-c writes every scalar (its escaping, numbers,
 * true/false/null); these functions only decide where the lines break,
 * because json-c's own pretty printer writes an empty array as "[\n  ]"
 * where mdevctl (serde's pretty printer) writes "[]", and has no layout
 * with one list element a line.
 *
 * The constructors abort when json-c runs out of memory, as xalloc.h does.
 * A NULL value stands for JSON null, as in json-c.
 */
#include <stdbool.h>

#include "core/util/buf.h"

struct json_object;

/* A new string (NULL S: null), integer, boolean, object or array. */
struct json_object *jsonout_str(const char *s);
struct json_object *jsonout_int(long long v);
/* V < 0 is null: "unknown" in gpuvirt's counts and ids. */
struct json_object *jsonout_count(long long v);
struct json_object *jsonout_bool(bool v);
struct json_object *jsonout_object(void);
struct json_object *jsonout_array(void);
/* Add V (owned by the container from now on) under KEY, or at the end.
 * Keys keep the order they were added in. */
void jsonout_set(struct json_object *obj, const char *key, struct json_object *v);
void jsonout_push(struct json_object *arr, struct json_object *v);

/* V on one line, ", " and ": " between members: {"a": 1, "b": [true, null]}. */
void jsonout_inline(struct buf *b, struct json_object *v);
/* V with the members of its first LEVELS levels of containers one a line,
 * indented two spaces a level, deeper ones inline; empty containers are
 * "[]" and "{}". A LEVELS beyond the depth of V is serde's
 * to_string_pretty (mdevctl's files). No final newline. */
void jsonout_lines(struct buf *b, struct json_object *v, int levels);
/* V with no whitespace at all: {"a":1,"b":[true,null]} (json-c's plain
 * output, '/' left as it is). */
void jsonout_plain(struct buf *b, struct json_object *v);

/* Drop a reference to V (json_object_put()); NULL is fine. */
void jsonout_free(struct json_object *v);
