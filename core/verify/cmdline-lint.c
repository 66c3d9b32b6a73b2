/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/scan/kparam.h"
#include "core/util/cmdline.h"
#include "core/util/xalloc.h"
#include "core/verify/cmdline-lint.h"

/* What gpuvirt can do about ID on ARG. Owned. */
static char *fix_for(const char *id, const char *arg)
{
	char *key = cmdline_arg_key(arg);
	char *fix;

	if (!strcmp(id, "cmdline-too-long"))
		fix = xasprintf("remove arguments the host does not need; the kernel cuts the rest off");
	else if (!strcmp(id, "cmdline-acs-override"))
		fix = xasprintf("only kernels with the ACS override patch (Proxmox) know it, and it weakens isolation: prefer a slot with its own IOMMU group (gpuvirt apply --cmdline-remove %s)", key);
	else if (!strcmp(id, "cmdline-duplicate"))
		fix = xasprintf("gpuvirt apply --cmdline-remove %s, then --cmdline-add the one value you want", key);
	else if (!strcmp(id, "cmdline-unbalanced-quote"))
		fix = xasprintf("close the quote in the bootloader's command line");
	else
		fix = xasprintf("gpuvirt apply --cmdline-remove %s (and --cmdline-add the corrected argument)", key);
	free(key);
	return fix;
}

