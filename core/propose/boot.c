/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/propose/boot.h"
#include "core/scan/grub.h"
#include "core/util/buf.h"
#include "core/util/fsutil.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"


static char *path_at(const char *root, const char *rel)
{
	return xasprintf("%s/%s", root, rel);
}

static bool exists_at(const char *root, const char *rel)
{
	char *p = path_at(root, rel);
	bool r = access(p, F_OK) == 0;

	free(p);
	return r;
}

const char *const *boot_iommu_args(enum host_cpu_vendor vendor, size_t *ret_n)
{
	static const char *const intel[] = { "intel_iommu=on", "iommu=pt", NULL };
	static const char *const amd[] = { "iommu=pt", NULL };
	const char *const *r = vendor == HOST_CPU_INTEL ? intel : vendor == HOST_CPU_AMD ? amd : NULL;

	if (ret_n)
		*ret_n = r == intel ? 2 : r == amd ? 1 : 0;
	return r;
}

/* ---- proposals ---- */

static int plan_read(void *userdata, const char *path, char **ret_content, size_t *ret_len,
		     struct gv_error *err)
{
	return plan_file_content(userdata, path, ret_content, ret_len, err);
}

static char *join_args(const char *const *v, size_t n)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", v[i]);
	return buf_steal(&b);
}

static char *why_text(const char *what, const char *const *add, size_t n_add,
		      const char *const *remove_keys, size_t n_remove)
{
	struct buf b = BUF_INIT;
	char *a = join_args(add, n_add), *r = join_args(remove_keys, n_remove);

	buf_printf(&b, "kernel command line (%s):", what);
	if (n_add)
		buf_printf(&b, " add %s", a);
	if (n_add && n_remove)
		buf_puts(&b, ";");
	if (n_remove)
		buf_printf(&b, " remove %s", r);
	free(a);
	free(r);
	return buf_steal(&b);
}

static int propose_grub(struct plan *p, const struct boot_detection *d, enum boot_loader l,
			const char *const *add, size_t n_add, const char *const *remove_keys,
			size_t n_remove, bool *ret_changed, struct gv_error *err)
{
	struct grub_source src = { .root = boot_detection_root(d), .read = plan_read, .userdata = p,
				   .dropins = boot_detection_facts(d)->grub_dropins };
	struct grub_edit *e = NULL;
	char *why = NULL;
	int r;

	if (l == BOOT_GRUB_BLS)
		src.dropins = false;   /* Fedora's grub-mkconfig has no grub.d */
	r = grub_propose(&src, add, n_add, remove_keys, n_remove, &e, err);
	if (r < 0)
		return r;
	*ret_changed = e->changed;
	if (e->changed) {
		why = why_text(src.dropins ? "GRUB; grub-mkconfig reads etc/default/grub.d, gpuvirt's drop-in sorts last"
					   : "GRUB defaults", add, n_add, remove_keys, n_remove);
		if (e->content)
			r = plan_write_file(p, e->path, e->content, e->len, 0644, why);
		else
			r = plan_remove_file(p, e->path, why);
	}
	free(why);
	grub_edit_free(e);
	return r;
}

/* etc/kernel/cmdline: one line; root= must survive. CREATE_FROM_RUNNING:
 * when the file is missing, start from the running line as kernel-install
 * does (RUNNING NULL: unknown, an empty one). */
static int propose_kernel_cmdline(struct plan *p, const char *what, bool create_from_running,
				  const char *running, const char *const *add, size_t n_add,
				  const char *const *remove_keys, size_t n_remove, bool *ret_changed,
				  struct gv_error *err)
{
	char *content = NULL, *line = NULL, *out = NULL, *why = NULL;
	size_t len = 0;
	struct cmdline *c = NULL;
	struct buf b = BUF_INIT;
	bool had_root, existed = true;
	int r;

