/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "core/scan/mdevconf.h"
#include "core/util/buf.h"
#include "core/util/fsutil.h"
#include "core/util/jsonout.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

struct mdevconf {
	struct mdevconf_def *defs;
	size_t n_defs;
	struct mdevconf_error *errors;
	size_t n_errors;
	enum mdevconf_boot boot;
	char *binary, *rule, *calls;
	bool own_rule;
	bool vgpu_mgr_installed, vgpu_mgr_enabled;
};

bool mdevconf_uuid_ok(const char *s)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };

	if (!s)
		return false;
	for (size_t g = 0; g < 5; g++) {
		for (int i = 0; i < groups[g]; i++, s++)
			if (!isxdigit((unsigned char)*s))
				return false;
		if (g < 4 && *s++ != '-')
			return false;
	}
	return *s == '\0';
}

static bool exists_in_root(const char *root, const char *rel)
{
	char *path = fsutil_join(root, rel);
	struct stat st;
	bool r = stat(path, &st) == 0;

	free(path);
	return r;
}

/* ---- the definitions ---- */

static void add_error(struct mdevconf *mc, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add_error(struct mdevconf *mc, const char *path, const char *fmt, ...)
{
	va_list ap;

	mc->errors = xreallocarray(mc->errors, mc->n_errors + 1, sizeof(*mc->errors));
	mc->errors[mc->n_errors].path = xstrdup(path);
	va_start(ap, fmt);
	mc->errors[mc->n_errors].reason = xvasprintf(fmt, ap);
	va_end(ap);
	mc->n_errors++;
}

static void def_clear(struct mdevconf_def *d)
{
	free(d->parent);
	free(d->uuid);
	free(d->path);
	free(d->type);
	for (size_t i = 0; i < d->n_attrs; i++) {
		free(d->attrs[i].key);
		free(d->attrs[i].value);
	}
	free(d->attrs);
}

/* Strict JSON, one value and nothing after it but white space, as serde
 * reads it. Returns the value or NULL with *RET_WHY. */
static struct json_object *parse_strict(const char *text, size_t len, const char **ret_why)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *v;
	enum json_tokener_error e;
	size_t used;

	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	v = json_tokener_parse_ex(tok, text, (int)len);
	e = json_tokener_get_error(tok);
	used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!v || e != json_tokener_success) {
		json_object_put(v);
		*ret_why = e == json_tokener_continue ? "unexpected end of the file" : json_tokener_error_desc(e);
		return NULL;
	}
	while (used < len && isspace((unsigned char)text[used]))
		used++;
	if (used < len) {
		json_object_put(v);
		*ret_why = "more after the JSON value";
		return NULL;
	}
	return v;
}

/* mdevctl's reading of a definition (src/mdev.rs): mdev_type and start are
 * required, start is auto only when it says "auto", attrs is an array of
 * one-key objects with string values, or null. */
