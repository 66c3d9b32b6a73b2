/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The corpus replay: a main() for any harness, built with the normal
 * compiler and flags (no libFuzzer), that feeds it each FILE given, each in
 * a child of its own so that one crash does not hide the others, and prints
 * one line per file:
 *
 *   PASS: FILE                       its property checks hold
 *   FAIL: FILE (...)                 a crash, a sanitizer report or a failed property
 *   SKIP: FILE (known crash ...)     a file named known-crash-*: a bug reported and
 *                                    not fixed yet; it says whether it still fails
 *
 * Exits 1 when a file failed. tests/run.sh runs it in `make check`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"

#define KNOWN_CRASH "known-crash-"

static int run_one(const char *file)
{
	size_t len = 0;
	char *data = fuzz_read(file, &len);
	int status = 0;
	pid_t pid;

	if (!data) {
		perror(file);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		free(data);
		return -1;
	}
	if (pid == 0) {
		LLVMFuzzerTestOneInput((const uint8_t *)data, len);
		free(data);
		/* exit(), not _exit(): the scratch directory goes, and the leak
		 * checker runs */
		exit(0);
	}
	free(data);
	while (waitpid(pid, &status, 0) < 0)
		;
	return status;
}

static void describe(int status, char *buf, size_t n)
{
	if (status < 0)
		snprintf(buf, n, "unreadable");
	else if (WIFSIGNALED(status))
		snprintf(buf, n, "signal %d", WTERMSIG(status));
	else
		snprintf(buf, n, "exit %d", WEXITSTATUS(status));
}

int main(int argc, char **argv)
{
	const char *t = getenv("TMPDIR");
	char scratch[256];
	int failed = 0;

	/* A child that crashes leaves its scratch directory behind: keep them
	 * all in one that goes at the end. */
	snprintf(scratch, sizeof(scratch), "%s/gpuvirt-replay.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(scratch)) {
		perror(scratch);
		return 1;
	}
	setenv("TMPDIR", scratch, 1);
	for (int i = 1; i < argc; i++) {
		const char *base = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
		bool known = strncmp(base, KNOWN_CRASH, strlen(KNOWN_CRASH)) == 0;
		int status = run_one(argv[i]);
		char why[64];

		describe(status, why, sizeof(why));
		if (known) {
			printf("SKIP: %s (known crash, %s)\n", argv[i],
			       status == 0 ? "passes now: drop the " KNOWN_CRASH " prefix" : "still fails");
		} else if (status == 0) {
			printf("PASS: %s\n", argv[i]);
		} else {
			printf("FAIL: %s (%s)\n", argv[i], why);
			failed++;
		}
		fflush(stdout);
	}
	fuzz_rm_rf(scratch);
	return failed ? 1 : 0;
}