	*ret_changed = false;
	r = plan_file_content(p, BOOT_KERNEL_CMDLINE, &content, &len, err);
	if (r == -ENOENT && create_from_running) {
		existed = false;
		content = xstrdup(running ? running : "");
		len = strlen(content);
		r = 0;
	} else if (r == -ENOENT) {
		return gv_error_set(err, -ENOENT, "%s: missing; %s reads the command line from it", BOOT_KERNEL_CMDLINE, what);
	}
	if (r < 0)
		return r;
	if (memchr(content, '\0', len)) {
		r = gv_error_set(err, -EINVAL, "%s: NUL byte: not a text file", BOOT_KERNEL_CMDLINE);
		goto out;
	}
	/* One line: a second non-empty line would be read by some tools and not
	 * by others. */
	char *nl = strchr(content, '\n');
	size_t lineno = 2;
	for (char *q = nl; q && *q; lineno++) {
		char *next = strchr(q + 1, '\n');
		size_t n = next ? (size_t)(next - q - 1) : strlen(q + 1);
		if (strspn(q + 1, " \t\r") < n) {
			r = gv_error_set(err, -EINVAL, "%s:%zu: more than one line; the command line must be one line", BOOT_KERNEL_CMDLINE, lineno);
			goto out;
		}
		q = next;
	}
	line = nl ? xstrndup(content, (size_t)(nl - content)) : xstrdup(content);
	r = cmdline_parse(line, &c);
	if (r < 0)
		goto out;
	if (!existed) {
		cmdline_remove(c, "BOOT_IMAGE");
		cmdline_remove(c, "initrd");
	}
	had_root = cmdline_has_key(c, "root");
	for (size_t i = 0; i < n_remove; i++)
		cmdline_remove(c, remove_keys[i]);
	for (size_t i = 0; i < n_add; i++) {
		r = cmdline_add(c, add[i]);
		if (r == -E2BIG) {
			r = gv_error_set(err, r, "%s: adding %s would make the command line longer than %d bytes",
					 BOOT_KERNEL_CMDLINE, add[i], CMDLINE_SIZE - 1);
			goto out;
		}
		if (r < 0) {
			r = cmdline_check_arg(add[i], err);
			goto out;
		}
	}
	if (had_root && !cmdline_has_key(c, "root")) {
		r = gv_error_set(err, -EINVAL, "%s: refusing to remove root=: the system would not find its root file system", BOOT_KERNEL_CMDLINE);
		goto out;
	}
	out = cmdline_format(c);
	buf_puts(&b, out);
	buf_puts(&b, nl ? nl : (existed ? "" : "\n"));
	if (existed && b.len == len && memcmp(b.data, content, len) == 0) {
		r = 0;
		goto out;
	}
	why = why_text(what, add, n_add, remove_keys, n_remove);
	r = plan_write_file(p, BOOT_KERNEL_CMDLINE, buf_str(&b), b.len, 0644, why);
	if (r >= 0)
		*ret_changed = true;
out:
	free(why);
	buf_free(&b);
	free(out);
	cmdline_free(c);
	free(line);
	free(content);
	return r;
}

