#!/usr/bin/env bash
# Mediated devices and vGPU through the kernel double (tests/tools/kmock.c):
# the V100's two nvidia-300 instances made, persisted in mdevctl's format and
# undone; the kernel's refusals; a VM holding a device; Debian 12's broken
# start-at-boot rule and gpuvirt's own; Debian's real mdevctl reading the
# definitions; GVT-g; NVIDIA's per-VF vGPU; bad input; after the reboot.
. "$(dirname "$0")/../lib.sh"

everything() { (cd "$1" && find . -printf '%p %y %s %m\n' | sort && find . -type f -exec sha256sum {} + | sort); }
export -f everything
# the journal (and the var/lib it made) aside
sans_journal() { grep -Ev '^\./var |^\./var/lib |var/lib/gpuvirt'; }
run_gv() {
	OUT=$TMPROOT/out ERR=$TMPROOT/err
	gv_kmock "$@" > "$OUT" 2> "$ERR" < /dev/null
	RC=$?
}
has() { grep -qF -- "$1" "$2"; }
# flat TEXT: list's lines wrapped at 80 columns joined again
flat() { tr '\n' ' ' | tr -s ' '; }
# mdevctl's own bytes for a definition (serde's pretty JSON, no final newline)
def_text() { printf '{\n  "mdev_type": "%s",\n  "start": "%s",\n  "attrs": []\n}' "$1" "${2:-auto}"; }
# bed PATH: the path of sysfs PATH inside the current test bed
bed() { echo "$UMOCKDEV_DIR$1"; }
kmock_log() { cat "$UMOCKDEV_DIR/kmock.log" 2> /dev/null; }
V100=/sys/devices/pci0000:40/0000:40:03.1/0000:41:00.0
json_mdevs() { # json_mdevs ADDRESS: "uuid type active defined start" lines from list --json
	gv_kmock --root "$ROOT" list --json | python3 -c '
import json, sys
for d in json.load(sys.stdin)["devices"]:
    if d["address"] == sys.argv[1]:
        for m in d["mdevs"]:
            print(m["uuid"], m["type"], m["active"], m["defined"], m["start"])
' "$1" | sort
}
available() { # available ADDRESS TYPE: available_instances from list --json
	gv_kmock --root "$ROOT" list --json | python3 -c '
import json, sys
for d in json.load(sys.stdin)["devices"]:
    if d["address"] == sys.argv[1]:
        print([t for t in d["mdev_types"] if t["id"] == sys.argv[2]][0]["available_instances"])
' "$1" "$2"
}

