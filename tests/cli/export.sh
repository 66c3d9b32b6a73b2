#!/usr/bin/env bash
# gpuvirt export: every format checked by its real consumer's rules.
#   libvirt  xmllint --relaxng against libvirt's own schemas (libvirt0), each
#            <hostdev> through a wrapper grammar that starts at the hostdev define
#   qemu     every property name against the installed QEMU's own list
#            (qemu-system-x86_64 -device vfio-pci,help), then QEMU itself parses
#            each -device (values, bus, slot) without opening any host device
#   proxmox  qemu-server's hostpci grammar as SRIOV-MDEV-VM.md §3.3 states it
# A missing consumer fails the test: `make deps` installs them.
. "$(dirname "$0")/../lib.sh"

has() { grep -qF -- "$2" <<< "$1"; }

SCHEMAS=/usr/share/libvirt/schemas
QEMU=qemu-system-x86_64
missing=0
command -v xmllint > /dev/null || { fail "xmllint missing (libxml2-utils; make deps)"; missing=1; }
[ -f $SCHEMAS/domaincommon.rng ] || { fail "libvirt schemas missing (libvirt0; make deps)"; missing=1; }
command -v $QEMU > /dev/null || { fail "$QEMU missing (qemu-system-x86; make deps)"; missing=1; }
[ $missing = 0 ] || exit 1

# --- libvirt ------------------------------------------------------------
# A bare <hostdev> has no schema of its own (virt-xml-validate: "cannot
# determine schema type"), so this grammar starts at domaincommon.rng's
# hostdev define (SRIOV-MDEV-VM.md §3.1).
cat > "$TMPROOT/hostdev.rng" <<EOF
<grammar xmlns="http://relaxng.org/ns/structure/1.0" datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
  <start><ref name="hostdev"/></start><include href="$SCHEMAS/domaincommon.rng"/></grammar>
EOF

# libvirt_valid FILE: FILE is one or more <hostdev> elements and nothing
# else, each valid against libvirt's schema.
libvirt_valid() {
	local n=0 f
	rm -f "$TMPROOT"/hostdev-*.xml
	# a line outside every <hostdev> element is not for libvirt
	awk -v dir="$TMPROOT" '
		/^<hostdev[ >]/ { if (open) exit 1; open = 1; n++; f = dir "/hostdev-" n ".xml" }
		!open { exit 1 }
		{ print > f }
		/^<\/hostdev>$/ { open = 0; close(f) }
		END { if (open || !n) exit 1 }' "$1" || { echo "not a list of <hostdev> elements" >&2; return 1; }
	for f in "$TMPROOT"/hostdev-*.xml; do
		xmllint --noout --relaxng "$TMPROOT/hostdev.rng" "$f" 2> "$TMPROOT/xmllint.err" || {
			cat "$f" "$TMPROOT/xmllint.err" >&2; return 1; }
		n=$((n + 1))
	done
	[ $n -gt 0 ]
}

# --- QEMU ---------------------------------------------------------------
# The installed QEMU's own property list for vfio-pci, read once.
$QEMU -device vfio-pci,help > "$TMPROOT/vfio-pci.help" 2>&1
sed -nE 's/^  ([A-Za-z0-9_-]+)=<.*/\1/p' "$TMPROOT/vfio-pci.help" | sort -u > "$TMPROOT/vfio-pci.props"
ok "QEMU lists vfio-pci's properties" grep -qx host "$TMPROOT/vfio-pci.props"