/* kernelstub's "user" kernel_options from its JSON configuration. */
static int kernelstub_options(struct plan *p, char ***ret, size_t *ret_n, struct gv_error *err)
{
	char *content = NULL;
	size_t len = 0;
	char **v = NULL;
	size_t n = 0;
	int r;

	r = plan_file_content(p, BOOT_KERNELSTUB_CONFIG, &content, &len, err);
	if (r < 0)
		return r == -ENOENT ? gv_error_set(err, r, "%s: missing", BOOT_KERNELSTUB_CONFIG) : r;
	const char *u = strstr(content, "\"user\"");
	const char *k = u ? strstr(u, "\"kernel_options\"") : NULL;
	const char *q = k ? strchr(k + 16, '[') : NULL;
	if (!q) {
		free(content);
		return gv_error_set(err, -EINVAL, "%s: no \"user\": {\"kernel_options\": [...]} in it", BOOT_KERNELSTUB_CONFIG);
	}
	for (q++; *q && *q != ']';) {
		if (*q != '"') {
			q++;
			continue;
		}
		struct buf s = BUF_INIT;
		for (q++; *q && *q != '"'; q++) {
			if (*q == '\\' && q[1])
				q++;
			buf_putc(&s, *q);
		}
		if (*q)
			q++;
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = buf_steal(&s);
	}
	free(content);
	*ret = v;
	*ret_n = n;
	return 0;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int propose_kernelstub(struct plan *p, const char *const *add, size_t n_add,
			      const char *const *remove_keys, size_t n_remove, bool *ret_changed,
			      struct gv_error *err)
{
	char **opts = NULL;
	size_t n = 0;
	struct buf del = BUF_INIT, ins = BUF_INIT;
	char *joined = NULL, *why = NULL;
	struct cmdline *before = NULL, *after = NULL;
	int r;

	*ret_changed = false;
	r = kernelstub_options(p, &opts, &n, err);
	if (r < 0)
		return r;
	joined = join_args((const char *const *)opts, n);
	if ((r = cmdline_parse(joined, &before)) < 0 || (r = cmdline_parse(joined, &after)) < 0)
		goto out;
	for (size_t i = 0; i < n_remove; i++)
		cmdline_remove(after, remove_keys[i]);
	for (size_t i = 0; i < n_add; i++) {
		r = cmdline_add(after, add[i]);
		if (r < 0) {
			r = r == -E2BIG ? gv_error_set(err, r, "adding %s: the command line would be too long", add[i])
					: cmdline_check_arg(add[i], err);
			goto out;
		}
	}
	if (cmdline_has_key(before, "root") && !cmdline_has_key(after, "root")) {
		r = gv_error_set(err, -EINVAL, "%s: refusing to remove root=", BOOT_KERNELSTUB_CONFIG);
		goto out;
	}
	/* kernelstub deletes and adds whole options. */
	for (size_t i = 0; i < cmdline_n_args(before); i++)
		if (!cmdline_contains(after, cmdline_arg(before, i)))
			buf_printf(&del, "%s%s", del.len ? " " : "", cmdline_arg(before, i));
	for (size_t i = 0; i < cmdline_n_args(after); i++)
		if (!cmdline_contains(before, cmdline_arg(after, i)))
			buf_printf(&ins, "%s%s", ins.len ? " " : "", cmdline_arg(after, i));
	why = why_text("kernelstub", add, n_add, remove_keys, n_remove);
	if (del.len) {
		const char *argv[] = { "kernelstub", "-d", buf_str(&del), NULL };
		if ((r = plan_run(p, argv, why)) < 0)
			goto out;
	}
	if (ins.len) {
		const char *argv[] = { "kernelstub", "-a", buf_str(&ins), NULL };
		if ((r = plan_run(p, argv, why)) < 0)
			goto out;
	}
	*ret_changed = del.len || ins.len;
	r = 0;
out:
	free(why);
	cmdline_free(before);
	cmdline_free(after);
	free(joined);
	buf_free(&del);
	buf_free(&ins);
	strv_free(opts, n);
	return r;
}

/* kernel-install add VERSION IMAGE for every kernel installed under ROOT. */
static int run_kernel_install(struct plan *p, const char *root, const char *why)
{
	static const char *const dirs[] = { "usr/lib/modules", "lib/modules" };
	int r = 0, found = 0;

	for (size_t i = 0; i < 2 && !found; i++) {
		char *dir = path_at(root, dirs[i]);
		struct dirent **list = NULL;
		int n = scandir(dir, &list, NULL, alphasort);
		for (int k = 0; k < n; k++) {
			char *img = NULL, *rel = NULL;
			if (list[k]->d_name[0] != '.') {
				rel = xasprintf("%s/%s/vmlinuz", dirs[i], list[k]->d_name);
				if (exists_at(root, rel) && r >= 0) {
					img = xasprintf("/%s", rel);
					const char *argv[] = { "kernel-install", "add", list[k]->d_name, img, NULL };
					r = plan_run(p, argv, why);
					found++;
				}
			}
			free(img);
			free(rel);
			free(list[k]);
		}
		free(list);
		free(dir);
	}
	if (!found)
		gv_log(GV_LOG_WARN, "no kernel image found under %s/usr/lib/modules: run kernel-install add VERSION IMAGE for each kernel", root);
	return r;
}

int boot_propose_cmdline_for(struct plan *p, const struct host *h, const struct sysconf *sc,
			     enum boot_loader loader, const char *const *add, size_t n_add,
			     const char *const *remove_keys, size_t n_remove, struct gv_error *err)
{
	const struct boot_detection *d = sysconf_boot(sc);
	const struct boot_facts *facts = boot_detection_facts(d);
	const char *root = sysconf_root(sc);
	bool changed = false;
	int r;

	for (size_t i = 0; i < n_add; i++)
		if ((r = cmdline_check_arg(add[i], err)) < 0)
			return r;
	for (size_t i = 0; i < n_remove; i++) {
		char *k = remove_keys[i] ? cmdline_arg_key(remove_keys[i]) : NULL;
		bool root_key = k && strcmp(k, "root") == 0;
		free(k);
		if (!remove_keys[i] || !*remove_keys[i] || strpbrk(remove_keys[i], " \t\n"))
			return gv_error_set(err, -EINVAL, "'%s': not a kernel parameter name", remove_keys[i] ? remove_keys[i] : "");
		if (root_key)
			return gv_error_set(err, -EINVAL, "refusing to remove root=: the system would not find its root file system");
	}
	if (loader == BOOT_AUTO)
		loader = boot_detection_loader(d);
	if (loader == BOOT_AUTO)
		return boot_detection_error(d, err);
	switch (loader) {
	case BOOT_GRUB:
	case BOOT_GRUB_BLS:
		r = propose_grub(p, d, loader, add, n_add, remove_keys, n_remove, &changed, err);
		if (r < 0)
			return r;
		if (loader == BOOT_GRUB_BLS && facts->kernel_cmdline) {
			bool kc = false;
			r = propose_kernel_cmdline(p, "kernel-install, for future kernels", false, NULL, add, n_add,
						   remove_keys, n_remove, &kc, err);
			if (r < 0)
				return r;
			changed = changed || kc;
		}
		if (!changed)
			break;
		if (loader == BOOT_GRUB && facts->debian) {
			const char *argv[] = { "update-grub", NULL };
			r = plan_run(p, argv, "regenerate /boot/grub/grub.cfg from the GRUB defaults");
		} else if (loader == BOOT_GRUB) {
			const char *argv[] = { facts->grub2 ? "grub2-mkconfig" : "grub-mkconfig", "-o",
					       facts->grub2 ? "/boot/grub2/grub.cfg" : "/boot/grub/grub.cfg", NULL };
			r = plan_run(p, argv, "regenerate GRUB's menu from the GRUB defaults");
		} else if (facts->rhel_bls_cmdline) {
			const char *argv[] = { "grub2-mkconfig", "-o", "/boot/grub2/grub.cfg", "--update-bls-cmdline", NULL };
			r = plan_run(p, argv, "RHEL 9.3 and later: carry GRUB_CMDLINE_LINUX into every boot entry");
		} else {
			char *a = join_args(add, n_add), *rm = join_args(remove_keys, n_remove);
			char *aa = NULL, *ra = NULL;
			const char *argv[5] = { "grubby", "--update-kernel=ALL", NULL, NULL, NULL };
			size_t k = 2;
			if (n_add) {
				aa = xasprintf("--args=%s", a);
				argv[k++] = aa;
			}
			if (n_remove) {
				ra = xasprintf("--remove-args=%s", rm);
				argv[k++] = ra;
			}
			r = plan_run(p, argv, "update every boot entry (Boot Loader Specification) with grubby");
			free(a);
			free(rm);
			free(aa);
			free(ra);
		}
		break;
	case BOOT_PROXMOX_SDBOOT:
		r = propose_kernel_cmdline(p, "proxmox-boot-tool, systemd-boot", false, NULL, add, n_add,
					   remove_keys, n_remove, &changed, err);
		if (r >= 0 && changed) {
			const char *argv[] = { "proxmox-boot-tool", "refresh", NULL };
			r = plan_run(p, argv, "copy the kernels and the new command line to every ESP");
		}
		break;
	case BOOT_SYSTEMD_BOOT:
		r = propose_kernel_cmdline(p, "systemd-boot, kernel-install", true, h ? host_cmdline(h) : NULL,
					   add, n_add, remove_keys, n_remove, &changed, err);
		if (r >= 0 && changed)
			r = run_kernel_install(p, root, "write the boot entries again with the new command line");
		break;
	case BOOT_KERNELSTUB:
		r = propose_kernelstub(p, add, n_add, remove_keys, n_remove, &changed, err);
		break;
	default:
		r = gv_error_set(err, -EINVAL, "unknown boot loader %d", (int)loader);
	}
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_add; i++)
		if ((r = plan_expect(p, "cmdline", add[i], NULL)) < 0)
			return r;
	return 0;
}

