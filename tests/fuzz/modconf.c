/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The modprobe.d reader and renderer of gpuvirt's drop-in
 * (core/scan/modconf.h modconf_file_parse/render) and the modules-load.d
 * list. Input: the drop-in's content (cut at the first NUL). Properties:
 *   - rendering is stable: render(parse(render(parse(x)))) == render(parse(x));
 *   - no rendered line ends in an unpaired backslash (kmod would join the
 *     next line to it);
 *   - the edits gpuvirt makes (blacklist, vfio-pci id, option, softdep,
 *     driver_override hook) survive render and parse, a second time they
 *     change nothing, and libkmod reading the rendered file (modconf_load()
 *     on a scratch root) sees each of them and every blacklist and option
 *     line of plain words (no quotes) the model renders;
 *   - modconf_autoload_add() lists every module once: adding them again to
 *     its result changes nothing.
 */
#include "core/scan/modconf.h"
#include "tests/fuzz/fuzz.h"

static const char *const edit_module = "nouveau";
static const char *const edit_id = "10de:1db4";
static const char *const edit_option = "disable_vga=1";
static const char *const edit_address = "0000:41:00.0";

static bool plain(const char *s, const char *extra)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-' || strchr(extra, *s)))
			return false;
	return true;
}

static void check_no_continuation(const char *text)
{
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line), run = 0;

		while (run < len && line[len - 1 - run] == '\\')
			run++;
		CHECK(run % 2 == 0, "rendered line '%.*s' ends in a backslash kmod reads as a continuation",
		      (int)len, line);
		line += len + (nl ? 1 : 0);
	}
}

static int edit(struct modconf_file *f)
{
	int changed = 0, r;

	changed += modconf_file_add_blacklist(f, edit_module);
	changed += modconf_file_add_vfio_id(f, edit_id);
	r = modconf_file_add_option(f, "vfio_pci", edit_option);
	CHECK(r >= 0, "adding option %s failed: %d", edit_option, r);
	changed += r;
	changed += modconf_file_add_softdep_pre(f, "nvidia", "vfio-pci");
	changed += modconf_file_add_override(f, edit_address);
	return changed;
}

static void check_edited(const struct modconf_file *f, const char *what)
{
	CHECK(modconf_file_has_blacklist(f, edit_module), "%s: no blacklist %s", what, edit_module);
	CHECK(modconf_file_has_option(f, "vfio-pci", edit_option), "%s: no option %s", what, edit_option);
	CHECK(modconf_file_has_softdep_pre(f, "nvidia", "vfio_pci"), "%s: no softdep", what);
	CHECK(!modconf_file_is_empty(f), "%s: empty", what);
}

/* What libkmod reads from TEXT as etc/modprobe.d/gpuvirt.conf. */
static void check_kmod(const char *text)
{
	static char *root, *conf;
	struct modconf *mc = NULL;
	struct gv_error err = { 0 };

	if (!root) {
		root = fuzz_path("root");
		conf = fuzz_path("root/" MODCONF_FILE);
	}
	fuzz_write(conf, text, strlen(text));
	CHECK(modconf_load(root, &mc, &err) == 0, "libkmod cannot read the rendered file: %s", err.msg);
	CHECK(modconf_has_blacklist(mc, edit_module, NULL), "libkmod does not see blacklist %s", edit_module);
	CHECK(modconf_has_option(mc, "vfio_pci", "disable_vga", "1", NULL), "libkmod does not see %s", edit_option);
	CHECK(modconf_has_option(mc, "vfio_pci", "ids", NULL, NULL), "libkmod does not see vfio-pci ids=");
	CHECK(modconf_has_softdep_pre(mc, "nvidia", "vfio_pci", NULL), "libkmod does not see the softdep");

	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		bool quoted = memchr(line, '"', len) != NULL;
		char *l = strndup(line, len), *save = NULL;
		char *w0 = strtok_r(l, " ", &save), *w1 = w0 ? strtok_r(NULL, " ", &save) : NULL;

		if (w0 && w1 && !strcmp(w0, "blacklist") && plain(w1, "") && !strtok_r(NULL, " ", &save)) {
			CHECK(modconf_has_blacklist(mc, w1, NULL), "libkmod does not see blacklist %s in:\n%s", w1, text);
		} else if (w0 && w1 && !strcmp(w0, "options") && plain(w1, "") && !quoted) {
			/* (a double quote joins words up to the next one, or the line's end) */
			for (char *w = strtok_r(NULL, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
				char *eq = strchr(w, '=');
				if (!eq || eq == w || !plain(w, "=,.:") || strchr(eq + 1, '='))
					continue;
				*eq = '\0';
				CHECK(modconf_has_option(mc, w1, w, eq + 1, NULL), "libkmod does not see options %s %s=%s in:\n%s",
				      w1, w, eq + 1, text);
			}
		}
		free(l);
		line += len + (nl ? 1 : 0);
	}
	modconf_free(mc);
}

static void check_autoload(const char *content)
{
	const char *mods[4];
	size_t n = modconf_vfio_modules("5.15.0-91-generic", mods);
	char *once = NULL, *twice = NULL;
	int r;

	r = modconf_autoload_add(content, mods, n, &once);
	CHECK(r == 0 || r == 1, "modconf_autoload_add returned %d", r);
	if (r == 0)
		CHECK(!strcmp(once, content), "nothing added, yet the content changed");
	r = modconf_autoload_add(once, mods, n, &twice);
	CHECK(r == 0, "adding the modules twice changed the list:\n--- once\n%s--- twice\n%s", once, twice);
	CHECK(!strcmp(once, twice), "adding nothing changed the content");
	free(once);
	free(twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *x = fuzz_str(data, size), *r1, *r2, *r3, *r4;
	struct modconf_file *f, *f2, *f3;

	f = modconf_file_parse(x);
	r1 = modconf_file_render(f);
	check_no_continuation(r1);
	f2 = modconf_file_parse(r1);
	r2 = modconf_file_render(f2);
	CHECK(!strcmp(r1, r2), "render(parse(x)) is not stable:\n--- once\n%s--- twice\n%s", r1, r2);
	CHECK(modconf_file_is_empty(f) == modconf_file_is_empty(f2), "emptiness changed in the round trip");

	edit(f);
	check_edited(f, "after the edits");
	r3 = modconf_file_render(f);
	check_no_continuation(r3);
	f3 = modconf_file_parse(r3);
	check_edited(f3, "the edited file read back");
	CHECK(edit(f3) == 0, "the edits, made again on the file read back, changed it");
	r4 = modconf_file_render(f3);
	CHECK(!strcmp(r3, r4), "the edited file is not stable:\n--- once\n%s--- twice\n%s", r3, r4);
	check_kmod(r3);
	check_autoload(x);

	modconf_file_free(f);
	modconf_file_free(f2);
	modconf_file_free(f3);
	free(r1);
	free(r2);
	free(r3);
	free(r4);
	free(x);
	return 0;
}
