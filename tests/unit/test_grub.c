/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * GRUB defaults: the hostile corpus in tests/fixtures/grub/ (see its EXPECT
 * file), judged by the real consumer: /bin/sh sourcing the files the way
 * grub-mkconfig does.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util/cmdline.h"
#include "core/scan/grub.h"
#include "tests/unit/testbed.h"

static const char *srcdir(void)
{
	const char *s = getenv("GV_SRCDIR");
	return s ? s : ".";
}

static char *run_capture(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *out = NULL;
	size_t len = 0, cap = 0;
	int ch;

	ck_assert_ptr_nonnull(p);
	while ((ch = fgetc(p)) != EOF) {
		if (len + 2 > cap) {
			cap = cap ? cap * 2 : 256;
			out = realloc(out, cap);
			ck_assert_ptr_nonnull(out);
		}
		out[len++] = (char)ch;
	}
	pclose(p);
	if (!out)
		out = strdup("");
	else
		out[len] = '\0';
	return out;
}

static char *tree_digest(const char *root)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "cd '%s' && find . -type f -print0 | sort -z | xargs -0 -r sha256sum", root);
	return run_capture(cmd);
}

/* Source the files as grub-mkconfig does (util/grub-mkconfig.in plus
 * Debian's grub.d patch) and return "DEFAULT\001LINUX". */
static char *source_values(const char *root, bool dropins)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && /bin/sh -c 'if test -f etc/default/grub; then . ./etc/default/grub; fi; %s "
		 "printf \"%%s\\001%%s\" \"$GRUB_CMDLINE_LINUX_DEFAULT\" \"$GRUB_CMDLINE_LINUX\"' 2>/dev/null",
		 root,
		 dropins ? "for x in ./etc/default/grub.d/*.cfg; do if [ -e \"$x\" ]; then . \"$x\"; fi; done;" : "");
	return run_capture(cmd);
}

static char *unescape(const char *s)
{
	char *o = malloc(strlen(s) + 1), *p = o;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 't') {
			*p++ = '\t';
			s++;
		} else {
			*p++ = *s;
		}
	}
	*p = '\0';
	return o;
}

struct gcase {
	char name[128], mode[16];
	char *add[8], *rm[8];
	size_t n_add, n_rm;
	char *expect_d, *expect_l, *refused;
	char line[2048];
};

static size_t split(char *s, char **v, size_t max)
{
	size_t n = 0;

	if (strcmp(s, "-") == 0)
		return 0;
	for (char *tok = strtok(s, "|"); tok && n < max; tok = strtok(NULL, "|"))
		v[n++] = tok;
	return n;
}

