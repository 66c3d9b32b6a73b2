#!/usr/bin/env bash
# Make the seed corpora of tests/fuzz/corpus/ that come from the fixtures and
# from gpuvirt itself (files named fx-* and demo-*; the hand-made ones,
# hand-* and known-crash-*, are left alone). Run from anywhere after `make`;
# the result is committed, so `make check` and `make fuzz` need nothing of
# this. Usage: tests/fuzz/seed.sh [BUILD]
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
C=tests/fuzz/corpus
for n in grub modconf theme cmdline change plan journal; do
	mkdir -p "$C/$n"
	rm -f "$C/$n"/fx-* "$C/$n"/demo-*
done

# grub: etc/default/grub \0 the edit of tests/fixtures/grub/EXPECT \0 each drop-in
while IFS=$'\t' read -r name mode add remove _; do
	case $name in '#'* | '') continue ;; esac
	d=tests/fixtures/grub/$name
	[ -d "$d" ] || continue
	{
		[ -f "$d/grub" ] && cat "$d/grub"
		printf '\0'
		[ "$mode" = dropin ] && echo dropin
		[ "$add" != - ] && tr '|' '\n' <<< "$add" | sed 's/^/+/'
		[ "$remove" != - ] && tr '|' '\n' <<< "$remove" | sed 's/^/-/'
		for f in "$d"/grub.d/*; do
			[ -f "$f" ] || continue
			printf '\0%s\n' "${f##*/}"
			cat "$f"
		done
	} > "$C/grub/fx-$name"
done < tests/fixtures/grub/EXPECT
for f in tests/fixtures/roots/*/etc/default/grub tests/fixtures/hosts/*/root/etc/default/grub; do
	[ -f "$f" ] || continue
	r=${f%/etc/default/grub}
	r=${r%/root}
	cp "$f" "$C/grub/fx-root-${r##*/}"
done

# modconf: every modprobe.d file of the fixtures
for f in tests/fixtures/hosts/*/root/etc/modprobe.d/* tests/fixtures/roots/*/etc/modprobe.d/*; do
	[ -f "$f" ] || continue
	h=${f%/root/etc/modprobe.d/*}
	h=${h%/etc/modprobe.d/*}
	cp "$f" "$C/modconf/fx-${h##*/}-${f##*/}"
done

# theme: the shipped themes
for f in themes/*.theme; do
	cp "$f" "$C/theme/fx-${f##*/}"
done

# cmdline: the test beds' /proc/cmdline and the roots' etc/kernel/cmdline
for f in tests/fixtures/hosts/*/host.desc; do
	h=${f%/host.desc}
	line=$(sed -n 's/^cmdline //p' "$f" | head -n1)
	[ -n "$line" ] || continue
	# the words as sh reads them, joined with single spaces
	eval "set -- $line"
	printf '%s' "$*" > "$C/cmdline/fx-${h##*/}"
done
for f in tests/fixtures/roots/*/etc/kernel/cmdline tests/fixtures/hosts/*/root/etc/kernel/cmdline; do
	[ -f "$f" ] || continue
	r=${f%/etc/kernel/cmdline}
	r=${r%/root}
	cp "$f" "$C/cmdline/fx-kernel-${r##*/}"
done

# change: the CHANGE arguments the CLI tests use
grep -ohE -- "--(vfio|blacklist|cmdline-add|cmdline-remove|vfs|mdev|assign)[ =][^ \"'\$]+" tests/cli/*.sh tests/tui/*.sh |
	sed -E 's/^--[a-z-]+[ =]//' | grep -v '^-' | sort -u | while read -r a; do
	printf '%s' "$a" > "$C/change/fx-$(printf '%s' "$a" | sha1sum | cut -c1-12)"
done

# plan and journal: gpuvirt --demo plan --save and apply on the built-in
# sample host, in an empty test bed and a scratch directory
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bed/sys" "$tmp/run" "$tmp/home" "$tmp/tmp"
chmod 700 "$tmp/run"
echo "gpuvirt test bed: empty" > "$tmp/bed/sys/.gpuvirt-testbed"
demo() {
	UMOCKDEV_DIR=$tmp/bed GPUVIRT_EXPECT_TESTBED=1 HOME=$tmp/home TMPDIR=$tmp/tmp XDG_RUNTIME_DIR=$tmp/run \
		umockdev-wrapper "$BUILD/gpuvirt" --demo "$@" < /dev/null > /dev/null 2>&1
}
i=0
for changes in "--iommu" "--iommu --vfio 41:00.0" "--blacklist nouveau --cmdline-add iommu=pt" \
	"--vfio 41:00.0 --cmdline-remove quiet" "--cmdline-add 'dyndbg=\"file x +p\"' --blacklist nvidiafb"; do
	i=$((i + 1))
	eval "demo plan $changes --save \"\$tmp/p$i\"" || true
	[ -f "$tmp/p$i" ] && cp "$tmp/p$i" "$C/plan/demo-$i"
	eval "demo apply $changes --yes" || true
done
for f in "$tmp"/run/gpuvirt-demo-*/var/lib/gpuvirt/journal/*; do
	[ -f "$f" ] && cp "$f" "$C/journal/demo-${f##*/}"
done
demo undo --yes || true
for f in "$tmp"/run/gpuvirt-demo-*/var/lib/gpuvirt/journal/*; do
	[ -f "$f" ] && grep -q '^state undone' "$f" && cp "$f" "$C/journal/demo-undone-${f##*/}"
done
for n in grub modconf theme cmdline change plan journal; do
	printf '%-8s %d files\n' "$n" "$(ls "$C/$n" | wc -l)"
done
