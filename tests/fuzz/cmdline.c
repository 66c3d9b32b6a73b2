/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel command-line tokenizer (core/util/cmdline.h). Input: one
 * command line (cut at the first NUL, as the kernel would). Properties:
 *   - formatting keeps every byte: format(parse(x)) == x, and
 *     cmdline_length() is its length;
 *   - the arguments joined with single spaces (and the `--` tail) parse
 *     back to the same arguments and tail, and compare equal to the line;
 *   - every argument is found by cmdline_contains() and its key by
 *     cmdline_has_key();
 *   - editing: removing the first argument's key leaves no argument with
 *     that key and the tail untouched; adding the argument back finds it,
 *     adding it again changes nothing, and the edited line parses back to
 *     the same arguments.
 */
#include "core/util/buf.h"
#include "core/util/cmdline.h"
#include "tests/fuzz/fuzz.h"

static char *joined(const struct cmdline *c)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < cmdline_n_args(c); i++) {
		if (i)
			buf_putc(&b, ' ');
		buf_puts(&b, cmdline_arg(c, i));
	}
	if (cmdline_tail(c)) {
		if (b.len)
			buf_putc(&b, ' ');
		buf_puts(&b, cmdline_tail(c));
	}
	buf_append(&b, "", 0);
	return buf_steal(&b);
}

static void check_same_args(const struct cmdline *a, const struct cmdline *b, const char *what)
{
	CHECK(cmdline_n_args(a) == cmdline_n_args(b), "%s: %zu arguments, then %zu", what, cmdline_n_args(a),
	      cmdline_n_args(b));
	for (size_t i = 0; i < cmdline_n_args(a); i++)
		CHECK(!strcmp(cmdline_arg(a, i), cmdline_arg(b, i)), "%s: argument %zu '%s' became '%s'", what, i,
		      cmdline_arg(a, i), cmdline_arg(b, i));
	CHECK(fuzz_streq(cmdline_tail(a), cmdline_tail(b)), "%s: tail '%s' became '%s'", what,
	      cmdline_tail(a) ? cmdline_tail(a) : "(none)", cmdline_tail(b) ? cmdline_tail(b) : "(none)");
}

static void check_reparse(const struct cmdline *c, const char *what)
{
	char *s = cmdline_format(c);
	struct cmdline *again = NULL;

	cmdline_parse(s, &again);
	check_same_args(c, again, what);
	cmdline_free(again);
	free(s);
}

static void check_edits(const struct cmdline *orig, const char *line)
{
	const char *arg = cmdline_arg(orig, 0);
	struct cmdline *c = NULL;
	char *key, *tail;
	int r;

	if (!arg || cmdline_check_arg(arg, NULL) < 0)
		return;
	cmdline_parse(line, &c);
	tail = cmdline_tail(c) ? strdup(cmdline_tail(c)) : NULL;
	key = cmdline_arg_key(arg);

	r = cmdline_remove(c, key);
	CHECK(r >= 1, "removing key '%s' of the first argument '%s' removed %d", key, arg, r);
	CHECK(!cmdline_has_key(c, key), "key '%s' still there after its removal", key);
	CHECK(fuzz_streq(cmdline_tail(c), tail), "removing '%s' changed the tail", key);
	check_reparse(c, "after a removal");

	r = cmdline_add(c, arg);
	if (r == -E2BIG) {
		CHECK(cmdline_length(c) + 1 + strlen(arg) + 1 > CMDLINE_SIZE, "'%s' refused as too long", arg);
	} else {
		CHECK(r == 1, "adding '%s' back after removing its key returned %d", arg, r);
		CHECK(cmdline_contains(c, arg), "'%s' not there after adding it", arg);
		CHECK(cmdline_has_key(c, key), "key '%s' not there after adding '%s'", key, arg);
		CHECK(cmdline_add(c, arg) == 0, "adding '%s' twice changed the line", arg);
		CHECK(fuzz_streq(cmdline_tail(c), tail), "adding '%s' changed the tail", arg);
		CHECK(cmdline_length(c) < CMDLINE_SIZE, "adding '%s' made the line %zu bytes", arg,
		      cmdline_length(c));
		check_reparse(c, "after an addition");
	}
	free(key);
	free(tail);
	cmdline_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fuzz_str(data, size), *s, *j;
	struct cmdline *c = NULL, *again = NULL;
	struct cmdline_diff *d = NULL;

	CHECK(cmdline_parse(line, &c) == 0, "cmdline_parse failed");
	s = cmdline_format(c);
	CHECK(!strcmp(s, line), "format(parse(x)) differs from x: '%s'", s);
	CHECK(cmdline_length(c) == strlen(s), "cmdline_length %zu, formatted %zu", cmdline_length(c), strlen(s));
	free(s);

	for (size_t i = 0; i < cmdline_n_args(c); i++) {
		const char *a = cmdline_arg(c, i);
		char *k = cmdline_arg_key(a);
		CHECK(*a, "argument %zu is empty", i);
		CHECK(cmdline_contains(c, a), "argument '%s' not found by cmdline_contains", a);
		CHECK(cmdline_has_key(c, k), "key '%s' of '%s' not found by cmdline_has_key", k, a);
		CHECK(cmdline_find(c, k) != NULL, "key '%s' not found by cmdline_find", k);
		CHECK(strcmp(a, "--"), "'--' taken as an argument");
		free(k);
	}

	j = joined(c);
	cmdline_parse(j, &again);
	check_same_args(c, again, "joined with single spaces");
	cmdline_compare(line, j, &d);
	CHECK(cmdline_diff_empty(d), "the line and its arguments joined compare different");
	cmdline_diff_free(d);
	cmdline_compare(line, line, &d);
	CHECK(cmdline_diff_empty(d), "the line compares different from itself");
	cmdline_diff_free(d);
	cmdline_free(again);
	free(j);

	check_edits(c, line);
	cmdline_free(c);
	free(line);
	return 0;
}
