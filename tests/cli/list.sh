#!/usr/bin/env bash
# gpuvirt list: fixture hosts, the JSON contract, agreement with lspci, bad usage.
. "$(dirname "$0")/../lib.sh"

has() { grep -qF -- "$2" <<< "$1"; }

host ubuntu-v100
out=$(gv list); rc=$?
ok "list exits 0" [ $rc -eq 0 ]
ok "list shows the V100 in group 66" has "$out" "IOMMU group 66"
ok "list shows the V100 with its ids and driver" has "$out" "0000:41:00.0  3D controller [0302]  10de:1db4  driver: nouveau"
ok "list names the V100" has "$out" "NVIDIA Corporation GV100GL [Tesla V100 PCIe 16GB]"
ok "list fits 80 columns" bash -c '! awk "length > 80" <<< "$1" | grep -q .' _ "$out"
ok "list shows the vGPU type" has "$out" 'mdev type nvidia-300 "GRID V100-8C", 2 available, vfio-pci'
ok "list marks the boot GPU" has "$out" "ASPEED Technology, Inc. ASPEED Graphics Family  [boot GPU]"
ok "list leaves out the NIC" bash -c '! grep -q "61:00.0" <<< "$1"' _ "$out"
all=$(gv list --all)
ok "list --all shows the NIC" has "$all" "0000:61:00.0"

json=$(gv list --json)
ok "list --json is JSON with the documented schema" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert set(d) == {"devices", "iommu_groups"}
keys = {"address","vendor_id","device_id","class","vendor_name","device_name","driver",
        "iommu_group","boot_vga","sriov","physfn","mdev_types","mdevs","vgpu"}
for dev in d["devices"]:
    assert set(dev) == keys, set(dev) ^ keys
    assert len(dev["vendor_id"]) == 4 and dev["vendor_id"] == dev["vendor_id"].lower()
    assert len(dev["class"]) == 6
    assert dev["iommu_group"] is None or isinstance(dev["iommu_group"], int)
    assert isinstance(dev["boot_vga"], bool)
v = [x for x in d["devices"] if x["address"] == "0000:41:00.0"][0]
assert v["class"] == "030200" and v["driver"] == "nouveau" and v["iommu_group"] == 66
t = [x for x in v["mdev_types"] if x["id"] == "nvidia-300"][0]
assert t == {"id": "nvidia-300", "name": "GRID V100-8C", "available_instances": 2,
             "device_api": "vfio-pci", "description": "num_heads=1, frl_config=60, framebuffer=8192M, max_resolution=4096x2160, max_instance=2"}, t
assert {"id": 66, "devices": ["0000:41:00.0"]} in d["iommu_groups"]
' "$json"

host proxmox-n100
json=$(gv list --json)
ok "N100: VFs listed with their PF" python3 -c '
import json, sys
d = {x["address"]: x for x in json.loads(sys.argv[1])["devices"]}
pf = d["0000:00:02.0"]
assert pf["sriov"] == {"total_vfs": 7, "num_vfs": 3, "vfs": ["0000:00:02.1", "0000:00:02.2", "0000:00:02.3"],
                       "offset": 1, "stride": 1, "vf_device_id": "46d1", "autoprobe": True,
                       "driver_sriov": "can", "driver_max_vfs": 7, "boot_vfs": None, "boot_via": "none",
                       "boot_source": None, "boot_ignored": None}, pf["sriov"]
assert pf["boot_vga"] is True
assert d["0000:00:02.3"]["physfn"] == "0000:00:02.0"
' "$json"
out=$(gv list)
ok "N100: VFs shown under the PF" has "$out" "SR-IOV: 3 of 7 VFs enabled"
ok "N100: VF indented under its PF, with its group" grep -qE '^      VF 0000:00:02.1  8086:46d1  driver: none, group 17$' <<< "$out"

host desktop-twins
out=$(gv list)
ok "desktop: shared group flagged" has "$out" "cannot be passed alone: IOMMU group 14 also holds 0000:04:00.0"
ok "desktop: both twins listed" bash -c 'grep -c " 10de:2204 " <<< "$1" | grep -qx 2' _ "$out"

