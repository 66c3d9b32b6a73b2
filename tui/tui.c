/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The full-screen program: set-up, the main loop, key dispatch.
 *
 * The loop sleeps in poll() on three descriptors and nothing else: the
 * terminal, the udev monitor (devices appearing, disappearing, changing
 * driver) and a self-pipe for signals (SIGWINCH, SIGTERM, SIGHUP). No timer,
 * no timeout: an idle gpuvirt never wakes up, which matters on a serial
 * console and on a laptop alike.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <libudev.h>

#include "core/util/buf.h"
#include "core/scan/host.h"
#include "core/session.h"
#include "tui/theme.h"
#include "tui/cli/commands.h"
#include "tui/details.h"
#include "tui/dialog.h"
#include "tui/header.h"
#include "tui/logpane.h"
#include "tui/screen.h"
#include "tui/scroll.h"
#include "tui/tree.h"
#include "tui/tui.h"
#include "tui/wizard.h"

static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;

	if (write(sig_pipe[1], &c, 1) < 0) {
		/* the pipe is full: a wake-up is already pending */
	}
	errno = saved;
}

/* Take a new snapshot of the host (udev event, 'r', after an apply or an
 * undo). Keeps the selection by PCI address. Logs and keeps the old one on
 * failure. */
static void rescan(struct tui *t, const char *why)
{
	const struct host *h;
	struct gv_error err = { 0 };

	if (session_rescan(t->session, &err) < 0) {
		gv_log(GV_LOG_ERR, "rescan (%s): %s", why, err.msg);
		return;
	}
	/* the old snapshots are gone: the tree (which keeps only its cursor's
	 * key) and the steps let go of them before anything draws */
	h = t->host = session_host(t->session);
	t->conf = session_sysconf(t->session);
	tree_build(t->tree, h, sysconf_mdevconf(t->conf));
	wizard_rescan(t);
	gv_log(GV_LOG_INFO, "rescan (%s): %zu devices, %zu IOMMU groups", why, host_n_devices(h),
	       host_n_groups(h));
	t->dirty |= TUI_DIRTY_ALL;
}

/* Do what a handler's result M asks for. */
static void apply_result(struct tui *t, unsigned m)
{
	if (m & TUI_RESCAN_APPLIED)
		rescan(t, "after apply");
	if (m & TUI_RESCAN_UNDONE)
		rescan(t, "after undo");
	t->dirty |= m & TUI_DIRTY_ALL;
}

/* ---- udev ---- */

static struct udev_monitor *monitor_open(struct udev **ret_udev)
{
	struct udev *udev = udev_new();
	struct udev_monitor *mon = NULL;

	if (!udev)
		return NULL;
	mon = udev_monitor_new_from_netlink(udev, "udev");
	if (!mon || udev_monitor_filter_add_match_subsystem_devtype(mon, "pci", NULL) < 0 ||
	    udev_monitor_enable_receiving(mon) < 0) {
		gv_log(GV_LOG_WARN, "no udev monitor: the tree will not follow device changes (r rescans)");
		udev_monitor_unref(mon);
		udev_unref(udev);
		return NULL;
	}
	*ret_udev = udev;
	return mon;
}

/* Events that follow one another closer than this are one change: a PF's
 * 64 VFs arrive as 64 events over some milliseconds. */
#define UDEV_SETTLE_MS 100
/* ...but a stream of events is shown at least this often. */
#define UDEV_SETTLE_MAX_MS 1000

static long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Drain every pending event and those that follow within UDEV_SETTLE_MS,
 * then rescan once: one snapshot and one redraw for all of them (adding 7
 * VFs is 14 events). Only after an event does gpuvirt wait like this: idle,
 * it still sleeps. */
static void monitor_read(struct tui *t, struct udev_monitor *mon)
{
	struct pollfd more = { .fd = udev_monitor_get_fd(mon), .events = POLLIN };
	struct udev_device *d;
	struct timespec t0;
	char first[160] = "";
	unsigned n = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		while ((d = udev_monitor_receive_device(mon))) {
			if (!n++) {
				const char *action = udev_device_get_action(d), *name = udev_device_get_sysname(d);
				snprintf(first, sizeof(first), "%s %s", action ? action : "change", name ? name : "?");
			}
			udev_device_unref(d);
		}
		if (!n || ms_since(&t0) >= UDEV_SETTLE_MAX_MS || poll(&more, 1, UDEV_SETTLE_MS) <= 0)
			break;
	}
	if (!n)
		return;
	if (n == 1)
		gv_log(GV_LOG_INFO, "udev: %s", first);
	else
		gv_log(GV_LOG_INFO, "udev: %s and %u more", first, n - 1);
	rescan(t, "udev");
}

