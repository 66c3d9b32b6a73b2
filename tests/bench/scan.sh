#!/usr/bin/env bash
# Scan time: `gpuvirt list --all --json` against `lspci -Dnnk`, both under the
# same umockdev preload, on two hosts: the large fixture host (1,063 PCI
# functions) and an SR-IOV host made here, 16 PFs with 64 VFs each (1,000+
# functions, most of them VFs, every PF with its SR-IOV facts). Runs
# interleaved (A B A B ...) so drift on a shared machine hits both alike;
# prints each median and the ratio. Target: ratio <= 1.0.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
RUNS=${RUNS:-15}
GPUVIRT=$PWD/$BUILD/gpuvirt
work=$(mktemp -d "${TMPDIR:-/dev/shm}/gpuvirt-bench.XXXXXX" 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT

# 16 Intel X710 PFs behind their own root ports, 64 VFs each on iavf, each
# VF in its own IOMMU group, as the kernel makes them
sriov_desc() {
	local i bus g=100
	echo "cpu intel"
	echo "acpi DMAR"
	echo "iommu dmar0"
	echo "module i40e iavf vfio_pci"
	echo "driver i40e sriov"
	echo "dev 0000:00:00.0 8086:2020 060000 group=1"
	for i in $(seq 0 15); do
		printf -v bus '%02x' $(( 0x10 + i ))
		printf 'dev 0000:00:%02x.%d 8086:2030 060400 driver=pcieport group=%d\n' $(( 1 + i / 8 )) $(( i % 8 )) $(( 2 + i ))
		printf 'dev 0000:%s:00.0 8086:1572 020000 parent=00:%02x.%d driver=i40e group=%d\n' "$bus" $(( 1 + i / 8 )) $(( i % 8 )) $(( 20 + i ))
		printf 'sriov 0000:%s:00.0 total=64 num=64 first=%s:02.0 vf=8086:154c vfdriver=iavf vfgroup=%d kernel\n' "$bus" "$bus" $g
		g=$(( g + 64 ))
	done
}

now() { date +%s%N; }
run_ms() { # run_ms CMD...: wall time of one run in microseconds
	local t0 t1
	t0=$(now); "$@" > /dev/null 2>&1; t1=$(now)
	echo $(( (t1 - t0) / 1000 ))
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

bench() { # bench NAME DESC
	tests/fixtures/mkhost "$2" "$work/$1"
	export UMOCKDEV_DIR=$work/$1
	local n gv ls
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
	printf '%s: scan of %d functions, median of %d interleaved runs:\n' "$1" "$n" "$RUNS"
	printf '  gpuvirt list --all --json  %8.1f ms\n' "$(echo "$gv / 1000" | bc -l)"
	printf '  lspci -Dnnk                %8.1f ms\n' "$(echo "$ls / 1000" | bc -l)"
	printf '  ratio gpuvirt/lspci        %8.2f (target <= 1.00)\n' "$(echo "$gv / $ls" | bc -l)"
}

bench large-host tests/fixtures/hosts/large-host/host.desc
sriov_desc > "$work/sriov.desc"
bench sriov-16x64 "$work/sriov.desc"
