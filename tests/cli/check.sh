#!/usr/bin/env bash
# gpuvirt check: the firmware checklist on fixture hosts built to pass and to
# fail, the JSON contract, the checklist layout, lint, expected vs actual
# after an apply, bad usage, and the real machine the tests run on.
. "$(dirname "$0")/../lib.sh"

has() { grep -qF -- "$2" <<< "$1"; }

# sets JSON ID STATUS: the "set" of every finding ID with STATUS, as one line
# of numbers ("-" for null)
sets() {
	python3 -c '
import json, sys
print(" ".join("-" if f["set"] is None else str(f["set"]) for f in json.loads(sys.argv[1])["findings"]
               if f["id"] == sys.argv[2] and f["status"] == sys.argv[3]))' "$@"
}

# finding JSON ID STATUS [EVIDENCE-NEEDLE] [FIX-NEEDLE]: some finding ID has
# STATUS, and the needles are in its evidence and fix.
finding() {
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
_, _, id_, status, ev, fix = sys.argv[:2] + sys.argv[2:] + [""] * (6 - len(sys.argv))
for f in d["findings"]:
    if f["id"] == id_ and f["status"] == status and ev in f["evidence"] and (not fix or (f["fix"] or "").find(fix) >= 0):
        sys.exit(0)
sys.exit(1)
' "$@"
}

# schema JSON: exactly {"findings": [{"id","status","title","evidence","fix","set"}]}
schema() {
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert list(d) == ["findings"], list(d)
assert d["findings"], "no findings"
for f in d["findings"]:
    assert list(f) == ["id", "status", "title", "evidence", "fix", "set"], list(f)
    assert f["set"] is None or (type(f["set"]) is int and f["set"] >= 1), f
    assert f["status"] in ("pass", "warn", "fail", "info"), f
    assert isinstance(f["id"], str) and f["id"] and isinstance(f["title"], str) and f["title"]
    assert isinstance(f["evidence"], str) and f["evidence"]
    assert f["fix"] is None or (isinstance(f["fix"], str) and f["fix"])
' "$1"
}

fits80() { ! awk 'length($0) > 80 { bad = 1 } END { exit !bad }' <<< "$1"; }

# ---- the real machine (no test bed): truthful, exit 0 or 1, writes nothing
real=$TMPROOT/real-root
mkdir -p "$real"
json=$(env -u UMOCKDEV_DIR -u GPUVIRT_EXPECT_TESTBED "$GPUVIRT" --root "$real" check --json); rc=$?
ok "real machine: check exits 0 or 1, never 2 (rc $rc)" [ $rc -eq 0 -o $rc -eq 1 ]
ok "real machine: JSON contract" schema "$json"
ok "real machine: wrote nothing under the root" [ -z "$(find "$real" -mindepth 1 | head -n1)" ]
if [ ! -e /sys/firmware/acpi/tables/DMAR ] && [ ! -e /sys/firmware/acpi/tables/IVRS ] &&
   [ -z "$(ls -A /sys/kernel/iommu_groups 2>/dev/null)" ]; then
	ok "real machine: says there is no IOMMU table" bash -c 'python3 -c "