/* The Nth case of EXPECT; false when there are fewer. */
static bool load_case(size_t want, struct gcase *c)
{
	char path[4096], buf[2048];
	size_t i = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/fixtures/grub/EXPECT", srcdir());
	/* no ck_assert here: main() counts the cases outside any test */
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	while (fgets(buf, sizeof(buf), f)) {
		if (buf[0] == '#' || buf[0] == '\n')
			continue;
		if (i++ != want)
			continue;
		memset(c, 0, sizeof(*c));
		buf[strcspn(buf, "\n")] = '\0';
		memcpy(c->line, buf, sizeof(c->line));
		char *fields[8] = { 0 };
		size_t nf = 0;
		for (char *p = c->line; p && nf < 8;) {
			fields[nf++] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		if (nf < 5) {
			fprintf(stderr, "EXPECT: bad line '%s'\n", buf);
			exit(1);
		}
		snprintf(c->name, sizeof(c->name), "%s", fields[0]);
		snprintf(c->mode, sizeof(c->mode), "%s", fields[1]);
		c->n_add = split(fields[2], c->add, 8);
		c->n_rm = split(fields[3], c->rm, 8);
		for (size_t k = 4; k < nf; k++) {
			if (fields[k][0] == '!')
				c->refused = fields[k] + 1;
			else if (strncmp(fields[k], "D=", 2) == 0)
				c->expect_d = unescape(fields[k] + 2);
			else if (strncmp(fields[k], "L=", 2) == 0)
				c->expect_l = unescape(fields[k] + 2);
		}
		fclose(f);
		return true;
	}
	fclose(f);
	return false;
}

static size_t count_cases(void)
{
	struct gcase c;
	size_t n = 0;

	while (load_case(n, &c)) {
		free(c.expect_d);
		free(c.expect_l);
		n++;
	}
	return n;
}

static const char *case_root(const char *name)
{
	static char dir[1024];
	char cmd[4096];
	const char *fx = srcdir();

	snprintf(dir, sizeof(dir), "%s/gv-grub.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert(mkdtemp(dir) != NULL);
	snprintf(cmd, sizeof(cmd),
		 "set -e; mkdir -p '%s/etc/default'; c='%s/tests/fixtures/grub/%s'; "
		 "[ ! -f \"$c/grub\" ] || cp \"$c/grub\" '%s/etc/default/grub'; "
		 "[ ! -d \"$c/grub.d\" ] || cp -r \"$c/grub.d\" '%s/etc/default/grub.d'",
		 dir, fx, name, dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	return dir;
}

static void write_edit(const char *root, const struct grub_edit *e)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", root, e->path);
	if (!e->content) {
		unlink(path);
		return;
	}
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/etc/default/grub.d", root);
	mkdir(dir, 0755);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(e->content, 1, e->len, f), e->len);
	fclose(f);
}

static void rm_rf(const char *dir)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(corpus_case)
{
	struct gcase c;
	struct gv_error err = { 0 };
	struct grub_edit *e = NULL;
	bool dropins;
	int r;

	ck_assert(load_case((size_t)_i, &c));
	dropins = strcmp(c.mode, "dropin") == 0;
	const char *root = case_root(c.name);
	char *rootcopy = strdup(root);
	char *before = tree_digest(rootcopy);
	struct grub_source src = { .root = rootcopy, .dropins = dropins };

	r = grub_propose(&src, (const char *const *)c.add, c.n_add, (const char *const *)c.rm, c.n_rm, &e, &err);
	if (c.refused) {
		char want[512];
		snprintf(want, sizeof(want), "%s:", c.refused);
		ck_assert_msg(r < 0, "%s: expected a refusal at %s, got an edit", c.name, c.refused);
		ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "%s: expected '%s...', got '%s'", c.name, want, err.msg);
		char *after = tree_digest(rootcopy);
		ck_assert_str_eq(before, after);
		free(after);
		/* the effective value is refused the same way, unless the files
		 * are fine and only the edit would not hold */
		if (!strstr(err.msg, "undoes the change")) {
			char *l = NULL, *d = NULL;
			struct gv_error err2 = { 0 };
			ck_assert_int_lt(grub_effective(&src, &l, &d, &err2), 0);
			ck_assert_str_eq(err2.msg, err.msg);
		}
	} else {
		ck_assert_msg(r == 0, "%s: refused: %s", c.name, err.msg);
		ck_assert_str_eq(e->path, dropins ? GRUB_DROPIN : GRUB_DEFAULTS);
		ck_assert(e->changed);
		ck_assert_str_eq(e->cmdline_default ? e->cmdline_default : "", c.expect_d ? c.expect_d : "");
		if (c.expect_l)
			ck_assert_str_eq(e->cmdline_linux ? e->cmdline_linux : "", c.expect_l);
		write_edit(rootcopy, e);
		if (e->content)
			ck_assert_int_eq(grub_sh_check(e->path, e->content, e->len, NULL), 0);

		/* the real consumer */
		char *got = source_values(rootcopy, dropins);
		char want[4096];
		snprintf(want, sizeof(want), "%s\001%s", c.expect_d ? c.expect_d : "", c.expect_l ? c.expect_l : "");
		if (!c.expect_l)
			got[strcspn(got, "\001")] = '\0', want[strcspn(want, "\001")] = '\0';
		ck_assert_msg(strcmp(got, want) == 0, "%s: sh sourced '%s', expected '%s'", c.name, got, want);
		/* each added argument exactly once */
		char *line = strdup(got);
		for (char *p = line; *p; p++)
			if (*p == '\001')
				*p = ' ';
		for (size_t i = 0; i < c.n_add; i++) {
			struct cmdline *cl;
			ck_assert_int_eq(cmdline_parse(line, &cl), 0);
			ck_assert_msg(cmdline_remove(cl, c.add[i]) == 1, "%s: %s not exactly once in '%s'", c.name, c.add[i], line);
			cmdline_free(cl);
		}
		free(line);
		free(got);

		/* apply twice = apply once */
		struct grub_edit *e2 = NULL;
		ck_assert_int_eq(grub_propose(&src, (const char *const *)c.add, c.n_add, (const char *const *)c.rm, c.n_rm, &e2, &err), 0);
		ck_assert_msg(!e2->changed, "%s: a second run still changes %s", c.name, e2->path);
		grub_edit_free(e2);
	}
	grub_edit_free(e);
	free(before);
	rm_rf(rootcopy);
	free(rootcopy);
	free(c.expect_d);
	free(c.expect_l);
}
END_TEST

