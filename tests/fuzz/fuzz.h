/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * What the fuzz harnesses share. Each tests/fuzz/NAME.c defines
 * LLVMFuzzerTestOneInput() and checks the properties of one parser (a round
 * trip is stable, a rendered file reads back the same), not only that it
 * does not crash. A property that does not hold aborts with one line that
 * names it, so libFuzzer keeps the input and the replay reports it.
 *
 * The same source is linked two ways (Makefile): with libFuzzer (`make fuzz`,
 * clang, BUILD=build-fuzz), and with replay.c's main(), the normal compiler
 * and flags, which `make check` runs on every file of tests/fuzz/corpus/NAME.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((noreturn, format(printf, 3, 4)))
static inline void fuzz_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: property failed: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* CHECK(cond, "what should hold", ...): abort naming the property. */
#define CHECK(cond, ...) \
	do { \
		if (!(cond)) \
			fuzz_fail(__FILE__, __LINE__, __VA_ARGS__); \
	} while (0)

/* The input with a NUL after it: as a string, it ends at its first NUL.
 * Owned. */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static inline bool fuzz_streq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static inline int fuzz_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	remove(path);
	return 0;
}

/* Remove PATH and everything under it (no symlink is followed). */
static inline void fuzz_rm_rf(const char *path)
{
	nftw(path, fuzz_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char fuzz_tmp[256];

static inline void fuzz_tmp_remove(void)
{
	if (fuzz_tmp[0])
		fuzz_rm_rf(fuzz_tmp);
}

/* This process's scratch directory ($TMPDIR/gpuvirt-fuzz.XXXXXX), made on
 * first use and removed at exit: harnesses of readers that take a path write
 * the input there. */
static inline const char *fuzz_tmpdir(void)
{
	if (!fuzz_tmp[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(fuzz_tmp, sizeof(fuzz_tmp), "%s/gpuvirt-fuzz.XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(fuzz_tmp)) {
			perror(fuzz_tmp);
			abort();
		}
		atexit(fuzz_tmp_remove);
	}
	return fuzz_tmp;
}

/* "TMPDIR/REL", owned. */
static inline char *fuzz_path(const char *rel)
{
	const char *dir = fuzz_tmpdir();
	size_t n = strlen(dir) + 1 + strlen(rel) + 1;
	char *p = malloc(n);

	if (!p)
		abort();
	snprintf(p, n, "%s/%s", dir, rel);
	return p;
}

/* Create PATH's missing parent directories. */
static inline void fuzz_mkdir_parents(const char *path)
{
	char *p = strdup(path);

	if (!p)
		abort();
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			perror(p);
			abort();
		}
		*s = '/';
	}
	free(p);
}

/* Write LEN bytes to PATH (parents made), replacing what was there. */
static inline void fuzz_write(const char *path, const void *data, size_t len)
{
	int fd;

	fuzz_mkdir_parents(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(path);
		abort();
	}
	for (size_t off = 0; off < len;) {
		ssize_t k = write(fd, (const char *)data + off, len - off);
		if (k <= 0) {
			perror(path);
			abort();
		}
		off += (size_t)k;
	}
	close(fd);
}

/* PATH's bytes, NUL-terminated (owned; NULL when it cannot be read). */
static inline char *fuzz_read(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, k;

	if (!f)
		return NULL;
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		k = fread(buf + len, 1, cap - len - 1, f);
		len += k;
	} while (k > 0);
	fclose(f);
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	return buf;
}
