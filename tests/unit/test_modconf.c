/* SPDX-License-Identifier: GPL-2.0-or-later */
/* modprobe configuration: what libkmod reads under a root, where it came
 * from, and gpuvirt's own drop-in (model, rendering, and modprobe itself as
 * the judge of what we write). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util/log.h"
#include "core/scan/modconf.h"

static char root[256];
static char logged[4096];

static void capture(void *ud, enum gv_log_level level, const char *msg)
{
	(void)ud;
	snprintf(logged + strlen(logged), sizeof(logged) - strlen(logged), "%d:%s\n", (int)level, msg);
}

static void put(const char *rel, const char *content)
{
	char path[512], cmd[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	ck_assert_int_eq(system(cmd), 0);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
}

static void setup(void)
{
	snprintf(root, sizeof(root), "%s/gv-modconf.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(root));
	logged[0] = '\0';
	gv_log_set(capture, NULL);
}

static void teardown(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	(void)system(cmd);
}

START_TEST(reads_existing_config_and_names_files)
{
	struct modconf *mc = NULL;
	struct gv_error err = { 0 };
	const char *where = NULL;
	char *v;

	put("etc/modprobe.d/blacklist-nouveau.conf", "# by hand\nblacklist nouveau\noptions nouveau modeset=0\n");
	put("lib/modprobe.d/amd.conf", "softdep amdgpu pre: vfio-pci\noptions vfio_pci \\\n  ids=1002:73bf\n");
	put("etc/modprobe.d/old.conf.bak", "blacklist radeon\n");
	put("etc/modprobe.d/.hidden.conf", "blacklist i915\n");
	put("usr/lib/modprobe.d/amd.conf", "blacklist amdgpu\n"); /* hidden by lib/ */

	ck_assert_int_eq(modconf_load(root, &mc, &err), 0);
	ck_assert(modconf_has_blacklist(mc, "nouveau", &where));
	ck_assert_str_eq(where, "etc/modprobe.d/blacklist-nouveau.conf");
	ck_assert(!modconf_has_blacklist(mc, "radeon", NULL));
	ck_assert(!modconf_has_blacklist(mc, "i915", NULL));
	ck_assert(!modconf_has_blacklist(mc, "amdgpu", NULL));
	ck_assert(modconf_has_option(mc, "nouveau", "modeset", "0", &where));
	ck_assert_str_eq(where, "etc/modprobe.d/blacklist-nouveau.conf");
	ck_assert(!modconf_has_option(mc, "nouveau", "modeset", "1", NULL));
	ck_assert(modconf_has_option(mc, "vfio-pci", "ids", NULL, &where));
	ck_assert_str_eq(where, "lib/modprobe.d/amd.conf");
	ck_assert(modconf_has_softdep_pre(mc, "amdgpu", "vfio_pci", &where));
	ck_assert_str_eq(where, "lib/modprobe.d/amd.conf");
	ck_assert(!modconf_has_softdep_pre(mc, "nouveau", "vfio_pci", NULL));

	v = modconf_option_elsewhere(mc, "vfio-pci", "ids", MODCONF_FILE, &where);
	ck_assert_str_eq(v, "1002:73bf");
	ck_assert_str_eq(where, "lib/modprobe.d/amd.conf");
	free(v);
	ck_assert_ptr_null(modconf_option_elsewhere(mc, "vfio-pci", "ids", "lib/modprobe.d/amd.conf", NULL));
	modconf_free(mc);
}
END_TEST

START_TEST(empty_root_and_bad_lines)
{
	struct modconf *mc = NULL;
	struct gv_error err = { 0 };

	ck_assert_int_eq(modconf_load(root, &mc, &err), 0);
	ck_assert(!modconf_has_blacklist(mc, "nouveau", NULL));
	modconf_free(mc);
	ck_assert_str_eq(logged, "");

	/* Bare ids on a line are a "bad line" for libkmod (PECU#34): it says
	 * so on stderr, which we route to the log, naming the file. */
	put("etc/modprobe.d/vfio.conf", "10de:1db4\nblacklist nouveau\n");
	ck_assert_int_eq(modconf_load(root, &mc, &err), 0);
	ck_assert(modconf_has_blacklist(mc, "nouveau", NULL));
	modconf_free(mc);
	ck_assert_msg(strstr(logged, "1:etc/modprobe.d/vfio.conf line 1: ignoring bad line"), "%s", logged);
}
END_TEST