/* ---- drawing ---- */

static void draw_frame(struct tui *t)
{
	const struct layout *l = &t->lay;
	attr_t border = screen_attr(t, UI_BORDER);
	const char *title = t->focus == TUI_FOCUS_LOG ? "> Log " : " Log ";

	screen_vline(t, l->tree.y, l->divider_x, l->tree.h, border);
	screen_hline(t, l->log_rule_y, 0, l->cols, border);
	mvaddch(l->log_rule_y, l->divider_x, screen_btee(t) | border);
	screen_text(l->log_rule_y, 1, (int)strlen(title),
		    screen_attr(t, t->focus == TUI_FOCUS_LOG ? UI_TITLE_ACTIVE : UI_TITLE), title);
}

static void draw_too_small(struct tui *t)
{
	const char *msg = "terminal too small (need 80x24)";
	char now[32];
	int y = t->lay.rows / 2, len = (int)strlen(msg);

	erase();
	snprintf(now, sizeof(now), "now %dx%d", t->lay.cols, t->lay.rows);
	if (y > 0)
		y--;
	screen_text(y, len < t->lay.cols ? (t->lay.cols - len) / 2 : 0, t->lay.cols, A_BOLD, msg);
	len = (int)strlen(now);
	if (y + 1 < t->lay.rows)
		screen_text(y + 1, len < t->lay.cols ? (t->lay.cols - len) / 2 : 0, t->lay.cols, A_NORMAL, now);
}

/* Draw what is dirty, then one doupdate(). */
static void render(struct tui *t)
{
	const struct layout *l = &t->lay;
	bool tree_rows = t->tree->mark[0] >= 0 || t->tree->mark[1] >= 0;
	unsigned d;

	if (logpane_changed(t->log))
		t->dirty |= TUI_DIRTY_LOG;
	d = t->dirty;
	if (!d && !tree_rows)
		return;
	if (l->too_small) {
		draw_too_small(t);
		goto out;
	}
	if (d & TUI_DIRTY_HEADER)
		header_draw(t, &l->header);
	if (d & TUI_DIRTY_FRAME)
		draw_frame(t);
	if (t->view == TUI_VIEW_DEVICES) {
		if ((d & TUI_DIRTY_LEFT) || tree_rows)
			tree_draw(t, &l->tree, d & TUI_DIRTY_LEFT, t->focus == TUI_FOCUS_LEFT);
		if (d & TUI_DIRTY_RIGHT)
			details_draw(t, &l->details, t->focus == TUI_FOCUS_RIGHT);
	} else {
		if (d & TUI_DIRTY_LEFT)
			wizard_draw_steps(t, &l->tree, t->focus == TUI_FOCUS_LEFT);
		if (d & TUI_DIRTY_RIGHT)
			wizard_draw_screen(t, &l->details, t->focus == TUI_FOCUS_RIGHT);
	}
	if (d & TUI_DIRTY_LOG)
		logpane_draw(t->log, t, &l->log, t->focus == TUI_FOCUS_LOG);
	if (d & TUI_DIRTY_STATUS)
		status_draw(t, &l->status);
	/* dialogs draw last, over whatever changed beneath them */
	if (t->n_dialogs)
		dialog_draw_all(t);
out:
	/* lines logged while drawing: shown now if the log was drawn after
	 * them, else with the next frame */
	t->dirty = logpane_changed(t->log) && !(d & TUI_DIRTY_LOG) ? TUI_DIRTY_LOG : 0;
	t->tree->mark[0] = t->tree->mark[1] = -1;
	wnoutrefresh(stdscr);
	doupdate();
}

static void relayout(struct tui *t)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col &&
	    (ws.ws_row != LINES || ws.ws_col != COLS))
		resizeterm(ws.ws_row, ws.ws_col);
	layout_compute(COLS, LINES, &t->lay);
	erase();
	t->dirty |= TUI_DIRTY_ALL;
}

/* ---- keys ---- */

