/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/scan/firmware-private.h"
#include "core/util/cmdline.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

#define SECUREBOOT_VAR "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"

/* Read a whole (small) file; -errno when it cannot be opened or read. */
static int read_text(const char *path, char **ret, size_t *ret_len)
{
	char *data = NULL;
	size_t len = 0, cap = 0;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		/* most files here are one line; /proc/cpuinfo grows to what it needs */
		if (len == cap) {
			cap = cap ? cap * 2 : 256;
			data = xrealloc(data, cap + 1);
		}
		ssize_t n = read(fd, data + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	data[len] = '\0';
	*ret = data;
	if (ret_len)
		*ret_len = len;
	data = NULL;
out:
	free(data);
	close(fd);
	return r;
}

static void strip(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 || lstat(path, &st) == 0;
}

static void push(char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 2, sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in DIR, without dot entries, sorted; -errno when the directory
 * is missing or unreadable. */
static int list_dir(const char *dir, char ***ret, size_t *ret_n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			push(&v, &n, de->d_name);
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* The first line of PATH without its newline; NULL when unreadable. */
static char *first_line(const char *path)
{
	char *s = NULL;

	if (read_text(path, &s, NULL) < 0)
		return NULL;
	s[strcspn(s, "\n")] = '\0';
	strip(s);
	return s;
}

static void scan_cpu(struct firmware *fw)
{
	char *text = NULL, *line, *save = NULL;
	int r = read_text("/proc/cpuinfo", &text, NULL);

	if (r < 0) {
		gv_log(GV_LOG_WARN, "/proc/cpuinfo: %s", strerror(-r));
		return;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		char *key = line, *val = colon + 1;
		*colon = '\0';
		strip(key);
		while (isspace((unsigned char)*val))
			val++;
		if (!strcmp(key, "vendor_id") && fw->cpu_vendor == HOST_CPU_UNKNOWN) {
			if (!strcmp(val, "GenuineIntel"))
				fw->cpu_vendor = HOST_CPU_INTEL;
			else if (!strcmp(val, "AuthenticAMD") || !strcmp(val, "HygonGenuine"))
				fw->cpu_vendor = HOST_CPU_AMD;
			else
				fw->cpu_vendor = HOST_CPU_OTHER;
		} else if (!strcmp(key, "flags") && !fw->cpu_flags) {
			strip(val);
			fw->cpu_flags = xstrdup(val);
		}
		if (fw->cpu_vendor != HOST_CPU_UNKNOWN && fw->cpu_flags)
			break;
	}
	free(text);
}

static void scan_kvm(struct firmware *fw)
{
	fw->kvm_module = exists("/sys/module/kvm") || exists("/sys/class/misc/kvm");
	if (access("/dev/kvm", F_OK) < 0)
		fw->kvm_dev = -ENOENT;
	else if (access("/dev/kvm", R_OK | W_OK) < 0)
		fw->kvm_dev = -EACCES;
	else
		fw->kvm_dev = 0;
}

static int cmp_group(const void *a, const void *b)
{
	const struct firmware_group *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static void scan_iommu(struct firmware *fw)
{
	char **names = NULL;
	size_t n = 0;

	fw->acpi_readable = access("/sys/firmware/acpi/tables", R_OK | X_OK) == 0;
	fw->dmar = exists("/sys/firmware/acpi/tables/DMAR");
	fw->ivrs = exists("/sys/firmware/acpi/tables/IVRS");
	list_dir("/sys/class/iommu", &fw->iommus, &fw->n_iommus);
	if (list_dir("/sys/kernel/iommu_groups", &names, &n) < 0)
		return;
	fw->groups = xcalloc(n ? n : 1, sizeof(*fw->groups));
	for (size_t i = 0; i < n; i++) {
		char *end, path[512];
		long id = strtol(names[i], &end, 10);

		if (*end || id < 0 || id > 0x7fffffff)
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/type", names[i]);
		fw->groups[fw->n_groups].id = (int)id;
		fw->groups[fw->n_groups].type = first_line(path);
		fw->n_groups++;
	}
	qsort(fw->groups, fw->n_groups, sizeof(*fw->groups), cmp_group);
	free_strv(names, n);
}

static void scan_interrupts(struct firmware *fw)
{
	char *text = NULL, *line, *save = NULL;

	if (read_text("/proc/interrupts", &text, NULL) < 0)
		return;
	fw->interrupts_readable = true;
	for (line = strtok_r(text, "\n", &save); line && !fw->ir_chip; line = strtok_r(NULL, "\n", &save)) {
		char *tok, *s2 = NULL;
		for (tok = strtok_r(line, " \t", &s2); tok; tok = strtok_r(NULL, " \t", &s2)) {
			if (!strncmp(tok, "IR-", 3)) {
				fw->ir_chip = xstrdup(tok);
				break;
			}
		}
	}
	free(text);
}

static void scan_efi(struct firmware *fw)
{
	char *data = NULL;
	size_t len = 0;

	fw->efi = exists("/sys/firmware/efi");
	fw->secure_boot = -1;
	if (!fw->efi)
		return;
	/* efivarfs: 4 bytes of attributes, then the value (one byte) */
	if (read_text(SECUREBOOT_VAR, &data, &len) == 0 && len >= 1)
		fw->secure_boot = data[len - 1] == 1 ? 1 : 0;
	free(data);
}

int firmware_parse_release(const char *release, int *ret_major, int *ret_minor)
{
	int major, minor, n = 0;

	if (!release || sscanf(release, "%d.%d%n", &major, &minor, &n) != 2 || n == 0)
		return -EINVAL;
	if (major < 0 || minor < 0)
		return -EINVAL;
	*ret_major = major;
	*ret_minor = minor;
	return 0;
}

void firmware_set_release(struct firmware *fw, const char *release)
{
	free(fw->release);
	fw->release = xstrdup(release);
	if (firmware_parse_release(fw->release, &fw->major, &fw->minor) < 0)
		fw->major = fw->minor = -1;
}

void firmware_set_cmdline(struct firmware *fw, const char *line)
{
	free(fw->cmdline);
	cmdline_free(fw->args);
	fw->cmdline = xstrdup(line);
	fw->args = NULL;
	if (line)
		cmdline_parse(line, &fw->args);
}

static void normalize_module(char *s)
{
	for (; *s; s++)
		if (*s == '-')
			*s = '_';
}

static void scan_modules(struct firmware *fw)
{
	char *text = NULL, *line, *save = NULL;

	if (read_text("/proc/modules", &text, NULL) == 0) {
		fw->modules_readable = true;
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			line[strcspn(line, " \t")] = '\0';
			if (!*line)
				continue;
			normalize_module(line);
			push(&fw->modules, &fw->n_modules, line);
		}
	}
	free(text);
	list_dir("/sys/module", &fw->sys_modules, &fw->n_sys_modules);
}

static void scan_boot_time(struct firmware *fw)
{
	char *text = NULL;
	const char *p;

	fw->boot_time = -1;
	if (read_text("/proc/stat", &text, NULL) < 0)
		return;
	p = strstr(text, "\nbtime ");
	if (p)
		fw->boot_time = strtoll(p + 7, NULL, 10);
	free(text);
}

void firmware_read(struct firmware *fw)
{
	char *s;

	scan_cpu(fw);
	scan_kvm(fw);
	scan_iommu(fw);
	scan_interrupts(fw);
	scan_efi(fw);
	fw->major = fw->minor = -1;
	s = first_line("/proc/sys/kernel/osrelease");
	if (s)
		firmware_set_release(fw, s);
	free(s);
	s = first_line("/proc/cmdline");
	firmware_set_cmdline(fw, s);
	free(s);
	scan_modules(fw);
	scan_boot_time(fw);
}

void firmware_clear(struct firmware *fw)
{
	free(fw->cpu_flags);
	free_strv(fw->iommus, fw->n_iommus);
	for (size_t i = 0; i < fw->n_groups; i++)
		free(fw->groups[i].type);
	free(fw->groups);
	free(fw->ir_chip);
	free(fw->release);
	free(fw->cmdline);
	cmdline_free(fw->args);
	free_strv(fw->modules, fw->n_modules);
	free_strv(fw->sys_modules, fw->n_sys_modules);
	memset(fw, 0, sizeof(*fw));
}

enum host_cpu_vendor firmware_cpu_vendor(const struct firmware *fw)
{
	return fw->cpu_vendor;
}

const char *firmware_cpu_flags(const struct firmware *fw)
{
	return fw->cpu_flags;
}

bool firmware_cpu_has_flag(const struct firmware *fw, const char *flag)
{
	const char *p = fw->cpu_flags;
	size_t n = strlen(flag);

	while (p && *p) {
		size_t w = strcspn(p, " \t");
		if (w == n && !strncmp(p, flag, n))
			return true;
		p += w;
		p += strspn(p, " \t");
	}
	return false;
}

bool firmware_kvm_module(const struct firmware *fw)
{
	return fw->kvm_module;
}

int firmware_kvm_dev(const struct firmware *fw)
{
	return fw->kvm_dev;
}

bool firmware_acpi_readable(const struct firmware *fw)
{
	return fw->acpi_readable;
}

bool firmware_has_dmar(const struct firmware *fw)
{
	return fw->dmar;
}

bool firmware_has_ivrs(const struct firmware *fw)
{
	return fw->ivrs;
}

size_t firmware_n_iommus(const struct firmware *fw)
{
	return fw->n_iommus;
}

const char *firmware_iommu(const struct firmware *fw, size_t i)
{
	return i < fw->n_iommus ? fw->iommus[i] : NULL;
}

size_t firmware_n_iommu_groups(const struct firmware *fw)
{
	return fw->n_groups;
}

int firmware_iommu_group(const struct firmware *fw, size_t i, const char **ret_type)
{
	if (i >= fw->n_groups)
		return -ENOENT;
	if (ret_type)
		*ret_type = fw->groups[i].type;
	return fw->groups[i].id;
}

bool firmware_interrupts_readable(const struct firmware *fw)
{
	return fw->interrupts_readable;
}

const char *firmware_ir_chip(const struct firmware *fw)
{
	return fw->ir_chip;
}

bool firmware_efi(const struct firmware *fw)
{
	return fw->efi;
}

int firmware_secure_boot(const struct firmware *fw)
{
	return fw->secure_boot;
}

const char *firmware_kernel_release(const struct firmware *fw)
{
	return fw->release;
}

bool firmware_kernel_at_least(const struct firmware *fw, int major, int minor)
{
	if (fw->major < 0)
		return false;
	return fw->major > major || (fw->major == major && fw->minor >= minor);
}

const char *firmware_cmdline(const struct firmware *fw)
{
	return fw->cmdline;
}

const struct cmdline *firmware_cmdline_args(const struct firmware *fw)
{
	return fw->args;
}

bool firmware_modules_readable(const struct firmware *fw)
{
	return fw->modules_readable;
}

bool firmware_module_loaded(const struct firmware *fw, const char *name)
{
	char *m = xstrdup(name);
	bool found = false;

	normalize_module(m);
	for (size_t i = 0; i < fw->n_modules && !found; i++)
		found = !strcmp(fw->modules[i], m);
	for (size_t i = 0; i < fw->n_sys_modules && !found; i++)
		found = !strcmp(fw->sys_modules[i], m);
	free(m);
	return found;
}

long long firmware_boot_time(const struct firmware *fw)
{
	return fw->boot_time;
}