START_TEST(corpus_is_big_enough)
{
	ck_assert_uint_ge(count_cases(), 20);
}
END_TEST

/* Main-file edits keep every other byte. */
START_TEST(main_edit_keeps_bytes)
{
	const char *root = case_root("01-ubuntu-stock");
	char *rootcopy = strdup(root);
	struct grub_source src = { .root = rootcopy, .dropins = false };
	struct grub_edit *e = NULL;
	struct gv_error err = { 0 };
	const char *add[] = { "intel_iommu=on", "iommu=pt" };
	char path[4096];

	ck_assert_int_eq(grub_propose(&src, add, 2, NULL, 0, &e, &err), 0);
	snprintf(path, sizeof(path), "%s/etc/default/grub", rootcopy);
	FILE *f = fopen(path, "r");
	char old[8192];
	size_t n = fread(old, 1, sizeof(old) - 1, f);
	fclose(f);
	old[n] = '\0';
	const char *from = "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"";
	const char *to = "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash intel_iommu=on iommu=pt\"";
	char *at = strstr(old, from);
	ck_assert_ptr_nonnull(at);
	char want[8192];
	snprintf(want, sizeof(want), "%.*s%s%s", (int)(at - old), old, to, at + strlen(from));
	ck_assert_str_eq(e->content, want);
	grub_edit_free(e);

	/* removing everything we added restores the original bytes */
	write_edit(rootcopy, &(struct grub_edit){ .path = (char *)"etc/default/grub", .content = want, .len = strlen(want) });
	const char *rm[] = { "intel_iommu", "iommu" };
	ck_assert_int_eq(grub_propose(&src, NULL, 0, rm, 2, &e, &err), 0);
	ck_assert_str_eq(e->content, old);
	grub_edit_free(e);
	rm_rf(rootcopy);
	free(rootcopy);
}
END_TEST

/* The drop-in's exact bytes, and that removing what we added removes it. */
START_TEST(dropin_bytes_and_removal)
{
	const char *root = case_root("27-proxmox-n100");
	char *rootcopy = strdup(root);
	struct grub_source src = { .root = rootcopy, .dropins = true };
	struct grub_edit *e = NULL;
	struct gv_error err = { 0 };
	const char *add[] = { "intel_iommu=on", "iommu=pt" };

	ck_assert_int_eq(grub_propose(&src, add, 2, NULL, 0, &e, &err), 0);
	ck_assert_str_eq(e->content,
			 "# Written by gpuvirt: the kernel command line for GPU passthrough.\n"
			 "# grub-mkconfig reads this after /etc/default/grub and the other drop-ins\n"
			 "# (the name sorts last); it sets the whole value, so removals hold too.\n"
			 "# Undo: gpuvirt undo (or delete this file and run update-grub).\n"
			 "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on iommu=pt\"\n");
	write_edit(rootcopy, e);
	grub_edit_free(e);
	const char *rm[] = { "intel_iommu", "iommu" };
	ck_assert_int_eq(grub_propose(&src, NULL, 0, rm, 2, &e, &err), 0);
	ck_assert_ptr_null(e->content);   /* nothing left to say: remove the file */
	ck_assert(e->changed);
	ck_assert_str_eq(e->cmdline_default, "quiet");
	grub_edit_free(e);
	rm_rf(rootcopy);
	free(rootcopy);
}
END_TEST

START_TEST(bad_requests)
{
	const char *root = case_root("27-proxmox-n100");
	char *rootcopy = strdup(root);
	struct grub_source src = { .root = rootcopy, .dropins = true };
	struct grub_edit *e = NULL;
	struct gv_error err = { 0 };
	const char *bad[] = { "a b" };
	const char *badrm[] = { "" };

	ck_assert_int_eq(grub_propose(&src, bad, 1, NULL, 0, &e, &err), -EINVAL);
	ck_assert_int_eq(grub_propose(&src, NULL, 0, badrm, 1, &e, &err), -EINVAL);
	/* too long */
	char *big = malloc(CMDLINE_SIZE + 16);
	memcpy(big, "x=", 2);
	memset(big + 2, 'a', CMDLINE_SIZE);
	big[CMDLINE_SIZE] = '\0';
	const char *add[] = { big };
	ck_assert_int_eq(grub_propose(&src, add, 1, NULL, 0, &e, &err), -E2BIG);
	free(big);
	rm_rf(rootcopy);
	free(rootcopy);
}
END_TEST