# qemu_valid FILE: lines "-device vfio-pci,PROPS" (continued with " \"); every
# property name is in QEMU's list (bus is qdev's own option, not a property of
# the device: the dry run below checks it), one of host/sysfsdev each; then
# QEMU parses each -device on a q35 machine without host/sysfsdev, which stops
# at "No provided host device" after every name, value, bus and slot was
# accepted, and before anything of the host is opened.
qemu_valid() {
	local text args=() i dev prop name val dry
	text=$(sed -e 's/ \\$//' "$1")
	read -r -a args <<< "$(tr '\n' ' ' <<< "$text")"
	[ ${#args[@]} -gt 0 ] && [ $(( ${#args[@]} % 2 )) = 0 ] || { echo "odd arguments" >&2; return 1; }
	for (( i = 0; i < ${#args[@]}; i += 2 )); do
		[ "${args[i]}" = -device ] || { echo "not -device: ${args[i]}" >&2; return 1; }
		dev=${args[i+1]}
		[[ $dev == vfio-pci,* ]] || { echo "not vfio-pci: $dev" >&2; return 1; }
		local src=0 rest=()
		IFS=, read -r -a props <<< "${dev#vfio-pci,}"
		for prop in "${props[@]}"; do
			[[ $prop == *=* ]] || { echo "no value: $prop" >&2; return 1; }
			name=${prop%%=*} val=${prop#*=}
			if [ "$name" != bus ] && ! grep -qxF -- "$name" "$TMPROOT/vfio-pci.props"; then
				echo "QEMU's vfio-pci has no property '$name'" >&2; return 1
			fi
			case $name in
			host) [[ $val =~ ^[0-9a-f]{4,}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$ ]] || { echo "host=$val" >&2; return 1; }
			      src=$((src + 1)) ;;
			sysfsdev) [[ $val =~ ^/sys/bus/mdev/devices/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$ ]] ||
			      { echo "sysfsdev=$val" >&2; return 1; }
			      src=$((src + 1)) ;;
			*) rest+=("$prop") ;;
			esac
		done
		[ $src = 1 ] || { echo "want one of host= and sysfsdev=: $dev" >&2; return 1; }
		dry=vfio-pci${rest[*]:+,}$(IFS=,; echo "${rest[*]}")
		timeout 20 $QEMU -machine q35,accel=tcg -nodefaults -display none -S -monitor none -serial none \
			-device "$dry" > "$TMPROOT/qemu.out" 2>&1
		grep -q 'No provided host device' "$TMPROOT/qemu.out" || { echo "QEMU: -device $dry:" >&2
			cat "$TMPROOT/qemu.out" >&2; return 1; }
	done
}

# --- Proxmox ------------------------------------------------------------
# proxmox_valid LINE: a VM configuration line for qemu-server's hostpciN
# option, by the rules SRIOV-MDEV-VM.md §3.3 gives:
#   - the key is hostpci0 .. hostpci15 (16 at most);
#   - the value is comma-separated properties, the first of which may leave
#     out "host=" (host is the default key); no key twice; no unknown key;
#   - host is ID[;ID...] with ID in lower-case hex,
#     (?:[a-f0-9]{4,}:)?[a-f0-9]{2}:[a-f0-9]{2}(?:\.[a-f0-9])?; exactly one of
#     host and mapping;
#   - pcie, x-vga, rombar, legacy-igd are 0 or 1; mdev matches [^/.:]+ and
#     cannot go with more than one ID (multifunction); romfile [^,;]+;
#     vendor-id, device-id, sub-vendor-id, sub-device-id 0xXXXX; driver vfio|keep.
# On top, gpuvirt's own rule: every ID gives its function, since a bare
# bus:dev means all functions (the PF and every VF of an iGPU).
proxmox_valid() {
	local line=$1 key value first=1 prop name val host="" mapping="" mdev="" seen=" "
	[[ $line =~ ^(hostpci([0-9]|1[0-5])):\ (.+)$ ]] || { echo "not a hostpciN line: $line" >&2; return 1; }
	value=${BASH_REMATCH[3]}
	local id='([a-f0-9]{4,}:)?[a-f0-9]{2}:[a-f0-9]{2}(\.[a-f0-9])?'
	IFS=, read -r -a props <<< "$value"
	for prop in "${props[@]}"; do
		if [[ $prop != *=* ]]; then
			[ $first = 1 ] || { echo "only the first property may leave out its key: $prop" >&2; return 1; }
			prop=host=$prop
		fi
		first=0
		name=${prop%%=*} val=${prop#*=}
		[[ $seen == *" $name "* ]] && { echo "$name twice" >&2; return 1; }
		seen+="$name "
		case $name in
		host) [[ $val =~ ^$id(\;$id)*$ ]] || { echo "host=$val" >&2; return 1; }; host=$val ;;
		mapping) [[ $val =~ ^[A-Za-z][A-Za-z0-9_.-]*$ ]] || return 1; mapping=$val ;;
		pcie|x-vga|rombar|legacy-igd) [[ $val =~ ^[01]$ ]] || { echo "$name=$val" >&2; return 1; } ;;
		mdev) [[ $val =~ ^[^/.:]+$ ]] || { echo "mdev=$val" >&2; return 1; }; mdev=$val ;;
		romfile) [[ $val =~ ^[^,\;]+$ ]] || return 1 ;;
		vendor-id|device-id|sub-vendor-id|sub-device-id) [[ $val =~ ^0x[0-9a-fA-F]{4}$ ]] || return 1 ;;
		driver) [[ $val =~ ^(vfio|keep)$ ]] || return 1 ;;
		*) echo "unknown key $name" >&2; return 1 ;;
		esac
	done
	{ [ -n "$host" ] && [ -z "$mapping" ]; } || { [ -z "$host" ] && [ -n "$mapping" ]; } ||
		{ echo "want exactly one of host and mapping" >&2; return 1; }
	[ -n "$mdev" ] && [[ $host == *\;* ]] && { echo "mdev with multifunction" >&2; return 1; }
	local one
	IFS=';' read -r -a ids <<< "$host"
	for one in "${ids[@]}"; do
		[[ $one == *.? ]] || { echo "$one: no function (all functions)" >&2; return 1; }
	done
	return 0
}