static const char help_text[] =
	"Moving\n"
	"  j k  or arrows     down, up\n"
	"  space  Ctrl-F      page down\n"
	"  b  Ctrl-B          page up\n"
	"  g  G               top, bottom\n"
	"  h  l  or arrows    fold, unfold a group (tree)\n"
	"  Tab                next pane: tree, details, log\n"
	"\n"
	"Doing\n"
	"  w                  wizard steps / device tree\n"
	"  f c d s m v a      wizard steps: firmware, command line,\n"
	"                     drivers, SR-IOV, mdev, assign, apply\n"
	"  r                  rescan the host\n"
	"  Ctrl-L             redraw the screen\n"
	"  ?                  this help\n"
	"  q                  quit (Ctrl-C too)\n"
	"\n"
	"Marks in the tree\n"
	"  boot     the GPU the firmware and the console use\n"
	"  shared   shares its IOMMU group with another slot:\n"
	"           goes to a VM only together with it\n"
	"\n"
	"Dialogs\n"
	"  A preview applies only on y; any other key cancels.\n"
	"  Nothing is written before that. Without root, gpuvirt\n"
	"  only reads.\n";

/* The help, with the open wizard step's own keys first: those are the ones
 * a person looks for from inside a step. */
static void show_help(struct tui *t)
{
	const struct wizard_step *step = t->view == TUI_VIEW_WIZARD ? wizard_step(wizard_selected(t)) : NULL;
	struct buf b = BUF_INIT;

	if (step && step->ops && step->help) {
		buf_printf(&b, "This step: %s\n", step->title);
		for (const char *p = step->help; *p;) {
			size_t n = strcspn(p, "\n");
			const char *tab = memchr(p, '\t', n);

			if (tab)
				buf_printf(&b, "  %-18.*s %.*s\n", (int)(tab - p), p, (int)(n - (size_t)(tab - p) - 1),
					   tab + 1);
			p += n + (p[n] == '\n');
		}
		buf_putc(&b, '\n');
	} else if (step && step->ops && step->keys) {
		buf_printf(&b, "This step: %s\n", step->title);
		for (const char *p = step->keys; *p;) {
			size_t n = strcspn(p, " ");
			const char *colon = memchr(p, ':', n);
			if (colon)
				buf_printf(&b, "  %-18.*s %.*s\n", (int)(colon - p), p, (int)(n - (size_t)(colon - p) - 1),
					   colon + 1);
			p += n + strspn(p + n, " ");
		}
		buf_putc(&b, '\n');
	}
	buf_puts(&b, help_text);
	dialog_message(t, "Keys", buf_str(&b));
	buf_free(&b);
}

static int visible_rows(const struct tui *t, enum tui_focus f)
{
	if (f == TUI_FOCUS_LOG)
		return t->lay.log.h;
	return t->lay.tree.h - 1;
}

static unsigned tree_moved(struct tui *t, bool scrolled)
{
	/* a plain move repaints the two rows (marked) and the details */
	t->right.top = 0;
	return TUI_HANDLED | TUI_DIRTY_RIGHT | (scrolled ? TUI_DIRTY_LEFT : 0);
}

static unsigned devices_key(struct tui *t, int key)
{
	struct tree *tr = t->tree;
	int vis = visible_rows(t, TUI_FOCUS_LEFT);
	long to;

	if (t->focus == TUI_FOCUS_RIGHT) {
		int old = t->right.top;

		if (key == KEY_LEFT || key == 'h' || key == TUI_KEY_ESC) {
			t->focus = TUI_FOCUS_LEFT;
			return TUI_HANDLED | TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT;
		}
		t->right.visible = vis;
		if (!scroll_key(&t->right, key, SCROLL_SPACE_B))
			return 0;
		return TUI_HANDLED | (t->right.top != old ? TUI_DIRTY_RIGHT : 0);
	}
	if (scroll_cursor_key(key, SCROLL_SPACE_B, (long)tr->sel, (long)tr->n, vis > 1 ? vis - 1 : 1, &to))
		return tree_moved(t, tree_move_to(tr, (size_t)to, vis));
	switch (key) {
	case KEY_LEFT: case 'h':
		return tree_fold(tr, t->host, true) ? tree_moved(t, true) : TUI_HANDLED;
	case KEY_RIGHT: case 'l': case '\n': case '\r': case KEY_ENTER: {
		const struct tree_row *r = tree_selected(tr);
		if (r && r->kind == TREE_GROUP && tree_fold(tr, t->host, false))
			return tree_moved(t, true);
		t->focus = TUI_FOCUS_RIGHT;
		return TUI_HANDLED | TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT;
	}
	}
	return 0;
}

