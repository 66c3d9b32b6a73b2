/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The GRUB defaults parser and evaluator (core/scan/grub.h). Input: files
 * and an edit, in sections separated by NUL bytes:
 *
 *   etc/default/grub's content
 *   \0 the edit: "+ARG" adds a kernel argument, "-KEY" removes one, a line
 *      "dropin" makes grub-mkconfig read etc/default/grub.d (one a line;
 *      without this section: +intel_iommu=on +iommu=pt -quiet)
 *   \0 NAME "\n" content of etc/default/grub.d/NAME (repeated)
 *
 * written to a scratch root. Properties:
 *   - grub_effective() evaluates the files or refuses them with -EINVAL and
 *     a message naming the file;
 *   - when grub_propose() makes the edit, the file it writes reads back
 *     (grub_effective()) as the values it promised, with every added
 *     argument in them and no removed key; proposing the same edit again
 *     changes nothing;
 *   - without drop-ins, an empty edit changes nothing.
 */
#include "core/scan/grub.h"
#include "core/util/cmdline.h"
#include "tests/fuzz/fuzz.h"

#define MAX_EDITS 16
#define MAX_DROPINS 8

struct input {
	const char *add[MAX_EDITS], *remove[MAX_EDITS];
	size_t n_add, n_remove;
	bool dropins;
};

static char *root;

static bool name_ok(const char *name)
{
	if (!*name || *name == '.' || strlen(name) > 64)
		return false;
	for (const char *s = name; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '.' || *s == '_' || *s == '-'))
			return false;
	return true;
}

static void write_rel(const char *rel, const char *content, size_t len)
{
	size_t n = strlen(root) + 1 + strlen(rel) + 1;
	char *p = malloc(n);

	if (!p)
		abort();
	snprintf(p, n, "%s/%s", root, rel);
	if (content)
		fuzz_write(p, content, len);
	else
		unlink(p);
	free(p);
}

static char *read_rel(const char *rel)
{
	size_t n = strlen(root) + 1 + strlen(rel) + 1;
	char *p = malloc(n), *data;

	if (!p)
		abort();
	snprintf(p, n, "%s/%s", root, rel);
	data = fuzz_read(p, NULL);
	free(p);
	return data;
}

/* Split the input (a modifiable copy, BUF[SIZE] == '\0') into files on disk
 * and IN. */
static void unpack(char *buf, size_t size, struct input *in)
{
	char *sec[2 + MAX_DROPINS];
	size_t n = 0;

	for (char *p = buf; n < 2 + MAX_DROPINS;) {
		sec[n++] = p;
		char *z = memchr(p, '\0', size - (size_t)(p - buf));
		if (!z || z == buf + size)
			break;
		p = z + 1;
	}
	write_rel(GRUB_DEFAULTS, sec[0], strlen(sec[0]));
	if (n < 2) {
		static const char *const add[] = { "intel_iommu=on", "iommu=pt" };
		in->add[0] = add[0];
		in->add[1] = add[1];
		in->n_add = 2;
		in->remove[0] = "quiet";
		in->n_remove = 1;
		return;
	}
	for (char *line = sec[1], *save = NULL; (line = strtok_r(line, "\n", &save)); line = NULL) {
		if (!strcmp(line, "dropin"))
			in->dropins = true;
		else if (line[0] == '+' && in->n_add < MAX_EDITS)
			in->add[in->n_add++] = line + 1;
		else if (line[0] == '-' && in->n_remove < MAX_EDITS)
			in->remove[in->n_remove++] = line + 1;
	}
	for (size_t i = 2; i < n; i++) {
		char *nl = strchr(sec[i], '\n'), rel[128];
		if (!nl)
			continue;
		*nl = '\0';
		if (!name_ok(sec[i]))
			continue;
		snprintf(rel, sizeof(rel), "%s/%s", GRUB_DROPIN_DIR, sec[i]);
		write_rel(rel, nl + 1, strlen(nl + 1));
	}
}

