/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A stand-in for virsh and qm inside a test's configuration root, for the
 * commands `gpuvirt apply --assign` runs there (chroot ROOT): installed as
 * ROOT/usr/bin/virsh and ROOT/usr/bin/qm, it answers by its name and edits
 * the VM configurations under the root as the real tools would leave them:
 *
 *   virsh attach-device NAME FILE --config     the <hostdev> of FILE into
 *                                              /etc/libvirt/qemu/NAME.xml
 *   virsh detach-device-alias NAME ALIAS --config   that element out again
 *   virsh dumpxml --inactive NAME              the domain
 *   qm set N -hostpciK VALUE | -delete hostpciK     /etc/pve/qemu-server/N.conf
 *   qm config N                                the VM's current configuration
 *
 * With /etc/vmstub-lie present, dumpxml and config show nothing, so that
 * a read-back fails. Linked statically: the root has no libc. A test tool,
 * never part of gpuvirt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *data = NULL;
	size_t len = 0, cap = 0, n;
	char chunk[4096];

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			data = realloc(data, cap);
			if (!data)
				abort();
		}
		memcpy(data + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (!data)
		data = calloc(1, 1);
	data[len] = '\0';
	return data;
}

static int spill(const char *path, const char *a, size_t an, const char *b, size_t bn, const char *c)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fwrite(a, 1, an, f);
	fwrite(b, 1, bn, f);
	fputs(c, f);
	return fclose(f);
}

static int fail(const char *msg, const char *arg)
{
	fprintf(stderr, "error: %s%s\n", msg, arg ? arg : "");
	return 1;
}

static int virsh(int argc, char **argv)
{
	char path[4096], *dom, *add, *at, *end, *start;

	if (argc < 3)
		return fail("unsupported command", NULL);
	snprintf(path, sizeof(path), "/etc/libvirt/qemu/%s.xml", argv[argc == 4 && !strcmp(argv[1], "dumpxml") ? 3 : 2]);
	dom = slurp(path);
	if (!dom)
		return fail("failed to get domain ", path);
	if (!strcmp(argv[1], "dumpxml")) {
		fputs(access("/etc/vmstub-lie", F_OK) == 0 ? "<domain/>\n" : dom, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "attach-device") && argc == 5 && !strcmp(argv[4], "--config")) {
		char *file = slurp(argv[3]), *src, *src_end, line[512];
		if (!file || !(add = strstr(file, "<hostdev")))
			return fail("Failed to open file ", argv[3]);
		src = strstr(add, "<address ");
		src_end = src ? strchr(src, '\n') : NULL;
		if (src && src_end && (size_t)(src_end - src) < sizeof(line)) {
			snprintf(line, sizeof(line), "%.*s", (int)(src_end - src), src);
			if (strstr(dom, line))
				return fail("Hostdev already exists in the domain configuration", NULL);
		}
		at = strstr(dom, "  </devices>");
		if (!at)
			return fail("no <devices> in ", path);
		/* indented as libvirt keeps it, four spaces */
		{
			size_t cap = strlen(add) * 2 + 16, n = 0;
			char *ind = malloc(cap);
			for (char *p = add; *p; p++) {
				if (p == add || p[-1] == '\n')
					n += (size_t)sprintf(ind + n, "    ");
				ind[n++] = *p;
			}
			ind[n] = '\0';
			if (spill(path, dom, (size_t)(at - dom), ind, n, at) < 0)
				return fail("cannot write ", path);
		}
		puts("Device attached successfully");
		return 0;
	}
	if (!strcmp(argv[1], "detach-device-alias") && argc == 5 && !strcmp(argv[4], "--config")) {
		char want[512];
		snprintf(want, sizeof(want), "<alias name='%s'/>", argv[3]);
		at = strstr(dom, want);
		if (!at)
			return fail("device not found: no device found with alias ", argv[3]);
		start = at;
		while (start > dom && strncmp(start, "<hostdev", 8))
			start--;
		while (start > dom && start[-1] == ' ')
			start--;
		end = strstr(at, "</hostdev>\n");
		if (!end)
			return fail("no </hostdev> in ", path);
		end += strlen("</hostdev>\n");
		if (spill(path, dom, (size_t)(start - dom), "", 0, end) < 0)
			return fail("cannot write ", path);
		puts("Device detach request sent successfully");
		return 0;
	}
	return fail("unsupported command ", argv[1]);
}

static int qm(int argc, char **argv)
{
	char path[4096], *conf, *key = NULL, line[4096];
	const char *value = NULL;
	size_t top;

	if (argc < 3)
		return fail("unsupported command", NULL);
	snprintf(path, sizeof(path), "/etc/pve/qemu-server/%s.conf", argv[2]);
	conf = slurp(path);
	if (!conf) {
		fprintf(stderr, "Configuration file 'nodes/pve/qemu-server/%s.conf' does not exist\n", argv[2]);
		return 2;
	}
	/* the VM's own section ends where the first [section] starts */
	top = strlen(conf);
	for (char *p = conf; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		if (*p == '[') {
			top = (size_t)(p - conf);
			break;
		}
	}
	if (!strcmp(argv[1], "config") && argc == 3) {
		if (access("/etc/vmstub-lie", F_OK) != 0)
			fwrite(conf, 1, top, stdout);
		return 0;
	}
	if (strcmp(argv[1], "set") || argc != 5)
		return fail("unsupported command ", argv[1]);
	if (!strcmp(argv[3], "-delete")) {
		key = argv[4];
	} else if (argv[3][0] == '-') {
		key = argv[3] + 1;
		value = argv[4];
	} else {
		return fail("unsupported option ", argv[3]);
	}
	snprintf(line, sizeof(line), "%s: ", key);
	/* drop the key's line, then put the new one where its name sorts */
	{
		char *out = malloc(strlen(conf) + strlen(line) + (value ? strlen(value) : 0) + 2);
		size_t n = 0;
		int placed = !value;
		for (char *p = conf; p < conf + top;) {
			char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl + 1 - p) : strlen(p);
			if (!placed && (*p == '\n' || strncmp(p, line, strlen(line)) > 0)) {
				n += (size_t)sprintf(out + n, "%s%s\n", line, value);
				placed = 1;
			}
			if (strncmp(p, line, strlen(line)) != 0) {
				memcpy(out + n, p, len);
				n += len;
			}
			p += len;
		}
		if (!placed)
			n += (size_t)sprintf(out + n, "%s%s\n", line, value);
		if (spill(path, out, n, "", 0, conf + top) < 0)
			return fail("cannot write ", path);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];

	if (!strcmp(name, "virsh"))
		return virsh(argc, argv);
	if (!strcmp(name, "qm"))
		return qm(argc, argv);
	return fail("vmstub: call me virsh or qm, not ", name);
}
