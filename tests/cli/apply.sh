#!/usr/bin/env bash
# gpuvirt apply / undo end to end with --no-run under a temporary root:
# confirmation rules, what lands on disk (judged by modprobe itself),
# idempotence (no mtime changes the second time), plan --undo, byte-identical
# undo (its diff shown first), hand edits, apply --plan FILE, and the root check.
. "$(dirname "$0")/../lib.sh"

snapshot() { (cd "$1" && find . -path ./var -prune -o -printf '%p %T@ %m\n' | sort &&
	find . -path ./var -prune -o -type f -exec sha256sum {} + | sort); }
# the same with the journal under var/
everything() { (cd "$1" && find . -printf '%p %y %s %T@ %m\n' | sort && find . -type f -exec sha256sum {} + | sort); }
run_gv() {
	OUT=$TMPROOT/out ERR=$TMPROOT/err
	gv "$@" > "$OUT" 2> "$ERR" < /dev/null
	RC=$?
}
has() { grep -qF -- "$1" "$2"; }

# --- no terminal, no --yes: refused, nothing written -------------------------
host drv-twins
orig=$TMPROOT/orig-twins
cp -a "$ROOT" "$orig"
before=$(snapshot "$ROOT")
run_gv --root "$ROOT" apply --vfio 01:00.0 --no-run
ok "no tty: refused with exit 1" [ "$RC" -eq 1 ]
ok "no tty: says to pass --yes" has "pass --yes" "$ERR"
ok "no tty: preview shown" has "driver_override" "$OUT"
ok "no tty: nothing written" [ "$before" = "$(snapshot "$ROOT")" ]
ok "no tty: no journal" [ ! -e "$ROOT/var/lib/gpuvirt/journal" ]

# --- the boot GPU: --yes is not enough ---------------------------------------
run_gv --root "$ROOT" apply --vfio 00:02.0 --yes --no-run
ok "boot GPU: --yes alone is refused (exit 1)" [ "$RC" -eq 1 ]
ok "boot GPU: names the console" has "0000:00:02.0 is the boot GPU (boot_vga=1)" "$ERR"
ok "boot GPU: nothing written" [ "$before" = "$(snapshot "$ROOT")" ]

# --- apply --yes --no-run ----------------------------------------------------
run_gv --root "$ROOT" apply --vfio 01:00.0 --yes --no-run
ok "apply: exit 0" [ "$RC" -eq 0 ]
ok "apply: the regeneration command is listed, not run" has "update-initramfs -u -k all" "$ERR"
ok "apply: modprobe.d file" [ -f "$ROOT/etc/modprobe.d/gpuvirt.conf" ]
ok "apply: udev rule for both functions" bash -c "[ \$(grep -c 'ATTR{driver_override}=\"vfio-pci\"' '$ROOT/etc/udev/rules.d/70-gpuvirt-vfio.rules') -eq 2 ]"
ok "apply: the twin stays" bash -c "! grep -q '0000:02:00' '$ROOT/etc/udev/rules.d/70-gpuvirt-vfio.rules'"
for f in etc/modprobe.d/gpuvirt.conf etc/udev/rules.d/70-gpuvirt-vfio.rules etc/modules-load.d/gpuvirt.conf; do
	ok "apply: $f starts with gpuvirt's comment and how to undo" \
		bash -c "head -n1 '$ROOT/$f' | grep -q '^# Written by gpuvirt' && head -n3 '$ROOT/$f' | grep -q 'gpuvirt undo'"
done
ok "apply: initramfs-tools lines marked as gpuvirt's" has "# Added by gpuvirt" "$ROOT/etc/initramfs-tools/modules"
ok "apply: others' lines kept" bash -c "head -n 11 '$ROOT/etc/initramfs-tools/modules' | cmp -s - '$orig/etc/initramfs-tools/modules'"