host iommu-off
out=$(gv list)
ok "IOMMU off: said plainly" has "$out" "No IOMMU group (the IOMMU is off: see gpuvirt check)"
json=$(gv list --json)
ok "IOMMU off: groups empty, iommu_group null" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["iommu_groups"] == [] and all(x["iommu_group"] is None for x in d["devices"])
' "$json"

host vmd-laptop
ok "VMD: five-digit domain listed" has "$(gv list --all)" "10000:e1:00.0"

# list agrees with lspci -Dnnk on every fixture host, and fits a serial
# console's 80 columns there (long names wrap, nothing is cut)...
for fx in "$GV_FIXTURES"/*/; do
	n=$(basename "$fx")
	host "$n"
	gv list --all > "$TMPROOT/all.txt"
	ok "$n: list --all fits 80 columns, no trailing blanks" \
		bash -c '! awk "length > 80 || / \$/" "$1" | grep -q .' _ "$TMPROOT/all.txt"
	gv list --all --json > "$TMPROOT/gv.json"
	umockdev-wrapper lspci -Dnnk > "$TMPROOT/lspci.txt" 2>/dev/null
	ok "$n: list agrees with lspci -Dnnk" python3 "$GV_SRCDIR/tests/tools/lspci_agree.py" "$TMPROOT/gv.json" "$TMPROOT/lspci.txt"
done
# ...and on the real machine the tests run on (read-only).
unset UMOCKDEV_DIR GPUVIRT_EXPECT_TESTBED
if lspci -Dnnk > "$TMPROOT/lspci.txt" 2>/dev/null && [ -s "$TMPROOT/lspci.txt" ]; then
	"$GPUVIRT" list --all --json > "$TMPROOT/gv.json"
	ok "real machine: list agrees with lspci -Dnnk" python3 "$GV_SRCDIR/tests/tools/lspci_agree.py" "$TMPROOT/gv.json" "$TMPROOT/lspci.txt"
else
	pass "real machine: no PCI bus visible here, nothing to compare"
fi

# bad usage and the test-bed guard
"$GPUVIRT" list --bogus > /dev/null 2>&1; rc=$?
ok "unknown option: exit 2" [ $rc -eq 2 ]
"$GPUVIRT" list extra > /dev/null 2>&1; rc=$?
ok "stray argument: exit 2" [ $rc -eq 2 ]
"$GPUVIRT" frobnicate > /dev/null 2>&1; rc=$?
ok "unknown command: exit 2" [ $rc -eq 2 ]
err=$("$GPUVIRT" --root /nonexistent/dir list 2>&1 >/dev/null); rc=$?
ok "missing --root: exit 2 naming it" bash -c '[ $1 -eq 2 ] && grep -q "/nonexistent/dir" <<< "$2"' _ $rc "$err"
err=$(GPUVIRT_EXPECT_TESTBED=1 "$GPUVIRT" list 2>&1); rc=$?
ok "outside a test bed with GPUVIRT_EXPECT_TESTBED: refuses" bash -c '[ $1 -eq 2 ] && grep -q "not a test bed" <<< "$2"' _ $rc "$err"
# (its scratch root in this test's own directory: tests/cli/demo.sh has the rest)
ok "--demo lists the sample V100" has "$(env -u XDG_RUNTIME_DIR TMPDIR="$TMPROOT" "$GPUVIRT" --demo list 2> /dev/null)" "0000:41:00.0"

# --root: a relative directory is fine (made absolute once); a file is not
host ubuntu-v100
(cd "$(dirname "$ROOT")" && gv --root "$(basename "$ROOT")" plan --iommu > "$TMPROOT/rel.out" 2>&1); rc=$?
ok "relative --root: works" [ $rc -eq 0 ]
ok "relative --root: the preview is for the right files" grep -q '^+++ b/etc/default/grub.d/zz-gpuvirt.cfg' "$TMPROOT/rel.out"
: > "$TMPROOT/a-file"
err=$(gv --root "$TMPROOT/a-file" list 2>&1); rc=$?
ok "--root that is a file: exit 2, says so" bash -c '[ $1 -eq 2 ] && grep -q "a-file: not a directory" <<< "$2"' _ $rc "$err"