# The validators refuse what their consumers refuse.
printf "<hostdev mode='subsystem' type='pci' managed='maybe'>\n  <source><address domain='0x0000' bus='0x41' slot='0x00' function='0x0'/></source>\n</hostdev>\n" > "$TMPROOT/bad.xml"
! libvirt_valid "$TMPROOT/bad.xml" 2> /dev/null; ok "libvirt validator refuses managed='maybe'" [ $? = 0 ]
printf "<hostdev mode='subsystem' type='mdev' managed='no' display='on'>\n  <source><address uuid='634fc146-50a3-4960-ac30-f09e5cedc674'/></source>\n</hostdev>\n" > "$TMPROOT/bad.xml"
! libvirt_valid "$TMPROOT/bad.xml" 2> /dev/null; ok "libvirt validator refuses an mdev without model" [ $? = 0 ]
printf '%s\n' "-device vfio-pci,host=0000:41:00.0,x-vgaa=on" > "$TMPROOT/bad.txt"
! qemu_valid "$TMPROOT/bad.txt" 2> /dev/null; ok "QEMU validator refuses an unknown property" [ $? = 0 ]
printf '%s\n' "-device vfio-pci,host=0000:01:00.1,bus=pcie.0,addr=10.1,multifunction=maybe" > "$TMPROOT/bad.txt"
! qemu_valid "$TMPROOT/bad.txt" 2> /dev/null; ok "QEMU itself refuses a bad value" [ $? = 0 ]
printf '%s\n' "-device vfio-pci,host=0000:01:00.1,bus=pcie.7,addr=10.1" > "$TMPROOT/bad.txt"
! qemu_valid "$TMPROOT/bad.txt" 2> /dev/null; ok "QEMU itself refuses a bus q35 lacks" [ $? = 0 ]
for bad in "hostpci0: 0000:00:02,pcie=1" "hostpci0: 0000:00:02.0;0000:00:02.1,mdev=i915-GVTg_V5_4" \
	   "hostpci16: 0000:00:02.1" "hostpci0: 0000:0A:00.0" "hostpci0: 0000:00:02.1,pcie=yes" \
	   "hostpci0: pcie=1" "hostpci0: 0000:00:02.1,mdev=a.b" "hostpci0: 0000:00:02.1,pcie=1,pcie=1" \
	   "hostpci0: 0000:00:02.1,vga=1"; do
	! proxmox_valid "$bad" 2> /dev/null; ok "Proxmox validator refuses '$bad'" [ $? = 0 ]