# The real consumer: modprobe parses what we wrote, with nothing on stderr.
MODPROBE=$(PATH=$PATH:/usr/sbin:/sbin command -v modprobe || true)
if [ -n "$MODPROBE" ]; then
	unset UMOCKDEV_DIR
	"$MODPROBE" -C "$ROOT/etc/modprobe.d" -c > "$TMPROOT/mp.out" 2> "$TMPROOT/mp.err"
	ok "modprobe -c: exit 0" [ $? -eq 0 ]
	ok "modprobe -c: empty stderr" [ ! -s "$TMPROOT/mp.err" ]
	ok "modprobe -c: softdep read" has "softdep nouveau pre: vfio-pci" "$TMPROOT/mp.out"
	ok "modprobe -c: install hook read" has "install vfio_pci /bin/sh -c 'for d in 0000:01:00.0 0000:01:00.1;" "$TMPROOT/mp.out"
	export UMOCKDEV_DIR=$GV_FIXTURES/drv-twins
else
	echo "SKIP: modprobe not installed (package kmod): modprobe -C DIR -c"
fi

# --- idempotence: the same apply again changes nothing ----------------------
after1=$(snapshot "$ROOT")
sleep 1
run_gv --root "$ROOT" apply --vfio 01:00.0 --yes --no-run
ok "again: exit 0" [ "$RC" -eq 0 ]
ok "again: nothing to change" has "Nothing to change" "$OUT"
ok "again: no file or mtime changed" [ "$after1" = "$(snapshot "$ROOT")" ]
run_gv --root "$ROOT" plan --vfio 01:00.0
ok "again: plan lists the files as unchanged" has "etc/modprobe.d/gpuvirt.conf: unchanged" "$OUT"
ok "again: plan has no rebuild" bash -c "! grep -q 'update-initramfs' '$OUT'"

# --- a second device adds to the same files ----------------------------------
run_gv --root "$ROOT" apply --blacklist nouveau --yes --no-run
ok "blacklist after vfio: exit 0" [ "$RC" -eq 0 ]
ok "blacklist after vfio: both in one file" bash -c "grep -q '^blacklist nouveau$' '$ROOT/etc/modprobe.d/gpuvirt.conf' && grep -q '^softdep nouveau pre: vfio-pci$' '$ROOT/etc/modprobe.d/gpuvirt.conf'"

# --- plan --undo: the reversal of the last set as a diff, nothing written ---
before=$(everything "$ROOT")
run_gv --root "$ROOT" plan --undo
ok "plan --undo: exit 0" [ "$RC" -eq 0 ]
ok "plan --undo: names the set" has "# undo change set 2, applied " "$OUT"
ok "plan --undo: the blacklist comes out as a diff" bash -c "grep -qx -- '--- a/etc/modprobe.d/gpuvirt.conf' '$OUT' && grep -qx -- '-blacklist nouveau' '$OUT' && ! grep -q '^-softdep' '$OUT'"
ok "plan --undo: the regeneration command again" has '$ update-initramfs -u -k all' "$OUT"
ok "plan --undo: nothing written, the journal included" [ "$before" = "$(everything "$ROOT")" ]
run_gv --root "$ROOT" plan --undo --json
ok "plan --undo --json: JSON with the diff" python3 -c "import json; d = json.load(open('$OUT')); assert any(a['kind'] == 'write-file' and '-blacklist nouveau' in a['diff'] for a in d['actions'])"
ok "plan --undo --json: nothing written" [ "$before" = "$(everything "$ROOT")" ]
run_gv --root "$ROOT" plan --undo --blacklist nouveau
ok "plan --undo with a CHANGE: exit 2" [ "$RC" -eq 2 ]
run_gv --root "$ROOT" apply --undo
ok "--undo is not an option of apply" [ "$RC" -eq 2 ]