START_TEST(drop_in_model)
{
	struct modconf_file *f = NULL, *g = NULL;
	char *text, *again;

	f = modconf_file_parse(NULL);
	ck_assert(modconf_file_is_empty(f));
	ck_assert_int_eq(modconf_file_add_blacklist(f, "nouveau"), 1);
	ck_assert_int_eq(modconf_file_add_blacklist(f, "nouveau"), 0);
	ck_assert_int_eq(modconf_file_add_option(f, "nouveau", "modeset=0"), 1);
	ck_assert_int_eq(modconf_file_add_option(f, "nouveau", "modeset=0"), 0);
	ck_assert_int_eq(modconf_file_add_vfio_id(f, "10de:1db4"), 1);
	ck_assert_int_eq(modconf_file_add_vfio_id(f, "10de:10f0"), 1);
	ck_assert_int_eq(modconf_file_add_vfio_id(f, "10de:1db4"), 0);
	ck_assert_int_eq(modconf_file_add_softdep_pre(f, "nouveau", "vfio-pci"), 1);
	ck_assert_int_eq(modconf_file_add_softdep_pre(f, "nouveau", "vfio_pci"), 0);
	ck_assert_int_eq(modconf_file_add_softdep_pre(f, "snd_hda_intel", "vfio-pci"), 1);
	ck_assert_int_eq(modconf_file_add_override(f, "0000:41:00.0"), 1);
	ck_assert_int_eq(modconf_file_add_override(f, "0000:41:00.0"), 0);
	ck_assert_int_eq(modconf_file_add_override(f, "0000:41:00.1"), 1);
	ck_assert(!modconf_file_is_empty(f));
	ck_assert(modconf_file_has_blacklist(f, "nouveau"));
	ck_assert(modconf_file_has_option(f, "nouveau", "modeset=0"));
	ck_assert(modconf_file_has_softdep_pre(f, "nouveau", "vfio_pci"));
	text = modconf_file_render(f);
	ck_assert_msg(!strncmp(text, "# Written by gpuvirt", 20), "%s", text);
	ck_assert_msg(strstr(text, "\nblacklist nouveau\noptions nouveau modeset=0\noptions vfio-pci ids=10de:1db4,10de:10f0\n"
				   "softdep nouveau pre: vfio-pci\nsoftdep snd_hda_intel pre: vfio-pci\n"
				   "install vfio_pci /bin/sh -c 'for d in 0000:41:00.0 0000:41:00.1; do"), "%s", text);

	/* Parse what we rendered, plus a line somebody added by hand: same
	 * model, and the hand-made line survives. */
	char *edited;
	ck_assert_int_ge(asprintf(&edited, "%soptions snd_hda_intel power_save=0\n", text), 0);
	g = modconf_file_parse(edited);
	ck_assert_int_eq(modconf_file_add_override(g, "0000:41:00.1"), 0);
	ck_assert_int_eq(modconf_file_add_vfio_id(g, "10de:10f0"), 0);
	ck_assert_int_eq(modconf_file_add_blacklist(g, "nouveau"), 0);
	again = modconf_file_render(g);
	ck_assert_msg(strstr(again, "\noptions snd_hda_intel power_save=0\n"), "%s", again);
	ck_assert_msg(strstr(again, "ids=10de:1db4,10de:10f0\n"), "%s", again);
	modconf_file_free(g);
	/* Rendering is a fixed point: parse + render gives the same bytes. */
	g = modconf_file_parse(again);
	char *third = modconf_file_render(g);
	ck_assert_str_eq(third, again);
	free(third);
	free(again);
	free(edited);
	modconf_file_free(g);
	free(text);
	modconf_file_free(f);

	/* Replacing a value, and lines we do not manage kept verbatim. */
	f = modconf_file_parse("options nouveau modeset=1\ninstall foo /bin/false\n"
			      "softdep x pre: a post: b\n");
	ck_assert_int_eq(modconf_file_add_option(f, "nouveau", "modeset=0"), 1);
	text = modconf_file_render(f);
	ck_assert_msg(strstr(text, "\noptions nouveau modeset=0\ninstall foo /bin/false\nsoftdep x pre: a post: b\n"),
		      "%s", text);
	free(text);
	modconf_file_free(f);
}
END_TEST

