/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libgvkmock.so: a kernel double for sysfs writes inside a umockdev test bed.
 *
 * umockdev redirects /sys to the test bed ($UMOCKDEV_DIR/sys), where the
 * attributes are plain files: a write changes the file and nothing else.
 * This library answers the writes gpuvirt makes the way the kernel does,
 * synchronously and with the kernel's errno, and changes the bed as the
 * kernel changes sysfs: VFs appear and go, driver links move, mdevs come and
 * go. tests/fixtures/README.md ("The kernel double") lists the attributes,
 * the rules and the control files that inject faults; the rules below cite
 * the kernel functions they follow.
 *
 * It must come BEFORE umockdev's preload library:
 *     LD_PRELOAD=build/libgvkmock.so:libumockdev-preload.so.0
 * umockdev calls libc through dlopen("libc.so.6"), so a library after it
 * never sees the calls, and umockdev-wrapper puts its own library first
 * (tests/lib.sh: kmock_run, gv_kmock).
 *
 * Hooks: open/openat/fopen, so that O_TRUNC does not clobber an attribute
 * (sysfs ignores it) and what a read showed is kept for a failed store;
 * write/pwrite, where one call is one store, as in the kernel; close, dup2,
 * dup3 and fclose, because stdio writers (bash's echo, fprintf) reach the
 * file through glibc's internal write: what they left is applied as one
 * store when the last descriptor goes. Everything acts only inside the sys/
 * of a bed that carries sys/.gpuvirt-testbed; all else passes through.
 * The library's own file operations are raw system calls, which neither
 * umockdev nor these hooks see. A test tool: never linked into gpuvirt.
 */
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAXFD 1024          /* descriptors above this are answered per write only */
#define PAGE 4096           /* sysfs hands a store at most one page */

#define PRINTF(a, b) __attribute__((format(printf, a, b)))

/* ---------------------------------------------------------------------------
 * Raw system calls
 */

static int r_open(const char *p, int flags, mode_t mode)
{
	return (int)syscall(SYS_openat, AT_FDCWD, p, flags | O_CLOEXEC, mode);
}

static int r_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}

static ssize_t r_pread(int fd, void *b, size_t n, off_t off)
{
	return syscall(SYS_pread64, fd, b, n, off);
}

static ssize_t r_write(int fd, const void *b, size_t n)
{
	return syscall(SYS_write, fd, b, n);
}

static ssize_t r_readlink(const char *p, char *b, size_t n)
{
	return syscall(SYS_readlinkat, AT_FDCWD, p, b, n);
}

static int r_stat(const char *p, struct stat *st, int flags)
{
	return (int)syscall(SYS_newfstatat, AT_FDCWD, p, st, flags);
}

