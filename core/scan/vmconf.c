/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading the VMs' configurations. A domain XML goes through libxml2 with
 * the network and entity expansion off: it is data from the root, read by
 * a program running as root.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "core/scan/vmconf.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"

void vmconf_free(struct vmconf *vm)
{
	if (!vm)
		return;
	for (size_t i = 0; i < vm->n_devs; i++) {
		free(vm->devs[i].uuid);
		free(vm->devs[i].mdev_type);
		free(vm->devs[i].mapping);
	}
	free(vm->devs);
	free(vm->name);
	free(vm->path);
	free(vm);
}

char *vmconf_label(const struct vmconf *vm)
{
	return xasprintf("%s %s", vm->kind == VMCONF_LIBVIRT ? "libvirt domain" : "Proxmox VM", vm->name);
}

bool vmconf_dev_covers(const struct vmconf_dev *d, const struct pciaddr *a)
{
	if (!d->address[0])
		return false;
	return d->all_functions ? pciaddr_same_slot(&d->addr, a) : pciaddr_cmp(&d->addr, a) == 0;
}

static struct vmconf_dev *add_dev(struct vmconf *vm, enum vmconf_dev_kind kind, unsigned line)
{
	struct vmconf_dev *d;

	vm->devs = xreallocarray(vm->devs, vm->n_devs + 1, sizeof(*vm->devs));
	d = &vm->devs[vm->n_devs++];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->hostpci = -1;
	d->line = line;
	return d;
}

/* ---- libvirt ---- */

static bool is_element(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (is_element(c, name))
			return c;
	return NULL;
}

/* An attribute as an owned C string, NULL when absent. */
static char *attr(const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *s = v ? xstrdup((const char *)v) : NULL;

	xmlFree(v);
	return s;
}

/* One of the numbers of a PCI address as libvirt takes them: "0x41" or "65". */
static bool pci_number(const xmlNode *n, const char *name, unsigned long max, unsigned long *ret)
{
	char *v = attr(n, name), *end;
	bool ok;

	if (!v) {
		*ret = 0;   /* libvirt's default for a missing domain */
		return strcmp(name, "domain") == 0;
	}
	errno = 0;
	*ret = strtoul(v, &end, 0);
	ok = *v && !*end && !errno && *ret <= max;
	free(v);
	return ok;
}