/* The real consumer: modprobe itself must read our file without a word on stderr. */
/* A line gpuvirt writes never ends in a backslash kmod would join to the
 * next line: the model keeps "\\\\" as written (kmod: one literal
 * backslash), an unpaired one at the end of a word is paired. Judged by
 * modprobe -C ... --showconfig. */
START_TEST(no_continuation_written)
{
	const char *hand = "options vfio-pci x=a\\\\\noptions nouveau modeset=0\n";
	struct modconf_file *f = modconf_file_parse(hand);
	char cmd[1024], out[8192] = "", *text;
	FILE *p;
	size_t n;

	ck_assert(modconf_file_has_option(f, "nouveau", "modeset=0"));
	modconf_file_add_vfio_id(f, "10de:1db4");
	modconf_file_add_option(f, "snd_hda_intel", "odd=b\\");
	text = modconf_file_render(f);
	ck_assert_msg(strstr(text, "options vfio-pci x=a\\\\ ids=10de:1db4\n"), "%s", text);
	ck_assert_msg(strstr(text, "options snd_hda_intel odd=b\\\\\n"), "%s", text);
	put("etc/modprobe.d/gpuvirt.conf", text);
	free(text);
	modconf_file_free(f);

	snprintf(cmd, sizeof(cmd), "PATH=$PATH:/usr/sbin:/sbin; modprobe -C '%s/etc/modprobe.d' --showconfig 2>&1 | "
		 "grep '^options'", root);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	pclose(p);
	ck_assert_msg(strstr(out, "options vfio_pci x=a\\ ids=10de:1db4\n"), "%s", out);
	ck_assert_msg(strstr(out, "options nouveau modeset=0\n"), "%s", out);
	ck_assert_msg(strstr(out, "options snd_hda_intel odd=b\\\n"), "%s", out);

	/* a quote never closed: the line kept as it is, gpuvirt's option on
	 * its own line, not inside the quotes */
	f = modconf_file_parse("options vfio-pci a=\"b\noptions m a\"b\noptions m c\"d\te\n");
	modconf_file_add_vfio_id(f, "10de:1db4");
	text = modconf_file_render(f);
	ck_assert_msg(strstr(text, "\noptions vfio-pci ids=10de:1db4\n") && strstr(text, "\noptions vfio-pci a=\"b\n") &&
		      strstr(text, "\noptions m a\"b\noptions m c\"d\te\n"), "%s", text);
	free(text);
	modconf_file_free(f);

	/* every trailing CR goes: a second render is the first */
	f = modconf_file_parse("alias x y\r\r\n");
	text = modconf_file_render(f);
	ck_assert_msg(strstr(text, "\nalias x y\n"), "%s", text);
	free(text);
	modconf_file_free(f);

	/* every word gpuvirt writes gets the guard, not only option words */
	f = modconf_file_parse("blacklist x\\ \noptions m\\ a=1\nsoftdep s\\ pre: p\\ \n");
	text = modconf_file_render(f);
	ck_assert_msg(strstr(text, "blacklist x\\\\\n") && strstr(text, "options m\\\\ a=1\n") &&
		      strstr(text, "softdep s\\\\ pre: p\\\\\n"), "%s", text);
	free(text);
	modconf_file_free(f);
}
END_TEST

