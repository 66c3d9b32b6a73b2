/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util/buf.h"
#include "core/util/exec.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

static bool shell_safe(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=+,-@%^", *s))
			return false;
	return true;
}

char *exec_argv_str(const char *const *argv)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; argv[i]; i++) {
		if (i)
			buf_putc(&b, ' ');
		if (shell_safe(argv[i])) {
			buf_puts(&b, argv[i]);
			continue;
		}
		buf_putc(&b, '\'');
		for (const char *s = argv[i]; *s; s++) {
			if (*s == '\'')
				buf_puts(&b, "'\\''");
			else
				buf_putc(&b, *s);
		}
		buf_putc(&b, '\'');
	}
	if (!b.data)
		buf_append(&b, "", 0);
	return buf_steal(&b);
}

/* Send what the child writes to FD to the log, one message per line, or
 * keep all of it in CAPTURE. */
static void log_output(int fd, struct buf *capture)
{
	struct buf out = BUF_INIT;
	char chunk[4096], *nl;
	ssize_t k;

	for (;;) {
		k = read(fd, chunk, sizeof(chunk));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (capture) {
			buf_append(capture, chunk, (size_t)k);
			continue;
		}
		buf_append(&out, chunk, (size_t)k);
		while (out.data && (nl = memchr(out.data, '\n', out.len))) {
			size_t rest = out.len - (size_t)(nl + 1 - out.data);
			*nl = '\0';
			gv_log(GV_LOG_INFO, "  %s", out.data);
			memmove(out.data, nl + 1, rest);
			out.len = rest;
			out.data[rest] = '\0';
		}
	}
	if (out.len)
		gv_log(GV_LOG_INFO, "  %s", out.data);
	buf_free(&out);
}

static int run(const char *root, const char *const *argv, struct buf *capture, struct gv_error *err)
{
	bool chroot_it = strcmp(root, "/") != 0;
	char *line = exec_argv_str(argv);
	size_t n = 0;
	const char **full;
	int pfd[2], status, r;
	pid_t pid;

	while (argv[n])
		n++;
	full = xrealloc(NULL, (n + 3) * sizeof(char *));
	if (chroot_it) {
		full[0] = "chroot";
		full[1] = root;
	}
	for (size_t i = 0; i <= n; i++)
		full[i + (chroot_it ? 2 : 0)] = argv[i];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		r = -errno;
		gv_error_set(err, r, "%s: pipe: %s", line, strerror(-r));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(pfd[0]);
		close(pfd[1]);
		gv_error_set(err, r, "%s: fork: %s", line, strerror(-r));
		goto out;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		execvp(full[0], (char *const *)full);
		dprintf(STDERR_FILENO, "%s: %s\n", full[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	gv_log(GV_LOG_INFO, "running: %s%s%s%s", chroot_it ? "chroot " : "", chroot_it ? root : "", chroot_it ? " " : "", line);
	log_output(pfd[0], capture);
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			r = -errno;
			gv_error_set(err, r, "%s: %s", line, strerror(-r));
			goto out;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		r = 0;
	} else if (WIFEXITED(status)) {
		r = gv_error_set(err, -EIO, "`%s` failed (exit status %d)", line, WEXITSTATUS(status));
	} else {
		r = gv_error_set(err, -EIO, "`%s` was killed by signal %d", line, WTERMSIG(status));
	}
out:
	free(full);
	free(line);
	return r;
}

int exec_run(const char *root, const char *const *argv, struct gv_error *err)
{
	return run(root, argv, NULL, err);
}

int exec_capture(const char *root, const char *const *argv, char **ret_out, struct gv_error *err)
{
	struct buf out = BUF_INIT;
	int r = run(root, argv, &out, err);

	if (r < 0) {
		buf_free(&out);
		return r;
	}
	buf_append(&out, "", 0);
	*ret_out = buf_steal(&out);
	return 0;
}