static void problem(struct findings *fs, const char *id, enum finding_status st, const char *arg,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void problem(struct findings *fs, const char *id, enum finding_status st, const char *arg,
		    const char *fmt, ...)
{
	va_list ap;
	char *title, *fix = fix_for(id, arg);

	va_start(ap, fmt);
	title = xvasprintf(fmt, ap);
	va_end(ap);
	findings_add(fs, &(struct finding){ .id = id, .status = st, .category = FINDING_LINT, .title = title,
					    .evidence = arg, .fix = fix });
	free(title);
	free(fix);
}

/* True when every comma-separated item of VALUE is in ALLOWED. Sets *bad to
 * the first item that is not (owned), or NULL. */
static bool items_in(const char *value, const char *const *allowed, char **bad)
{
	const char *p = value;

	*bad = NULL;
	for (;;) {
		size_t n = strcspn(p, ",");
		bool ok = false;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = strlen(allowed[i]) == n && strncmp(allowed[i], p, n) == 0;
		if (!ok) {
			*bad = xstrndup(p, n);
			return false;
		}
		if (!p[n])
			return true;
		p += n + 1;
	}
}

static bool has_item(const char *value, const char *item)
{
	size_t l = strlen(item);

	for (const char *p = value; *p;) {
		size_t n = strcspn(p, ",");
		if (n == l && strncmp(p, item, l) == 0)
			return true;
		p += n;
		if (*p)
			p++;
	}
	return false;
}

static void lint_values(struct findings *fs, const char *arg, const char *key, const char *value)
{
	static const char *const intel_ok[] = {
		"on", "off", "igfx_off", "forcedac", "strict", "sp_off", "sm_on", "sm_off",
		"tboot_noforce", "nobounce", NULL,
	};
	static const char *const amd_ok[] = {
		"fullflush", "force_enable", "force_isolation", "off", "pgtbl_v1", "pgtbl_v2",
		"irtcachedis", "nohugepages", "v2_pgsizes_only", NULL,
	};
	static const char *const iommu_ok[] = {
		"off", "force", "noforce", "biomerge", "panic", "nopanic", "merge", "nomerge",
		"soft", "pt", "nopt", "forcesac", "allowdac", "nodac", "usedac", "calgary",
		"memaper", "noagp", "noaperture", "allowed", "fullflush", "nofullflush", NULL,
	};
	static const char *const bool_ok[] = { "0", "1", "y", "n", "Y", "N", "on", "off", NULL };
	char *bad = NULL;

	if (strcmp(key, "intel_iommu") == 0 && value) {
		if (has_item(value, "off"))
			problem(fs, "cmdline-bad-value", FINDING_FAIL, arg,
				"%s turns the Intel IOMMU (VT-d) off; passthrough needs it on", arg);
		else if (!items_in(value, intel_ok, &bad))
			problem(fs, "cmdline-bad-value", FINDING_WARN, arg,
				"%s: '%s' is not a value intel_iommu takes (on, off, igfx_off, sm_on, ...)", arg, bad);
	} else if (strcmp(key, "amd_iommu") == 0 && value) {
		if (has_item(value, "on"))
			problem(fs, "cmdline-bad-value", FINDING_WARN, arg,
				"%s is not a valid value and does nothing (AMD-Vi is on by default); remove it, iommu=pt is what you want", arg);
		else if (has_item(value, "off"))
			problem(fs, "cmdline-bad-value", FINDING_FAIL, arg,
				"%s turns the AMD IOMMU off; passthrough needs it on", arg);
		else if (!items_in(value, amd_ok, &bad))
			problem(fs, "cmdline-bad-value", FINDING_WARN, arg,
				"%s: '%s' is not a value amd_iommu takes", arg, bad);
	} else if (strcmp(key, "iommu") == 0 && value) {
		if (has_item(value, "off"))
			problem(fs, "cmdline-bad-value", FINDING_FAIL, arg,
				"%s turns the IOMMU off; passthrough needs it on", arg);
		else if (!items_in(value, iommu_ok, &bad))
			problem(fs, "cmdline-bad-value", FINDING_WARN, arg,
				"%s: '%s' is not a value iommu takes (pt, nopt, force, ...)", arg, bad);
	} else if ((strcmp(key, "iommu.passthrough") == 0 || strcmp(key, "iommu.strict") == 0) && value) {
		if (!items_in(value, bool_ok, &bad))
			problem(fs, "cmdline-bad-value", FINDING_WARN, arg,
				"%s: %s takes 0 or 1", arg, key);
	} else if (strcmp(key, "pcie_acs_override") == 0) {
		problem(fs, "cmdline-acs-override", FINDING_WARN, arg,
			"%s splits IOMMU groups by pretending devices isolate each other: it weakens isolation between VMs and the host, and only patched kernels (Proxmox, linux-zen) know it",
			arg);
	}
	free(bad);
}

static void lint_module_param(struct findings *fs, const struct kparam_db *db, const char *arg,
			      const char *key)
{
	const char *dot = strchr(key, '.');
	char *module = xstrndup(key, (size_t)(dot - key));
	const char *param = dot + 1;
	struct kparam_info info;
	const char *sug;

	kparam_lookup(db, module, param, &info);
	switch (info.module) {
	case KPARAM_MODULE_ABSENT:
		sug = kparam_suggest_module(module);
		problem(fs, "cmdline-unknown-module", FINDING_FAIL, arg,
			"%s: no module \"%s\" is installed under %s or built in%s%s%s",
			    arg, module, kparam_db_modules_dir(db),
			    sug ? " (did you mean " : "", sug ? sug : "", sug ? "?)" : "");
		break;
	case KPARAM_MODULE_UNKNOWN:
		sug = kparam_suggest_module(module);
		if (sug)
			problem(fs, "cmdline-unknown-module", FINDING_FAIL, arg,
				"%s: there is no module \"%s\" (did you mean %s?)", arg, module, sug);
		else
			problem(fs, "cmdline-unknown-module", FINDING_WARN, arg,
				"%s: module \"%s\" is not known to gpuvirt and no module index was found to check it",
				    arg, module);
		break;
	case KPARAM_MODULE_KNOWN:
		sug = kparam_suggest_param(module, param);
		if (info.param == KPARAM_PARAM_UNKNOWN) {
			bool sriov = strcmp(module, "i915") == 0 && (strcmp(param, "max_vfs") == 0);
			problem(fs, "cmdline-unknown-param", FINDING_FAIL, arg,
				"%s: the installed %s module has no parameter %s%s%s%s%s", arg, module, param,
				    sug ? " (did you mean " : "", sug ? sug : "", sug ? "?)" : "",
				    sriov ? "; the SR-IOV build of i915 (i915-sriov-dkms) is not installed for this kernel" : "");
		} else if (info.param == KPARAM_PARAM_NOT_IN_TABLE && sug) {
			problem(fs, "cmdline-unknown-param", FINDING_FAIL, arg,
				"%s: %s has no parameter %s (did you mean %s?)", arg, module, param, sug);
		}
		break;
	}
	free(module);
}

void cmdline_lint(struct findings *fs, const char *line, const struct kparam_db *db)
{
	struct cmdline *c = NULL;
	char **canon, **keys;
	size_t n;

	if (cmdline_parse(line, &c) < 0)
		return;
	size_t len = cmdline_length(c);
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		len--;
	if (len + 1 > CMDLINE_SIZE)
		problem(fs, "cmdline-too-long", FINDING_FAIL, "",
			"the command line is %zu bytes; the kernel keeps %d and silently drops the rest",
			len, CMDLINE_SIZE - 1);

	n = cmdline_n_args(c);
	canon = xcalloc(n + 1, sizeof(*canon));
	keys = xcalloc(n + 1, sizeof(*keys));
	for (size_t i = 0; i < n; i++) {
		const char *arg = cmdline_arg(c, i);
		const char *eq;

		canon[i] = cmdline_arg_canon(arg);
		eq = strchr(canon[i], '=');
		keys[i] = xstrndup(canon[i], eq ? (size_t)(eq - canon[i]) : strlen(canon[i]));
		if (!cmdline_arg_balanced(arg))
			problem(fs, "cmdline-unbalanced-quote", FINDING_WARN, arg,
				"%s: unbalanced double quote; the rest of the line is part of this argument", arg);
		lint_values(fs, arg, keys[i], eq ? eq + 1 : NULL);
		if (kparam_is_core(keys[i]) || !*keys[i])
			continue;
		if (strchr(keys[i], '.') && keys[i][0] != '.')
			lint_module_param(fs, db, arg, keys[i]);
		else {
			const char *sug = kparam_suggest_core(keys[i]);
			if (sug)
				problem(fs, "cmdline-unknown-core", FINDING_WARN, arg,
					"%s: the kernel has no parameter %s (did you mean %s?); it goes to init",
					arg, keys[i], sug);
		}
	}
	/* One key, several different values: the last one wins, which is rarely
	 * what the person who added the first one meant. */
	for (size_t i = 0; i < n; i++) {
		bool seen_before = false, differs = false;
		if (cmdline_key_accumulates(keys[i]))
			continue;
		for (size_t j = 0; j < i && !seen_before; j++)
			seen_before = strcmp(keys[i], keys[j]) == 0;
		if (seen_before)
			continue;
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(keys[i], keys[j]) == 0 && strcmp(canon[i], canon[j]) != 0)
				differs = true;
		if (differs) {
			const char *last = NULL;
			for (size_t j = i; j < n; j++)
				if (strcmp(keys[i], keys[j]) == 0)
					last = cmdline_arg(c, j);
			problem(fs, "cmdline-duplicate", FINDING_WARN, cmdline_arg(c, i),
				"%s is given more than once with different values; the last one (%s) wins",
				keys[i], last);
		}
	}
	for (size_t i = 0; i < n; i++) {
		free(canon[i]);
		free(keys[i]);
	}
	free(canon);
	free(keys);
	cmdline_free(c);
}