done
ok "Proxmox validator takes host=, ';' and mdev" proxmox_valid "hostpci3: host=0000:01:00.0;0000:01:00.1,pcie=1,x-vga=1"

# export_ok NAME DEVICE FORMAT [ARGS...]: export, validate with the format's
# consumer, and leave the text in $out and the notes in $notes.
export_ok() {
	local name=$1 dev=$2 fmt=$3; shift 3
	gv export "$dev" --format "$fmt" "$@" > "$TMPROOT/out" 2> "$TMPROOT/err"
	local rc=$?
	out=$(cat "$TMPROOT/out") notes=$(cat "$TMPROOT/err")
	ok "$name: $fmt exits 0" [ $rc = 0 ]
	case $fmt in
	libvirt) ok "$name: libvirt's schema accepts it" libvirt_valid "$TMPROOT/out" ;;
	qemu) ok "$name: QEMU accepts every property" qemu_valid "$TMPROOT/out" ;;
	proxmox)
		ok "$name: one hostpciN line" [ "$(wc -l < "$TMPROOT/out")" = 1 ]
		ok "$name: qemu-server's hostpci grammar accepts it" proxmox_valid "$out"
		ok "$name: pcie=1 comes with its q35 note" has "$notes" "pcie=1 needs the q35 machine type" ;;
	esac
	ok "$name: $fmt notes are note lines" bash -c '! grep -v "^gpuvirt export: note: " <<< "$1" | grep -q .' _ "$notes"
}

# json_matches NAME DEVICE FORMAT ARGS...: --json carries the same text and notes.
json_matches() {
	local name=$1 dev=$2 fmt=$3; shift 3
	gv export "$dev" --format "$fmt" "$@" > "$TMPROOT/plain" 2> "$TMPROOT/plain.err"
	gv export "$dev" --format "$fmt" "$@" --json > "$TMPROOT/json" 2> "$TMPROOT/json.err"
	ok "$name: --json $fmt has the documented fields, the same text and notes" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert list(d) == ["device", "format", "text", "notes"], list(d)
assert d["format"] == sys.argv[4] and isinstance(d["device"], str)
assert d["text"] == open(sys.argv[2]).read(), d["text"]
notes = [l[len("gpuvirt export: note: "):] for l in open(sys.argv[3]).read().splitlines()]
assert d["notes"] == notes, (d["notes"], notes)
' "$TMPROOT/json" "$TMPROOT/plain" "$TMPROOT/plain.err" "$fmt"
	ok "$name: --json $fmt leaves stderr empty" [ ! -s "$TMPROOT/json.err" ]
}

# --- The Ubuntu guide's V100 --------------------------------------------
host ubuntu-v100
export_ok "V100" 0000:41:00.0 libvirt
ok "V100: managed='yes' hostdev with the host address" has "$out" "<hostdev mode='subsystem' type='pci' managed='yes'>"
ok "V100: source address 41:00.0" has "$out" "<address domain='0x0000' bus='0x41' slot='0x00' function='0x0'/>"
ok "V100: alone in its group, no guest address" bash -c '! grep -q "type=.pci. domain" <<< "$1"' _ "$out"
ok "V100: libvirt note on nouveau" has "$notes" "0000:41:00.0 (nouveau) is on a host driver now: with managed='yes' libvirt detaches it"
export_ok "V100" 41:00.0 qemu
ok "V100: -device vfio-pci,host=" [ "$out" = "-device vfio-pci,host=0000:41:00.0" ]
ok "V100: QEMU note says what to bind first" has "$notes" "bind first with gpuvirt apply --vfio 0000:41:00.0"
export_ok "V100" 41:00.0 proxmox
ok "V100: hostpci0 line" [ "$out" = "hostpci0: 0000:41:00.0,pcie=1" ]
ok "V100: Proxmox binds at start" has "$notes" "Proxmox binds the IOMMU group to vfio-pci when the VM starts"
for f in libvirt qemu proxmox; do json_matches "V100" 41:00.0 $f; done
gv export 41:00.0 --format qemu --primary > "$TMPROOT/out" 2> "$TMPROOT/err"; rc=$?
ok "V100: --primary refused, a 3D controller (exit 2, one line)" \
	bash -c '[ $1 = 2 ] && [ ! -s "$2" ] && [ "$(cat "$3")" = "gpuvirt export: --primary: 0000:41:00.0 is not a VGA-class GPU (class 030200), so it cannot be the guest'"'"'s primary display" ]' _ $rc "$TMPROOT/out" "$TMPROOT/err"