static unsigned set_view(struct tui *t, enum tui_view v)
{
	unsigned m = TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT | TUI_DIRTY_STATUS;

	if (t->view == v)
		return 0;
	t->view = v;
	t->right.top = 0;
	if (t->focus == TUI_FOCUS_RIGHT)
		t->focus = TUI_FOCUS_LEFT;
	if (v == TUI_VIEW_WIZARD)
		m |= wizard_select(t, wizard_selected(t));
	return m;
}

static unsigned dispatch(struct tui *t, int key)
{
	unsigned m;
	int step;

	if (key == TUI_CTRL('c')) {
		t->quit = true;
		t->exit_status = 130;
		return TUI_HANDLED;
	}
	if (key == KEY_RESIZE) {
		relayout(t);
		return TUI_HANDLED;
	}
	if (key == TUI_CTRL('l')) {
		clearok(curscr, TRUE);
		return TUI_HANDLED | TUI_DIRTY_ALL;
	}
	if (t->lay.too_small) {
		if (key == 'q') {
			t->quit = true;
			t->exit_status = 0;
		}
		return TUI_HANDLED;
	}
	if ((m = dialog_key(t, key)))
		return m;
	switch (key) {
	case 'q':
		t->quit = true;
		t->exit_status = 0;
		return TUI_HANDLED;
	case '?':
		show_help(t);
		return TUI_HANDLED | TUI_DIRTY_DIALOG;
	case '\t':
		t->focus = (t->focus + 1) % TUI_N_FOCUS;
		return TUI_HANDLED | TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT | TUI_DIRTY_FRAME;
	case KEY_BTAB:
		t->focus = (t->focus + TUI_N_FOCUS - 1) % TUI_N_FOCUS;
		return TUI_HANDLED | TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT | TUI_DIRTY_FRAME;
	case 'w':
		return TUI_HANDLED | set_view(t, t->view == TUI_VIEW_WIZARD ? TUI_VIEW_DEVICES : TUI_VIEW_WIZARD);
	}
	step = key > 0 && key < 0x80 ? wizard_step_by_letter(key) : -1;
	if (step >= 0) {
		m = set_view(t, TUI_VIEW_WIZARD);
		return TUI_HANDLED | m | wizard_select(t, (size_t)step);
	}
	if (t->focus == TUI_FOCUS_LOG && (m = logpane_key(t->log, key, visible_rows(t, TUI_FOCUS_LOG))))
		return m;
	if (t->view == TUI_VIEW_WIZARD && (m = wizard_key(t, key)))
		return m;
	if (t->view == TUI_VIEW_DEVICES && (m = devices_key(t, key)))
		return m;
	if (key == 'r') {
		rescan(t, "r");
		if (t->demo)
			gv_log(GV_LOG_INFO, "the sample host does not change: nothing to rescan");
		return TUI_HANDLED;
	}
	return 0;
}

static void handle_key(struct tui *t, int key)
{
	int dialogs = t->n_dialogs;
	unsigned m = dispatch(t, key);

	/* a dialog that opened is drawn over the panes */
	if (t->n_dialogs > dialogs)
		m |= TUI_DIRTY_DIALOG;
	apply_result(t, m);
}

/* ---- set-up ---- */

static char *exe_dir(void)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n <= 0)
		return NULL;
	path[n] = '\0';
	return strdup(dirname(path));
}

static bool no_color_env(void)
{
	const char *e = getenv("NO_COLOR");

	/* no-color.org: present and not empty */
	return e && *e;
}

static int load_theme(const struct gv_globals *g, struct theme *th, struct theme *mono, bool *ret_color)
{
	struct gv_error err = { 0 };
	char *dir = exe_dir();
	bool color = !g->no_color && !no_color_env();
	int r = 0;

	if (g->theme) {
		/* a bad --theme is an error even when colour is off */
		r = theme_load(th, g->theme, dir, &err);
		if (r < 0)
			goto out;
	}
	/* the theme for no colour at all: NO_COLOR, --no-color, a vt100 */
	r = theme_load(mono, "mono", dir, &err);
	if (r < 0)
		goto out;
	if (!color)
		*th = *mono;
	else if (!g->theme)
		r = theme_load(th, "default", dir, &err);
out:
	free(dir);
	if (r < 0) {
		fprintf(stderr, "gpuvirt: %s\n", err.msg);
		return -1;
	}
	*ret_color = color;
	return 0;
}

