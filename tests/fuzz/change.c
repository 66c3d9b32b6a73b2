/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CHANGE values (core/propose/change.h change_parse) of every kind.
 * Input: one option argument (cut at the first NUL), parsed as the argument
 * of each kind in turn (--iommu: with no argument when the input is empty).
 * For every change that parses:
 *   - change_to_string() reads back as the same change: its option names
 *     the kind and its argument (for --assign, the DEVICE --vm NAME /
 *     --vmid N [--hostpci K] words) gives an equal change, through the
 *     command line's own parser (tui/cli/cli.h cli_parse());
 *   - draft_argv(), the words of the equivalent command, gives back a draft
 *     with the one equal change through cli_parse();
 *   - change_parse_argv() reads "--opt ARG" and "--opt=ARG" as the same
 *     change;
 *   - parsing is idempotent: the change's own argument word parses to it.
 */
#include <getopt.h>

#include "core/propose/change.h"
#include "core/propose/draft.h"
#include "tui/cli/cli.h"
#include "tests/fuzz/fuzz.h"

static void no_usage(FILE *f)
{
	(void)f;
}

/* ARGV (NULL-terminated) through the command line's parser: the one change
 * of the draft it gives, equal to C. */
static void check_cli(char **argv, const struct change *c, const char *what)
{
	struct cli_opts o = { 0 };
	int argc = 0, r;

	while (argv[argc])
		argc++;
	optind = 0;   /* glibc: start over */
	r = cli_parse(argc, argv, CLI_TAKES_CHANGES, no_usage, &o);
	CHECK(r == 0, "%s: the command line refuses %s %s", what, argv[1], argc > 2 ? argv[2] : "");
	CHECK(draft_n(o.draft) == 1, "%s: %zu changes", what, draft_n(o.draft));
	CHECK(draft_change_equal(draft_get(o.draft, 0), c), "%s: the change read back differs (arg '%s', address '%s', count %u)",
	      what, draft_get(o.draft, 0)->arg ? draft_get(o.draft, 0)->arg : "", draft_get(o.draft, 0)->address,
	      draft_get(o.draft, 0)->count);
	cli_opts_clear(&o);
}

/* change_to_string() as the words a person types: the option, then its
 * argument as one word, except for --assign's "DEVICE --vm NAME" and
 * "DEVICE --vmid N [--hostpci K]". */
static void check_string(const struct change *c)
{
	char *s = change_to_string(c), *argv[8] = { "plan" }, *sp;
	size_t n = 1;

	CHECK(!strncmp(s, change_kind_option(c->kind), strlen(change_kind_option(c->kind))),
	      "change_to_string '%s' does not start with %s", s, change_kind_option(c->kind));
	sp = strchr(s, ' ');
	CHECK(change_kind_has_arg(c->kind) == (sp != NULL), "change_to_string '%s': argument missing or extra", s);
	if (sp)
		*sp++ = '\0';
	argv[n++] = s;
	if (sp && c->kind == CHANGE_ASSIGN) {
		char *vm = strstr(sp, " --vm ");
		if (vm) {
			*vm = '\0';
			argv[n++] = sp;
			argv[n++] = "--vm";
			argv[n++] = vm + strlen(" --vm ");
		} else {
			for (char *w = strtok(sp, " "); w && n < 7; w = strtok(NULL, " "))
				argv[n++] = w;
		}
	} else if (sp) {
		argv[n++] = sp;
	}
	argv[n] = NULL;
	check_cli(argv, c, "change_to_string");
	free(s);
}

static void check_argv(const struct change *c)
{
	struct draft *d = draft_new();
	char **argv;

	CHECK(draft_add(d, c), "draft_add refused the change");
	argv = draft_argv(d, "plan");
	check_cli(argv, c, "draft_argv");
	draft_argv_free(argv);
	draft_free(d);
}

static void check_parse_argv(const struct change *c, const char *arg)
{
	const char *opt = change_kind_option(c->kind);
	struct change *a = NULL;
	size_t n = 0;
	char *joined;
	int r;

	if (arg) {
		char *v[] = { (char *)opt, (char *)arg };
		r = change_parse_argv(2, v, &a, &n, NULL);
		CHECK(r == 0 && n == 1 && draft_change_equal(&a[0], c), "change_parse_argv(%s, ARG) differs", opt);
		change_array_free(a, n);
		joined = malloc(strlen(opt) + 1 + strlen(arg) + 1);
		if (!joined)
			abort();
		sprintf(joined, "%s=%s", opt, arg);
		char *w[] = { joined };
		a = NULL;
		n = 0;
		r = change_parse_argv(1, w, &a, &n, NULL);
		CHECK(r == 0 && n == 1 && draft_change_equal(&a[0], c), "change_parse_argv(%s=ARG) differs", opt);
		change_array_free(a, n);
		free(joined);
	} else {
		char *v[] = { (char *)opt };
		r = change_parse_argv(1, v, &a, &n, NULL);
		CHECK(r == 0 && n == 1 && draft_change_equal(&a[0], c), "change_parse_argv(%s) differs", opt);
		change_array_free(a, n);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *arg = fuzz_str(data, size);

	for (int k = 0; k < _CHANGE_KIND_MAX; k++) {
		const char *a = change_kind_has_arg((enum change_kind)k) || *arg ? arg : NULL;
		struct change c = { 0 }, again = { 0 };
		struct gv_error err = { 0 };
		char **words;
		struct draft *d;
		int r;

		r = change_parse((enum change_kind)k, a, &c, &err);
		if (r < 0) {
			CHECK(r == -EINVAL, "change_parse returned %d", r);
			CHECK(strstr(err.msg, change_kind_option((enum change_kind)k)), "the error does not name %s: %s",
			      change_kind_option((enum change_kind)k), err.msg);
			continue;
		}
		CHECK(c.kind == (enum change_kind)k, "kind %d parsed as %d", k, (int)c.kind);
		check_string(&c);
		check_argv(&c);
		check_parse_argv(&c, a);

		/* the change's own argument word parses to the same change */
		d = draft_new();
		draft_add(d, &c);
		words = draft_argv(d, "plan");
		r = change_parse((enum change_kind)k, words[2], &again, &err);
		CHECK(r == 0, "the argument word '%s' fails: %s", words[2] ? words[2] : "(none)", err.msg);
		CHECK(draft_change_equal(&c, &again), "the argument word '%s' parses differently", words[2]);
		change_clear(&again);
		draft_argv_free(words);
		draft_free(d);
		change_clear(&c);
	}
	free(arg);
	return 0;
}