# --- Its two vGPUs (mdevs of the V100) ----------------------------------
host export-v100-vgpu
for uuid in 634fc146-50a3-4960-ac30-f09e5cedc674 C2E088B4-6C7E-4C4B-8D6F-2B0F3A1D9E57; do
	lc=${uuid,,}
	export_ok "vGPU $lc" $uuid libvirt
	ok "vGPU $lc: mdev hostdev, managed='no', model and display" \
		has "$out" "<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci' display='on'>"
	ok "vGPU $lc: its UUID" has "$out" "<address uuid='$lc'/>"
	export_ok "vGPU $lc" $uuid qemu
	ok "vGPU $lc: sysfsdev" [ "$out" = "-device vfio-pci,sysfsdev=/sys/bus/mdev/devices/$lc,display=on" ]
	export_ok "vGPU $lc" $uuid proxmox
	ok "vGPU $lc: parent and type" [ "$out" = "hostpci0: 0000:41:00.0,mdev=nvidia-300,pcie=1" ]
	ok "vGPU $lc: Proxmox makes its own instance" has "$notes" "Proxmox creates its own mdev of type nvidia-300 on 0000:41:00.0"
	for f in libvirt qemu proxmox; do json_matches "vGPU $lc" $uuid $f; done
done
gv export 634fc146-50a3-4960-ac30-f09e5cedc674 --format proxmox --json > "$TMPROOT/json"
ok "vGPU: --json device is the UUID" python3 -c '
import json, sys; assert json.load(open(sys.argv[1]))["device"] == "634fc146-50a3-4960-ac30-f09e5cedc674"' "$TMPROOT/json"
gv export 634fc146-50a3-4960-ac30-f09e5cedc674 --format proxmox --primary > "$TMPROOT/out" 2> "$TMPROOT/err"
rc=$?
ok "vGPU: --primary refused (exit 2, one line)" \
	bash -c '[ $1 = 2 ] && [ ! -s "$2" ] && [ "$(wc -l < "$3")" = 1 ]' _ $rc "$TMPROOT/out" "$TMPROOT/err"
host gvtg-host
export_ok "GVT-g vGPU" 4dd511f6-ec08-11e8-b839-2f163ddee3b3 proxmox
ok "GVT-g vGPU: parent and type (the boot GPU stays the host's)" [ "$out" = "hostpci0: 0000:00:02.0,mdev=i915-GVTg_V5_4,pcie=1" ]
export_ok "GVT-g vGPU" 4dd511f6-ec08-11e8-b839-2f163ddee3b3 libvirt

