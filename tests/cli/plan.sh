#!/usr/bin/env bash
# gpuvirt plan CHANGE...: the preview for --blacklist and --vfio on fixture
# hosts (twins by address, unique ids by id, boot and only GPU refused, a
# vanished device, initramfs-tools / dracut / mkinitcpio roots, an existing
# blacklist), and that plan writes nothing at all.
. "$(dirname "$0")/../lib.sh"

# snapshot DIR: every path with its mtime and content hash, to prove nothing changed
snapshot() { (cd "$1" && find . -printf '%p %T@ %m\n' | sort && find . -type f -exec sha256sum {} + | sort); }

# run_gv NAME ARGS...: gv with stdout in $OUT, stderr in $ERR, status in $RC
run_gv() {
	OUT=$TMPROOT/out ERR=$TMPROOT/err
	gv "$@" > "$OUT" 2> "$ERR" < /dev/null
	RC=$?
}
has() { grep -qF -- "$1" "$2"; }
lines() { wc -l < "$1" | tr -d ' '; }

# --- identical twins: bound by address, the twin stays ----------------------
host drv-twins
before=$(snapshot "$ROOT")
run_gv --root "$ROOT" plan --vfio 01:00.0
ok "twins: plan exits 0" [ "$RC" -eq 0 ]
ok "twins: udev rule for the GPU" has 'ACTION=="add", SUBSYSTEM=="pci", KERNEL=="0000:01:00.0", ATTR{driver_override}="vfio-pci"' "$OUT"
ok "twins: udev rule for its HDMI audio" has 'KERNEL=="0000:01:00.1", ATTR{driver_override}="vfio-pci"' "$OUT"
ok "twins: the twin is not touched" bash -c "! grep -q '^+.*0000:02:00' '$OUT'"
ok "twins: no binding by id" bash -c "! grep -q 'ids=' '$OUT'"
ok "twins: the bridge is not bound" bash -c "! grep -q '0000:00:01.0' '$OUT'"
ok "twins: why names the twin" has "0000:02:00.0 has the same id 10de:2206 and stays with the host" "$OUT"
ok "twins: vfio-pci before nouveau" has "+softdep nouveau pre: vfio-pci" "$OUT"
ok "twins: driver_override hook in modprobe.d" has "+install vfio_pci /bin/sh -c 'for d in 0000:01:00.0 0000:01:00.1;" "$OUT"
ok "twins: vfio modules at boot" has "+++ b/etc/modules-load.d/gpuvirt.conf" "$OUT"
ok "twins: vfio modules in the initramfs" has "+vfio_iommu_type1" "$OUT"
ok "twins: initramfs rebuilt" has '$ update-initramfs -u -k all' "$OUT"
ok "twins: no vfio_virqfd on 6.8" bash -c "! grep -q vfio_virqfd '$OUT'"
ok "twins: plan wrote nothing (not even an mtime)" [ "$before" = "$(snapshot "$ROOT")" ]
run_gv --root "$ROOT" plan --vfio 0000:01:00.0
cp "$OUT" "$TMPROOT/full"
run_gv --root "$ROOT" plan --vfio 01:00.0
ok "twins: short and full address give the same plan" cmp -s "$OUT" "$TMPROOT/full"

# JSON preview
run_gv --root "$ROOT" plan --vfio 01:00.0 --json
ok "json: exits 0" [ "$RC" -eq 0 ]
if command -v python3 > /dev/null; then
	ok "json: parses, with actions" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["actions"]' "$OUT"
else
	ok "json: has actions" has '"actions"' "$OUT"
fi

