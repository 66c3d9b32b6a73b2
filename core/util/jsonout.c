/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>

#include <json-c/json.h>

#include "core/util/jsonout.h"

/* json-c signals running out of memory with NULL: the policy of xalloc.h. */
static struct json_object *must(struct json_object *v)
{
	if (!v)
		abort();
	return v;
}

struct json_object *jsonout_str(const char *s)
{
	return s ? must(json_object_new_string(s)) : NULL;
}

struct json_object *jsonout_int(long long v)
{
	return must(json_object_new_int64(v));
}

struct json_object *jsonout_count(long long v)
{
	return v < 0 ? NULL : jsonout_int(v);
}

struct json_object *jsonout_bool(bool v)
{
	return must(json_object_new_boolean(v));
}

struct json_object *jsonout_object(void)
{
	return must(json_object_new_object());
}

struct json_object *jsonout_array(void)
{
	return must(json_object_new_array());
}

void jsonout_set(struct json_object *obj, const char *key, struct json_object *v)
{
	if (json_object_object_add(obj, key, v) < 0)
		abort();
}

void jsonout_push(struct json_object *arr, struct json_object *v)
{
	if (json_object_array_add(arr, v) < 0)
		abort();
}

void jsonout_free(struct json_object *v)
{
	json_object_put(v);
}

#define SCALAR_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static void scalar(struct buf *b, struct json_object *v)
{
	/* json-c writes null for a NULL object */
	buf_puts(b, json_object_to_json_string_ext(v, SCALAR_FLAGS));
}

static void key(struct buf *b, const char *k)
{
	struct json_object *s = must(json_object_new_string(k));

	scalar(b, s);
	json_object_put(s);
	buf_puts(b, ": ");
}

static bool empty(struct json_object *v)
{
	if (json_object_is_type(v, json_type_array))
		return json_object_array_length(v) == 0;
	return json_object_object_length(v) == 0;
}

/* LEVEL: the indentation of V's own line; LEVELS: how many more levels
 * break their members onto lines. */
static void put(struct buf *b, struct json_object *v, int level, int levels)
{
	bool arr = json_object_is_type(v, json_type_array);
	bool first = true;

	if (!arr && !json_object_is_type(v, json_type_object)) {
		scalar(b, v);
		return;
	}
	buf_putc(b, arr ? '[' : '{');
	if (empty(v)) {
		buf_putc(b, arr ? ']' : '}');
		return;
	}
	if (arr) {
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			if (levels > 0)
				buf_printf(b, "%s\n%*s", first ? "" : ",", 2 * (level + 1), "");
			else if (!first)
				buf_puts(b, ", ");
			first = false;
			put(b, json_object_array_get_idx(v, i), level + 1, levels - 1);
		}
	} else {
		json_object_object_foreach(v, k, m) {
			if (levels > 0)
				buf_printf(b, "%s\n%*s", first ? "" : ",", 2 * (level + 1), "");
			else if (!first)
				buf_puts(b, ", ");
			first = false;
			key(b, k);
			put(b, m, level + 1, levels - 1);
		}
	}
	if (levels > 0)
		buf_printf(b, "\n%*s", 2 * level, "");
	buf_putc(b, arr ? ']' : '}');
}

void jsonout_inline(struct buf *b, struct json_object *v)
{
	put(b, v, 0, 0);
}

void jsonout_lines(struct buf *b, struct json_object *v, int levels)
{
	put(b, v, 0, levels);
}

void jsonout_plain(struct buf *b, struct json_object *v)
{
	buf_puts(b, json_object_to_json_string_ext(v, SCALAR_FLAGS));
}