# --- undo, twice: byte-identical to the start --------------------------------
run_gv --root "$ROOT" undo --no-run
ok "undo without tty or --yes: refused" bash -c "[ $RC -eq 1 ] && grep -q 'pass --yes' '$ERR'"
ok "undo without tty or --yes: the diff was shown" has "-blacklist nouveau" "$OUT"
ok "undo without tty or --yes: nothing written" [ "$before" = "$(everything "$ROOT")" ]
run_gv --root "$ROOT" undo --yes --no-run
ok "undo 1: exit 0" [ "$RC" -eq 0 ]
ok "undo 1: the diff first, then 'Undone.'" bash -c "d=\$(grep -nx -- '-blacklist nouveau' '$OUT' | cut -d: -f1); u=\$(grep -n '^Undone\\.' '$OUT' | cut -d: -f1); [ -n \"\$d\" ] && [ -n \"\$u\" ] && [ \"\$d\" -lt \"\$u\" ]"
ok "undo 1: no change set recorded for the undo" [ ! -e "$ROOT/var/lib/gpuvirt/journal/0003" ]
ok "undo 1: blacklist gone, vfio kept" bash -c "! grep -q '^blacklist' '$ROOT/etc/modprobe.d/gpuvirt.conf' && grep -q softdep '$ROOT/etc/modprobe.d/gpuvirt.conf'"
run_gv --root "$ROOT" undo --yes --no-run
ok "undo 2: exit 0" [ "$RC" -eq 0 ]
ok "undo: configuration byte-identical to before" diff -r --exclude=var "$orig" "$ROOT"
ok "undo: files we created are gone" [ ! -e "$ROOT/etc/modprobe.d/gpuvirt.conf" ] && [ ! -e "$ROOT/etc/udev/rules.d/70-gpuvirt-vfio.rules" ]
run_gv --root "$ROOT" undo --yes --no-run
ok "undo: nothing left to undo is exit 1, one line" bash -c "[ $RC -eq 1 ] && [ \$(wc -l < '$ERR') -eq 1 ]"
run_gv --root "$ROOT" plan --undo
ok "plan --undo: nothing left to undo is exit 1, one line" bash -c "[ $RC -eq 1 ] && [ \$(wc -l < '$ERR') -eq 1 ] && grep -q 'nothing to undo' '$ERR'"

# --- undo after a hand edit: refused, then forced -----------------------------
host drv-twins
run_gv --root "$ROOT" apply --vfio 01:00.0 --yes --no-run
echo "options vfio-pci disable_vga=1" >> "$ROOT/etc/modprobe.d/gpuvirt.conf"
before=$(snapshot "$ROOT")
run_gv --root "$ROOT" undo --yes --no-run
ok "hand edit: undo refused (exit 1)" [ "$RC" -eq 1 ]
ok "hand edit: names the file" has "gpuvirt undo: etc/modprobe.d/gpuvirt.conf was edited by hand since gpuvirt wrote it (change set 1)" "$ERR"
ok "hand edit: nothing written" [ "$before" = "$(snapshot "$ROOT")" ]
run_gv --root "$ROOT" undo --yes --no-run --force-hand-edits
ok "hand edit: --force-hand-edits undoes" bash -c "[ $RC -eq 0 ] && [ ! -e '$ROOT/etc/modprobe.d/gpuvirt.conf' ]"

# --- Fedora (dracut) and Arch (mkinitcpio) roots ----------------------------
host drv-single
run_gv --root "$ROOT" apply --vfio 0a:00.0 --yes --no-run
ok "only GPU: --yes alone refused" bash -c "[ $RC -eq 1 ] && grep -q \"only GPU\" '$ERR'"
run_gv --root "$ROOT" apply --vfio 0a:00.0 --yes --no-run --force-boot-gpu
ok "dracut: applied with --force-boot-gpu" [ "$RC" -eq 0 ]
if command -v bash > /dev/null; then
	ok "dracut: the drop-in sources in bash" bash -c "force_drivers=''; . '$ROOT/etc/dracut.conf.d/gpuvirt.conf' && [ \"\$(echo \$force_drivers)\" = 'vfio vfio_iommu_type1 vfio_pci' ]"