START_TEST(sh_check_names_line)
{
	struct gv_error err = { 0 };
	const char *bad = "A=1\nB=\"x\nC=2\n";

	ck_assert_int_eq(grub_sh_check("etc/default/grub", "A=1\n", 4, &err), 0);
	ck_assert_int_eq(grub_sh_check("etc/default/grub", bad, strlen(bad), &err), -EINVAL);
	ck_assert_msg(strncmp(err.msg, "etc/default/grub:", 17) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "sh -n"));
}
END_TEST

static void put(const char *root, const char *rel, const char *content)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s/%s')\" && printf '%%s' '%s' > '%s/%s'", root, rel, content, root, rel);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(who_reads_dropins)
{
	char dir[1024];

	snprintf(dir, sizeof(dir), "%s/gv-os.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert(mkdtemp(dir) != NULL);
	ck_assert(!grub_reads_dropins(dir));                         /* nothing known, no grub.d */
	put(dir, "etc/default/grub.d/x.cfg", "");
	ck_assert(grub_reads_dropins(dir));                          /* no distro evidence: the directory */
	put(dir, "etc/os-release", "NAME=\"Fedora Linux\"\nID=fedora\n");
	ck_assert(!grub_reads_dropins(dir));                         /* Fedora's grub-mkconfig does not */
	put(dir, "etc/os-release", "NAME=\"Pop!_OS\"\nID=pop\nID_LIKE=\"ubuntu debian\"\n");
	ck_assert(grub_reads_dropins(dir));
	put(dir, "etc/os-release", "ID=arch\n");
	put(dir, "etc/debian_version", "12.5\n");
	ck_assert(grub_reads_dropins(dir));
	rm_rf(dir);
}
END_TEST

static int fake_read(void *userdata, const char *path, char **ret, size_t *ret_len, struct gv_error *err)
{
	if (strcmp(path, GRUB_DEFAULTS) == 0) {
		*ret = strdup("GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
		*ret_len = strlen(*ret);
		return 0;
	}
	if (strcmp(path, GRUB_DROPIN) == 0 && userdata) {
		*ret = strdup((const char *)userdata);
		*ret_len = strlen(*ret);
		return 0;
	}
	return -ENOENT;
}

/* What boot.c does: read through the plan, so queued content counts. */
START_TEST(read_callback)
{
	char dir[1024];
	struct grub_source src = { .read = fake_read, .dropins = true };
	char *l = NULL, *d = NULL;

	snprintf(dir, sizeof(dir), "%s/gv-cb.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert(mkdtemp(dir) != NULL);
	src.root = dir;
	ck_assert_int_eq(grub_effective(&src, &l, &d, NULL), 0);
	ck_assert_ptr_null(l);
	ck_assert_str_eq(d, "quiet");
	free(d);
	src.userdata = (void *)"GRUB_CMDLINE_LINUX_DEFAULT=\"quiet iommu=pt\"\n";
	ck_assert_int_eq(grub_effective(&src, &l, &d, NULL), 0);
	ck_assert_str_eq(d, "quiet iommu=pt");
	free(d);
	rm_rf(dir);
}
END_TEST

START_TEST(quote)
{
	char *q = grub_sh_quote("a \"b\" $c `d` \\e");
	ck_assert_str_eq(q, "\"a \\\"b\\\" \\$c \\`d\\` \\\\e\"");
	free(q);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("grub");
	TCase *tc = tcase_create("grub");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, corpus_is_big_enough);
	tcase_add_loop_test(tc, corpus_case, 0, (int)count_cases());
	tcase_add_test(tc, main_edit_keeps_bytes);
	tcase_add_test(tc, dropin_bytes_and_removal);
	tcase_add_test(tc, bad_requests);
	tcase_add_test(tc, sh_check_names_line);
	tcase_add_test(tc, who_reads_dropins);
	tcase_add_test(tc, read_callback);
	tcase_add_test(tc, quote);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