int boot_propose_cmdline(struct plan *p, const struct host *h, const struct sysconf *sc,
			 const char *const *add, size_t n_add, const char *const *remove_keys,
			 size_t n_remove, struct gv_error *err)
{
	return boot_propose_cmdline_for(p, h, sc, BOOT_AUTO, add, n_add, remove_keys, n_remove, err);
}

/* ---- the configured next-boot line ---- */

static int read_first_line(const char *root, const char *rel, char **ret, struct gv_error *err)
{
	char *p = path_at(root, rel), line[8192];
	FILE *f = fopen(p, "re");

	free(p);
	if (!f)
		return gv_error_set(err, -errno, "%s: %s", rel, strerror(errno));
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	*ret = xstrdup(line);
	return 0;
}

static char *trimmed_join(const char *a, const char *b)
{
	struct buf s = BUF_INIT;
	struct cmdline *c = NULL;
	char *out;

	buf_printf(&s, "%s %s", a ? a : "", b ? b : "");
	/* normalize the white space: one space between arguments */
	cmdline_parse(buf_str(&s), &c);
	buf_reset(&s);
	for (size_t i = 0; i < cmdline_n_args(c); i++)
		buf_printf(&s, "%s%s", i ? " " : "", cmdline_arg(c, i));
	if (cmdline_tail(c))
		buf_printf(&s, "%s%s", cmdline_n_args(c) ? " " : "", cmdline_tail(c));
	cmdline_free(c);
	out = buf_steal(&s);
	size_t l = strlen(out);
	while (l > 0 && (out[l - 1] == ' ' || out[l - 1] == '\n' || out[l - 1] == '\t'))
		out[--l] = '\0';
	return out;
}