static int parse_hostdev(struct vmconf *vm, const xmlNode *h, struct gv_error *err)
{
	char *type = attr(h, "type"), *managed = attr(h, "managed");
	const xmlNode *addr = child(child(h, "source"), "address");
	unsigned line = (unsigned)xmlGetLineNo(h);
	struct vmconf_dev *d;
	int r = 0;

	if (!type || !addr || (strcmp(type, "pci") && strcmp(type, "mdev")))
		goto out;   /* USB, SCSI: not what gpuvirt gives away */
	if (!strcmp(type, "mdev")) {
		char *uuid = attr(addr, "uuid");
		if (!uuid) {
			r = gv_error_set(err, -EINVAL, "%s:%u: <hostdev type='mdev'> without a source UUID", vm->path, line);
			goto out;
		}
		for (char *p = uuid; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		d = add_dev(vm, VMCONF_DEV_MDEV, line);
		d->uuid = uuid;
	} else {
		unsigned long dom, bus, slot, fn;
		if (!pci_number(addr, "domain", UINT32_MAX, &dom) || !pci_number(addr, "bus", 0xff, &bus) ||
		    !pci_number(addr, "slot", 0x1f, &slot) || !pci_number(addr, "function", 7, &fn)) {
			r = gv_error_set(err, -EINVAL, "%s:%u: <hostdev type='pci'> has no valid source address",
					 vm->path, line);
			goto out;
		}
		d = add_dev(vm, VMCONF_DEV_PCI, line);
		d->addr = (struct pciaddr){ .domain = (uint32_t)dom, .bus = (uint8_t)bus, .dev = (uint8_t)slot,
					    .fn = (uint8_t)fn };
		pciaddr_format(&d->addr, d->address);
	}
	d->managed = managed && !strcmp(managed, "yes");
out:
	free(type);
	free(managed);
	return r;
}

/* The first error of a parse: libxml2 goes on after it and keeps only the
 * last, which for a tag left open is "Premature end of data" at the end of
 * the file rather than the line at fault. */
struct first_error {
	int line;
	char *msg;
};

static void keep_first_error(void *data, xmlErrorPtr e)
{
	struct first_error *first = ((xmlParserCtxtPtr)data)->_private;

	if (first->msg || !e || e->level < XML_ERR_ERROR)
		return;
	first->line = e->line;
	first->msg = xstrdup(e->message ? e->message : "not well-formed XML");
}

static int parse_domain(struct vmconf *vm, const char *data, size_t len, const char *want, struct gv_error *err)
{
	struct first_error first = { 0 };
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	const xmlNode *top, *name;
	xmlChar *text = NULL;
	int r = 0;

	if (len > INT_MAX)
		return gv_error_set(err, -EINVAL, "%s: too large for a domain", vm->path);
	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		abort();   /* libxml2's only failure here is memory */
	ctxt->_private = &first;
	ctxt->sax->serror = keep_first_error;
	doc = xmlCtxtReadMemory(ctxt, data, (int)len, vm->path, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		char *msg = first.msg ? first.msg : xstrdup(e && e->message ? e->message : "not well-formed XML");
		size_t n = strlen(msg);

		first.msg = NULL;
		while (n && isspace((unsigned char)msg[n - 1]))
			msg[--n] = '\0';
		r = gv_error_set(err, -EINVAL, "%s:%d: %s", vm->path, first.line ? first.line : e ? e->line : 0, msg);
		free(msg);
		goto out;
	}
	top = xmlDocGetRootElement(doc);
	if (!top || !is_element(top, "domain")) {
		r = gv_error_set(err, -EINVAL, "%s: not a libvirt domain (the root element is <%s>)", vm->path,
				 top ? (const char *)top->name : "");
		goto out;
	}
	name = child(top, "name");
	text = name ? xmlNodeGetContent(name) : NULL;
	if (!text || !*text) {
		r = gv_error_set(err, -EINVAL, "%s: the domain has no <name>", vm->path);
		goto out;
	}
	if (strcmp((const char *)text, want) != 0) {
		r = gv_error_set(err, -EINVAL, "%s:%ld: the domain is named %s, not %s", vm->path,
				 xmlGetLineNo(name), (const char *)text, want);
		goto out;
	}
	vm->name = xstrdup((const char *)text);
	for (const xmlNode *c = child(top, "devices") ? child(top, "devices")->children : NULL; c && !r; c = c->next)
		if (is_element(c, "hostdev"))
			r = parse_hostdev(vm, c, err);
out:
	free(first.msg);
	xmlFree(text);
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return r;
}

/* ---- Proxmox ---- */

/* A host ID of hostpciN: [DOMAIN:]BUS:DEV[.FN], a bare BUS:DEV being every
 * function of the slot. */
static bool parse_pve_id(const char *id, struct vmconf_dev *d)
{
	char *full;
	bool ok;

	if (!*id || strspn(id, "0123456789abcdefABCDEF:.") != strlen(id))
		return false;
	d->all_functions = !strchr(id, '.');
	full = d->all_functions ? xasprintf("%s.0", id) : xstrdup(id);
	ok = pciaddr_parse(full, &d->addr) == 0;
	free(full);
	if (ok)
		pciaddr_format(&d->addr, d->address);
	return ok;
}

/* One hostpciN value: "[host=]ID[;ID...][,mdev=TYPE][,...]" or "mapping=NAME[,...]". */
static int parse_hostpci(struct vmconf *vm, unsigned n, char *value, unsigned line, struct gv_error *err)
{
	char *host = NULL, *mdev = NULL, *mapping = NULL, *save = NULL;
	bool first = true;

	for (char *prop = strtok_r(value, ",", &save); prop; prop = strtok_r(NULL, ",", &save), first = false) {
		char *eq = strchr(prop, '=');
		if (!eq && first)
			host = prop;
		else if (eq && !strncmp(prop, "host=", 5))
			host = eq + 1;
		else if (eq && !strncmp(prop, "mdev=", 5))
			mdev = eq + 1;
		else if (eq && !strncmp(prop, "mapping=", 8))
			mapping = eq + 1;
	}
	if (mapping && *mapping) {
		struct vmconf_dev *d = add_dev(vm, VMCONF_DEV_MAPPING, line);
		d->mapping = xstrdup(mapping);
		d->hostpci = (int)n;
		d->managed = true;
		return 0;
	}
	if (!host || !*host)
		return gv_error_set(err, -EINVAL, "%s:%u: hostpci%u names no device (host= or mapping=)", vm->path,
				    line, n);
	save = NULL;
	for (char *id = strtok_r(host, ";", &save); id; id = strtok_r(NULL, ";", &save)) {
		struct vmconf_dev *d = add_dev(vm, mdev ? VMCONF_DEV_MDEV : VMCONF_DEV_PCI, line);
		d->hostpci = (int)n;
		d->managed = true;
		d->mdev_type = mdev ? xstrdup(mdev) : NULL;
		if (!parse_pve_id(id, d))
			return gv_error_set(err, -EINVAL, "%s:%u: hostpci%u: '%s' is not a PCI address", vm->path, line,
					    n, id);
	}
	return 0;
}

/* "hostpciN" with N in 0..15 as KEY: N, else -1. */
static int hostpci_key(const char *key)
{
	char *end;
	unsigned long n;

	if (strncmp(key, "hostpci", 7) != 0 || !isdigit((unsigned char)key[7]))
		return -1;
	n = strtoul(key + 7, &end, 10);
	return *end || n >= VMCONF_HOSTPCI_MAX || (key[7] == '0' && key[8]) ? -1 : (int)n;
}

static int parse_pve(struct vmconf *vm, char *data, struct gv_error *err)
{
	bool snapshot = false;
	unsigned lineno = 0;
	int r = 0;

	/* strtok_r would skip empty lines and miscount: split by hand. */
	for (char *line = data, *next; line && !r; line = next) {
		char *nl = strchr(line, '\n'), *colon, *value;
		size_t len;
		int n;

		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		len = strlen(line);
		while (len && isspace((unsigned char)line[len - 1]))
			line[--len] = '\0';
		if (line[0] == '[') {
			/* pending changes will be the configuration; snapshots never */
			snapshot = strcmp(line, "[PENDING]") != 0;
			continue;
		}
		if (snapshot || line[0] == '#' || !(colon = strchr(line, ':')))
			continue;
		*colon = '\0';
		n = hostpci_key(line);
		if (n < 0)
			continue;
		value = colon + 1;
		while (*value == ' ')
			value++;
		vm->hostpci_used |= 1u << n;
		r = parse_hostpci(vm, (unsigned)n, value, lineno, err);
	}
	return r;
}

/* ---- files ---- */

static int read_in_root(const char *root, const char *rel, char **ret_data, size_t *ret_len)
{
	char *target = NULL, *abs;
	int r = fsutil_resolve_in_root(root, rel, &target);

	if (r < 0)
		return r;
	abs = fsutil_join(root, target);
	r = fsutil_read_file(abs, ret_data, ret_len);
	free(abs);
	free(target);
	return r;
}

int vmconf_load(const char *root, enum vmconf_kind kind, const char *name, struct vmconf **ret,
		struct gv_error *err)
{
	struct vmconf *vm;
	char *data = NULL;
	size_t len = 0;
	int r;

	if (!name || !*name || strchr(name, '/') || name[0] == '.')
		return gv_error_set(err, -EINVAL, "'%s' is not a VM name", name ? name : "");
	vm = xcalloc(1, sizeof(*vm));
	vm->kind = kind;
	vm->path = xasprintf("%s/%s.%s", kind == VMCONF_LIBVIRT ? VMCONF_LIBVIRT_DIR : VMCONF_PROXMOX_DIR, name,
			     kind == VMCONF_LIBVIRT ? "xml" : "conf");
	r = read_in_root(root, vm->path, &data, &len);
	if (r == -ENOENT || r == -ENOTDIR) {
		r = -ENOENT;
		gv_error_set(err, r, "%s: no such file under %s", vm->path, root);
		goto out;
	}
	if (r < 0) {
		gv_error_set(err, r, "%s: %s", vm->path, strerror(-r));
		goto out;
	}
	if (kind == VMCONF_LIBVIRT) {
		r = parse_domain(vm, data, len, name, err);
	} else {
		vm->name = xstrdup(name);
		r = parse_pve(vm, data, err);
	}
out:
	free(data);
	if (r < 0) {
		vmconf_free(vm);
		return r;
	}
	*ret = vm;
	return 0;
}

/* The names of DIR's (under ROOT) regular files ending in SUFFIX, without
 * it, in order. */
static char **list_names(const char *root, const char *dir, const char *suffix, bool numeric, size_t *ret_n)
{
	char *target = NULL, *abs;
	char **names = NULL;
	size_t n = 0, sl = strlen(suffix);
	struct dirent *de;
	DIR *d;

	*ret_n = 0;
	if (fsutil_resolve_in_root(root, dir, &target) < 0)
		return NULL;
	abs = fsutil_join(root, target);
	free(target);
	d = opendir(abs);
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char *path;
		struct stat st;

		if (de->d_name[0] == '.' || len <= sl || strcmp(de->d_name + len - sl, suffix) != 0)
			continue;
		if (numeric && strspn(de->d_name, "0123456789") != len - sl)
			continue;
		path = fsutil_join(abs, de->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			names = xreallocarray(names, n + 1, sizeof(*names));
			names[n++] = xstrndup(de->d_name, len - sl);
		}
		free(path);
	}
	if (d)
		closedir(d);
	free(abs);
	/* insertion sort: a handful of VMs */
	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0; j--) {
			int c = numeric ? (strlen(names[j - 1]) > strlen(names[j]) ? 1 :
					   strlen(names[j - 1]) < strlen(names[j]) ? -1 : strcmp(names[j - 1], names[j]))
					: strcmp(names[j - 1], names[j]);
			char *t;
			if (c <= 0)
				break;
			t = names[j - 1];
			names[j - 1] = names[j];
			names[j] = t;
		}
	}
	*ret_n = n;
	return names;
}