# --- the boot GPU and the only GPU ------------------------------------------
run_gv --root "$ROOT" plan --vfio 00:02.0
ok "boot GPU: refused with exit 1" [ "$RC" -eq 1 ]
ok "boot GPU: one line saying what goes dark" [ "$(cat "$ERR")" = "gpuvirt plan: 0000:00:02.0 is the boot GPU (boot_vga=1): binding it to vfio-pci blanks the host's console on that GPU; use a serial console or ssh and pass --force-boot-gpu" ]
ok "boot GPU: no preview" [ ! -s "$OUT" ]
run_gv --root "$ROOT" plan --vfio 00:02.0 --force-boot-gpu
ok "boot GPU: --force-boot-gpu plans it" [ "$RC" -eq 0 ]
ok "boot GPU: forced, by id (its id is unique)" has "options vfio-pci ids=8086:4680" "$OUT"
ok "boot GPU: forced, and the warning still says it" has "warning: --force-boot-gpu: 0000:00:02.0 is the boot GPU" "$ERR"
ok "twins: plan still wrote nothing" [ "$before" = "$(snapshot "$ROOT")" ]

host drv-single
run_gv --root "$ROOT" plan --vfio 0a:00.0
ok "only GPU: refused with exit 1" [ "$RC" -eq 1 ]
ok "only GPU: the message says so" has "0000:0a:00.0 is the host's only GPU: binding it to vfio-pci leaves the host without a display console" "$ERR"
ok "only GPU: one line" [ "$(lines "$ERR")" -eq 1 ]
run_gv --root "$ROOT" plan --vfio 0a:00.0 --force-boot-gpu
ok "only GPU forced: exits 0" [ "$RC" -eq 0 ]
ok "dracut: by id, GPU and audio" has "+options vfio-pci ids=1002:73bf,1002:ab28" "$OUT"
ok "dracut: softdep amdgpu" has "+softdep amdgpu pre: vfio-pci" "$OUT"
ok "dracut: drop-in ending in .conf" has "+++ b/etc/dracut.conf.d/gpuvirt.conf" "$OUT"
ok "dracut: force_drivers" has '+force_drivers+=" vfio vfio_iommu_type1 vfio_pci "' "$OUT"
ok "dracut: regenerate all" has '$ dracut -f --regenerate-all' "$OUT"
ok "dracut: no udev rule when by id" bash -c "! grep -q 70-gpuvirt-vfio.rules '$OUT'"

# --- a device that is not there ----------------------------------------------
host drv-twins
run_gv --root "$ROOT" plan --vfio 05:00.0
ok "vanished: exit 2" [ "$RC" -eq 2 ]
ok "vanished: one line naming the device" [ "$(cat "$ERR")" = "gpuvirt plan: 0000:05:00.0: no such PCI device on this host" ]
run_gv --root "$ROOT" plan --vfio 00:01.0
ok "bridge: exit 2, named" bash -c "[ $RC -eq 2 ] && grep -q '0000:00:01.0 is a bridge' '$ERR'"

# --- the Ubuntu guide's V100: by id, softdep nouveau ------------------------
host ubuntu-v100
mkdir -p "$ROOT/etc/initramfs-tools"
run_gv --root "$ROOT" plan --vfio 41:00.0
ok "v100: exits 0" [ "$RC" -eq 0 ]
ok "v100: by id" has "+options vfio-pci ids=10de:1db4" "$OUT"
ok "v100: softdep nouveau pre: vfio-pci" has "+softdep nouveau pre: vfio-pci" "$OUT"
ok "v100: no udev rule" bash -c "! grep -q driver_override '$OUT'"
ok "v100: initramfs-tools modules file created" has "+++ b/etc/initramfs-tools/modules" "$OUT"
run_gv --root "$ROOT" plan --blacklist nouveau
ok "v100 blacklist: blacklist nouveau" has "+blacklist nouveau" "$OUT"
ok "v100 blacklist: modeset=0 as the guide does" has "+options nouveau modeset=0" "$OUT"
ok "v100 blacklist: initramfs rebuilt" has '$ update-initramfs -u -k all' "$OUT"
ok "v100 blacklist: warns the V100 loses its driver" has "0000:41:00.0 (" "$ERR"
rm -rf "$ROOT/etc/initramfs-tools"
run_gv --root "$ROOT" plan --blacklist nouveau
ok "no initramfs tool: said so" has "no initramfs tool found under" "$ERR"
ok "no initramfs tool: no rebuild" bash -c "! grep -q 'update-initramfs' '$OUT'"