fi
ok "dracut: Fedora's own drop-in untouched" cmp -s "$ROOT/etc/dracut.conf.d/01-dist.conf" "$GV_SRCDIR/tests/fixtures/hosts/drv-single/root/etc/dracut.conf.d/01-dist.conf"

host drv-arch
run_gv --root "$ROOT" apply --vfio 01:00.0 --yes --no-run
ok "mkinitcpio: applied" [ "$RC" -eq 0 ]
ok "mkinitcpio: MODULES keeps amdgpu, vfio first" bash -c ". '$ROOT/etc/mkinitcpio.conf'; . '$ROOT/etc/mkinitcpio.conf.d/gpuvirt.conf'; [ \"\${MODULES[*]}\" = 'vfio vfio_iommu_type1 vfio_pci amdgpu' ]"
ok "mkinitcpio: the pending command is journaled" grep -rq "mkinitcpio" "$ROOT/var/lib/gpuvirt/journal"

# --- apply --plan FILE -------------------------------------------------------
host drv-twins
cat > "$TMPROOT/saved.plan" << 'EOF'
gpuvirt-plan 1
write etc/modprobe.d/gpuvirt.conf mode=0644
why blacklist%20nouveau%20(saved%20from%20the%20wizard)
|#%20Written%20by%20gpuvirt.%20Undo%20with%20`gpuvirt%20undo`.
|blacklist%20nouveau
end
EOF
run_gv --root "$ROOT" apply --plan "$TMPROOT/saved.plan" --yes --no-run
ok "apply --plan: exit 0" [ "$RC" -eq 0 ]
ok "apply --plan: file written" bash -c "grep -q '^blacklist nouveau$' '$ROOT/etc/modprobe.d/gpuvirt.conf'"
printf 'not a plan\n' > "$TMPROOT/bad.plan"
run_gv --root "$ROOT" apply --plan "$TMPROOT/bad.plan" --yes --no-run
ok "apply --plan bad file: exit 2, one line with file and line" bash -c "[ $RC -eq 2 ] && [ \$(wc -l < '$ERR') -eq 1 ] && grep -q 'bad.plan:1' '$ERR'"
run_gv --root "$ROOT" apply --plan "$TMPROOT/saved.plan" --vfio 01:00.0 --yes
ok "apply --plan with CHANGEs: exit 2" [ "$RC" -eq 2 ]

# --- apply --plan FILE after the files changed: refused, edits kept ---------
host drv-twins
umockdev-wrapper "$GV_BUILD/tools/plan-save" "$ROOT" "$TMPROOT/stale.plan" --vfio 01:00.0 2> "$TMPROOT/err"
ok "stale plan: saved (version 2, with bases)" bash -c "head -n1 '$TMPROOT/stale.plan' | grep -qx 'gpuvirt-plan 2' && grep -q '^write etc/initramfs-tools/modules mode=[0-7]* base=sha256:' '$TMPROOT/stale.plan'"
echo extra_line >> "$ROOT/etc/initramfs-tools/modules"
before=$(snapshot "$ROOT")
run_gv --root "$ROOT" apply --plan "$TMPROOT/stale.plan" --yes --no-run
ok "stale plan: exit 1" [ "$RC" -eq 1 ]
ok "stale plan: one error line naming the file" bash -c "[ \$(grep -c . '$ERR') -eq 1 ] && grep -qx 'gpuvirt apply: etc/initramfs-tools/modules: changed since the plan was made; make the plan again' '$ERR'"
ok "stale plan: the edit is kept" bash -c "tail -n1 '$ROOT/etc/initramfs-tools/modules' | grep -qx extra_line"
# (the root's own mtime moves: var/ was made for the lock and removed again)
ok "stale plan: nothing written" [ "$(grep -v '^\. ' <<< "$before")" = "$(snapshot "$ROOT" | grep -v '^\. ')" ]
ok "stale plan: no journal left" [ ! -e "$ROOT/var/lib/gpuvirt" ]