# --- The V100 of the Ubuntu guide: two nvidia-300, persisted, undone --------
kmock_host ubuntu-v100
before=$(everything "$ROOT")
run_gv --root "$ROOT" plan --mdev 41:00.0:nvidia-300=2
ok "V100: plan shows two creates" bash -c '[ "$(grep -c "^echo [0-9a-f-]\{36\} > /sys/bus/pci/devices/0000:41:00.0/mdev_supported_types/nvidia-300/create$" "$1")" = 2 ]' _ "$OUT"
ok "V100: plan wrote nothing, reached no kernel" bash -c '[ "$1" = "$(everything "$2")" ] && [ ! -s "$3/kmock.log" ]' _ "$before" "$ROOT" "$UMOCKDEV_DIR"
run_gv --root "$ROOT" apply --mdev 41:00.0:nvidia-300=2 --yes --live --no-run
ok "V100: apply --live exits 0" [ "$RC" -eq 0 ]
mapfile -t defs < <(find "$ROOT/etc/mdevctl.d/0000:41:00.0" -type f 2> /dev/null | sort)
ok "V100: two definitions under etc/mdevctl.d/0000:41:00.0" [ "${#defs[@]}" -eq 2 ]
uuids=()
for f in "${defs[@]}"; do
	u=${f##*/}
	uuids+=("$u")
	ok "V100: $u is a UUID from libuuid (version 4)" bash -c '[[ $1 =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]]' _ "$u"
	ok "V100: $u: mdevctl's exact bytes" cmp -s "$f" <(def_text nvidia-300)
	ok "V100: $u: made live, of type nvidia-300" bash -c '[ "$(basename "$(readlink "$1/mdev_type")")" = nvidia-300 ]' _ "$(bed /sys/bus/mdev/devices/$u)"
	ok "V100: $u: the double saw its create" has "$V100/mdev_supported_types/nvidia-300/create $u ok" "$UMOCKDEV_DIR/kmock.log"
done
ok "V100: no mdevctl under an Ubuntu root: said, with the package" has "install the package mdevctl" "$ERR"
ok "V100: nvidia-300 has none left" [ "$(available 0000:41:00.0 nvidia-300)" = 0 ]
ok "V100: list --json: both active, defined, start auto" [ "$(json_mdevs 0000:41:00.0)" = "$(printf '%s nvidia-300 True True auto\n' "${uuids[@]}" | sort)" ]
out=$(gv_kmock --root "$ROOT" list)
ok "V100: list says active, auto" has "mdev ${uuids[0]} (nvidia-300) active, auto" <(echo "$out")
journal=$(cat "$ROOT"/var/lib/gpuvirt/journal/*)
ok "V100: the journal keeps each create's reversal" bash -c '[ "$(grep -c " undo=.*/remove undo-value=1$" <<< "$1")" = 2 ]' _ "$journal"
run_gv --root "$ROOT" plan --undo
ok "V100: plan --undo removes both live" bash -c '[ "$(grep -c "^echo 1 > /sys/bus/pci/devices/0000:41:00.0/[0-9a-f-]\{36\}/remove$" "$1")" = 2 ]' _ "$OUT"
run_gv --root "$ROOT" undo --yes --live --no-run
ok "V100: undo exits 0" [ "$RC" -eq 0 ]
for u in "${uuids[@]}"; do
	ok "V100: undo removed $u live" bash -c '[ ! -e "$1" ] && grep -qF "/$2/remove 1 ok" "$3"' _ "$(bed /sys/bus/mdev/devices/$u)" "$u" "$UMOCKDEV_DIR/kmock.log"
done
ok "V100: undo left the root byte for byte as before (the journal aside)" \
	[ "$(everything "$ROOT" | sans_journal)" = "$(sans_journal <<< "$before")" ]
ok "V100: nvidia-300 has its two back" [ "$(available 0000:41:00.0 nvidia-300)" = 2 ]

# --- Another root without --live: the definitions only ----------------------
kmock_host ubuntu-v100
run_gv --root "$ROOT" apply --mdev 41:00.0:nvidia-299=1 --yes --no-run
ok "no --live: exit 0, a definition" bash -c '[ "$1" -eq 0 ] && [ "$(find "$2/etc/mdevctl.d" -type f | wc -l)" = 1 ]' _ "$RC" "$ROOT"
ok "no --live: the kernel saw nothing" [ -z "$(kmock_log)" ]
ok "no --live: the write is listed, not made" has "not written (the running host is left alone): echo" "$ERR"

# --- The kernel's refusals, between the plan and the apply ------------------
kmock_host ubuntu-v100
plan=$TMPROOT/v100.plan
gv_kmock --root "$ROOT" plan --mdev 41:00.0:nvidia-300 --save "$plan" > /dev/null 2>&1
u=$(grep -o '[0-9a-f]\{8\}-[0-9a-f-]\{27\}' "$plan" | head -n1)
ok "saved plan: the create carries its reversal" has "undo /sys/bus/pci/devices/0000:41:00.0/$u/remove 1" "$plan"
before=$(everything "$ROOT")
# EEXIST: the UUID was taken meanwhile (dash's printf writes with write(2))
kmock_run sh -c 'printf %s "$1" > "$2"' _ "$u" /sys/bus/pci/devices/0000:41:00.0/mdev_supported_types/nvidia-299/create
run_gv --root "$ROOT" apply --plan "$plan" --yes --live --no-run
ok "EEXIST: apply refused, exit 1" [ "$RC" -eq 1 ]
ok "EEXIST: says the UUID exists already" has "an mdev with that UUID exists already" "$ERR"
ok "EEXIST: nothing written" [ "$(everything "$ROOT")" = "$before" ]
kmock_run sh -c 'printf 1 > "$1"' _ "/sys/bus/mdev/devices/$u/remove"
# EUSERS: none left (another tool made them meanwhile)
echo 0 > "$(bed $V100/mdev_supported_types/nvidia-300/available_instances)"
run_gv --root "$ROOT" apply --plan "$plan" --yes --live --no-run
ok "EUSERS: apply refused, exit 1" [ "$RC" -eq 1 ]
ok "EUSERS: says none is left" has "no instance of the type is left" "$ERR"
ok "EUSERS: nothing written" [ "$(everything "$ROOT")" = "$before" ]
echo 2 > "$(bed $V100/mdev_supported_types/nvidia-300/available_instances)"
# EINVAL: the driver refuses it
echo EINVAL > "$(bed $V100/mdev_supported_types/nvidia-300/create.kmock-errno)"
run_gv --root "$ROOT" apply --plan "$plan" --yes --live --no-run
ok "EINVAL: apply refused, exit 1" [ "$RC" -eq 1 ]
ok "EINVAL: says the kernel refused it" has "the kernel refused it" "$ERR"
ok "EINVAL: nothing written" [ "$(everything "$ROOT")" = "$before" ]
rm "$(bed $V100/mdev_supported_types/nvidia-300/create.kmock-errno)"
# and a failure after the create: it is removed again (rollback through its reversal)
mkdir -p "$ROOT/etc/mdevctl.d/0000:41:00.0/$u"   # a directory where the definition goes
run_gv --root "$ROOT" apply --plan "$plan" --yes --live --no-run
ok "rollback: apply failed on the definition, exit 1" [ "$RC" -eq 1 ]
ok "rollback: the instance made first is removed again" bash -c '[ ! -e "$1" ] && grep -qF "/$2/remove 1 ok" "$3"' _ "$(bed /sys/bus/mdev/devices/$u)" "$u" "$UMOCKDEV_DIR/kmock.log"
rmdir "$ROOT/etc/mdevctl.d/0000:41:00.0/$u"

# --- Removing: refused while a VM holds it; EBUSY; --mdev-remove; =0 ---------
kmock_host ubuntu-v100
run_gv --root "$ROOT" apply --mdev 41:00.0:nvidia-300=2 --yes --live --no-run
mapfile -t uuids < <(ls "$ROOT/etc/mdevctl.d/0000:41:00.0" | sort)
# a third instance nobody asked gpuvirt for
other=0e0e0e0e-1111-4222-8333-444455556666
kmock_run sh -c 'printf %s "$1" > "$2"' _ "$other" /sys/bus/pci/devices/0000:41:00.0/mdev_supported_types/nvidia-299/create
# a VM holding the first (as libvirt starts QEMU)
mkdir -p "$UMOCKDEV_DIR/proc/4243"
printf '%s\0' /usr/bin/qemu-system-x86_64 -name guest=web01,debug-threads=on -device \
	"{\"driver\":\"vfio-pci\",\"sysfsdev\":\"/sys/bus/mdev/devices/${uuids[0]}\"}" > "$UMOCKDEV_DIR/proc/4243/cmdline"
before=$(everything "$ROOT")
run_gv --root "$ROOT" apply --mdev-remove "${uuids[0]}" --yes --live --no-run
ok "VM: --mdev-remove refused, exit 1, naming the VM" bash -c '[ "$1" -eq 1 ] && grep -qF "in use by web01 (QEMU pid 4243)" "$2"' _ "$RC" "$ERR"
run_gv --root "$ROOT" apply --mdev 41:00.0:nvidia-300=0 --yes --live --no-run
ok "VM: =0 refused too, naming it" bash -c '[ "$1" -eq 1 ] && grep -qF "in use by web01" "$2"' _ "$RC" "$ERR"
ok "VM: nothing written, nothing removed" bash -c '[ "$1" = "$(everything "$2")" ] && ! grep -q "/remove " "$3"' _ "$before" "$ROOT" "$UMOCKDEV_DIR/kmock.log"
ok "VM: list names it" has "in use by web01 (QEMU pid 4243)" <(gv_kmock --root "$ROOT" list | flat)
rm -r "$UMOCKDEV_DIR/proc/4243"
# EBUSY: in use, though no VM shows (the double's kmock-in-use)
touch "$(bed $V100/${uuids[0]}/kmock-in-use)"
run_gv --root "$ROOT" apply --mdev-remove "${uuids[0]}" --yes --live --no-run
ok "EBUSY: apply refused, exit 1" [ "$RC" -eq 1 ]
ok "EBUSY: says it is in use" has "the mdev is in use (a VM holds it)" "$ERR"
ok "EBUSY: the definition is still there, byte for byte" cmp -s "$ROOT/etc/mdevctl.d/0000:41:00.0/${uuids[0]}" <(def_text nvidia-300)
rm "$(bed $V100/${uuids[0]}/kmock-in-use)"
run_gv --root "$ROOT" apply --mdev-remove "${uuids[0]}" --yes --live --no-run
ok "--mdev-remove: exit 0, removed live and its definition gone" bash -c '[ "$1" -eq 0 ] && [ ! -e "$2" ] && [ ! -e "$3" ]' _ "$RC" "$(bed /sys/bus/mdev/devices/${uuids[0]})" "$ROOT/etc/mdevctl.d/0000:41:00.0/${uuids[0]}"
run_gv --root "$ROOT" apply --mdev 41:00.0:nvidia-300=0 --yes --live --no-run
ok "=0: exit 0" [ "$RC" -eq 0 ]
ok "=0: gpuvirt's other instance removed, definition gone" bash -c '[ ! -e "$1" ] && [ ! -e "$2" ]' _ "$(bed /sys/bus/mdev/devices/${uuids[1]})" "$ROOT/etc/mdevctl.d/0000:41:00.0/${uuids[1]}"
ok "=0: the instance gpuvirt did not make stays" [ -e "$(bed /sys/bus/mdev/devices/$other)" ]
json=$(gv_kmock --root "$ROOT" check --json)
ok "=0: check: the removed ones are gone, as removed" python3 -c '
import json, sys
f = [x for x in json.loads(sys.argv[1])["findings"] if x["id"] == "verify-mdev"]
assert f and all(x["status"] == "pass" for x in f), f
assert sum("is gone, as removed" in x["title"] for x in f) == 2, f
' "$json"
run_gv --root "$ROOT" undo --yes --live --no-run
ok "undo of =0: the instance is back, with its definition" bash -c '[ "$1" -eq 0 ] && [ -e "$2" ] && cmp -s "$3" <(printf "{\n  \"mdev_type\": \"nvidia-300\",\n  \"start\": \"auto\",\n  \"attrs\": []\n}")' _ "$RC" "$(bed /sys/bus/mdev/devices/${uuids[1]})" "$ROOT/etc/mdevctl.d/0000:41:00.0/${uuids[1]}"

# --- --mdev P:T=N is how many of gpuvirt's own: twice is once; fewer -----
# live through the double, and on the root alone (no --live: the
# definitions count)
for live in --live ""; do
	label="declarative${live:+ $live}"
	kmock_host vgpu-v100
	run_gv --root "$ROOT" apply --mdev 41:00.0:nvidia-300=2 --yes $live --no-run
	mapfile -t made < <(grep -h "^expect mdev " "$ROOT"/var/lib/gpuvirt/journal/* | cut -d" " -f3)
	ok "$label: =2: exit 0, two made, two definitions" bash -c '[ "$1" -eq 0 ] && [ "$2" = 2 ] && [ "$(ls "$3" | wc -l)" = 2 ]' _ "$RC" "${#made[@]}" "$ROOT/etc/mdevctl.d/0000:41:00.0"
	run_gv --root "$ROOT" plan --mdev 41:00.0:nvidia-300=2
	ok "$label: =2 again: the plan is empty" bash -c '[ "$1" -eq 0 ] && grep -q "^# nothing to change" "$2" && ! grep -q "/create$" "$2"' _ "$RC" "$OUT"
	ok "$label: =2 again: says they are there" has "gpuvirt's 2 instances of nvidia-300 on 0000:41:00.0 are there already" "$ERR"
	before=$(everything "$ROOT") klog=$(kmock_log)
	run_gv --root "$ROOT" apply --mdev 41:00.0:nvidia-300=2 --yes $live --no-run
	ok "$label: =2 applied again: exit 0, nothing written, the kernel saw nothing more" bash -c '[ "$1" -eq 0 ] && [ "$2" = "$(everything "$3")" ] && [ "$4" = "$5" ]' _ "$RC" "$before" "$ROOT" "$klog" "$(kmock_log)"
	ok "$label: still exactly two definitions" [ "$(ls "$ROOT/etc/mdevctl.d/0000:41:00.0" | wc -l)" = 2 ]
	if [ -n "$live" ]; then
		ok "$label: two live, none left to make" bash -c '[ "$(grep -c "nvidia-300/create .* ok" <<< "$1")" = 2 ] && [ "$2" = 0 ]' _ "$(kmock_log)" "$(available 0000:41:00.0 nvidia-300)"
	else
		ok "$label: the kernel saw nothing" [ -z "$(kmock_log)" ]
	fi
	run_gv --root "$ROOT" apply --mdev 41:00.0:nvidia-300=1 --yes $live --no-run
	ok "$label: =1: exit 0, the newest and its definition gone, the first stays" bash -c '[ "$1" -eq 0 ] && [ ! -e "$2/${3}" ] && [ -e "$2/${4}" ]' _ "$RC" "$ROOT/etc/mdevctl.d/0000:41:00.0" "${made[1]}" "${made[0]}"
	if [ -n "$live" ]; then
		ok "$label: =1: the newest removed live, the first still there" bash -c '[ ! -e "$1" ] && [ -e "$2" ] && grep -qF "/$3/remove 1 ok" "$4" && [ "$(grep -c "/remove 1 ok" "$4")" = 1 ]' _ "$(bed /sys/bus/mdev/devices/${made[1]})" "$(bed /sys/bus/mdev/devices/${made[0]})" "${made[1]}" "$UMOCKDEV_DIR/kmock.log"
	fi
	run_gv --root "$ROOT" plan --mdev 41:00.0:nvidia-300=1
	ok "$label: =1 again: the plan is empty" bash -c '[ "$1" -eq 0 ] && grep -q "^# nothing to change" "$2"' _ "$RC" "$OUT"
	run_gv --root "$ROOT" plan --mdev 41:00.0:nvidia-300
	ok "$label: =COUNT left out is 1: in place too" bash -c '[ "$1" -eq 0 ] && grep -q "^# nothing to change" "$2"' _ "$RC" "$OUT"
done

# --- Debian 12: mdevctl's rule cannot run; gpuvirt's own; the real mdevctl --
kmock_host vgpu-v100
run_gv --root "$ROOT" apply --mdev 41:00.0:nvidia-300=2 --mdev 41:00.0:nvidia-299=1 --yes --live --no-run
ok "Debian: apply exits 0" [ "$RC" -eq 0 ]
rule=$ROOT/etc/udev/rules.d/60-gpuvirt-mdevctl.rules
ok "Debian: gpuvirt's rule, calling the real binary" has 'RUN+="/usr/bin/mdevctl start-parent-mdevs $kernel"' "$rule"
ok "Debian: it keys on the parent registering" has 'ACTION=="change", ENV{MDEV_STATE}=="registered", TEST=="/etc/mdevctl.d/$kernel"' "$rule"
ok "Debian: it says why" has "calls /usr/sbin/mdevctl, which is not there" "$rule"
ok "Debian: nothing about a missing mdevctl" bash -c '! grep -q "install the package mdevctl" "$1"' _ "$ERR"
json=$(gv_kmock --root "$ROOT" check --json)
ok "Debian: check: no mdev-boot finding once the rule is there" python3 -c '
import json, sys
assert not [x for x in json.loads(sys.argv[1])["findings"] if x["id"] == "mdev-boot"]
' "$json"
run_gv --root "$ROOT" plan --mdev 41:00.0:nvidia-299=1
ok "Debian: the next --mdev leaves gpuvirt's rule alone" bash -c '[ "$1" -eq 0 ] && ! grep -q 60-gpuvirt-mdevctl "$2"' _ "$RC" "$OUT"
if ! command -v mdevctl > /dev/null; then
	fail "mdevctl missing (the package mdevctl; make deps)"
elif [ "$(id -u)" -ne 0 ] || ! unshare -m true 2> /dev/null; then
	echo "SKIP: not root or no mount namespace: Debian's mdevctl reading the definitions"
else
	# mdevctl 1.2.0 has no root of its own: bind the root's directory over
	# /etc/mdevctl.d in a mount namespace of its own; it wants scripts.d
	mkdir -p "$ROOT/etc/mdevctl.d/scripts.d/callouts" "$ROOT/etc/mdevctl.d/scripts.d/notifiers"
	unshare -m sh -c 'mount --bind "$1" /etc/mdevctl.d && mdevctl list --defined --dumpjson' _ "$ROOT/etc/mdevctl.d" \
		> "$TMPROOT/mdevctl.json" 2> "$TMPROOT/mdevctl.err"
	rc=$?
	ok "mdevctl: list --defined --dumpjson reads them (exit 0, nothing on stderr)" bash -c '[ "$1" -eq 0 ] && [ ! -s "$2" ]' _ "$rc" "$TMPROOT/mdevctl.err"
	ok "mdevctl: the same UUIDs, types and start as gpuvirt's" python3 -c '
import json, sys
seen = set()
for parents in json.load(open(sys.argv[1])):
    for parent, devs in parents.items():
        for d in devs:
            for uuid, v in d.items():
                seen.add((parent, uuid, v["mdev_type"], v["start"]))
want = set()
for line in sys.argv[2].splitlines():
    uuid, typ, active, defined, start = line.split()
    want.add(("0000:41:00.0", uuid, typ, start))
assert len(want) == 3 and seen == want, (seen, want)
' "$TMPROOT/mdevctl.json" "$(json_mdevs 0000:41:00.0)"
	ok "mdevctl: it wrote nothing of its own" [ "$(find "$ROOT/etc/mdevctl.d" -type f | wc -l)" = 3 ]
fi

# --- A definition that does not parse hides none of the others ----------------
printf '{"mdev_type": "nvidia-300", "start": "auto",' > "$ROOT/etc/mdevctl.d/0000:41:00.0/deadbeef-0000-4000-8000-000000000000"
json=$(gv_kmock --root "$ROOT" check --json)
ok "bad definition: check names the file" python3 -c '
import json, sys
f = [x for x in json.loads(sys.argv[1])["findings"] if x["id"] == "mdev-definition"]
assert len(f) == 1 and f[0]["status"] == "fail", f
assert f[0]["evidence"].startswith("etc/mdevctl.d/0000:41:00.0/deadbeef-0000-4000-8000-000000000000: not JSON"), f
' "$json"
ok "bad definition: the other three still listed" [ "$(json_mdevs 0000:41:00.0 | grep -c ' True auto$')" = 3 ]
ok "bad definition: list says mdevctl cannot read it" has "deadbeef-0000-4000-8000-000000000000: mdevctl cannot read it" <(gv_kmock --root "$ROOT" list | flat)
rm "$ROOT/etc/mdevctl.d/0000:41:00.0/deadbeef-0000-4000-8000-000000000000"

# --- After the reboot ---------------------------------------------------------
# The definitions written before this "boot" (btime moved past them), and
# the instances gone with the old boot: a fresh copy of the bed.
mapfile -t uuids < <(ls "$ROOT/etc/mdevctl.d/0000:41:00.0" | grep -v scripts | sort)
reboot() {
	rm -rf "$UMOCKDEV_DIR"; cp -a "$GV_FIXTURES/vgpu-v100/." "$UMOCKDEV_DIR/"
	sed -i "s/^btime .*/btime $(( $(date +%s) + 5 ))/" "$UMOCKDEV_DIR/proc/stat"
	sed -i 's/^when .*/when 2000-01-01T00:00:00Z/' "$ROOT"/var/lib/gpuvirt/journal/*
}
findings() { gv_kmock --root "$ROOT" check --json | python3 -c '
import json, sys
for f in json.load(sys.stdin)["findings"]:
    if f["id"] == "verify-mdev":
        print(f["status"], f["title"], "|", f["evidence"], "|", f["fix"])
'; }
reboot
out=$(findings)
ok "reboot: the rule did not fire: each auto definition says so" bash -c '[ "$(grep -c "^fail .*: the udev rule did not start it at boot" <<< "$1")" = 3 ]' _ "$out"
ok "reboot: the fix is mdevctl start" has "mdevctl start -u ${uuids[0]}" <(echo "$out")
rm "$ROOT/etc/udev/rules.d/60-gpuvirt-mdevctl.rules"
ok "reboot: without gpuvirt's rule: Debian's calls a binary that is not there" \
	has "lib/udev/rules.d/60-mdevctl.rules runs /usr/sbin/mdevctl, which is not there" <(findings)
# the instances made at boot: present, each with its type
for u in "${uuids[@]}"; do
	t=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mdev_type"])' "$ROOT/etc/mdevctl.d/0000:41:00.0/$u")
	kmock_run sh -c 'printf %s "$1" > "$2"' _ "$u" "/sys/bus/pci/devices/0000:41:00.0/mdev_supported_types/$t/create"
done
ok "reboot: started: every definition passes" bash -c '[ "$(grep -c "^pass " <<< "$1")" = 3 ] && ! grep -q "^fail" <<< "$1"' _ "$(findings)"
reboot
echo 0 > "$(bed $V100/mdev_supported_types/nvidia-300/available_instances)"
ok "reboot: none left of the type: said" has "no instance of nvidia-300 is left on 0000:41:00.0" <(findings)
mkdir -p "$ROOT/etc/mdevctl.d/0000:99:00.0"
def_text nvidia-300 > "$ROOT/etc/mdevctl.d/0000:99:00.0/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
touch -d @1000000000 "$ROOT/etc/mdevctl.d/0000:99:00.0/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
ok "reboot: a parent that is missing: said" has "mdev aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee is not present: its parent 0000:99:00.0 is missing" <(findings)

# --- GVT-g ------------------------------------------------------------------
kmock_host gvtg-host
run_gv --root "$ROOT" plan --mdev 00:02.0:i915-GVTg_V5_4=2
ok "GVT-g: two of V5_4 refused: one left, V5_8 still fits" bash -c '[ "$1" -eq 2 ] && grep -qF "has 1 instance of i915-GVTg_V5_4 available, 2 asked; other types that still fit: i915-GVTg_V5_8 (2 available)" "$2"' _ "$RC" "$ERR"
run_gv --root "$ROOT" apply --mdev 00:02.0:i915-GVTg_V5_8=2 --yes --live --no-run
ok "GVT-g: two of V5_8 made live and defined" bash -c '[ "$1" -eq 0 ] && [ "$(grep -c "i915-GVTg_V5_8/create .* ok" "$2/kmock.log")" = 2 ] && [ "$(find "$3/etc/mdevctl.d" -type f | wc -l)" = 2 ]' _ "$RC" "$UMOCKDEV_DIR" "$ROOT"
kmock_host gvtg-off
run_gv --root "$ROOT" plan --mdev 00:02.0:i915-GVTg_V5_4
ok "GVT-g off: i915.enable_gvt=1 on the command line" has '+GRUB_CMDLINE_LINUX_DEFAULT="quiet i915.enable_gvt=1"' "$OUT"
ok "GVT-g off: kvmgt loaded at boot" has "+kvmgt" "$OUT"
ok "GVT-g off: the definition, no live create" bash -c 'grep -q "^+++ b/etc/mdevctl.d/0000:00:02.0/" "$1" && ! grep -q "/create$" "$1"' _ "$OUT"
ok "GVT-g off: list offers it" has "GVT-g: off (--mdev 0000:00:02.0:i915-GVTg_V5_4" <(gv_kmock --root "$ROOT" list)
run_gv --root "$ROOT" plan --mdev 00:02.0:i915-GVTg_V4_4
ok "GVT-g off: a Broadwell type on Comet Lake: exit 2" bash -c '[ "$1" -eq 2 ] && grep -qF "offers i915-GVTg_V5_1, i915-GVTg_V5_2, i915-GVTg_V5_4 and i915-GVTg_V5_8" "$2"' _ "$RC" "$ERR"
kmock_host proxmox-n100
run_gv --root "$ROOT" plan --mdev 00:02.0:i915-GVTg_V5_4
ok "N100 (Gen 12): no GVT-g, SR-IOV instead: exit 2" bash -c '[ "$1" -eq 2 ] && grep -qF "this Intel GPU has no GVT-g" "$2"' _ "$RC" "$ERR"

# --- NVIDIA vGPU per VF (kernel 6.8, no mdev bus) ------------------------------
kmock_host nvidia-vgpu-vf
VF5=/sys/bus/pci/devices/0000:17:00.5/nvidia/current_vgpu_type
list=$(gv_kmock --root "$ROOT" list)
ok "VF: list shows its type and the VM holding it" has "vGPU type: 1145 (NVIDIA L40S-1B), in use by render01 (QEMU pid 4242)" <(echo "$list")
ok "VF: list shows an empty creatable list plainly" has "vGPU types it can take: none (the GPU's framebuffer is used up)" <(echo "$list")
ok "VF: list --json's vgpu" python3 -c '
import json, sys
d = {x["address"]: x for x in json.loads(sys.argv[1])["devices"]}
assert d["0000:17:00.4"]["vgpu"] == {"current_type": 1145, "creatable_types": [{"id": 1145, "name": "NVIDIA L40S-1B"}, {"id": 1147, "name": "NVIDIA L40S-1Q"}]}, d["0000:17:00.4"]["vgpu"]
assert d["0000:17:00.6"]["vgpu"] == {"current_type": 0, "creatable_types": []}
assert d["0000:17:00.0"]["vgpu"] is None
' "$(gv_kmock --root "$ROOT" list --json)"
before=$(everything "$ROOT")
run_gv --root "$ROOT" apply --vgpu 17:00.4=1147 --yes --live --no-run
ok "VF held by a VM: refused, exit 1, naming it" bash -c '[ "$1" -eq 1 ] && grep -qF "in use by render01 (QEMU pid 4242)" "$2"' _ "$RC" "$ERR"
run_gv --root "$ROOT" apply --vgpu 17:00.6=1145 --yes --live --no-run
ok "VF with none left: exit 2" bash -c '[ "$1" -eq 2 ] && grep -qF "cannot take vGPU type 1145 now; it offers none" "$2"' _ "$RC" "$ERR"
run_gv --root "$ROOT" apply --vgpu 17:00.5=9 --yes --live --no-run
ok "VF, a type it lacks: exit 2, naming those it offers" bash -c '[ "$1" -eq 2 ] && grep -qF "it offers 1145 (NVIDIA L40S-1B), 1147 (NVIDIA L40S-1Q)" "$2"' _ "$RC" "$ERR"
run_gv --root "$ROOT" apply --vgpu 17:00.5=1147 --vfio 17:00.5 --yes --live --no-run
ok "VF: with --vfio: exit 2 (it stays on nvidia)" bash -c '[ "$1" -eq 2 ] && grep -qF "stays on nvidia" "$2"' _ "$RC" "$ERR"
ok "VF: the refusals wrote nothing" bash -c '[ "$1" = "$(everything "$2")" ] && [ ! -s "$3/kmock.log" ]' _ "$before" "$ROOT" "$UMOCKDEV_DIR"
run_gv --root "$ROOT" apply --vgpu 17:00.5=1147 --yes --live --no-run
ok "VF: apply --vgpu exits 0" [ "$RC" -eq 0 ]
ok "VF: written and read back" bash -c 'grep -qxF "/sys/devices/pci0000:16/0000:16:02.0/0000:17:00.5/nvidia/current_vgpu_type 1147 ok" "$1" && [ "$(cat "$2")" = 1147 ]' _ "$UMOCKDEV_DIR/kmock.log" "$(bed /sys/devices/pci0000:16/0000:16:02.0/0000:17:00.5/nvidia/current_vgpu_type)"
unit=$ROOT/etc/systemd/system/gpuvirt-vgpu.service
ok "VF: the oneshot unit sets it at boot" bash -c 'grep -qx "Type=oneshot" "$1" && grep -qF "echo 0 > \"\$\$f\" && echo 1147 > \"\$\$f\"" "$1" && grep -qF "f=/sys/bus/pci/devices/0000:17:00.5/nvidia/current_vgpu_type;" "$1"' _ "$unit"
ok "VF: the unit waits for the VF to exist" has 'while [ ! -e "$$f" ]' "$unit"
ok "VF: started at boot through multi-user.target" has "Wants=gpuvirt-vgpu.service" "$ROOT/etc/systemd/system/multi-user.target.d/gpuvirt-vgpu.conf"
run_gv --root "$ROOT" apply --vgpu 17:00.7=1145 --yes --live --no-run
ok "VF: a second VF joins the same unit" bash -c '[ "$(grep -c "^ExecStart=" "$1")" = 2 ]' _ "$unit"
run_gv --root "$ROOT" apply --vgpu 17:00.5=1145 --yes --live --no-run
ok "VF: another type: 0 first, then the type" bash -c 'tail -n2 "$1" | tr "\n" " " | grep -qF "current_vgpu_type 0 ok /sys/devices/pci0000:16/0000:16:02.0/0000:17:00.5/nvidia/current_vgpu_type 1145 ok"' _ "$UMOCKDEV_DIR/kmock.log"
run_gv --root "$ROOT" undo --yes --live --no-run
run_gv --root "$ROOT" undo --yes --live --no-run
ok "VF: two undos: 17:00.7 back to none, 17:00.5 to 1147" bash -c '[ "$(cat "$1")" = 0 ] && [ "$(cat "$2")" = 1147 ]' _ "$(bed /sys/devices/pci0000:16/0000:16:02.0/0000:17:00.7/nvidia/current_vgpu_type)" "$(bed /sys/devices/pci0000:16/0000:16:02.0/0000:17:00.5/nvidia/current_vgpu_type)"
run_gv --root "$ROOT" undo --yes --live --no-run
ok "VF: the last undo: none again, the unit gone, the root as before" bash -c '[ "$(cat "$1")" = 0 ] && [ ! -e "$2" ] && [ "$3" = "$4" ]' _ "$(bed /sys/devices/pci0000:16/0000:16:02.0/0000:17:00.5/nvidia/current_vgpu_type)" "$unit" "$(sans_journal <<< "$before")" "$(everything "$ROOT" | sans_journal)"
# A PF whose VFs are off: enabled first, then the type (the VFs the nvidia
# driver makes carry the nvidia/ directory: the double's kmock-vf)
tmpl=$(bed /sys/devices/pci0000:64/0000:64:02.0/0000:65:00.0/sriov_numvfs.kmock-vf/nvidia)
mkdir -p "$tmpl"
printf 'ID    : vGPU Name\n1145  : NVIDIA L40S-1B\n' > "$tmpl/creatable_vgpu_types"
echo 0 > "$tmpl/current_vgpu_type"
run_gv --root "$ROOT" apply --vgpu 65:00.5=1145 --yes --live --no-run
ok "VFs off: exit 0" [ "$RC" -eq 0 ]
ok "VFs off: the VFs first, then the type" bash -c 'grep -E "sriov_numvfs|current_vgpu_type" "$1" | tail -n2 | tr "\n" " " | grep -qE "0000:65:00.0/sriov_numvfs 4 ok .*0000:65:00.5/nvidia/current_vgpu_type 1145 ok"' _ "$UMOCKDEV_DIR/kmock.log"
ok "VFs off: the VF stays on nvidia" [ "$(basename "$(readlink "$(bed /sys/bus/pci/devices/0000:65:00.5/driver)")")" = nvidia ]
run_gv --root "$ROOT" plan --vgpu 65:01.0=1145
ok "VFs off: an address no VF will have: exit 2" [ "$RC" -eq 2 ]
# With --vfs of the same PF, its count makes the VFs: one count, then the type
kmock_host nvidia-vgpu-vf
tmpl=$(bed /sys/devices/pci0000:64/0000:64:02.0/0000:65:00.0/sriov_numvfs.kmock-vf/nvidia)
mkdir -p "$tmpl"
printf 'ID    : vGPU Name\n1145  : NVIDIA L40S-1B\n' > "$tmpl/creatable_vgpu_types"
echo 0 > "$tmpl/current_vgpu_type"
before=$(everything "$ROOT")
run_gv --root "$ROOT" plan --vfs 65:00.0=1 --vgpu 65:00.5=1145
ok "--vfs and --vgpu: a count that leaves out the VF: exit 2" bash -c '[ "$1" -eq 2 ] && grep -qF "0000:65:00.5 is VF 1 of 0000:65:00.0, and --vfs 0000:65:00.0=1 leaves fewer VFs" "$2"' _ "$RC" "$ERR"
run_gv --root "$ROOT" plan --vgpu 65:00.4=1145 --vfs 65:00.0=0
ok "--vfs =0 and --vgpu of its VF: exit 2" bash -c '[ "$1" -eq 2 ] && grep -qF "leaves none" "$2"' _ "$RC" "$ERR"
run_gv --root "$ROOT" apply --vfs 65:00.0=2 --vgpu 65:00.5=1145 --yes --live --no-run
ok "--vfs and --vgpu: exit 0" [ "$RC" -eq 0 ]
ok "--vfs and --vgpu: one count written (--vfs's), then the type" bash -c '[ "$(grep -c "0000:65:00.0/sriov_numvfs" "$1")" = 1 ] && grep -E "sriov_numvfs|current_vgpu_type" "$1" | tr "\n" " " | grep -qE "0000:65:00.0/sriov_numvfs 2 ok .*0000:65:00.5/nvidia/current_vgpu_type 1145 ok"' _ "$UMOCKDEV_DIR/kmock.log"
run_gv --root "$ROOT" undo --yes --live --no-run
ok "--vfs and --vgpu: undo clears the type, then the VFs go" bash -c '[ "$2" -eq 0 ] && tail -n2 "$1" | tr "\n" " " | grep -qE "0000:65:00.5/nvidia/current_vgpu_type 0 ok .*0000:65:00.0/sriov_numvfs 0 ok"' _ "$UMOCKDEV_DIR/kmock.log" "$RC"
ok "--vfs and --vgpu: the root as before" bash -c '[ "$1" = "$2" ]' _ "$(sans_journal <<< "$before")" "$(everything "$ROOT" | sans_journal)"
# a count that makes 17:00.0's VFs again: the type after it, whatever the VF had
kmock_host nvidia-vgpu-vf
run_gv --root "$ROOT" plan --vgpu 17:00.5=1145 --vfs 17:00.0=2
ok "--vfs remaking the VFs: 0, the count, then the type" bash -c '[ "$1" -eq 0 ] && grep -E "^echo" "$2" | tr "\n" " " | grep -qF "echo 0 > /sys/bus/pci/devices/0000:17:00.0/sriov_numvfs echo 2 > /sys/bus/pci/devices/0000:17:00.0/sriov_numvfs echo 1145 > /sys/bus/pci/devices/0000:17:00.5/nvidia/current_vgpu_type"' _ "$RC" "$OUT"
run_gv --root "$ROOT" plan --vgpu 17:00.4=1145 --vfs 17:00.0=2
ok "--vfs remaking the VFs: a VF a VM holds is refused, naming it" bash -c '[ "$1" -eq 1 ] && grep -qF "in use by render01 (QEMU pid 4242)" "$2"' _ "$RC" "$ERR"

# --- vfio-pci on a device with vGPU: a warning --------------------------------
kmock_host vgpu-v100
run_gv --root "$ROOT" plan --vfio 41:00.0
ok "vfio on the V100 with types: it loses vGPU, said" has "0000:41:00.0 offers mediated devices (nvidia-299, nvidia-300): bound to vfio-pci" "$ERR"
run_gv --root "$ROOT" plan --vfio 41:00.0 --mdev 41:00.0:nvidia-300
ok "vfio and mdev of one device: exit 2" [ "$RC" -eq 2 ]

# --- Bad input: one line, exit 2, nothing written -----------------------------
kmock_host vgpu-v100
before=$(everything "$ROOT")
bad() { # bad NAME MESSAGE ARGS...
	local name=$1 msg=$2
	shift 2
	run_gv --root "$ROOT" apply "$@" --yes --live --no-run
	ok "bad input: $name: exit 2, one line" bash -c '[ "$1" -eq 2 ] && [ "$(wc -l < "$2")" -eq 1 ] && grep -qF -- "$3" "$2"' _ "$RC" "$ERR" "$msg"
	ok "bad input: $name: nothing written" bash -c '[ "$1" = "$(everything "$2")" ] && [ ! -s "$3/kmock.log" ]' _ "$before" "$ROOT" "$UMOCKDEV_DIR"
}
bad "unknown parent" "0000:42:00.0: no such PCI device on this host" --mdev 42:00.0:nvidia-300
bad "a type the parent lacks" "0000:41:00.0 has no mdev type nvidia-301 (it has nvidia-299, nvidia-300)" --mdev 41:00.0:nvidia-301
bad "COUNT above what is available" "has 2 instances of nvidia-300 available, 3 asked; other types that still fit: nvidia-299 (4 available)" --mdev 41:00.0:nvidia-300=3
bad "COUNT above in all" "2 instances of nvidia-300 available, 3 asked in all" --mdev 41:00.0:nvidia-300=2 --mdev 0000:41:00.0:nvidia-300=1
bad "negative COUNT" "'-1' is not a number" --mdev 41:00.0:nvidia-300=-1
bad "non-numeric COUNT" "'two' is not a number" --mdev 41:00.0:nvidia-300=two
bad "malformed UUID" "not an mdev UUID" --mdev-remove 634fc146-50a3-4960-ac30-f09e5cedc67
bad "unknown UUID" "no such mediated device on this host" --mdev-remove 634fc146-50a3-4960-ac30-f09e5cedc674
bad "not an mdev parent" "0000:02:00.0 is not an mdev parent" --mdev 02:00.0:nvidia-300
bad "--vgpu on an mdev parent" "has no NVIDIA vGPU interface" --vgpu 41:00.0=1145