# --- The N100's VF -------------------------------------------------------
host proxmox-n100
export_ok "N100 VF" 00:02.1 libvirt
ok "N100 VF: managed='yes', function 1" has "$out" "<address domain='0x0000' bus='0x00' slot='0x02' function='0x1'/>"
ok "N100 VF: only the VF" [ "$(grep -c '<hostdev' <<< "$out")" = 1 ]
export_ok "N100 VF" 0000:00:02.1 qemu
ok "N100 VF: host=0000:00:02.1" [ "$out" = "-device vfio-pci,host=0000:00:02.1" ]
ok "N100 VF: QEMU note: no driver, bind first" has "$notes" "0000:00:02.1 (no driver): not on vfio-pci, and QEMU binds nothing; bind first with gpuvirt apply --vfio 0000:00:02.1"
export_ok "N100 VF" 00:02.1 proxmox
ok "N100 VF: the function given, never all functions" [ "$out" = "hostpci0: 0000:00:02.1,pcie=1" ]
export_ok "N100 VF primary" 00:02.1 proxmox --primary
ok "N100 VF: --primary is x-vga=1" [ "$out" = "hostpci0: 0000:00:02.1,pcie=1,x-vga=1" ]
ok "N100 VF: --primary wants OVMF" has "$notes" "use bios: ovmf"
export_ok "N100 VF primary" 00:02.1 qemu --primary
ok "N100 VF: no x-vga in QEMU (a VF has no legacy VGA)" [ "$out" = "-device vfio-pci,host=0000:00:02.1" ]
for f in libvirt qemu proxmox; do json_matches "N100 VF" 00:02.1 $f; done