static int parse_def(struct mdevconf *mc, struct mdevconf_def *d, const char *text, size_t len)
{
	struct json_object *v, *type, *start, *attrs;
	const char *why = NULL;

	if (memchr(text, '\0', len)) {
		add_error(mc, d->path, "not JSON: a NUL byte");
		return -EINVAL;
	}
	v = parse_strict(text, len, &why);
	if (!v) {
		add_error(mc, d->path, "not JSON: %s", why);
		return -EINVAL;
	}
	if (!json_object_is_type(v, json_type_object)) {
		add_error(mc, d->path, "not a JSON object");
		goto bad;
	}
	if (!json_object_object_get_ex(v, "mdev_type", &type) || !json_object_is_type(type, json_type_string)) {
		add_error(mc, d->path, "no \"mdev_type\" string");
		goto bad;
	}
	if (!json_object_object_get_ex(v, "start", &start)) {
		add_error(mc, d->path, "no \"start\"");
		goto bad;
	}
	d->type = xstrdup(json_object_get_string(type));
	d->start_auto = json_object_is_type(start, json_type_string) && !strcmp(json_object_get_string(start), "auto");
	if (json_object_object_get_ex(v, "attrs", &attrs) && attrs) {
		if (!json_object_is_type(attrs, json_type_array)) {
			add_error(mc, d->path, "\"attrs\" is neither an array nor null");
			goto bad;
		}
		for (size_t i = 0; i < json_object_array_length(attrs); i++) {
			struct json_object *a = json_object_array_get_idx(attrs, i);
			if (!json_object_is_type(a, json_type_object) || json_object_object_length(a) != 1) {
				add_error(mc, d->path, "attrs[%zu] is not an object with one key", i);
				goto bad;
			}
			json_object_object_foreach(a, k, val) {
				if (!json_object_is_type(val, json_type_string)) {
					add_error(mc, d->path, "attrs[%zu].%s is not a string", i, k);
					goto bad;
				}
				d->attrs = xreallocarray(d->attrs, d->n_attrs + 1, sizeof(*d->attrs));
				d->attrs[d->n_attrs].key = xstrdup(k);
				d->attrs[d->n_attrs].value = xstrdup(json_object_get_string(val));
				d->n_attrs++;
			}
		}
	}
	json_object_put(v);
	return 0;
bad:
	json_object_put(v);
	return -EINVAL;
}

static void read_parent(struct mdevconf *mc, const char *root, const char *parent)
{
	char *rel = xasprintf("%s/%s", MDEVCONF_DIR, parent), *dir = fsutil_join(root, rel);
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d) {
		gv_log(GV_LOG_WARN, "%s: %s", rel, strerror(errno));
		goto out;
	}
	while ((de = readdir(d))) {
		struct mdevconf_def def = { 0 };
		char *abs, *text = NULL;
		size_t len = 0;
		struct stat st;
		int r;

		if (de->d_name[0] == '.')
			continue;   /* gpuvirt's and others' temporary files */
		if (!mdevconf_uuid_ok(de->d_name)) {
			gv_log(GV_LOG_DEBUG, "%s/%s: not a UUID, skipped (as mdevctl does)", rel, de->d_name);
			continue;
		}
		def.parent = xstrdup(parent);
		def.uuid = xstrdup(de->d_name);
		for (char *p = def.uuid; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		def.path = xasprintf("%s/%s", rel, de->d_name);
		abs = fsutil_join(root, def.path);
		if (stat(abs, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(abs);
			def_clear(&def);
			continue;
		}
		r = fsutil_read_file(abs, &text, &len);
		free(abs);
		if (r < 0)
			add_error(mc, def.path, "cannot read: %s", strerror(-r));
		else if (parse_def(mc, &def, text, len) == 0) {
			mc->defs = xreallocarray(mc->defs, mc->n_defs + 1, sizeof(*mc->defs));
			mc->defs[mc->n_defs++] = def;
			def = (struct mdevconf_def){ 0 };
		}
		free(text);
		def_clear(&def);
	}
	closedir(d);
out:
	free(rel);
	free(dir);
}

static int cmp_def(const void *a, const void *b)
{
	const struct mdevconf_def *x = a, *y = b;
	int c = strcmp(x->parent, y->parent);

	return c ? c : strcmp(x->uuid, y->uuid);
}

static int cmp_error(const void *a, const void *b)
{
	return strcmp(((const struct mdevconf_error *)a)->path, ((const struct mdevconf_error *)b)->path);
}

static void read_defs(struct mdevconf *mc, const char *root)
{
	char *dir = fsutil_join(root, MDEVCONF_DIR);
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d) {
		if (errno != ENOENT && errno != ENOTDIR)
			add_error(mc, MDEVCONF_DIR, "cannot read the directory: %s", strerror(errno));
		free(dir);
		return;
	}
	while ((de = readdir(d))) {
		char *sub = xasprintf("%s/%s", dir, de->d_name);
		struct stat st;
		/* scripts.d holds mdevctl's callouts, not a parent */
		bool parent = de->d_name[0] != '.' && strcmp(de->d_name, "scripts.d") &&
			      stat(sub, &st) == 0 && S_ISDIR(st.st_mode);

		free(sub);
		if (parent)
			read_parent(mc, root, de->d_name);
	}
	closedir(d);
	free(dir);
	if (mc->n_defs > 1)
		qsort(mc->defs, mc->n_defs, sizeof(*mc->defs), cmp_def);
	if (mc->n_errors > 1)
		qsort(mc->errors, mc->n_errors, sizeof(*mc->errors), cmp_error);
}