# --- Debian 12: existing blacklist reported, not duplicated; kernel 6.1 -----
host drv-debian
run_gv --root "$ROOT" plan --blacklist nouveau
ok "existing blacklist: exits 0" [ "$RC" -eq 0 ]
ok "existing blacklist: reported with its file" has "blacklist nouveau is already in etc/modprobe.d/blacklist-nouveau.conf" "$ERR"
ok "existing modeset: reported with its file" has "options nouveau modeset=0 is already in etc/modprobe.d/blacklist-nouveau.conf" "$ERR"
ok "existing blacklist: nothing to change" has "# nothing to change" "$OUT"
ok "existing blacklist: not written again" bash -c "! grep -q '+blacklist nouveau' '$OUT'"
run_gv --root "$ROOT" plan --vfio 17:00.0
ok "debian: by id, both functions" has "+options vfio-pci ids=10de:1bb1,10de:10f0" "$OUT"
ok "debian: softdep for the audio's driver" has "+softdep snd_hda_intel pre: vfio-pci" "$OUT"
ok "debian: vfio_virqfd before 6.2" has "+vfio_virqfd" "$OUT"

# --- Arch: mkinitcpio drop-in; a domain above ffff ---------------------------
host drv-arch
run_gv --root "$ROOT" plan --vfio 01:00.0
ok "arch: exits 0" [ "$RC" -eq 0 ]
ok "arch: mkinitcpio drop-in" has "+++ b/etc/mkinitcpio.conf.d/gpuvirt.conf" "$OUT"
ok "arch: MODULES prepended" has '+MODULES=(vfio vfio_iommu_type1 vfio_pci "${MODULES[@]}")' "$OUT"
ok "arch: mkinitcpio -P" has '$ mkinitcpio -P' "$OUT"
run_gv --root "$ROOT" plan --vfio 10000:e1:00.0
ok "vmd domain: exits 0" [ "$RC" -eq 0 ]
ok "vmd domain: by id 144d:a80a" has "ids=144d:a80a" "$OUT"

# --- usage -------------------------------------------------------------------
host drv-twins
run_gv --root "$ROOT" plan
ok "usage: no CHANGE is exit 2" [ "$RC" -eq 2 ]
run_gv --root "$ROOT" plan --vfio 41:00
ok "usage: bad address is exit 2, one line" bash -c "[ $RC -eq 2 ] && [ \$(wc -l < '$ERR') -eq 1 ] && grep -q \"'41:00' is not a PCI address\" '$ERR'"
run_gv --root "$ROOT" plan --vfs 00:02.0=3
ok "usage: --vfs on a device without SR-IOV, exit 2, one line" bash -c "[ $RC -eq 2 ] && [ \$(wc -l < '$ERR') -eq 1 ] && grep -q -- '0000:00:02.0 (.*) has no SR-IOV capability' '$ERR'"
run_gv --root "$ROOT" plan --mdev 41:00.0:nvidia-300
ok "usage: --mdev on a device the host lacks, exit 2, one line" bash -c "[ $RC -eq 2 ] && [ \$(wc -l < '$ERR') -eq 1 ] && grep -q -- '0000:41:00.0: no such PCI device on this host' '$ERR'"
run_gv --root "$ROOT" plan --vfio 01:00.0 --yes
ok "usage: --yes is not a plan option" [ "$RC" -eq 2 ]
run_gv --root "$ROOT" plan --vfio 01:00.0 stray
ok "usage: stray word" [ "$RC" -eq 2 ]

# --- plan works for anyone ---------------------------------------------------
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null; then
	# The run's test beds may sit in a private directory: give the
	# unprivileged user its own readable copy.
	cp -a "$UMOCKDEV_DIR" "$TMPROOT/testbed"
	export UMOCKDEV_DIR=$TMPROOT/testbed
	chmod -R a+rX "$TMPROOT"
	OUT=$TMPROOT/out
	setpriv --reuid=65534 --regid=65534 --clear-groups env UMOCKDEV_DIR="$UMOCKDEV_DIR" \
		GPUVIRT_EXPECT_TESTBED=1 umockdev-wrapper "$GPUVIRT" --root "$ROOT" plan --vfio 01:00.0 > "$OUT" 2>&1
	ok "not root: plan works" bash -c "[ $? -eq 0 ] && grep -q driver_override '$OUT'"