static bool exists(const char *p)
{
	struct stat st;
	return r_stat(p, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* ---------------------------------------------------------------------------
 * Paths
 */

static bool PRINTF(2, 3) pathf(char out[PATH_MAX], const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, PATH_MAX, fmt, ap);
	va_end(ap);
	return n >= 0 && n < PATH_MAX;
}

static const char *base_of(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static void dir_of(const char *p, char out[PATH_MAX])
{
	const char *s = strrchr(p, '/');
	size_t n = s ? (size_t)(s - p) : 0;

	memcpy(out, p, n);
	out[n] = '\0';
}

static bool fd_path(int fd, char out[PATH_MAX])
{
	char proc[64];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = r_readlink(proc, out, PATH_MAX - 1);
	if (n < 0 || n >= PATH_MAX - 1)
		return false;
	out[n] = '\0';
	return true;
}

/* The canonical path of P (links resolved), as the kernel sees it. */
static bool canon(const char *p, char out[PATH_MAX])
{
	int fd = r_open(p, O_PATH, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = fd_path(fd, out);
	r_close(fd);
	return ok;
}

/* ---------------------------------------------------------------------------
 * Files
 */

/* Read P into BUF (NUL-terminated); the length, or -1. */
static ssize_t file_read(const char *p, char *buf, size_t size)
{
	int fd = r_open(p, O_RDONLY, 0);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = r_pread(fd, buf, size - 1, 0);
	r_close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

static int file_write(const char *p, const void *data, size_t len)
{
	int fd = r_open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = len ? r_write(fd, data, len) : 0;
	r_close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

static int PRINTF(2, 3) file_printf(const char *p, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -EINVAL;
	return file_write(p, buf, (size_t)n);
}

/* The number in file P (any base strtoul takes with BASE), or DEF. */
static unsigned long file_num(const char *p, int base, unsigned long def)
{
	char buf[64], *end;
	unsigned long v;

	if (file_read(p, buf, sizeof(buf)) <= 0)
		return def;
	errno = 0;
	v = strtoul(buf, &end, base);
	if (end == buf || errno)
		return def;
	return v;
}

/* The first word of file P in BUF; false when P is missing. */
static bool file_word(const char *p, char *buf, size_t size)
{
	char tmp[256];
	size_t i = 0, n = 0;

	if (file_read(p, tmp, sizeof(tmp)) < 0)
		return false;
	while (tmp[i] == ' ' || tmp[i] == '\t' || tmp[i] == '\n')
		i++;
	while (tmp[i] && tmp[i] != ' ' && tmp[i] != '\t' && tmp[i] != '\n' && n + 1 < size)
		buf[n++] = tmp[i++];
	buf[n] = '\0';
	return true;
}

static int mkdir_p(const char *p)
{
	char tmp[PATH_MAX];
	size_t n = strlen(p);

	if (n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, p, n + 1);
	for (char *s = tmp + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (syscall(SYS_mkdirat, AT_FDCWD, tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (syscall(SYS_mkdirat, AT_FDCWD, tmp, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

struct dent64 {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/* The entries of directory P but . and .., sorted; NULL-terminated array
 * (free with names_free), NULL when P cannot be read. */
static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **names_of(const char *p)
{
	char buf[8192];
	char **v = NULL;
	size_t n = 0, cap = 0;
	int fd = r_open(p, O_RDONLY | O_DIRECTORY, 0);
	long got;

	if (fd < 0)
		return NULL;
	while ((got = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < got;) {
			struct dent64 *d = (struct dent64 *)(buf + off);
			off += d->reclen;
			if (!strcmp(d->name, ".") || !strcmp(d->name, ".."))
				continue;
			if (n + 2 > cap) {
				cap = cap ? 2 * cap : 16;
				v = realloc(v, cap * sizeof(*v));
				if (!v)
					abort();
			}
			v[n] = strdup(d->name);
			if (!v[n])
				abort();
			n++;
		}
	}
	r_close(fd);
	if (!v) {
		v = calloc(1, sizeof(*v));
		if (!v)
			abort();
	}
	v[n] = NULL;
	qsort(v, n, sizeof(*v), cmp_names);
	return v;
}

static void names_free(char **v)
{
	if (!v)
		return;
	for (char **s = v; *s; s++)
		free(*s);
	free(v);
}

static void rm_rf(const char *p)
{
	struct stat st;

	if (r_stat(p, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		char **v = names_of(p), sub[PATH_MAX];
		for (char **s = v; s && *s; s++)
			if (pathf(sub, "%s/%s", p, *s))
				rm_rf(sub);
		names_free(v);
		syscall(SYS_unlinkat, AT_FDCWD, p, AT_REMOVEDIR);
	} else {
		syscall(SYS_unlinkat, AT_FDCWD, p, 0);
	}
}

static void cp_r(const char *from, const char *to)
{
	struct stat st;
	char buf[PAGE], a[PATH_MAX], b[PATH_MAX];
	ssize_t n;

	if (r_stat(from, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		char **v = names_of(from);
		mkdir_p(to);
		for (char **s = v; v && *s; s++)
			if (pathf(a, "%s/%s", from, *s) && pathf(b, "%s/%s", to, *s))
				cp_r(a, b);
		names_free(v);
	} else if (S_ISLNK(st.st_mode)) {
		n = r_readlink(from, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = '\0';
			syscall(SYS_symlinkat, buf, AT_FDCWD, to);
		}
	} else if ((n = file_read(from, buf, sizeof(buf))) >= 0) {
		file_write(to, buf, (size_t)n);
	}
}

/* ---------------------------------------------------------------------------
 * The test bed
 */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char bed_env[PATH_MAX];   /* the $UMOCKDEV_DIR the fields below are for */
static char bed[PATH_MAX];       /* its canonical path; "" when the double is off */
static size_t bed_len;

static void reset_lock(void)
{
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
	lock = fresh;
}

__attribute__((constructor)) static void kmock_init(void)
{
	pthread_atfork(NULL, NULL, reset_lock);
}

/* Whether the double is on: $UMOCKDEV_DIR names a gpuvirt test bed (its
 * marker present) that umockdev has not been told to leave alone. */
static bool bed_on(void)
{
	const char *env = getenv("UMOCKDEV_DIR");
	char p[PATH_MAX];

	if (!env || !*env || strlen(env) >= sizeof(bed_env))
		return false;
	if (strcmp(env, bed_env) != 0) {
		strcpy(bed_env, env);
		bed[0] = '\0';
		if (canon(env, bed) && pathf(p, "%s/sys/.gpuvirt-testbed", bed) && exists(p) &&
		    pathf(p, "%s/disabled", bed) && !exists(p))
			bed_len = strlen(bed);
		else
			bed[0] = '\0';
	}
	return bed[0] != '\0';
}

/* P lies inside the bed's sys/. */
static bool in_sys(const char *p)
{
	return bed[0] && strncmp(p, bed, bed_len) == 0 && strncmp(p + bed_len, "/sys/", 5) == 0;
}

static bool PRINTF(2, 3) sysf(char out[PATH_MAX], const char *fmt, ...)
{
	char rel[PATH_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	return n >= 0 && n < PATH_MAX && pathf(out, "%s/sys/%s", bed, rel);
}

/* Make LINKP (in the bed's sys/) point at TARGET (in the bed's sys/), with a
 * relative link as the kernel and tests/fixtures/mkhost make them. */
static int link_to(const char *linkp, const char *target)
{
	char rel[PATH_MAX];
	size_t off = 0;
	const char *l = linkp + bed_len + 5, *t = target + bed_len + 5;

	if (!in_sys(linkp) || !in_sys(target))
		return -EINVAL;
	for (const char *s = l; *s; s++) {
		if (*s != '/')
			continue;
		if (off + 3 >= sizeof(rel))
			return -ENAMETOOLONG;
		memcpy(rel + off, "../", 3);
		off += 3;
	}
	if (off + strlen(t) + 1 > sizeof(rel))
		return -ENAMETOOLONG;
	strcpy(rel + off, t);
	syscall(SYS_unlinkat, AT_FDCWD, linkp, 0);
	if (syscall(SYS_symlinkat, rel, AT_FDCWD, linkp) < 0)
		return -errno;
	return 0;
}

/* The name of what link DIR/NAME points at, in OUT; false when absent. */
static bool link_base(const char *dir, const char *name, char *out, size_t size)
{
	char p[PATH_MAX], t[PATH_MAX];
	const char *b;
	ssize_t n;

	if (!pathf(p, "%s/%s", dir, name))
		return false;
	n = r_readlink(p, t, sizeof(t) - 1);
	if (n <= 0)
		return false;
	t[n] = '\0';
	b = base_of(t);
	if (strlen(b) >= size)
		return false;
	memcpy(out, b, strlen(b) + 1);
	return true;
}

/* ---------------------------------------------------------------------------
 * The record of what was written (kmock.log) and udev events
 */

static void log_store(const char *attr, const char *val, size_t len, int r)
{
	char line[PATH_MAX + 3 * PAGE + 64], p[PATH_MAX];
	size_t n = 0;
	int fd;

	if (len && val[len - 1] == '\n')
		len--;
	n += (size_t)snprintf(line, sizeof(line), "%s ", attr + bed_len);
	if (!len)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "\"\"");
	for (size_t i = 0; i < len && n + 8 < sizeof(line); i++) {
		unsigned char c = (unsigned char)val[i];
		if (c > ' ' && c < 0x7f && c != '\\')
			line[n++] = (char)c;
		else
			n += (size_t)snprintf(line + n, sizeof(line) - n, "\\x%02x", c);
	}
	if (r == 0) {
		n += (size_t)snprintf(line + n, sizeof(line) - n, " ok\n");
	} else {
		const char *name = strerrorname_np(-r);
		if (name)
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %s\n", name);
		else
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %d\n", -r);
	}
	if (n >= sizeof(line) || !pathf(p, "%s/kmock.log", bed))
		return;
	fd = r_open(p, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0)
		return;
	r_write(fd, line, n);
	r_close(fd);
}

/* MurmurHash2, seeded with the length: libudev's socket filter hashes the
 * subsystem so (as tests/tools/uevent-send.c does). */
static uint32_t murmur2(const char *s)
{
	const uint32_t m = 0x5bd1e995;
	size_t len = strlen(s);
	const unsigned char *p = (const unsigned char *)s;
	uint32_t h = (uint32_t)len;

	for (; len >= 4; len -= 4, p += 4) {
		uint32_t k = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		k *= m;
		k ^= k >> 24;
		k *= m;
		h = h * m ^ k;
	}
	switch (len) {
	case 3: h ^= (uint32_t)p[2] << 16; /* fall through */
	case 2: h ^= (uint32_t)p[1] << 8;  /* fall through */
	case 1: h ^= p[0]; h *= m;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	return h;
}

struct monitor_header {
	char prefix[8];
	uint32_t magic;
	uint32_t header_size;
	uint32_t properties_off;
	uint32_t properties_len;
	uint32_t filter_subsystem_hash;
	uint32_t filter_devtype_hash;
	uint32_t filter_tag_bloom_hi;
	uint32_t filter_tag_bloom_lo;
};

static size_t prop(char *buf, size_t size, size_t off, const char *kv)
{
	size_t n = strlen(kv);

	if (!n || off + n + 1 > size)
		return off;
	memcpy(buf + off, kv, n + 1);
	return off + n + 1;
}

/* Tell every libudev monitor in the bed (umockdev binds them at
 * $UMOCKDEV_DIR/event<fd>) that ACTION happened to device DEVDIR. UEVENT
 * holds the device's uevent lines (read before a removal); DRIVER is added
 * for bind. Nobody listening is fine. */
static void uevent(const char *action, const char *devdir, const char *subsystem, const char *lines,
		   const char *driver)
{
	static unsigned seq;
	char props[PAGE], kv[PATH_MAX + 16];
	struct monitor_header hdr;
	size_t len = 0;
	char **v = names_of(bed);

	if (!v || !in_sys(devdir))
		goto out;
	snprintf(kv, sizeof(kv), "ACTION=%s", action);
	len = prop(props, sizeof(props), len, kv);
	snprintf(kv, sizeof(kv), "DEVPATH=%s", devdir + bed_len + 4);
	len = prop(props, sizeof(props), len, kv);
	snprintf(kv, sizeof(kv), "SUBSYSTEM=%s", subsystem);
	len = prop(props, sizeof(props), len, kv);
	snprintf(kv, sizeof(kv), "SEQNUM=%lu", (unsigned long)getpid() * 1000 + ++seq);
	len = prop(props, sizeof(props), len, kv);
	if (driver) {
		snprintf(kv, sizeof(kv), "DRIVER=%s", driver);
		len = prop(props, sizeof(props), len, kv);
	}
	for (const char *s = lines; s && *s;) {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n < sizeof(kv) && !(driver && !strncmp(s, "DRIVER=", 7))) {
			memcpy(kv, s, n);
			kv[n] = '\0';
			len = prop(props, sizeof(props), len, kv);
		}
		s += n + (e ? 1 : 0);
	}
	memset(&hdr, 0, sizeof(hdr));
	memcpy(hdr.prefix, "libudev", 8);
	hdr.magic = htonl(0xfeedcafe);
	hdr.header_size = sizeof(hdr);
	hdr.properties_off = sizeof(hdr);
	hdr.properties_len = (uint32_t)len;
	hdr.filter_subsystem_hash = htonl(murmur2(subsystem));
	for (char **s = v; *s; s++) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		struct iovec iov[2] = { { &hdr, sizeof(hdr) }, { props, len } };
		struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
		int fd;

		if (strncmp(*s, "event", 5) || (*s)[5] < '0' || (*s)[5] > '9')
			continue;
		if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", bed, *s) >= (int)sizeof(sa.sun_path))
			continue;
		fd = (int)syscall(SYS_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (syscall(SYS_connect, fd, &sa, sizeof(sa)) == 0)
			syscall(SYS_sendmsg, fd, &msg, MSG_DONTWAIT);
		r_close(fd);
	}
out:
	names_free(v);
}

static void uevent_dev(const char *action, const char *devdir, const char *subsystem, const char *driver)
{
	char p[PATH_MAX], lines[PAGE] = "";

	if (pathf(p, "%s/uevent", devdir))
		file_read(p, lines, sizeof(lines));
	uevent(action, devdir, subsystem, lines, driver);
}

/* ---------------------------------------------------------------------------
 * Kernel parsing (lib/kstrtox.c, lib/kstrtox.c:kstrtobool, lib/uuid.c)
 */

/* kstrtoull: base 0 picks 0x (hex) and 0 (octal) like the kernel; one
 * trailing newline is allowed, nothing else. */
static int kstrtoull(const char *s, unsigned base, unsigned long long *res)
{
	unsigned long long v = 0;
	bool any = false;

	if (*s == '+')
		s++;
	if (base == 0) {
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2] && strchr("0123456789abcdefABCDEF", s[2])) {
			base = 16;
			s += 2;
		} else if (s[0] == '0') {
			base = 8;
		} else {
			base = 10;
		}
	} else if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
	}
	for (;; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (*s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (*s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		if (d >= base)
			break;
		if (v > (~0ULL - d) / base)
			return -ERANGE;
		v = v * base + d;
		any = true;
	}
	if (!any)
		return -EINVAL;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*res = v;
	return 0;
}

static int kstrtobool(const char *s, bool *res)
{
	switch (s[0]) {
	case 'y': case 'Y': case 't': case 'T': case '1':
		*res = true;
		return 0;
	case 'n': case 'N': case 'f': case 'F': case '0':
		*res = false;
		return 0;
	case 'o': case 'O':
		if (s[1] == 'n' || s[1] == 'N') {
			*res = true;
			return 0;
		}
		if (s[1] == 'f' || s[1] == 'F') {
			*res = false;
			return 0;
		}
		break;
	}
	return -EINVAL;
}

static bool uuid_valid(const char *s)
{
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!s[i] || !strchr("0123456789abcdefABCDEF", s[i])) {
			return false;
		}
	}
	return true;
}

/* sysfs_streq's view of a name: up to a trailing newline. */
static void streq_name(const char *val, char *out, size_t size)
{
	size_t n = strcspn(val, "\n");

	if (n >= size)
		n = size - 1;
	memcpy(out, val, n);
	out[n] = '\0';
}

/* ---------------------------------------------------------------------------
 * PCI devices and drivers (drivers/base/bus.c, drivers/base/dd.c,
 * drivers/pci/pci-driver.c)
 */

static bool driver_of(const char *devdir, char *out, size_t size)
{
	return link_base(devdir, "driver", out, size);
}

static bool driver_dir(const char *drv, char out[PATH_MAX])
{
	return drv[0] && !strchr(drv, '/') && sysf(out, "bus/pci/drivers/%s", drv);
}

/* driver_override as pci_match_device reads it; "" when unset. */
static void override_of(const char *devdir, char *out, size_t size)
{
	char p[PATH_MAX];

	out[0] = '\0';
	if (pathf(p, "%s/driver_override", devdir) && file_word(p, out, size) && !strcmp(out, "(null)"))
		out[0] = '\0';
}

/* Rewrite the DRIVER= line of DEVDIR/uevent, as a read of it shows. */
static void uevent_file_driver(const char *devdir, const char *drv)
{
	char p[PATH_MAX], old[PAGE], out[PAGE + 256];
	size_t n = 0;

	if (!pathf(p, "%s/uevent", devdir) || file_read(p, old, sizeof(old)) < 0)
		return;
	if (drv)
		n += (size_t)snprintf(out, sizeof(out), "DRIVER=%s\n", drv);
	for (const char *s = old; *s;) {
		const char *e = strchr(s, '\n');
		size_t len = e ? (size_t)(e - s + 1) : strlen(s);
		if (strncmp(s, "DRIVER=", 7) && n + len < sizeof(out)) {
			memcpy(out + n, s, len);
			n += len;
		}
		s += len;
	}
	file_write(p, out, n);
}

static void dev_bind(const char *devdir, const char *drv)
{
	char d[PATH_MAX], p[PATH_MAX];

	if (!driver_dir(drv, d) || !pathf(p, "%s/driver", devdir))
		return;
	link_to(p, d);
	if (pathf(p, "%s/%s", d, base_of(devdir)))
		link_to(p, devdir);
	uevent_file_driver(devdir, drv);
	uevent_dev("bind", devdir, "pci", drv);
}

static void vfs_remove(const char *pfdir, int n);

/* Detach DEVDIR from its driver (device_release_driver). The PF drivers
 * gpuvirt meets (i915, xe, igb, ixgbe, mlx5_core) disable SR-IOV in their
 * remove(), so the VFs go first. */
static void dev_unbind(const char *devdir)
{
	char drv[256], d[PATH_MAX], p[PATH_MAX];
	int n = 0;

	if (!driver_of(devdir, drv, sizeof(drv)))
		return;
	while (pathf(p, "%s/virtfn%d", devdir, n) && exists(p))
		n++;
	if (n) {
		vfs_remove(devdir, n);
		if (pathf(p, "%s/sriov_numvfs", devdir))
			file_write(p, "0\n", 2);
	}
	if (driver_dir(drv, d) && pathf(p, "%s/%s", d, base_of(devdir)))
		syscall(SYS_unlinkat, AT_FDCWD, p, 0);
	if (pathf(p, "%s/driver", devdir))
		syscall(SYS_unlinkat, AT_FDCWD, p, 0);
	uevent_file_driver(devdir, NULL);
	uevent_dev("unbind", devdir, "pci", NULL);
}

/* What the driver's probe() says: vfio-pci refuses a PF with VFs
 * (vfio_pci_core: "Cannot bind to PF with SR-IOV enabled"). */
static int dev_probe(const char *devdir, const char *drv)
{
	char p[PATH_MAX];

	if (!strcmp(drv, "vfio-pci") && pathf(p, "%s/virtfn0", devdir) && exists(p))
		return -EBUSY;
	return 0;
}

/* The driver's id table, in its kmock-ids file ("VVVV:DDDD" lines, DDDD may
 * be "*"; new_id adds to it). */
static bool ids_match(const char *drv, const char *devdir)
{
	char d[PATH_MAX], p[PATH_MAX], ids[PAGE];
	unsigned long ven, dev;

	if (!driver_dir(drv, d) || !pathf(p, "%s/kmock-ids", d) || file_read(p, ids, sizeof(ids)) < 0)
		return false;
	if (!pathf(p, "%s/vendor", devdir))
		return false;
	ven = file_num(p, 16, ~0UL);
	if (!pathf(p, "%s/device", devdir))
		return false;
	dev = file_num(p, 16, ~0UL);
	for (char *save, *line = strtok_r(ids, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		if (!colon || strtoul(line, NULL, 16) != ven)
			continue;
		if (colon[1] == '*' || strtoul(colon + 1, NULL, 16) == dev)
			return true;
	}
	return false;
}

/* pci_match_device: with driver_override set, only that driver matches. */
static bool dev_matches(const char *devdir, const char *drv)
{
	char ovr[256];

	override_of(devdir, ovr, sizeof(ovr));
	if (ovr[0])
		return !strcmp(ovr, drv);
	return ids_match(drv, devdir);
}

/* device_attach: the first registered driver that matches and probes. */
static void dev_attach(const char *devdir)
{
	char drv[256], d[PATH_MAX];
	char **v;

	if (driver_of(devdir, drv, sizeof(drv)))
		return;
	override_of(devdir, drv, sizeof(drv));
	if (drv[0]) {
		if (driver_dir(drv, d) && exists(d) && dev_probe(devdir, drv) == 0)
			dev_bind(devdir, drv);
		return;
	}
	if (!sysf(d, "bus/pci/drivers") || !(v = names_of(d)))
		return;
	for (char **s = v; *s; s++) {
		if (ids_match(*s, devdir) && dev_probe(devdir, *s) == 0) {
			dev_bind(devdir, *s);
			break;
		}
	}
	names_free(v);
}

/* bus_find_device_by_name: the device's directory in DEVDIR. */
static bool dev_by_name(const char *val, char devdir[PATH_MAX])
{
	char name[256], p[PATH_MAX];

	streq_name(val, name, sizeof(name));
	if (!name[0] || strchr(name, '/') || !sysf(p, "bus/pci/devices/%s", name) || !exists(p))
		return false;
	return canon(p, devdir);
}

/* ---------------------------------------------------------------------------
 * IOMMU groups (drivers/iommu/iommu.c: ids from an ida, lowest free first)
 */

static int group_free_id(void)
{
	char p[PATH_MAX];
	char **v;
	size_t n = 0;
	unsigned char *used;
	int id = 0;

	if (!sysf(p, "kernel/iommu_groups") || !(v = names_of(p)))
		return 0;
	for (char **s = v; *s; s++)
		n++;
	used = calloc(n + 1, 1);
	if (!used)
		abort();
	for (char **s = v; *s; s++) {
		char *end;
		unsigned long g = strtoul(*s, &end, 10);
		if (!*end && g <= n)
			used[g] = 1;
	}
	while (used[id])
		id++;
	free(used);
	names_free(v);
	return id;
}

static void group_join(const char *devdir, int id)
{
	char g[PATH_MAX], p[PATH_MAX];

	if (!sysf(g, "kernel/iommu_groups/%d", id))
		return;
	if (!exists(g)) {
		if (!pathf(p, "%s/devices", g))
			return;
		mkdir_p(p);
		if (pathf(p, "%s/type", g))
			file_write(p, "DMA\n", 4);
	}
	if (pathf(p, "%s/devices/%s", g, base_of(devdir)))
		link_to(p, devdir);
	if (pathf(p, "%s/iommu_group", devdir))
		link_to(p, g);
}

/* DEVDIR leaves its group; an empty group goes (iommu_group_release). */
static void group_leave(const char *devdir)
{
	char g[PATH_MAX], p[PATH_MAX];
	char **v;

	if (!pathf(p, "%s/iommu_group", devdir) || !canon(p, g) || !in_sys(g))
		return;
	if (pathf(p, "%s/devices/%s", g, base_of(devdir)))
		syscall(SYS_unlinkat, AT_FDCWD, p, 0);
	if (pathf(p, "%s/devices", g) && (v = names_of(p))) {
		if (!v[0])
			rm_rf(g);
		names_free(v);
	}
}

/* ---------------------------------------------------------------------------
 * SR-IOV (drivers/pci/iov.c)
 */

struct pf {
	char dir[PATH_MAX];
	unsigned dom, rid;
	unsigned long ven, vfdev, class, subv, subd, rev, offset, stride;
	bool autoprobe;
	char vfdriver[256];
	enum { GROUP_NEW, GROUP_PF, GROUP_NONE, GROUP_FROM } groups;
	int group;
	unsigned char config[64];
};

static bool pf_read(const char *pfdir, struct pf *pf)
{
	char p[PATH_MAX], w[64];
	unsigned bus, dev, fn;

	memset(pf, 0, sizeof(*pf));
	snprintf(pf->dir, sizeof(pf->dir), "%s", pfdir);
	if (sscanf(base_of(pfdir), "%x:%x:%x.%x", &pf->dom, &bus, &dev, &fn) != 4)
		return false;
	pf->rid = bus << 8 | dev << 3 | fn;
#define PF_NUM(field, name, base, def) pf->field = pathf(p, "%s/" name, pfdir) ? file_num(p, base, def) : (def)
	PF_NUM(ven, "vendor", 16, 0xffff);
	PF_NUM(vfdev, "device", 16, 0xffff);
	PF_NUM(vfdev, "sriov_vf_device", 16, pf->vfdev);
	PF_NUM(class, "class", 16, 0);
	PF_NUM(subv, "subsystem_vendor", 16, 0);
	PF_NUM(subd, "subsystem_device", 16, 0);
	PF_NUM(rev, "revision", 16, 0);
	PF_NUM(offset, "sriov_offset", 10, 1);
	PF_NUM(stride, "sriov_vf_stride", 10, 1);   /* mkhost's older name */
	PF_NUM(stride, "sriov_stride", 10, pf->stride);
	PF_NUM(autoprobe, "sriov_drivers_autoprobe", 10, 1);
#undef PF_NUM
	if (pathf(p, "%s/sriov_numvfs.kmock-vfdriver", pfdir) && file_word(p, pf->vfdriver, sizeof(pf->vfdriver))) {
		if (!strcmp(pf->vfdriver, "none"))
			pf->vfdriver[0] = '\0';
	} else {
		driver_of(pfdir, pf->vfdriver, sizeof(pf->vfdriver));
	}
	pf->groups = pathf(p, "%s/iommu_group", pfdir) && exists(p) ? GROUP_NEW : GROUP_NONE;
	if (pathf(p, "%s/sriov_numvfs.kmock-group", pfdir) && file_word(p, w, sizeof(w))) {
		if (!strcmp(w, "pf"))
			pf->groups = GROUP_PF;
		else if (!strcmp(w, "none"))
			pf->groups = GROUP_NONE;
		else if (w[0] >= '0' && w[0] <= '9') {
			pf->groups = GROUP_FROM;
			pf->group = atoi(w);
		}
	}
	if (pf->groups == GROUP_PF) {
		if (!pathf(p, "%s/iommu_group", pfdir) || !link_base(pfdir, "iommu_group", w, sizeof(w)))
			pf->groups = GROUP_NONE;
		else
			pf->group = atoi(w);
	}
	if (pathf(p, "%s/config", pfdir)) {
		int fd = r_open(p, O_RDONLY, 0);
		if (fd >= 0) {
			r_pread(fd, pf->config, sizeof(pf->config), 0);
			r_close(fd);
		}
	}
	return true;
}

static int vf_count(const char *pfdir)
{
	char p[PATH_MAX];
	int n = 0;

	while (pathf(p, "%s/virtfn%d", pfdir, n) && exists(p))
		n++;
	return n;
}

/* One VF, as pci_iov_add_virtfn makes it: routing ID PF + offset + i *
 * stride, the VF device id, the PF's class and subsystem, physfn/virtfnN and
 * bus links, and its own IOMMU group. */
static int vf_add(const struct pf *pf, int i)
{
	char vf[PATH_MAX], parent[PATH_MAX], addr[32], p[PATH_MAX], t[PATH_MAX], modalias[96], buf[512];
	unsigned long rid = pf->rid + pf->offset + (unsigned long)i * pf->stride;
	unsigned char cfg[64];

	if (rid > 0xffff)
		return -ENOMEM;   /* "SR-IOV: bus number out of range" */
	snprintf(addr, sizeof(addr), "%04x:%02lx:%02lx.%lx", pf->dom, rid >> 8, (rid >> 3) & 0x1f, rid & 7);
	dir_of(pf->dir, parent);
	if (!pathf(vf, "%s/%s", parent, addr) || !sysf(p, "bus/pci/devices/%s", addr))
		return -ENAMETOOLONG;
	if (exists(p) || exists(vf))
		return -EEXIST;   /* the bed already has a device there */
	if (mkdir_p(vf) < 0)
		return -EIO;
#define VF_FILE(name, ...) \
	do { if (pathf(p, "%s/" name, vf)) file_printf(p, __VA_ARGS__); } while (0)
	VF_FILE("vendor", "0x%04lx\n", pf->ven);
	VF_FILE("device", "0x%04lx\n", pf->vfdev);
	VF_FILE("subsystem_vendor", "0x%04lx\n", pf->subv);
	VF_FILE("subsystem_device", "0x%04lx\n", pf->subd);
	VF_FILE("class", "0x%06lx\n", pf->class);
	VF_FILE("revision", "0x%02lx\n", pf->rev);
	snprintf(modalias, sizeof(modalias), "pci:v%08lXd%08lXsv%08lXsd%08lXbc%02lXsc%02lXi%02lX", pf->ven,
		 pf->vfdev, pf->subv, pf->subd, pf->class >> 16, (pf->class >> 8) & 0xff, pf->class & 0xff);
	VF_FILE("modalias", "%s\n", modalias);
	snprintf(buf, sizeof(buf), "PCI_CLASS=%lX\nPCI_ID=%04lX:%04lX\nPCI_SUBSYS_ID=%04lX:%04lX\nPCI_SLOT_NAME=%s\nMODALIAS=%s\n",
		 pf->class, pf->ven, pf->vfdev, pf->subv, pf->subd, addr, modalias);
	VF_FILE("uevent", "%s", buf);
	VF_FILE("resource", "%s", "0x00000000fb000000 0x00000000fbffffff 0x0000000000040200\n");
	VF_FILE("enable", "%s", "1\n");
	VF_FILE("driver_override", "%s", "(null)\n");
	if (pf->class >> 16 == 3)
		VF_FILE("boot_vga", "%s", "0\n");
#undef VF_FILE
	memcpy(cfg, pf->config, sizeof(cfg));
	cfg[0] = (unsigned char)(pf->ven & 0xff);
	cfg[1] = (unsigned char)(pf->ven >> 8);
	cfg[2] = (unsigned char)(pf->vfdev & 0xff);
	cfg[3] = (unsigned char)(pf->vfdev >> 8);
	cfg[0x0e] = 0;   /* a VF is a single-function type 0 header */
	if (pathf(p, "%s/config", vf))
		file_write(p, cfg, sizeof(cfg));
	if (pathf(t, "%s/sriov_numvfs.kmock-vf", pf->dir) && exists(t))
		cp_r(t, vf);
	if (pathf(p, "%s/subsystem", vf) && sysf(t, "bus/pci"))
		link_to(p, t);
	if (pathf(p, "%s/physfn", vf))
		link_to(p, pf->dir);
	if (pathf(p, "%s/virtfn%d", pf->dir, i))
		link_to(p, vf);
	if (sysf(p, "bus/pci/devices/%s", addr))
		link_to(p, vf);
	switch (pf->groups) {
	case GROUP_NEW: group_join(vf, group_free_id()); break;
	case GROUP_PF: group_join(vf, pf->group); break;
	case GROUP_FROM: group_join(vf, pf->group + i); break;
	case GROUP_NONE: break;
	}
	uevent_dev("add", vf, "pci", NULL);
	/* pci_bus_add_device -> pci_dev_is_added; the VF is probed only when the
	 * PF's sriov_drivers_autoprobe is 1 */
	if (pf->autoprobe && pf->vfdriver[0] && driver_dir(pf->vfdriver, t) && exists(t) &&
	    dev_probe(vf, pf->vfdriver) == 0)
		dev_bind(vf, pf->vfdriver);
	return 0;
}

/* pci_iov_remove_virtfn, last VF first. */
static void vfs_remove(const char *pfdir, int n)
{
	char lnk[PATH_MAX], vf[PATH_MAX], p[PATH_MAX], lines[PAGE];

	for (int i = n - 1; i >= 0; i--) {
		if (!pathf(lnk, "%s/virtfn%d", pfdir, i))
			continue;
		if (canon(lnk, vf) && in_sys(vf)) {
			dev_unbind(vf);
			lines[0] = '\0';
			if (pathf(p, "%s/uevent", vf))
				file_read(p, lines, sizeof(lines));
			group_leave(vf);
			if (sysf(p, "bus/pci/devices/%s", base_of(vf)))
				syscall(SYS_unlinkat, AT_FDCWD, p, 0);
			rm_rf(vf);
			uevent("remove", vf, "pci", lines, NULL);
		}
		syscall(SYS_unlinkat, AT_FDCWD, lnk, 0);
	}
}

/* ---------------------------------------------------------------------------
 * The stores
 */

struct store {
	const char *path;        /* the attribute, canonical, in the bed */
	char dir[PATH_MAX];      /* its directory */
	char val[PAGE + 1];      /* what was written, NUL-terminated as the kernel terminates it */
	size_t count;            /* how many bytes were written */
	const char *before;      /* what a read showed until now */
	char show[256];          /* what a read shows afterwards */
	bool show_set;
	bool gone;               /* the attribute left with its device */
};

static void show(struct store *s, const char *fmt, ...) PRINTF(2, 3);
static void show(struct store *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->show, sizeof(s->show), fmt, ap);
	va_end(ap);
	s->show_set = true;
}

/* sriov_numvfs_store */
static int store_numvfs(struct store *s)
{
	unsigned long long want;
	char p[PATH_MAX], drv[256], d[PATH_MAX];
	int cur = vf_count(s->dir), made, r;
	struct pf pf;

	show(s, "%d\n", cur);
	if (kstrtoull(s->val, 0, &want) < 0 || want > 0xffff)
		return -EINVAL;
	if (!pathf(p, "%s/sriov_totalvfs", s->dir) || want > file_num(p, 10, 0))
		return -ERANGE;
	if ((int)want == cur)
		return 0;
	if (!driver_of(s->dir, drv, sizeof(drv)))
		return -ENOENT;   /* "no driver bound to device; cannot configure SR-IOV" */
	if (!driver_dir(drv, d) || !pathf(p, "%s/kmock-sriov-configure", d) || !exists(p))
		return -ENOENT;   /* "driver does not support SR-IOV configuration via sysfs" */
	if (want == 0) {
		vfs_remove(s->dir, cur);
		show(s, "0\n");
		return 0;
	}
	if (cur)
		return -EBUSY;    /* "%d VFs already enabled. Disable before enabling %d VFs" */
	made = (int)want;
	if (pathf(p, "%s.kmock-partial", s->path) && exists(p) && file_num(p, 10, want) < want)
		made = (int)file_num(p, 10, want);   /* "%d VFs requested; only %d enabled" */
	if (!pf_read(s->dir, &pf))
		return -EIO;
	for (int i = 0; i < made; i++) {
		r = vf_add(&pf, i);
		if (r < 0) {
			vfs_remove(s->dir, i);
			return r;
		}
	}
	show(s, "%d\n", made);
	return 0;
}

/* sriov_drivers_autoprobe_store */
static int store_autoprobe(struct store *s)
{
	bool on;

	if (kstrtobool(s->val, &on) < 0)
		return -EINVAL;
	show(s, "%d\n", on);
	return 0;
}

/* driver_override_store -> driver_set_override: set, or cleared by an empty
 * string or a lone newline; no binding happens. */
static int store_override(struct store *s)
{
	size_t len;

	if (s->count >= PAGE - 1)
		return -EINVAL;
	len = strcspn(s->val, "\n");
	if (!len)
		show(s, "(null)\n");
	else
		show(s, "%.*s\n", (int)len, s->val);
	return 0;
}

/* bind_store */
static int store_bind(struct store *s)
{
	char devdir[PATH_MAX], cur[256];
	const char *drv = base_of(s->dir);
	int r;

	show(s, "%s", "");
	if (!dev_by_name(s->val, devdir) || !dev_matches(devdir, drv))
		return -ENODEV;
	if (driver_of(devdir, cur, sizeof(cur)))
		return -EBUSY;    /* __driver_probe_device: dev->driver set */
	r = dev_probe(devdir, drv);
	if (r < 0)
		return r;
	dev_bind(devdir, drv);
	return 0;
}

/* unbind_store */
static int store_unbind(struct store *s)
{
	char devdir[PATH_MAX], cur[256];

	show(s, "%s", "");
	if (!dev_by_name(s->val, devdir) || !driver_of(devdir, cur, sizeof(cur)) ||
	    strcmp(cur, base_of(s->dir)) != 0)
		return -ENODEV;
	dev_unbind(devdir);
	return 0;
}

/* drivers_probe_store: a device already bound stays; no driver is no error. */
static int store_probe(struct store *s)
{
	char devdir[PATH_MAX];

	show(s, "%s", "");
	if (!dev_by_name(s->val, devdir))
		return -ENODEV;
	dev_attach(devdir);
	return 0;
}

/* new_id_store / remove_id_store: "VVVV DDDD [...]" in hex. */
static int store_ids(struct store *s, bool add)
{
	char p[PATH_MAX], ids[PAGE], id[16], d[PATH_MAX], out[PAGE + 16];
	unsigned ven, dev, subv, subd, cls, mask;
	unsigned long data;
	size_t n = 0;
	bool found = false;
	char **v;

	show(s, "%s", "");
	if (sscanf(s->val, "%x %x %x %x %x %x %lx", &ven, &dev, &subv, &subd, &cls, &mask, &data) < 2)
		return -EINVAL;
	snprintf(id, sizeof(id), "%04x:%04x", ven & 0xffff, dev & 0xffff);
	if (!pathf(p, "%s/kmock-ids", s->dir))
		return -EINVAL;
	if (file_read(p, ids, sizeof(ids)) < 0)
		ids[0] = '\0';
	for (char *save, *line = strtok_r(ids, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(line, id)) {
			found = true;
			if (!add)
				continue;
		}
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s\n", line);
		if (n >= sizeof(out))
			return -ENOSPC;
	}
	if (add && found)
		return -EEXIST;
	if (!add && !found)
		return -ENODEV;
	if (add)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s\n", id);
	if (n >= sizeof(out))
		return -ENOSPC;
	file_write(p, out, n);
	if (!add)
		return 0;
	/* pci_add_dynid -> driver_attach: every unbound device that now matches */
	if (!sysf(d, "bus/pci/devices") || !(v = names_of(d)))
		return 0;
	for (char **e = v; *e; e++) {
		char devdir[PATH_MAX], cur[256];
		if (!pathf(p, "%s/%s", d, *e) || !canon(p, devdir) || driver_of(devdir, cur, sizeof(cur)))
			continue;
		if (dev_matches(devdir, base_of(s->dir)) && dev_probe(devdir, base_of(s->dir)) == 0)
			dev_bind(devdir, base_of(s->dir));
	}
	names_free(v);
	return 0;
}

static int store_new_id(struct store *s)
{
	return store_ids(s, true);
}

static int store_remove_id(struct store *s)
{
	return store_ids(s, false);
}

/* mdev create_store -> mdev_device_create (drivers/vfio/mdev) */
static int store_create(struct store *s)
{
	char uuid[37], typedir[PATH_MAX], parent[PATH_MAX], mdev[PATH_MAX], p[PATH_MAX], t[PATH_MAX];
	const char *type;

	show(s, "%s", "");
	if (s->count < 36 || s->count > 37 || !uuid_valid(s->val))
		return -EINVAL;
	for (int i = 0; i < 36; i++)
		uuid[i] = (char)(s->val[i] >= 'A' && s->val[i] <= 'F' ? s->val[i] - 'A' + 'a' : s->val[i]);
	uuid[36] = '\0';
	snprintf(typedir, sizeof(typedir), "%s", s->dir);
	type = base_of(typedir);
	dir_of(typedir, p);
	dir_of(p, parent);
	if (!sysf(p, "bus/mdev/devices/%s", uuid) || exists(p))
		return -EEXIST;   /* the UUID is taken, on any parent */
	if (pathf(p, "%s/available_instances", typedir) && exists(p)) {
		unsigned long avail = file_num(p, 10, 0);
		if (!avail)
			return -EUSERS;
		file_printf(p, "%lu\n", avail - 1);
	}
	if (!pathf(mdev, "%s/%s", parent, uuid) || mkdir_p(mdev) < 0)
		return -EIO;
	if (pathf(p, "%s/remove", mdev))
		file_write(p, "", 0);
	if (pathf(p, "%s/uevent", mdev))
		file_printf(p, "MDEV_TYPE=%s\n", type);
	if (pathf(p, "%s/mdev_type", mdev))
		link_to(p, typedir);
	if (sysf(t, "bus/mdev/devices") && mkdir_p(t) == 0 && pathf(p, "%s/%s", t, uuid))
		link_to(p, mdev);
	if (pathf(p, "%s/subsystem", mdev) && sysf(t, "bus/mdev"))
		link_to(p, t);
	if (pathf(p, "%s/devices", typedir) && mkdir_p(p) == 0 && pathf(p, "%s/devices/%s", typedir, uuid))
		link_to(p, mdev);
	/* vfio's emulated IOMMU: a group of its own */
	group_join(mdev, group_free_id());
	uevent_dev("add", mdev, "mdev", NULL);
	return 0;
}

/* mdev remove_store: 0 does nothing; a vendor driver refuses while a VM
 * holds the device (the kmock-in-use marker). */
static int store_mremove(struct store *s)
{
	unsigned long long v;
	char typedir[PATH_MAX], p[PATH_MAX], lines[PAGE] = "";
	const char *uuid = base_of(s->dir);

	show(s, "%s", "");
	if (kstrtoull(s->val, 0, &v) < 0)
		return -EINVAL;
	if (!v)
		return 0;
	if (pathf(p, "%s/kmock-in-use", s->dir) && exists(p))
		return -EBUSY;
	if (pathf(p, "%s/mdev_type", s->dir) && canon(p, typedir) && in_sys(typedir)) {
		if (pathf(p, "%s/devices/%s", typedir, uuid))
			syscall(SYS_unlinkat, AT_FDCWD, p, 0);
		if (pathf(p, "%s/available_instances", typedir) && exists(p))
			file_printf(p, "%lu\n", file_num(p, 10, 0) + 1);
	}
	if (sysf(p, "bus/mdev/devices/%s", uuid))
		syscall(SYS_unlinkat, AT_FDCWD, p, 0);
	if (pathf(p, "%s/uevent", s->dir))
		file_read(p, lines, sizeof(lines));
	group_leave(s->dir);
	rm_rf(s->dir);
	uevent("remove", s->dir, "mdev", lines, NULL);
	s->gone = true;
	return 0;
}

/* Whether type ID is listed in creatable_vgpu_types ("ID : name" lines
 * under an "ID : vGPU Name" header). */
static bool vgpu_creatable(const char *nvdir, unsigned long long id)
{
	char p[PATH_MAX], buf[PAGE];

	if (!pathf(p, "%s/creatable_vgpu_types", nvdir) || file_read(p, buf, sizeof(buf)) < 0)
		return false;
	for (char *save, *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *end;
		unsigned long long v;
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line < '0' || *line > '9')
			continue;
		v = strtoull(line, &end, 10);
		while (*end == ' ' || *end == '\t')
			end++;
		if (*end == ':' && v == id)
			return true;
	}
	return false;
}

/* NVIDIA's per-VF current_vgpu_type (vGPU 17+ on kernel >= 6.8): 0, or a
 * creatable type; another type only by way of 0. The driver's errno values
 * are not documented; these are the ones a store refusing so would give. */
static int store_vgpu(struct store *s)
{
	unsigned long long want, cur = 0;
	char vfdir[PATH_MAX], p[PATH_MAX];

	if (!s->before || kstrtoull(s->before, 10, &cur) < 0)
		cur = 0;
	show(s, "%llu\n", cur);
	if (kstrtoull(s->val, 10, &want) < 0 || want > 0xffffffffULL)
		return -EINVAL;
	if (want == cur)
		return 0;
	if (cur && want)
		return -EBUSY;    /* another type only by way of 0 */
	dir_of(s->dir, vfdir);
	if (cur && pathf(p, "%s/kmock-in-use", vfdir) && exists(p))
		return -EBUSY;    /* a VM holds the vGPU */
	if (want && !vgpu_creatable(s->dir, want))
		return -EINVAL;
	show(s, "%llu\n", want);
	return 0;
}

typedef int store_fn(struct store *s);

/* The store for attribute P (canonical, in the bed's sys/), or NULL; *WO
 * says the attribute is write-only (a read gets EACCES). */
static store_fn *store_for(const char *p, bool *wo)
{
	const char *name = base_of(p);
	char dir[PATH_MAX], up[PATH_MAX], t[PATH_MAX];

	*wo = false;
	if (strstr(p, ".kmock-"))
		return NULL;   /* a control file, or a template the double copies */
	dir_of(p, dir);
	dir_of(dir, up);
	if (!strcmp(name, "sriov_numvfs"))
		return store_numvfs;
	if (!strcmp(name, "sriov_drivers_autoprobe"))
		return store_autoprobe;
	if (!strcmp(name, "driver_override"))
		return store_override;
	if (!strcmp(name, "current_vgpu_type"))
		return !strcmp(base_of(dir), "nvidia") ? store_vgpu : NULL;
	*wo = true;
	if (sysf(t, "bus/pci/drivers") && !strcmp(up, t)) {
		if (!strcmp(name, "bind"))
			return store_bind;
		if (!strcmp(name, "unbind"))
			return store_unbind;
		if (!strcmp(name, "new_id"))
			return store_new_id;
		if (!strcmp(name, "remove_id"))
			return store_remove_id;
	}
	if (!strcmp(name, "drivers_probe") && sysf(t, "bus/pci") && !strcmp(dir, t))
		return store_probe;
	if (!strcmp(name, "create") && !strcmp(base_of(up), "mdev_supported_types"))
		return store_create;
	if (!strcmp(name, "remove") && pathf(t, "%s/mdev_type", dir) && exists(t))
		return store_mremove;
	*wo = false;
	return NULL;
}

static bool watched(const char *name)
{
	static const char *const names[] = {
		"sriov_numvfs", "sriov_drivers_autoprobe", "driver_override", "bind", "unbind", "new_id",
		"remove_id", "drivers_probe", "create", "remove", "current_vgpu_type",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* ATTR.kmock-errno: "ENAME|NUMBER [VALUE...]": the store fails with that
 * errno (only for those values when some are listed) and changes nothing. */
static int injected(const char *attr, const char *val)
{
	char p[PATH_MAX], buf[512], mine[PAGE + 1];
	char *save = NULL, *w;
	int e = 0;

	if (!pathf(p, "%s.kmock-errno", attr) || file_read(p, buf, sizeof(buf)) < 0)
		return 0;
	w = strtok_r(buf, " \t\n", &save);
	if (!w)
		return 0;
	if (w[0] >= '0' && w[0] <= '9') {
		e = atoi(w);
	} else {
		for (int i = 1; i < 4096 && !e; i++) {
			const char *n = strerrorname_np(i);
			if (n && !strcmp(n, w))
				e = i;
		}
	}
	if (e <= 0)
		return 0;
	streq_name(val, mine, sizeof(mine));
	w = strtok_r(NULL, " \t\n", &save);
	if (!w)
		return -e;
	for (; w; w = strtok_r(NULL, " \t\n", &save))
		if (!strcmp(w, mine))
			return -e;
	return 0;
}

/* One store of BUF (COUNT bytes) to attribute PATH, whose reads showed
 * BEFORE: the delay and errno from the control files, then the kernel's
 * rule; the file then shows what a read of the attribute would. Returns 0 or
 * -errno. Called with the lock held. */
static int answer(const char *path, const char *buf, size_t count, const char *before, size_t before_len)
{
	static struct store s;   /* big; under the lock */
	char p[PATH_MAX];
	store_fn *fn;
	bool wo;
	int r;

	fn = store_for(path, &wo);
	if (!fn)
		return 0;
	memset(&s, 0, sizeof(s));
	s.path = path;
	dir_of(path, s.dir);
	s.count = count;
	memcpy(s.val, buf, count);
	s.val[count] = '\0';
	s.before = before;
	if (pathf(p, "%s.kmock-delay-ms", path) && exists(p)) {
		unsigned long ms = file_num(p, 10, 0);
		struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	r = injected(path, s.val);
	if (r == 0)
		r = fn(&s);
	else if (fn == store_numvfs)
		show(&s, "%d\n", vf_count(s.dir));
	if (!s.gone) {
		if (s.show_set && (r == 0 || fn == store_numvfs))
			file_write(path, s.show, strlen(s.show));
		else if (before)
			file_write(path, before, before_len);
	}
	log_store(path, buf, count, r);
	return r;
}

/* ---------------------------------------------------------------------------
 * Descriptors open on an attribute for writing
 */

struct track {
	char path[PATH_MAX];
	char *before;            /* what a read showed when it was opened */
	size_t before_len;
	bool append;
	bool answered;           /* a write(2) on it was answered: nothing left for close */
};

static struct track *tab[MAXFD];

static struct track *tracked(int fd)
{
	return fd >= 0 && fd < MAXFD ? __atomic_load_n(&tab[fd], __ATOMIC_ACQUIRE) : NULL;
}

static void track_free(struct track *t)
{
	if (t) {
		free(t->before);
		free(t);
	}
}

static char *read_all(const char *p, size_t *len)
{
	char *buf = malloc(PAGE + 1);
	ssize_t n;

	if (!buf)
		abort();
	n = file_read(p, buf, PAGE + 1);
	if (n < 0) {
		free(buf);
		*len = 0;
		return NULL;
	}
	*len = (size_t)n;
	return buf;
}

/* The entry for FD when it is still open on its attribute (an fd closed
 * behind our back, by close_range or exec, leaves a stale one). Lock held. */
static struct track *entry(int fd)
{
	struct track *t = tracked(fd);
	char p[PATH_MAX];

	if (t && (!fd_path(fd, p) || strcmp(p, t->path) != 0)) {
		__atomic_store_n(&tab[fd], NULL, __ATOMIC_RELEASE);
		track_free(t);
		t = NULL;
	}
	return t;
}

static void track(int fd, const char *path, bool append)
{
	struct track *t;

	if (fd < 0 || fd >= MAXFD)
		return;
	t = calloc(1, sizeof(*t));
	if (!t)
		abort();
	snprintf(t->path, sizeof(t->path), "%s", path);
	t->before = read_all(path, &t->before_len);
	t->append = append;
	track_free(__atomic_exchange_n(&tab[fd], t, __ATOMIC_ACQ_REL));
}

/* Another descriptor of this process open on PATH, or -1. */
static int other_fd(const char *path, int except)
{
	char **v = names_of("/proc/self/fd"), p[PATH_MAX];
	int found = -1;

	for (char **s = v; v && *s && found < 0; s++) {
		int fd = atoi(*s);
		if (fd != except && fd_path(fd, p) && !strcmp(p, path))
			found = fd;
	}
	names_free(v);
	return found;
}

struct pending {
	struct track *t;
	char *content;
	size_t len;
};

/* FD goes away (close, dup2 over it, fclose). When another descriptor shares
 * the file (dup2 to stdout, then close), it takes the entry over; otherwise
 * what a stdio writer left in the file is taken for one store, made by
 * release_finish after the descriptor is gone. Lock held. */
static void release_start(int fd, struct pending *pd)
{
	struct track *t = entry(fd);
	struct stat st;
	off_t start = 0, end;
	int other, rfd;

	memset(pd, 0, sizeof(*pd));
	if (!t)
		return;
	__atomic_store_n(&tab[fd], NULL, __ATOMIC_RELEASE);
	other = other_fd(t->path, fd);
	if (other >= 0) {
		if (other < MAXFD && !tracked(other))
			__atomic_store_n(&tab[other], t, __ATOMIC_RELEASE);
		else
			track_free(t);
		return;
	}
	if (t->answered) {
		track_free(t);
		return;
	}
	if (t->append) {
		start = (off_t)t->before_len;
		end = syscall(SYS_fstat, fd, &st) == 0 ? st.st_size : 0;
	} else {
		end = (off_t)syscall(SYS_lseek, fd, 0, SEEK_CUR);
	}
	if (end <= start || end - start > PAGE) {
		track_free(t);
		return;
	}
	pd->t = t;
	pd->len = (size_t)(end - start);
	pd->content = malloc(pd->len + 1);
	if (!pd->content)
		abort();
	/* FD is most often write-only: read the bytes through the path */
	rfd = r_open(t->path, O_RDONLY, 0);
	if (rfd < 0 || r_pread(rfd, pd->content, pd->len, start) != (ssize_t)pd->len) {
		free(pd->content);
		track_free(t);
		memset(pd, 0, sizeof(*pd));
	}
	if (rfd >= 0)
		r_close(rfd);
}

/* 0, or -errno of the store a stdio writer made. */
static int release_finish(struct pending *pd)
{
	int r = 0;

	if (!pd->t)
		return 0;
	pthread_mutex_lock(&lock);
	if (bed_on() && in_sys(pd->t->path))
		r = answer(pd->t->path, pd->content, pd->len, pd->t->before, pd->t->before_len);
	pthread_mutex_unlock(&lock);
	free(pd->content);
	track_free(pd->t);
	return r;
}

/* ---------------------------------------------------------------------------
 * The hooks
 */

static void *next_sym(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (!p) {
		static const char msg[] = "libgvkmock: a libc function is missing\n";
		r_write(2, msg, sizeof(msg) - 1);
		abort();
	}
	return p;
}

#define NEXT(var, name) do { if (!(var)) (var) = next_sym(name); } while (0)

enum opener { OPEN, OPEN64, OPEN_2, OPEN64_2, OPENAT, OPENAT64 };

static int call_open(enum opener how, int dirfd, const char *path, int flags, mode_t mode)
{
	static int (*o)(const char *, int, ...), (*o64)(const char *, int, ...);
	static int (*o2)(const char *, int), (*o642)(const char *, int);
	static int (*oat)(int, const char *, int, ...), (*oat64)(int, const char *, int, ...);

	switch (how) {
	case OPEN: NEXT(o, "open"); return o(path, flags, mode);
	case OPEN64: NEXT(o64, "open64"); return o64(path, flags, mode);
	case OPEN_2: NEXT(o2, "__open_2"); return o2(path, flags);
	case OPEN64_2: NEXT(o642, "__open64_2"); return o642(path, flags);
	case OPENAT: NEXT(oat, "openat"); return oat(dirfd, path, flags, mode);
	case OPENAT64: NEXT(oat64, "openat64"); return oat64(dirfd, path, flags, mode);
	}
	return -1;
}

/* Where PATH (relative to DIRFD) lands in the bed's sys/: OUT; false when
 * outside it. Lock held. */
static bool bed_path(int dirfd, const char *path, char out[PATH_MAX])
{
	char base[PATH_MAX];

	if (path[0] == '/') {
		if (!strncmp(path, "/sys/", 5))
			return pathf(out, "%s%s", bed, path);
		return pathf(out, "%s", path) && in_sys(out);
	}
	if (dirfd == AT_FDCWD) {
		if (syscall(SYS_getcwd, base, sizeof(base)) < 0)
			return false;
	} else if (!fd_path(dirfd, base)) {
		return false;
	}
	return pathf(out, "%s/%s", base, path) && in_sys(out);
}

/* The kernel has these attributes on every device, driver and PF; the beds
 * made by mkhost do not (without its kernel flag), so they appear when first
 * opened. */
static void provide(const char *p)
{
	char dir[PATH_MAX], cdir[PATH_MAX], up[PATH_MAX], t[PATH_MAX], sub[PATH_MAX];
	const char *name = base_of(p);

	dir_of(p, dir);
	if (!canon(dir, cdir) || !in_sys(cdir))
		return;
	dir_of(cdir, up);
	if (!strcmp(name, "driver_override")) {
		if (pathf(t, "%s/subsystem", cdir) && canon(t, sub) && sysf(t, "bus/pci") && !strcmp(sub, t) &&
		    pathf(t, "%s/driver_override", cdir))
			file_write(t, "(null)\n", 7);
	} else if (!strcmp(name, "bind") || !strcmp(name, "unbind") || !strcmp(name, "new_id") ||
		   !strcmp(name, "remove_id")) {
		if (sysf(t, "bus/pci/drivers") && !strcmp(up, t) && pathf(t, "%s/%s", cdir, name))
			file_write(t, "", 0);
	} else if (!strcmp(name, "sriov_drivers_autoprobe")) {
		if (pathf(t, "%s/sriov_totalvfs", cdir) && exists(t) && pathf(t, "%s/%s", cdir, name))
			file_write(t, "1\n", 2);
	} else if (!strcmp(name, "drivers_probe")) {
		if (sysf(t, "bus/pci") && !strcmp(cdir, t) && pathf(t, "%s/drivers_probe", cdir))
			file_write(t, "", 0);
	}
}

static int kopen(enum opener how, int dirfd, const char *path, int flags, mode_t mode)
{
	char where[PATH_MAX], real[PATH_MAX], dir[PATH_MAX];
	int acc = flags & O_ACCMODE, saved = errno, fd;
	bool wr = acc != O_RDONLY && !(flags & O_PATH), wo;
	struct stat st;

	if (!path || !watched(base_of(path)) || !getenv("UMOCKDEV_DIR"))
		return call_open(how, dirfd, path, flags, mode);
	pthread_mutex_lock(&lock);
	if (bed_on() && bed_path(dirfd, path, where) && r_stat(where, &st, 0) < 0) {
		provide(where);
		dir_of(where, dir);
		bool via_sys = path[0] != '/' || !strncmp(path, "/sys/", 5);
		if ((flags & O_CREAT) && via_sys && r_stat(where, &st, 0) < 0 && r_stat(dir, &st, 0) == 0) {
			/* sysfs directories cannot create files (no ->create); a
			 * test making its bed by the bed's own path may */
			pthread_mutex_unlock(&lock);
			errno = EACCES;
			return -1;
		}
	}
	pthread_mutex_unlock(&lock);
	/* sysfs ignores O_TRUNC; a file the double does not answer for gets
	 * it back below */
	fd = call_open(how, dirfd, path, wr ? flags & ~O_TRUNC : flags, mode);
	if (fd < 0)
		return fd;
	pthread_mutex_lock(&lock);
	if (!fd_path(fd, real) || !bed_on() || !in_sys(real) || !store_for(real, &wo)) {
		pthread_mutex_unlock(&lock);
		if (wr && (flags & O_TRUNC))
			syscall(SYS_ftruncate, fd, 0);
		errno = saved;
		return fd;
	}
	if (wo && acc != O_WRONLY && !(flags & O_PATH)) {
		/* kernfs_fop_open: an attribute without show() cannot be read */
		pthread_mutex_unlock(&lock);
		r_close(fd);
		errno = EACCES;
		return -1;
	}
	if (wr)
		track(fd, real, flags & O_APPEND);
	pthread_mutex_unlock(&lock);
	errno = saved;
	return fd;
}

static mode_t va_mode(int flags, va_list ap)
{
	return flags & (O_CREAT | O_TMPFILE) ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = va_mode(flags, ap);
	va_end(ap);
	return kopen(OPEN, AT_FDCWD, path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = va_mode(flags, ap);
	va_end(ap);
	return kopen(OPEN64, AT_FDCWD, path, flags, mode);
}

int __open_2(const char *path, int flags);
int __open_2(const char *path, int flags)
{
	return kopen(OPEN_2, AT_FDCWD, path, flags, 0);
}

int __open64_2(const char *path, int flags);
int __open64_2(const char *path, int flags)
{
	return kopen(OPEN64_2, AT_FDCWD, path, flags, 0);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = va_mode(flags, ap);
	va_end(ap);
	return kopen(OPENAT, dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = va_mode(flags, ap);
	va_end(ap);
	return kopen(OPENAT64, dirfd, path, flags, mode);
}

/* fopen's flags, as glibc derives them from MODE; -1 when unknown. */
static int fopen_flags(const char *mode)
{
	int acc, extra = 0;

	switch (mode[0]) {
	case 'r': acc = O_RDONLY; break;
	case 'w': acc = O_WRONLY; extra = O_CREAT | O_TRUNC; break;
	case 'a': acc = O_WRONLY; extra = O_CREAT | O_APPEND; break;
	default: return -1;
	}
	for (const char *s = mode + 1; *s && *s != ','; s++) {
		if (*s == '+')
			acc = O_RDWR;
		else if (*s == 'e')
			extra |= O_CLOEXEC;
		else if (*s == 'x')
			extra |= O_EXCL;
	}
	return acc | extra;
}

/* glibc's fopen opens through an internal call no hook sees: open it here. */
static FILE *kfopen(const char *path, const char *mode, bool is64)
{
	static FILE *(*f)(const char *, const char *), *(*f64)(const char *, const char *);
	int flags, fd;
	FILE *fp;

	if (!path || !mode || !watched(base_of(path)) || !getenv("UMOCKDEV_DIR") || (flags = fopen_flags(mode)) < 0) {
		if (is64) {
			NEXT(f64, "fopen64");
			return f64(path, mode);
		}
		NEXT(f, "fopen");
		return f(path, mode);
	}
	fd = kopen(OPEN, AT_FDCWD, path, flags, 0666);
	if (fd < 0)
		return NULL;
	fp = fdopen(fd, mode);
	if (!fp) {
		int e = errno;
		if (fd < MAXFD)
			track_free(__atomic_exchange_n(&tab[fd], NULL, __ATOMIC_ACQ_REL));
		r_close(fd);
		errno = e;
	}
	return fp;
}

FILE *fopen(const char *path, const char *mode)
{
	return kfopen(path, mode, false);
}

FILE *fopen64(const char *path, const char *mode)
{
	return kfopen(path, mode, true);
}

/* The attribute FD writes to: its entry, or (a descriptor inherited across
 * exec, or above MAXFD) a temporary one in TMP. Lock held on success. */
static struct track *attr_of(int fd, struct track *tmp)
{
	struct track *t;
	struct stat st;
	bool wo;

	if (tracked(fd)) {
		pthread_mutex_lock(&lock);
		if ((t = entry(fd)))
			return t;
		pthread_mutex_unlock(&lock);
		return NULL;
	}
	if (!getenv("UMOCKDEV_DIR") || syscall(SYS_fstat, fd, &st) < 0 || !S_ISREG(st.st_mode))
		return NULL;
	pthread_mutex_lock(&lock);
	if (bed_on() && fd_path(fd, tmp->path) && in_sys(tmp->path) && store_for(tmp->path, &wo)) {
		tmp->before = read_all(tmp->path, &tmp->before_len);
		tmp->append = false;
		tmp->answered = false;
		return tmp;
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* One write is one store (kernfs_fop_write_iter -> sysfs_kf_write). */
static ssize_t kwrite(struct track *t, struct track *tmp, const void *buf, size_t count)
{
	int r = 0;

	if (count > PAGE)
		r = -E2BIG;   /* more than atomic_write_len */
	else if (count)
		r = answer(t->path, buf, count, t->before, t->before_len);
	if (t == tmp) {
		free(tmp->before);
	} else if (r == 0 && count) {
		t->answered = true;
		free(t->before);
		t->before = read_all(t->path, &t->before_len);
	}
	pthread_mutex_unlock(&lock);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return (ssize_t)count;
}

ssize_t write(int fd, const void *buf, size_t count)
{
	static ssize_t (*w)(int, const void *, size_t);
	struct track tmp, *t;
	int saved = errno;

	if ((t = attr_of(fd, &tmp))) {
		errno = saved;
		return kwrite(t, &tmp, buf, count);
	}
	errno = saved;
	NEXT(w, "write");
	return w(fd, buf, count);
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t off)
{
	static ssize_t (*w)(int, const void *, size_t, off_t);
	struct track tmp, *t;
	int saved = errno;

	if ((t = attr_of(fd, &tmp))) {
		errno = saved;
		return kwrite(t, &tmp, buf, count);
	}
	errno = saved;
	NEXT(w, "pwrite");
	return w(fd, buf, count, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off64_t off)
{
	static ssize_t (*w)(int, const void *, size_t, off64_t);
	struct track tmp, *t;
	int saved = errno;

	if ((t = attr_of(fd, &tmp))) {
		errno = saved;
		return kwrite(t, &tmp, buf, count);
	}
	errno = saved;
	NEXT(w, "pwrite64");
	return w(fd, buf, count, off);
}

int close(int fd)
{
	static int (*c)(int);
	struct pending pd;
	int r, e, rr;

	NEXT(c, "close");
	if (!tracked(fd))
		return c(fd);
	pthread_mutex_lock(&lock);
	release_start(fd, &pd);
	pthread_mutex_unlock(&lock);
	r = c(fd);
	e = errno;
	rr = release_finish(&pd);
	if (r == 0 && rr < 0) {
		errno = -rr;
		return -1;
	}
	errno = e;
	return r;
}

/* dup2/dup3 over a tracked descriptor closes it without close(). */
static int kdup(int oldfd, int newfd, int flags, bool three)
{
	static int (*d2)(int, int), (*d3)(int, int, int);
	struct pending pd = { 0 };
	int r, e;

	NEXT(d2, "dup2");
	NEXT(d3, "dup3");
	if (oldfd != newfd && tracked(newfd) && syscall(SYS_fcntl, oldfd, F_GETFD) >= 0) {
		pthread_mutex_lock(&lock);
		release_start(newfd, &pd);
		pthread_mutex_unlock(&lock);
	}
	r = three ? d3(oldfd, newfd, flags) : d2(oldfd, newfd);
	e = errno;
	release_finish(&pd);
	errno = e;
	return r;
}

int dup2(int oldfd, int newfd)
{
	return kdup(oldfd, newfd, 0, false);
}

int dup3(int oldfd, int newfd, int flags)
{
	return kdup(oldfd, newfd, flags, true);
}

int fclose(FILE *fp)
{
	static int (*c)(FILE *);
	struct pending pd;
	int fd = fp ? fileno(fp) : -1, r, e, rr;

	NEXT(c, "fclose");
	if (!tracked(fd))
		return c(fp);
	fflush(fp);
	pthread_mutex_lock(&lock);
	release_start(fd, &pd);
	pthread_mutex_unlock(&lock);
	r = c(fp);
	e = errno;
	rr = release_finish(&pd);
	if (r == 0 && rr < 0) {
		errno = -rr;
		return EOF;
	}
	errno = e;
	return r;
}