static void check_result(const struct grub_edit *e, const struct input *in)
{
	char *line = malloc(strlen(e->cmdline_linux ? e->cmdline_linux : "") +
			    strlen(e->cmdline_default ? e->cmdline_default : "") + 2);
	struct cmdline *c = NULL;

	if (!line)
		abort();
	sprintf(line, "%s %s", e->cmdline_linux ? e->cmdline_linux : "", e->cmdline_default ? e->cmdline_default : "");
	cmdline_parse(line, &c);
	for (size_t i = 0; i < in->n_add; i++)
		CHECK(cmdline_contains(c, in->add[i]), "'%s' missing from the promised line '%s'", in->add[i], line);
	for (size_t i = 0; i < in->n_remove; i++) {
		bool added = false;
		char *k = cmdline_arg_key(in->remove[i]);
		for (size_t j = 0; j < in->n_add && !added; j++) {
			char *ak = cmdline_arg_key(in->add[j]);
			added = !strcmp(k, ak);
			free(ak);
		}
		if (!added)
			CHECK(strchr(in->remove[i], '=') ? !cmdline_contains(c, in->remove[i]) : !cmdline_has_key(c, k),
			      "'%s' still in the promised line '%s'", in->remove[i], line);
		free(k);
	}
	cmdline_free(c);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_str(data, size), *etc, *lin = NULL, *dflt = NULL, *now;
	struct input in = { 0 };
	struct grub_source src;
	struct grub_edit *e = NULL, *e2 = NULL;
	struct gv_error err = { 0 };
	int r;

	if (!root)
		root = fuzz_path("root");
	etc = fuzz_path("root/etc");
	fuzz_rm_rf(etc);
	free(etc);
	unpack(buf, size, &in);
	src = (struct grub_source){ .root = root, .dropins = in.dropins };

	r = grub_effective(&src, &lin, &dflt, &err);
	if (r < 0) {
		CHECK(r == -EINVAL, "grub_effective returned %d: %s", r, err.msg);
		CHECK(!strncmp(err.msg, GRUB_DEFAULTS, strlen(GRUB_DEFAULTS)), "the refusal names no file: %s", err.msg);
		goto out;
	}

	if (!in.dropins) {
		r = grub_propose(&src, NULL, 0, NULL, 0, &e, &err);
		CHECK(r == 0, "an empty edit of files that evaluate fails: %s", err.msg);
		CHECK(!e->changed, "an empty edit changes %s", e->path);
		CHECK(fuzz_streq(e->cmdline_linux, lin) && fuzz_streq(e->cmdline_default, dflt),
		      "an empty edit promises other values");
		grub_edit_free(e);
		e = NULL;
	}

	r = grub_propose(&src, in.add, in.n_add, in.remove, in.n_remove, &e, &err);
	if (r < 0) {
		CHECK(r == -EINVAL || r == -E2BIG, "grub_propose returned %d: %s", r, err.msg);
		goto out;
	}
	CHECK(!strcmp(e->path, in.dropins ? GRUB_DROPIN : GRUB_DEFAULTS), "the edit writes %s", e->path);
	check_result(e, &in);
	write_rel(e->path, e->content, e->len);

	free(lin);
	free(dflt);
	lin = dflt = NULL;
	r = grub_effective(&src, &lin, &dflt, &err);
	CHECK(r == 0, "the edited files do not evaluate: %s", err.msg);
	CHECK(fuzz_streq(lin, e->cmdline_linux), "GRUB_CMDLINE_LINUX reads back as '%s', promised '%s'",
	      lin ? lin : "(unset)", e->cmdline_linux ? e->cmdline_linux : "(unset)");
	CHECK(fuzz_streq(dflt, e->cmdline_default), "GRUB_CMDLINE_LINUX_DEFAULT reads back as '%s', promised '%s'",
	      dflt ? dflt : "(unset)", e->cmdline_default ? e->cmdline_default : "(unset)");

	r = grub_propose(&src, in.add, in.n_add, in.remove, in.n_remove, &e2, &err);
	CHECK(r == 0, "the same edit, made again, fails: %s", err.msg);
	CHECK(!e2->changed, "the same edit, made again, changes %s", e2->path);
	CHECK(fuzz_streq(e2->cmdline_linux, e->cmdline_linux) && fuzz_streq(e2->cmdline_default, e->cmdline_default),
	      "the same edit, made again, promises other values");
	now = read_rel(e2->path);
	CHECK(e2->content ? now && !strcmp(now, e2->content) : !now, "the same edit, made again, has other content");
	free(now);
out:
	grub_edit_free(e);
	grub_edit_free(e2);
	free(lin);
	free(dflt);
	free(buf);
	return 0;
}