/* The loader the person chose (LOADER), else the detected one. */
static enum boot_loader chosen(const struct sysconf *sc, enum boot_loader loader)
{
	return loader != BOOT_AUTO ? loader : boot_detection_loader(sysconf_boot(sc));
}

int boot_configured_cmdline_for(const struct sysconf *sc, enum boot_loader loader, char **ret,
				struct gv_error *err)
{
	const char *root = sysconf_root(sc);
	const char *linux_ = NULL, *dflt = NULL;
	char *line = NULL;
	int r;

	switch (chosen(sc, loader)) {
	case BOOT_GRUB:
	case BOOT_GRUB_BLS:
		r = sysconf_grub(sc, chosen(sc, loader), &linux_, &dflt, err);
		if (r < 0)
			return r;
		*ret = trimmed_join(linux_, dflt);
		return 0;
	case BOOT_PROXMOX_SDBOOT:
	case BOOT_SYSTEMD_BOOT:
		if (!exists_at(root, BOOT_KERNEL_CMDLINE)) {
			/* kernel-install then uses the running line */
			return gv_error_set(err, -ENOENT, "%s: missing; the next kernel gets the running command line", BOOT_KERNEL_CMDLINE);
		}
		r = read_first_line(root, BOOT_KERNEL_CMDLINE, &line, err);
		if (r < 0)
			return r;
		*ret = trimmed_join(line, NULL);
		free(line);
		return 0;
	case BOOT_KERNELSTUB: {
		struct plan *p = NULL;
		char **opts = NULL;
		size_t n = 0;
		r = plan_new(root, &p);
		if (r < 0)
			return gv_error_set(err, r, "%s: %s", root, strerror(-r));
		r = kernelstub_options(p, &opts, &n, err);
		plan_free(p);
		if (r < 0)
			return r;
		*ret = join_args((const char *const *)opts, n);
		strv_free(opts, n);
		return 0;
	}
	default:
		return boot_detection_error(sysconf_boot(sc), err);
	}
}

int boot_configured_cmdline(const struct sysconf *sc, char **ret, struct gv_error *err)
{
	return boot_configured_cmdline_for(sc, BOOT_AUTO, ret, err);
}

int boot_cmdline_pending_for(const struct sysconf *sc, enum boot_loader loader, const char *running,
			     struct cmdline_diff **ret, struct gv_error *err)
{
	struct cmdline_diff *diff = NULL;
	char *conf = NULL;
	int r;

	if (!running)
		return gv_error_set(err, -ENOENT, "the running command line is unknown (/proc/cmdline could not be read)");
	r = boot_configured_cmdline_for(sc, loader, &conf, err);
	if (r < 0)
		return r;
	r = cmdline_compare(conf, running, &diff);
	free(conf);
	if (r < 0)
		return gv_error_set(err, r, "comparing command lines: %s", strerror(-r));
	if (chosen(sc, loader) == BOOT_GRUB || chosen(sc, loader) == BOOT_GRUB_BLS) {
		/* grub-mkconfig puts root=... ro on the linux line itself */
		size_t k = 0;
		for (size_t i = 0; i < diff->n_extra; i++) {
			const char *x = diff->extra[i];
			if (!strncmp(x, "root=", 5) || !strcmp(x, "ro") || !strcmp(x, "rw")) {
				free(diff->extra[i]);
				continue;
			}
			diff->extra[k++] = diff->extra[i];
		}
		diff->n_extra = k;
	}
	*ret = diff;
	return 0;
}

int boot_cmdline_pending(const struct sysconf *sc, const char *running, struct cmdline_diff **ret,
			 struct gv_error *err)
{
	return boot_cmdline_pending_for(sc, BOOT_AUTO, running, ret, err);
}