/* ---- start at boot ---- */

/* udev reads etc/ before lib/: a file there of the same name replaces the package's. */
static const char *const rule_files[] = {
	"etc/udev/rules.d/60-mdevctl.rules",
	"usr/lib/udev/rules.d/60-mdevctl.rules",
	"lib/udev/rules.d/60-mdevctl.rules",
};

static const char *const binaries[] = {
	"usr/bin/mdevctl", "usr/sbin/mdevctl", "bin/mdevctl", "sbin/mdevctl",
};

/* The program a rule runs for start-parent-mdevs ("/usr/sbin/mdevctl"),
 * from the first line that is not a comment; NULL when none. */
static char *rule_program(const char *text)
{
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		char *copy = xstrndup(line, n), *hit, *start;

		line = nl ? nl + 1 : NULL;
		start = copy + strspn(copy, " \t");
		hit = *start == '#' ? NULL : strstr(start, "start-parent-mdevs");
		if (hit) {
			char *end = hit;
			while (end > copy && end[-1] == ' ')
				end--;
			char *begin = end;
			while (begin > copy && !strchr(" \t'\"{;|(", begin[-1]))
				begin--;
			if (end > begin) {
				char *prog = xstrndup(begin, (size_t)(end - begin));
				free(copy);
				return prog;
			}
		}
		free(copy);
	}
	return NULL;
}

static void read_boot(struct mdevconf *mc, const char *root)
{
	for (size_t i = 0; i < sizeof(binaries) / sizeof(binaries[0]) && !mc->binary; i++)
		if (exists_in_root(root, binaries[i]))
			mc->binary = xasprintf("/%s", binaries[i]);
	for (size_t i = 0; i < sizeof(rule_files) / sizeof(rule_files[0]) && !mc->rule; i++) {
		char *abs = fsutil_join(root, rule_files[i]), *text = NULL;
		size_t len;

		if (fsutil_read_file(abs, &text, &len) == 0) {
			mc->rule = xstrdup(rule_files[i]);
			mc->calls = rule_program(text);
		}
		free(abs);
		free(text);
	}
	mc->own_rule = exists_in_root(root, MDEVCONF_OWN_RULE);
	if (!mc->binary)
		mc->boot = MDEVCONF_BOOT_NO_MDEVCTL;
	else if (!mc->calls)
		mc->boot = MDEVCONF_BOOT_NO_RULE;
	else if (mc->calls[0] == '/' ? !exists_in_root(root, mc->calls + 1) : false)
		mc->boot = MDEVCONF_BOOT_BROKEN;
	else
		mc->boot = MDEVCONF_BOOT_OK;
}

static void read_vgpu_mgr(struct mdevconf *mc, const char *root)
{
	static const char *const units[] = {
		"etc/systemd/system/nvidia-vgpu-mgr.service", "usr/lib/systemd/system/nvidia-vgpu-mgr.service",
		"lib/systemd/system/nvidia-vgpu-mgr.service",
	};
	char *dir = fsutil_join(root, "etc/systemd/system");
	DIR *d;
	struct dirent *de;

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		mc->vgpu_mgr_installed |= exists_in_root(root, units[i]);
	d = opendir(dir);
	while (d && (de = readdir(d)) && !mc->vgpu_mgr_enabled) {
		size_t n = strlen(de->d_name);
		struct stat st;
		char *link;

		if (n < 6 || strcmp(de->d_name + n - 6, ".wants"))
			continue;
		/* the link's target is the root's own /lib or /usr/lib: lstat */
		link = xasprintf("%s/%s/nvidia-vgpu-mgr.service", dir, de->d_name);
		mc->vgpu_mgr_enabled = lstat(link, &st) == 0;
		free(link);
	}
	if (d)
		closedir(d);
	free(dir);
}