START_TEST(modprobe_parses_what_we_write)
{
	struct modconf_file *f = NULL;
	char cmd[1024], *text;
	FILE *p;
	char out[8192] = "";
	size_t n;

	if (system("command -v modprobe >/dev/null 2>&1") != 0 && access("/usr/sbin/modprobe", X_OK) != 0 &&
	    access("/sbin/modprobe", X_OK) != 0) {
		fprintf(stderr, "SKIP: modprobe is not installed (package kmod)\n");
		return;
	}
	f = modconf_file_parse(NULL);
	modconf_file_add_blacklist(f, "nouveau");
	modconf_file_add_option(f, "nouveau", "modeset=0");
	modconf_file_add_vfio_id(f, "10de:1db4");
	modconf_file_add_vfio_id(f, "10de:10f0");
	modconf_file_add_softdep_pre(f, "nouveau", "vfio-pci");
	modconf_file_add_override(f, "0000:41:00.0");
	modconf_file_add_override(f, "10000:01:00.1");
	text = modconf_file_render(f);
	put("etc/modprobe.d/gpuvirt.conf", text);
	free(text);
	modconf_file_free(f);

	snprintf(cmd, sizeof(cmd),
		 "PATH=$PATH:/usr/sbin:/sbin; modprobe -C '%s/etc/modprobe.d' -c 2>'%s/stderr' | grep -v '^alias '",
		 root, root);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	pclose(p);
	ck_assert_msg(strstr(out, "blacklist nouveau\n"), "%s", out);
	ck_assert_msg(strstr(out, "options nouveau modeset=0\n"), "%s", out);
	ck_assert_msg(strstr(out, "options vfio_pci ids=10de:1db4,10de:10f0\n"), "%s", out);
	ck_assert_msg(strstr(out, "softdep nouveau pre: vfio-pci"), "%s", out);
	ck_assert_msg(strstr(out, "install vfio_pci /bin/sh -c 'for d in 0000:41:00.0 10000:01:00.1;"), "%s", out);

	struct stat st;
	snprintf(cmd, sizeof(cmd), "%s/stderr", root);
	ck_assert_int_eq(stat(cmd, &st), 0);
	ck_assert_msg(st.st_size == 0, "modprobe wrote to stderr");

	/* The driver_override hook is valid sh. */
	snprintf(cmd, sizeof(cmd), "sh -n -c \"$(sed -n \"s/^install vfio_pci \\/bin\\/sh -c '\\(.*\\)'$/\\1/p\" "
		 "'%s/etc/modprobe.d/gpuvirt.conf')\"", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(modules_at_boot)
{
	const char *m[4];
	char *out = NULL, *again = NULL;

	ck_assert_uint_eq(modconf_vfio_modules("6.8.0-45-generic", m), 3);
	ck_assert_str_eq(m[0], "vfio");
	ck_assert_str_eq(m[1], "vfio_iommu_type1");
	ck_assert_str_eq(m[2], "vfio_pci");
	ck_assert_uint_eq(modconf_vfio_modules("6.2.0", m), 3);
	ck_assert_uint_eq(modconf_vfio_modules("6.1.0-13-amd64", m), 4);
	ck_assert_str_eq(m[3], "vfio_virqfd");
	ck_assert_uint_eq(modconf_vfio_modules("5.15.0-91-generic", m), 4);
	ck_assert_uint_eq(modconf_vfio_modules(NULL, m), 3);
	ck_assert_uint_eq(modconf_vfio_modules("garbage", m), 3);

	ck_assert_int_eq(modconf_autoload_add(NULL, m, 3, &out), 1);
	ck_assert_str_eq(out, "# Written by gpuvirt: modules to load at boot for vfio-pci. Undo with\n"
			      "# `gpuvirt undo`, or delete this file.\nvfio\nvfio_iommu_type1\nvfio_pci\n");
	ck_assert_int_eq(modconf_autoload_add(out, m, 3, &again), 0);
	ck_assert_str_eq(again, out);
	free(again);
	ck_assert_int_eq(modconf_autoload_add("kvmgt\nvfio\n", m, 3, &again), 1);
	ck_assert_msg(strstr(again, "\nkvmgt\nvfio\nvfio_iommu_type1\nvfio_pci\n"), "%s", again);
	free(again);
	/* a name ending in a backslash would join the next line: dropped */
	ck_assert_int_eq(modconf_autoload_add("foo\\ \nkvmgt\n", m, 3, &again), 1);
	ck_assert_msg(!strchr(again, '\\') && strstr(again, "\nkvmgt\nvfio\n"), "%s", again);
	free(again);
	free(out);
}
END_TEST

static Suite *modconf_suite(void)
{
	Suite *s = suite_create("modconf");
	TCase *tc = tcase_create("modconf");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reads_existing_config_and_names_files);
	tcase_add_test(tc, empty_root_and_bad_lines);
	tcase_add_test(tc, drop_in_model);
	tcase_add_test(tc, modprobe_parses_what_we_write);
	tcase_add_test(tc, no_continuation_written);
	tcase_add_test(tc, modules_at_boot);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(modconf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
