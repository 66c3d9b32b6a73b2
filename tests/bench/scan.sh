#!/usr/bin/env bash
# Scan time: `gpuvirt list --all --json` against `lspci -Dnnk` on the large
# fixture host (1,063 PCI functions), both under the same umockdev preload.
# Runs interleaved (A B A B ...) so drift on a shared machine hits both alike;
# prints each median and the ratio. Target: ratio <= 1.0.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
RUNS=${RUNS:-15}
GPUVIRT=$PWD/$BUILD/gpuvirt
work=$(mktemp -d "${TMPDIR:-/dev/shm}/gpuvirt-bench.XXXXXX" 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT
tests/fixtures/mkhost tests/fixtures/hosts/large-host/host.desc "$work/tb"
export UMOCKDEV_DIR=$work/tb

now() { date +%s%N; }
run_ms() { # run_ms CMD...: wall time of one run in microseconds
	local t0 t1
	t0=$(now); "$@" > /dev/null 2>&1; t1=$(now)
	echo $(( (t1 - t0) / 1000 ))
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

n=$(umockdev-wrapper "$GPUVIRT" list --all --json | grep -c '"address"')
# warm the page cache and pci.ids for both
umockdev-wrapper "$GPUVIRT" list --all --json > /dev/null
umockdev-wrapper lspci -Dnnk > /dev/null 2>&1
: > "$work/gv"; : > "$work/ls"
for _ in $(seq "$RUNS"); do
	run_ms umockdev-wrapper "$GPUVIRT" list --all --json >> "$work/gv"
	run_ms umockdev-wrapper lspci -Dnnk >> "$work/ls"
done
gv=$(median < "$work/gv"); ls=$(median < "$work/ls")
printf 'scan of %d functions, median of %d interleaved runs:\n' "$n" "$RUNS"
printf '  gpuvirt list --all --json  %8.1f ms\n' "$(echo "$gv / 1000" | bc -l)"
printf '  lspci -Dnnk                %8.1f ms\n' "$(echo "$ls / 1000" | bc -l)"
printf '  ratio gpuvirt/lspci        %8.2f (target <= 1.00)\n' "$(echo "$gv / $ls" | bc -l)"