import json, sys
f = [x for x in json.loads(sys.argv[1])[\"findings\"] if x[\"id\"] == \"iommu-firmware\"][0]
assert f[\"status\"] in (\"fail\", \"info\") and \"absent\" in f[\"evidence\"], f
" "$1"' _ "$json"
	ok "real machine: says the kernel has no IOMMU" finding "$json" iommu-kernel fail "/sys/kernel/iommu_groups: empty"
	ok "real machine: exit 1 without an IOMMU" [ $rc -eq 1 ]
else
	ok "real machine: says the kernel has an IOMMU" finding "$json" iommu-kernel pass "iommu_groups"
fi
if grep -qw -e vmx -e svm /proc/cpuinfo; then
	ok "real machine: CPU virtualization on" finding "$json" cpu-virtualization pass
else
	ok "real machine: CPU virtualization not available" finding "$json" cpu-virtualization fail "no vmx or svm"
fi
text=$(env -u UMOCKDEV_DIR -u GPUVIRT_EXPECT_TESTBED "$GPUVIRT" --root "$real" check); rc2=$?
ok "real machine: text and JSON agree on the exit status" [ $rc -eq $rc2 ]
ok "real machine: checklist fits 80 columns" fits80 "$text"

# ---- everything passes
host check-good
json=$(gv --root "$ROOT" check --json); rc=$?
ok "good host: exit 0" [ $rc -eq 0 ]
ok "good host: JSON contract" schema "$json"
for id in cpu-virtualization kvm-device iommu-firmware iommu-kernel interrupt-remapping vmd uefi \
	secure-boot iommu-passthrough-mode config-lint; do
	ok "good host: $id passes" finding "$json" "$id" pass
done
ok "good host: kernel-version is information" finding "$json" kernel-version info "/proc/sys/kernel/osrelease: 6.8.4-2-pve"
ok "good host: no finding is about a change set" python3 -c '
import json, sys
assert all(f["set"] is None for f in json.loads(sys.argv[1])["findings"])' "$json"
ok "good host: no fix where nothing is wrong" python3 -c '
import json, sys
assert all(f["fix"] is None for f in json.loads(sys.argv[1])["findings"] if f["status"] == "pass")' "$json"
text=$(gv --root "$ROOT" check); rc=$?
ok "good host: checklist exit 0" [ $rc -eq 0 ]
ok "good host: checklist has status columns" has "$text" "[ OK ] CPU virtualization is on (Intel VT-x)"
ok "good host: evidence indented under the title" has "$text" "       /proc/cpuinfo: flags: ... vmx"
ok "good host: checklist fits 80 columns" fits80 "$text"
ok "good host: no colour when stdout is not a terminal" bash -c '! grep -q $'"'"'\e'"'"' <<< "$1"' _ "$text"
tty=$(script -qec "umockdev-wrapper '$GPUVIRT' --root '$ROOT' check" /dev/null 2>&1)
ok "good host: colour on a terminal" has "$tty" $'\e[32m[ OK ]'
tty=$(NO_COLOR=1 script -qec "umockdev-wrapper '$GPUVIRT' --root '$ROOT' check" /dev/null 2>&1)
ok "good host: NO_COLOR turns colour off" bash -c '! grep -q $'"'"'\e\['"'"' <<< "$1" && grep -qF "[ OK ]" <<< "$1"' _ "$tty"
tty=$(script -qec "umockdev-wrapper '$GPUVIRT' --root '$ROOT' --no-color check" /dev/null 2>&1)
ok "good host: --no-color turns colour off" bash -c '! grep -q $'"'"'\e\['"'"' <<< "$1"' _ "$tty"
snap() { (cd "$ROOT" && find . -exec ls -ld --time-style=+%s.%N {} + | sort); }
before=$(snap)
gv --root "$ROOT" check > /dev/null; gv --root "$ROOT" check --json > /dev/null
ok "good host: check wrote nothing under the root" [ "$before" = "$(snap)" ]

# ---- off in the BIOS: the fix names the BIOS setting
host check-bios-off
json=$(gv --root "$ROOT" check --json); rc=$?
ok "BIOS off: exit 1" [ $rc -eq 1 ]
ok "BIOS off: JSON contract" schema "$json"
ok "BIOS off: VT-x off in the BIOS" finding "$json" cpu-virtualization fail "/proc/cpuinfo: flags: no vmx or svm" "VT-x"
ok "BIOS off: VT-d off in the BIOS" finding "$json" iommu-firmware fail "/sys/firmware/acpi/tables/DMAR: absent" "Intel VT-d"
ok "BIOS off: kernel IOMMU off because of the BIOS" finding "$json" iommu-kernel fail "empty" "Intel VT-d"
ok "BIOS off: no kvm" finding "$json" kvm-device fail "/sys/module/kvm: absent"
ok "BIOS off: no interrupt remapping" finding "$json" interrupt-remapping warn "no IR-"
ok "BIOS off: legacy boot" finding "$json" uefi info "/sys/firmware/efi: absent"
ok "BIOS off: Secure Boot does not apply" finding "$json" secure-boot info
ok "BIOS off: passthrough mode does not apply" finding "$json" iommu-passthrough-mode info
text=$(gv --root "$ROOT" check)
ok "BIOS off: [FAIL] in the checklist" has "$text" "[FAIL] CPU virtualization is off in the firmware"
ok "BIOS off: fix line" has "$text" '       fix: turn on "Intel Virtualization Technology"'
ok "BIOS off: checklist fits 80 columns" fits80 "$text"

# ---- on in the BIOS, off in the kernel: the fix is a gpuvirt change
host check-kernel-off
json=$(gv --root "$ROOT" check --json); rc=$?
ok "kernel off: exit 1" [ $rc -eq 1 ]
ok "kernel off: firmware has it on" finding "$json" iommu-firmware pass "DMAR: present"
ok "kernel off: gpuvirt apply --iommu" finding "$json" iommu-kernel fail "before 6.8" "gpuvirt apply --iommu"
ok "kernel off: Secure Boot blocks DKMS" finding "$json" secure-boot warn "last byte 1" "mokutil"

host check-cmdline-off
json=$(gv --root "$ROOT" check --json)
ok "cmdline off: remove intel_iommu" finding "$json" iommu-kernel fail "/proc/cmdline: intel_iommu=off" "gpuvirt apply --cmdline-remove intel_iommu"

# ---- AMD: DMA-FQ, no remapping, amd_iommu=on, shared group
host check-amd
json=$(gv --root "$ROOT" check --json); rc=$?
ok "AMD: exit 1 (no interrupt remapping)" [ $rc -eq 1 ]
ok "AMD: SVM" finding "$json" cpu-virtualization pass "svm"
ok "AMD: IVRS" finding "$json" iommu-firmware pass "IVRS: present"
ok "AMD: iommu=pt recommended" finding "$json" iommu-passthrough-mode warn "DMA-FQ" "iommu=pt"
ok "AMD: interrupt remapping off" finding "$json" interrupt-remapping fail "no IR-"
ok "AMD: amd_iommu=on on the command line" finding "$json" amd-iommu-on warn "/proc/cmdline: amd_iommu=on" "--cmdline-remove amd_iommu"
ok "AMD: amd_iommu=on in etc/default/grub" finding "$json" amd-iommu-on warn "etc/default/grub:2: GRUB_CMDLINE_LINUX_DEFAULT: amd_iommu=on"
ok "AMD: amd_iommu=on once per line it is on (running, configured)" [ "$(python3 -c '
import json, sys
print(sum(f["id"] == "amd-iommu-on" for f in json.loads(sys.argv[1])["findings"]))' "$json")" = 2 ]
ok "AMD: GPU shares its group" finding "$json" iommu-group-shared warn "0000:02:00.0"

# ---- lint and VMD
host check-lint
json=$(gv --root "$ROOT" check --json); rc=$?
ok "lint: exit 1" [ $rc -eq 1 ]
ok "lint: JSON contract" schema "$json"
ok "lint: VMD on" finding "$json" vmd warn "10000:e1:00.0" "VMD"
ok "lint: vfio_virqfd on 6.8" finding "$json" vfio-virqfd fail "etc/modules:4: vfio_virqfd"
ok "lint: bare ids line" finding "$json" modprobe-bad-line fail "etc/modprobe.d/vfio.conf:2: 10de:1db4,10de:10f2"
ok "lint: id= for ids=" finding "$json" module-parameter fail "etc/modprobe.d/vfio.conf:3"
ok "lint: vfio-pci id of the boot GPU" finding "$json" vfio-ids-boot-gpu fail "etc/modprobe.d/vfio.conf:4"
ok "lint: vfio-pci.ids on the command line" finding "$json" vfio-ids-boot-gpu fail "/proc/cmdline: vfio-pci.ids=8086:46d1"
ok "lint: max_vfs above sriov_totalvfs" finding "$json" max-vfs fail "/proc/cmdline: i915.max_vfs=8" "i915.max_vfs=7"
ok "lint: options i915 max_vfs" finding "$json" max-vfs fail "etc/modprobe.d/i915.conf:1"
ok "lint: dracut file without .conf" finding "$json" ignored-file warn "etc/dracut.conf.d/vfio"
ok "lint: sysfs.d without sysfs.conf" finding "$json" sysfs-conf warn "etc/sysfs.conf: absent"
text=$(gv --root "$ROOT" check)
ok "lint: checklist fits 80 columns" fits80 "$text"
ok "lint: section heading names the root" has "$text" "Configuration (under $ROOT)"

# ---- GRUB's configured line: the same lint as the running one, named by file, line, variable
host desktop-twins
sed -i 's/^GRUB_CMDLINE_LINUX_DEFAULT=.*/GRUB_CMDLINE_LINUX_DEFAULT="quiet splash 915.enable_guc=3 i915.enable_gucc=3 pcie_acs_override=downstream"/' "$ROOT/etc/default/grub"
json=$(gv --root "$ROOT" check --json)
ok "grub lint: JSON contract" schema "$json"
ok "grub lint: 915.enable_guc" finding "$json" cmdline-unknown-module fail "etc/default/grub:7: GRUB_CMDLINE_LINUX_DEFAULT: 915.enable_guc=3" "--cmdline-remove 915.enable_guc"
ok "grub lint: i915.enable_gucc" finding "$json" cmdline-unknown-param fail "etc/default/grub:7: GRUB_CMDLINE_LINUX_DEFAULT: i915.enable_gucc=3"
ok "grub lint: pcie_acs_override" finding "$json" cmdline-acs-override warn "etc/default/grub:7: GRUB_CMDLINE_LINUX_DEFAULT: pcie_acs_override=downstream"

# ---- expected vs actual after an apply (the fixture's running state lacks it)
host check-kernel-off
out=$(gv --root "$ROOT" apply --vfio 01:00.0 --yes --no-run 2>&1); rc=$?
ok "apply --vfio --no-run succeeds (rc $rc)" [ $rc -eq 0 ]
json=$(gv --root "$ROOT" check --json); rc=$?
ok "after apply: JSON contract" schema "$json"
ok "after apply, before reboot: driver not yet vfio-pci" finding "$json" verify-driver warn "/sys/bus/pci/devices/0000:01:00.0/driver: nouveau" "reboot"
ok "after apply: the driver findings (the GPU, its audio) are about change set 1" [ "$(sets "$json" verify-driver warn)" = "1 1" ]
ok "after apply: a firmware finding is about no change set" [ "$(sets "$json" iommu-kernel fail)" = - ]
ok "after apply, before reboot: vfio_pci not loaded yet" finding "$json" verify-module warn "/proc/modules: no vfio_pci"
ok "after apply: pending command" finding "$json" verify-pending warn "--no-run" "update-initramfs"
out=$(gv --root "$ROOT" apply --iommu --yes --no-run 2>&1); rc=$?
[ $rc -eq 0 ] || echo "$out"
ok "apply --iommu --no-run succeeds (rc $rc)" [ $rc -eq 0 ]
json=$(gv --root "$ROOT" check --json)
ok "after apply --iommu: intel_iommu=on missing from /proc/cmdline" finding "$json" verify-cmdline warn "/proc/cmdline: no intel_iommu=on" "reboot"
ok "after apply --iommu: title names the argument" has "$json" '"intel_iommu=on is not on the running command line"'
ok "after apply --iommu: the argument is change set 2's" [ "$(sets "$json" verify-cmdline warn)" = "2 2" ]
ok "after apply --iommu: the drivers are still change set 1's" [ "$(sets "$json" verify-driver warn)" = "1 1" ]
# the same after a reboot that did not take: applied before this boot began
sed -i 's/^when .*/when 2000-01-01T00:00:00Z/' "$ROOT"/var/lib/gpuvirt/journal/*
json=$(gv --root "$ROOT" check --json); rc=$?
ok "after reboot: exit 1" [ $rc -eq 1 ]
ok "after reboot: driver is a failure" finding "$json" verify-driver fail "0000:01:00.0/driver: nouveau" "initramfs"
ok "after reboot: module is a failure" finding "$json" verify-module fail "no vfio_pci"
ok "after reboot: missing argument names the file we wrote" finding "$json" verify-cmdline fail "no intel_iommu=on" "the bootloader did not read the file we wrote"
text=$(gv --root "$ROOT" check)
ok "after reboot: Applied changes section" has "$text" "Applied changes"
ok "after reboot: checklist fits 80 columns" fits80 "$text"

# ---- bad usage
host check-good
gv --root "$ROOT" check --bogus > /dev/null 2>&1; rc=$?
ok "unknown option: exit 2" [ $rc -eq 2 ]
gv --root "$ROOT" check extra > /dev/null 2>&1; rc=$?
ok "extra argument: exit 2" [ $rc -eq 2 ]
out=$(gv --root "$ROOT" check --help); rc=$?
ok "check --help: exit 0" [ $rc -eq 0 ]
ok "check --help: usage" has "$out" "usage: gpuvirt [--root DIR] check [--json]"