int tui_run(const struct gv_globals *g, struct session *s)
{
	struct tui t = { .g = g, .session = s, .root = session_root(s), .demo = session_demo(s), .ascii = g->ascii };
	struct theme th, mono;
	struct udev *udev = NULL;
	struct udev_monitor *mon = NULL;
	struct sigaction sa = { .sa_handler = on_signal }, old_winch, old_term, old_hup;
	bool color = false;
	int r, open_step = -1;
	char why[512];

	setlocale(LC_ALL, "");
	/* Everything that can fail with a message does so before the screen is
	 * touched, so the message lands on a normal terminal. */
	if (load_theme(g, &th, &mono, &color) < 0)
		return 2;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "gpuvirt: the full-screen program needs a terminal; see 'gpuvirt --help' "
			"for the line-mode commands\n");
		return 2;
	}
	t.is_root = geteuid() == 0;
	t.tree = tree_new();
	t.log = logpane_new();
	logpane_attach(&t);

	/* the session (tui/main.c) chose the host and the root: the sample
	 * host and a scratch root of this run's own under --demo */
	t.host = session_host(s);
	t.conf = session_sysconf(s);
	t.wiz = wizard_new(&t);
	if (t.demo) {
		gv_log(GV_LOG_INFO, "demo: the built-in sample host; changes go to the scratch root %s", t.root);
		t.view = TUI_VIEW_WIZARD;
	} else {
		mon = monitor_open(&udev);
		if (!t.is_root)
			gv_log(GV_LOG_INFO, "not root: reading only; applying changes needs root");
	}
	gv_log(GV_LOG_INFO, "%zu devices, %zu IOMMU groups; ? shows the keys", host_n_devices(t.host),
	       host_n_groups(t.host));
	tree_build(t.tree, t.host, sysconf_mdevconf(t.conf));
	/* Something applied before this boot is not in effect: that is the
	 * first thing to see. Without a journal this is one failed opendir. */
	if (!t.demo && (open_step = wizard_step_at_start(&t, why, sizeof(why))) >= 0) {
		t.view = TUI_VIEW_WIZARD;
		gv_log(GV_LOG_WARN, "%s", why);
	}

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		fprintf(stderr, "gpuvirt: pipe: %s\n", strerror(errno));
		r = 1;
		goto out;
	}
	/* Our own SIGWINCH handler (installed before curses, so ncurses keeps
	 * out of it) wakes poll() through the pipe: no lost resize. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, &old_winch);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);

	if (screen_open(&t, &th, &mono, color) < 0) {
		r = 2;
		goto restore;
	}
	relayout(&t);
	if (t.view == TUI_VIEW_WIZARD)
		t.dirty |= wizard_select(&t, open_step >= 0 ? (size_t)open_step : wizard_selected(&t));

	while (!t.quit) {
		struct pollfd fds[3] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = sig_pipe[0], .events = POLLIN },
			{ .fd = mon ? udev_monitor_get_fd(mon) : -1, .events = POLLIN },
		};
		int key;

		render(&t);
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			gv_log(GV_LOG_ERR, "poll: %s", strerror(errno));
			break;
		}
		if (fds[1].revents & POLLIN) {
			unsigned char sigs[16];
			ssize_t n = read(sig_pipe[0], sigs, sizeof(sigs));
			for (ssize_t i = 0; i < n; i++) {
				if (sigs[i] == SIGWINCH) {
					relayout(&t);
				} else {
					t.quit = true;
					t.exit_status = 128 + sigs[i];
				}
			}
		}
		if (fds[2].revents & POLLIN)
			monitor_read(&t, mon);
		if (fds[0].revents & (POLLHUP | POLLERR)) {
			t.quit = true;
			t.exit_status = 1;
		}
		if (fds[0].revents & POLLIN)
			while (!t.quit && (key = getch()) != ERR)
				handle_key(&t, key);
	}
	r = t.exit_status;
	dialog_close_all(&t);
	/* Without an alternate screen (vt100) the last picture would stay
	 * behind the prompt: leave a clean terminal instead. */
	const char *smcup = tigetstr("smcup");
	if (!smcup || smcup == (char *)-1 || !*smcup) {
		erase();
		refresh();
	}
	screen_close(&t);
restore:
	sigaction(SIGWINCH, &old_winch, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
out:
	logpane_detach();
	if (t.log && logpane_count(t.log, GV_LOG_ERR))
		fprintf(stderr, "gpuvirt: %u error(s) were logged during the session\n",
			logpane_count(t.log, GV_LOG_ERR));
	wizard_free(&t);
	udev_monitor_unref(mon);
	udev_unref(udev);
	tree_free(t.tree);
	logpane_free(t.log);
	return r;
}