# --- on a terminal: asks ------------------------------------------------------
if command -v script > /dev/null; then
	host drv-twins
	before=$(snapshot "$ROOT")
	echo n | script -qec "umockdev-wrapper '$GPUVIRT' --root '$ROOT' apply --vfio 01:00.0 --no-run" /dev/null > "$TMPROOT/tty.out" 2>&1
	ok "tty: asks 'Apply N changes? [y/N]'" grep -qE 'Apply [0-9]+ changes\? \[y/N\]' "$TMPROOT/tty.out"
	ok "tty: 'n' writes nothing" [ "$before" = "$(snapshot "$ROOT")" ]
	echo y | script -qec "umockdev-wrapper '$GPUVIRT' --root '$ROOT' apply --vfio 01:00.0 --no-run" /dev/null > "$TMPROOT/tty.out" 2>&1
	ok "tty: 'y' applies" [ -f "$ROOT/etc/modprobe.d/gpuvirt.conf" ]
else
	echo "SKIP: script(1) not installed: the terminal prompt"
fi

# --- not root, root is /: one line, exit 1, before anything is read ----------
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null; then
	# The run's test beds may sit in a private directory: give the
	# unprivileged user its own readable copy.
	cp -a "$UMOCKDEV_DIR" "$TMPROOT/testbed"
	export UMOCKDEV_DIR=$TMPROOT/testbed
	chmod -R a+rX "$TMPROOT"
	for cmd in "apply --vfio 01:00.0 --yes --no-run" "undo --yes --no-run"; do
		setpriv --reuid=65534 --regid=65534 --clear-groups env UMOCKDEV_DIR="$UMOCKDEV_DIR" \
			GPUVIRT_EXPECT_TESTBED=1 umockdev-wrapper "$GPUVIRT" --root / $cmd > "$TMPROOT/out" 2> "$TMPROOT/err"
		rc=$?
		ok "not root: ${cmd%% *} exits 1" [ "$rc" -eq 1 ]
		ok "not root: ${cmd%% *} says root is needed, one line" bash -c "[ \$(wc -l < '$TMPROOT/err') -eq 1 ] && grep -q 'needs root' '$TMPROOT/err'"
	done
else
	echo "SKIP: not root or no setpriv: the root check"
fi

# --- what comes from files never drives the terminal --------------------------
# An escape sequence in a file gpuvirt shows a diff of, or in the journal's
# summary, is printed visibly (^[), never as the raw byte a terminal obeys.
host drv-twins
mkdir -p "$ROOT/etc/modprobe.d"
printf '# gpuvirt\033[1A\033[2K hidden\nblacklist foo\n' > "$ROOT/etc/modprobe.d/gpuvirt.conf"
run_gv --root "$ROOT" plan --blacklist nouveau
ok "escape in a file: plan exits 0" [ "$RC" -eq 0 ]
ok "escape in a file: shown as ^[ in the diff" grep -qF '^[[1A^[[2K hidden' "$OUT"
ok "escape in a file: no raw ESC byte reaches the terminal" bash -c "! grep -q \$'\\033' '$OUT'"
run_gv --root "$ROOT" apply --blacklist nouveau --yes --no-run
ok "escape in a file: apply exits 0" [ "$RC" -eq 0 ]
manifest=$(ls "$ROOT/var/lib/gpuvirt/journal/"* | tail -n1)
sed -i 's/^summary .*/summary evil%1B[2K%1B[1Ahidden/' "$manifest"
run_gv --root "$ROOT" plan --undo
ok "escape in the journal's summary: plan --undo shows it as ^[" grep -qF 'evil^[[2K^[[1Ahidden' "$OUT"
ok "escape in the journal's summary: no raw ESC byte" bash -c "! grep -q \$'\\033' '$OUT'"