# --- An RTX 3090 and its HDMI audio --------------------------------------
host desktop-twins
for dev in 0000:01:00.0 01:00.1; do
	export_ok "RTX $dev" $dev libvirt
	ok "RTX $dev: two hostdevs" [ "$(grep -c "<hostdev mode='subsystem' type='pci' managed='yes'>" <<< "$out")" = 2 ]
	ok "RTX $dev: function 0, multifunction, guest slot 0x10" \
		has "$out" "<address type='pci' domain='0x0000' bus='0x00' slot='0x10' function='0x0' multifunction='on'/>"
	ok "RTX $dev: audio at the same guest slot" \
		has "$out" "<address type='pci' domain='0x0000' bus='0x00' slot='0x10' function='0x1'/>"
	ok "RTX $dev: GPU then audio" bash -c 'grep -o "bus=.0x01. slot=.0x00. function=.0x.." <<< "$1" | tr -d "\n" | grep -q "0x0.*0x1"' _ "$out"
	export_ok "RTX $dev" $dev qemu
	ok "RTX $dev: QEMU multifunction on one guest slot" [ "$out" = "-device vfio-pci,host=0000:01:00.0,bus=pcie.0,addr=10.0,multifunction=on \\
-device vfio-pci,host=0000:01:00.1,bus=pcie.0,addr=10.1" ]
	export_ok "RTX $dev" $dev proxmox
	ok "RTX $dev: both functions joined" [ "$out" = "hostpci0: 0000:01:00.0;0000:01:00.1,pcie=1" ]
	ok "RTX $dev: no x-vga unless asked" bash -c '! grep -q x-vga <<< "$1"' _ "$out"
done
export_ok "RTX primary" 01:00.0 proxmox --primary
ok "RTX: --primary x-vga=1" [ "$out" = "hostpci0: 0000:01:00.0;0000:01:00.1,pcie=1,x-vga=1" ]
export_ok "RTX primary" 01:00.0 qemu --primary
ok "RTX: --primary x-vga=on on function 0 only" [ "$out" = "-device vfio-pci,host=0000:01:00.0,bus=pcie.0,addr=10.0,multifunction=on,x-vga=on \\
-device vfio-pci,host=0000:01:00.1,bus=pcie.0,addr=10.1" ]
export_ok "RTX primary" 01:00.0 libvirt --primary
ok "RTX: libvirt --primary: a note, no x-vga" has "$notes" "libvirt has no x-vga"
for f in libvirt qemu proxmox; do json_matches "RTX" 01:00.0 $f; done

# --- An NVIDIA vGPU VF that stays on nvidia ------------------------------
host export-nvidia-vf
export_ok "NVIDIA VF" 17:00.5 libvirt
ok "NVIDIA VF: managed='no'" has "$out" "<hostdev mode='subsystem' type='pci' managed='no'>"
export_ok "NVIDIA VF" 17:00.5 qemu
ok "NVIDIA VF: no vfio-pci binding suggested" bash -c '! grep -q "apply --vfio" <<< "$1"' _ "$notes"
export_ok "NVIDIA VF" 17:00.5 proxmox
ok "NVIDIA VF: note on mdev=nvidia-ID" has "$notes" "append ,mdev=nvidia-ID"

# --- Refusals: exit 2, one line naming the device, nothing on stdout ------
# refused NAME WANT ARGS...: gv ARGS exits 2 with exactly the line WANT.
refused() {
	local name=$1 want=$2; shift 2
	gv "$@" > "$TMPROOT/out" 2> "$TMPROOT/err"
	local rc=$?
	ok "$name: exit 2" [ $rc = 2 ]
	ok "$name: nothing on stdout" [ ! -s "$TMPROOT/out" ]
	ok "$name: one line" [ "$(cat "$TMPROOT/err")" = "$want" ]
	[ "$(cat "$TMPROOT/err")" = "$want" ] || { echo "  got:  $(cat "$TMPROOT/err")"; echo "  want: $want"; }
}
host ubuntu-v100
for f in libvirt qemu proxmox; do
	refused "bridge ($f)" "gpuvirt export: 0000:40:03.1 is a bridge (class 060400); bridges stay with the host" \
		export 40:03.1 --format $f
	refused "boot GPU ($f)" "gpuvirt export: 0000:02:00.0 is the boot GPU (boot_vga=1): giving it to a VM takes the host's console on it; use a serial console or ssh and pass --force-boot-gpu" \
		export 0000:02:00.0 --format $f
	refused "unknown address ($f)" "gpuvirt export: 0000:99:00.0: no such PCI device on this host" \
		export 99:00.0 --format $f
	refused "unknown UUID ($f)" "gpuvirt export: mdev 634fc146-50a3-4960-ac30-f09e5cedc674: no such mediated device on this host" \
		export 634fc146-50a3-4960-ac30-f09e5cedc674 --format $f
done
export_ok "boot GPU forced" 02:00.0 libvirt --force-boot-gpu
ok "boot GPU forced: the note says what the host loses" has "$notes" "--force-boot-gpu: 0000:02:00.0 is the boot GPU (boot_vga=1): the host loses its console on it while the VM runs"
refused "neither address nor UUID" "gpuvirt export: 'gpu0' is neither a PCI address (0000:41:00.0 or 41:00.0) nor an mdev UUID" \
	export gpu0 --format qemu
host proxmox-n100
for f in libvirt qemu proxmox; do
	refused "PF with VFs ($f)" "gpuvirt export: 0000:00:02.0 is an SR-IOV PF with 3 VFs enabled, which a VM cannot have while they exist; give a VF instead: 0000:00:02.1" \
		export 00:02.0 --format $f --force-boot-gpu
done
host desktop-twins
for f in libvirt qemu proxmox; do
	refused "shared group ($f)" "gpuvirt export: 0000:03:00.0 shares IOMMU group 14 with devices the host keeps: 0000:04:00.0; a VM can only have the group whole (see gpuvirt list)" \
		export 03:00.0 --format $f --force-boot-gpu
done
refused "shared group, every kept device named" "gpuvirt export: 0000:04:00.0 shares IOMMU group 14 with devices the host keeps: 0000:03:00.0, 0000:03:00.1; a VM can only have the group whole (see gpuvirt list)" \
	export 04:00.0 --format libvirt

# --- Usage ---------------------------------------------------------------
host ubuntu-v100
gv export 41:00.0 > /dev/null 2>&1; ok "no --format: exit 2" [ $? = 2 ]
gv export 41:00.0 --format xml > /dev/null 2>&1; ok "unknown format: exit 2" [ $? = 2 ]
gv export --format qemu > /dev/null 2>&1; ok "no device: exit 2" [ $? = 2 ]
gv export 41:00.0 02:00.0 --format qemu > /dev/null 2>&1; ok "two devices: exit 2" [ $? = 2 ]
gv export --help > "$TMPROOT/out"; ok "export --help exits 0" [ $? = 0 ]
ok "export --help shows the usage" grep -qF "gpuvirt export DEVICE --format libvirt|qemu|proxmox" "$TMPROOT/out"