else
	echo "SKIP: not root or no setpriv: plan as an unprivileged user"
fi

# --- the kernel command line goes with the vfio files in one plan -----------
host drv-twins
before=$(snapshot "$ROOT")
run_gv --root "$ROOT" plan --iommu --vfio 01:00.0
ok "iommu+vfio: exits 0" [ "$RC" -eq 0 ]
ok "iommu+vfio: intel_iommu=on iommu=pt" bash -c "grep -q 'intel_iommu=on' '$OUT' && grep -q 'iommu=pt' '$OUT'"
ok "iommu+vfio: GRUB's menu regenerated" grep -qE '^\$ (update-grub|grub-mkconfig)' "$OUT"
ok "iommu+vfio: and the udev rule" has "70-gpuvirt-vfio.rules" "$OUT"
ok "iommu+vfio: wrote nothing" [ "$before" = "$(snapshot "$ROOT")" ]

# --blacklist warns about the devices that lose their driver, but not about
# those the same plan gives to vfio-pci.
host desktop-twins
err=$(gv --root "$ROOT" plan --vfio 02:00.0 --blacklist nouveau 2>&1 >/dev/null)
ok "blacklist: the twin staying with the host is warned about" grep -q "0000:01:00.0 .* uses nouveau now" <<< "$err"
ok "blacklist: the device going to vfio-pci is not" bash -c '! grep -q "0000:02:00.0 .* uses nouveau now" <<< "$1"' _ "$err"

# Ambiguous boot loader evidence: refused with the candidates, then the person
# chooses with --bootloader.
host ubuntu-v100
rm -rf "$ROOT"; mkdir -p "$ROOT"; cp -a "$GV_SRCDIR/tests/fixtures/roots/ambiguous/." "$ROOT/"
err=$(gv --root "$ROOT" plan --iommu 2>&1 >/dev/null); rc=$?
ok "ambiguous boot loader: refused, exit 1" [ $rc -eq 1 ]
ok "ambiguous boot loader: names the candidates and --bootloader" bash -c 'grep -q "grub (etc/default/grub" <<< "$1" && grep -q "systemd-boot" <<< "$1" && grep -q -- "--bootloader NAME" <<< "$1"' _ "$err"
out=$(gv --root "$ROOT" plan --iommu --bootloader systemd-boot 2>/dev/null); rc=$?
ok "--bootloader systemd-boot: exit 0" [ $rc -eq 0 ]
ok "--bootloader systemd-boot: edits etc/kernel/cmdline" grep -q '^+++ b/etc/kernel/cmdline' <<< "$out"
ok "--bootloader systemd-boot: no GRUB file" bash -c '! grep -q "grub" <<< "$1"' _ "$out"
out=$(gv --root "$ROOT" plan --iommu --bootloader grub 2>/dev/null)
ok "--bootloader grub: edits the GRUB defaults" grep -q '^+++ b/etc/default/grub' <<< "$out"
gv --root "$ROOT" plan --iommu --bootloader lilo > /dev/null 2>&1; rc=$?
ok "--bootloader with an unknown name: exit 2" [ $rc -eq 2 ]
gv --root "$ROOT" undo --bootloader grub > /dev/null 2>&1; rc=$?
ok "--bootloader is not an option of undo" [ $rc -eq 2 ]