struct vmconf_list *vmconf_scan(const char *root)
{
	struct vmconf_list *l = xcalloc(1, sizeof(*l));

	for (int k = VMCONF_LIBVIRT; k <= VMCONF_PROXMOX; k++) {
		size_t n;
		char **names = list_names(root, k == VMCONF_LIBVIRT ? VMCONF_LIBVIRT_DIR : VMCONF_PROXMOX_DIR,
					  k == VMCONF_LIBVIRT ? ".xml" : ".conf", k == VMCONF_PROXMOX, &n);

		for (size_t i = 0; i < n; i++) {
			struct gv_error err = { 0 };
			struct vmconf *vm = NULL;

			if (vmconf_load(root, (enum vmconf_kind)k, names[i], &vm, &err) == 0) {
				l->vms = xreallocarray(l->vms, l->n + 1, sizeof(*l->vms));
				l->vms[l->n++] = vm;
			} else {
				l->errors = xreallocarray(l->errors, l->n_errors + 1, sizeof(*l->errors));
				l->errors[l->n_errors++] = xstrdup(err.msg);
			}
			free(names[i]);
		}
		free(names);
	}
	return l;
}

void vmconf_list_free(struct vmconf_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		vmconf_free(l->vms[i]);
	for (size_t i = 0; i < l->n_errors; i++)
		free(l->errors[i]);
	free(l->vms);
	free(l->errors);
	free(l);
}