struct mdevconf *mdevconf_load(const char *root)
{
	struct mdevconf *mc = xcalloc(1, sizeof(*mc));

	read_defs(mc, root);
	read_boot(mc, root);
	read_vgpu_mgr(mc, root);
	return mc;
}

void mdevconf_free(struct mdevconf *mc)
{
	if (!mc)
		return;
	for (size_t i = 0; i < mc->n_defs; i++)
		def_clear(&mc->defs[i]);
	free(mc->defs);
	for (size_t i = 0; i < mc->n_errors; i++) {
		free(mc->errors[i].path);
		free(mc->errors[i].reason);
	}
	free(mc->errors);
	free(mc->binary);
	free(mc->rule);
	free(mc->calls);
	free(mc);
}

size_t mdevconf_n(const struct mdevconf *mc)
{
	return mc->n_defs;
}

const struct mdevconf_def *mdevconf_get(const struct mdevconf *mc, size_t i)
{
	return i < mc->n_defs ? &mc->defs[i] : NULL;
}

const struct mdevconf_def *mdevconf_find(const struct mdevconf *mc, const char *uuid)
{
	for (size_t i = 0; uuid && i < mc->n_defs; i++)
		if (!strcasecmp(mc->defs[i].uuid, uuid))
			return &mc->defs[i];
	return NULL;
}

size_t mdevconf_n_errors(const struct mdevconf *mc)
{
	return mc->n_errors;
}

const struct mdevconf_error *mdevconf_error(const struct mdevconf *mc, size_t i)
{
	return i < mc->n_errors ? &mc->errors[i] : NULL;
}

enum mdevconf_boot mdevconf_boot(const struct mdevconf *mc, const char **ret_binary, const char **ret_rule,
				 const char **ret_calls)
{
	if (ret_binary)
		*ret_binary = mc->binary;
	if (ret_rule)
		*ret_rule = mc->rule;
	if (ret_calls)
		*ret_calls = mc->calls;
	return mc->boot;
}

bool mdevconf_own_rule(const struct mdevconf *mc)
{
	return mc->own_rule;
}

bool mdevconf_starts_at_boot(const struct mdevconf *mc)
{
	return mc->boot == MDEVCONF_BOOT_OK || (mc->binary && mc->own_rule);
}

bool mdevconf_vgpu_mgr_installed(const struct mdevconf *mc)
{
	return mc->vgpu_mgr_installed;
}

bool mdevconf_vgpu_mgr_enabled(const struct mdevconf *mc)
{
	return mc->vgpu_mgr_enabled;
}

char *mdevconf_render(const char *type, bool start_auto, const struct mdevconf_attr *attrs, size_t n_attrs)
{
	struct json_object *o = jsonout_object(), *a = jsonout_array();
	struct buf b = BUF_INIT;

	jsonout_set(o, "mdev_type", jsonout_str(type));
	jsonout_set(o, "start", jsonout_str(start_auto ? "auto" : "manual"));
	for (size_t i = 0; i < n_attrs; i++) {
		struct json_object *kv = jsonout_object();
		jsonout_set(kv, attrs[i].key, jsonout_str(attrs[i].value));
		jsonout_push(a, kv);
	}
	jsonout_set(o, "attrs", a);
	jsonout_lines(&b, o, 64);
	jsonout_free(o);
	return buf_steal(&b);
}