# --- plan --save FILE: the file apply --plan applies ------------------------
host drv-twins
before=$(snapshot "$ROOT")
run_gv --root "$ROOT" plan --vfio 01:00.0 --save "$TMPROOT/saved.plan"
ok "save: exits 0" [ "$RC" -eq 0 ]
ok "save: still prints the preview" has "+++ b/etc/udev/rules.d/70-gpuvirt-vfio.rules" "$OUT"
ok "save: one line says where and how to apply it" bash -c "[ \$(grep -c '^gpuvirt plan: ' '$ERR') -eq 1 ] && grep -qF 'saved to $TMPROOT/saved.plan; \`gpuvirt --root $ROOT apply --plan $TMPROOT/saved.plan\` applies it' '$ERR'"
ok "save: a version 2 plan file, with the bases" bash -c "head -n1 '$TMPROOT/saved.plan' | grep -qx 'gpuvirt-plan 2' && grep -q '^write etc/initramfs-tools/modules mode=[0-7]* base=sha256:' '$TMPROOT/saved.plan'"
ok "save: the root is untouched" [ "$before" = "$(snapshot "$ROOT")" ]
conf() { (cd "$1" && find . -path ./var/lib/gpuvirt -prune -o -type f -printf '%p %m\n' -exec sha256sum {} \; | sort); }
orig=$(conf "$ROOT")
rm -rf "$TMPROOT/root-by-change"; cp -a "$ROOT" "$TMPROOT/root-by-change"
run_gv --root "$ROOT" apply --plan "$TMPROOT/saved.plan" --yes --no-run
ok "save: apply --plan applies the saved plan" [ "$RC" -eq 0 ]
run_gv --root "$TMPROOT/root-by-change" apply --vfio 01:00.0 --yes --no-run
ok "save: apply CHANGE on a copy of the root" [ "$RC" -eq 0 ]
ok "save: apply --plan changed the configuration" [ "$(conf "$ROOT")" != "$orig" ]
ok "save: apply --plan wrote the same bytes as apply CHANGE" [ "$(conf "$ROOT")" = "$(conf "$TMPROOT/root-by-change")" ]

# a saved plan whose file was edited since: refused, nothing written
host drv-twins
run_gv --root "$ROOT" plan --vfio 01:00.0 --save "$TMPROOT/stale.plan"
ok "save, then edit: saved" [ "$RC" -eq 0 ]
echo extra_line >> "$ROOT/etc/initramfs-tools/modules"
before=$(snapshot "$ROOT")
run_gv --root "$ROOT" apply --plan "$TMPROOT/stale.plan" --yes --no-run
ok "save, then edit: apply --plan exits 1" [ "$RC" -eq 1 ]
ok "save, then edit: one line naming the file" bash -c "[ \$(grep -c . '$ERR') -eq 1 ] && grep -qx 'gpuvirt apply: etc/initramfs-tools/modules: changed since the plan was made; make the plan again' '$ERR'"
# (the root's own mtime moves: var/ was made for the lock and removed again)
ok "save, then edit: nothing written" [ "$(grep -v '^\. ' <<< "$before")" = "$(snapshot "$ROOT" | grep -v '^\. ')" ]
ok "save, then edit: no journal" [ ! -e "$ROOT/var/lib/gpuvirt" ]

# --save: usage
run_gv --root "$ROOT" plan --vfio 01:00.0 --save
ok "--save without FILE: exit 2" [ "$RC" -eq 2 ]
run_gv --root "$ROOT" apply --vfio 01:00.0 --save "$TMPROOT/x.plan"
ok "--save is not an option of apply" bash -c "[ $RC -eq 2 ] && [ ! -e '$TMPROOT/x.plan' ]"
run_gv --root "$ROOT" plan --vfio 01:00.0 --save "$TMPROOT/no/such/dir/x.plan"
ok "--save into a missing directory: exit 1, one line naming it" bash -c "[ $RC -eq 1 ] && [ \$(grep -c '^gpuvirt plan: ' '$ERR') -eq 1 ] && grep -q '^gpuvirt plan: .*no/such/dir' '$ERR'"

# Arguments end up in the boot loader's file and in plan --json (UTF-8)
before=$(snapshot "$ROOT")
run_gv --root "$ROOT" apply --cmdline-add "foo=$(printf '\377')" --yes --no-run
ok "--cmdline-add with a byte that is not UTF-8: exit 2" [ "$RC" -eq 2 ]
ok "--cmdline-add not UTF-8: one line saying so" bash -c "[ \$(grep -c . '$ERR') -eq 1 ] && grep -q 'not valid UTF-8' '$ERR'"
ok "--cmdline-add not UTF-8: nothing written" [ "$before" = "$(snapshot "$ROOT")" ]
