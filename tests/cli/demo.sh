#!/usr/bin/env bash
# Every line-mode command under --demo, on the built-in sample host: list,
# check, plan, plan --save, apply --plan, apply --yes, plan --undo, undo --yes.
# They run inside an empty test bed (no PCI device at all, so the host comes
# from memory) with HOME, TMPDIR and XDG_RUNTIME_DIR pointed at directories of
# this test, and prove that nothing outside the scratch root changed: a
# listing with hashes of those directories, the test bed and the working
# directory, and (where strace works) every file system call that writes.
. "$(dirname "$0")/../lib.sh"

bed=$TMPROOT/empty-bed
mkdir -p "$bed/sys"
echo "gpuvirt test bed: empty" > "$bed/sys/.gpuvirt-testbed"
export UMOCKDEV_DIR=$bed GPUVIRT_EXPECT_TESTBED=1
export HOME=$TMPROOT/home TMPDIR=$TMPROOT/tmp XDG_RUNTIME_DIR=$TMPROOT/run
mkdir -p "$HOME" "$TMPDIR" "$TMPROOT/cwd" "$TMPROOT/out"
mkdir -m 0700 "$XDG_RUNTIME_DIR"
echo "a file of the person's" > "$HOME/notes"
cd "$TMPROOT/cwd"
scratch=$XDG_RUNTIME_DIR/gpuvirt-demo-$(id -u)
sample=$GV_SRCDIR/tests/fixtures/hosts/ubuntu-v100/root

# every path with its mode, size and mtime, and every file's hash; the
# scratch root itself is left out, and so is the mtime of the run directory
# that holds it (making it is allowed)
listing() {
	local d
	for d in "$HOME" "$TMPDIR" "$XDG_RUNTIME_DIR" "$bed" "$TMPROOT/cwd"; do
		(cd "$d" && find . -path "./${scratch##*/}" -prune -o -printf '%p %m %s %T@\n' | sort &&
			find . -path "./${scratch##*/}" -prune -o -type f -exec sha256sum {} + | sort) | sed "s|^|$d |"
	done | grep -v "^$XDG_RUNTIME_DIR \. "
}
# the configuration files of a root (not gpuvirt's own journal) with hashes
files() { (cd "$1" && find . -path ./var/lib/gpuvirt -prune -o -type f -exec sha256sum {} + | sort); }

# run ARGS...: gpuvirt --demo ARGS in the test bed; $OUT, $ERR, $RC
run() {
	OUT=$TMPROOT/out/stdout ERR=$TMPROOT/out/stderr
	umockdev-wrapper "$GPUVIRT" --demo "$@" > "$OUT" 2> "$ERR" < /dev/null
	RC=$?
}
has() { grep -qF -- "$1" "$2"; }

before=$(listing)

# --- list: the sample host, and the scratch root made -----------------------
run list
ok "list: exit 0" [ "$RC" -eq 0 ]
ok "list: the sample host's V100" has "0000:41:00.0" "$OUT"
ok "list: one line on stderr names the scratch root" bash -c '[ "$(wc -l < "$1")" -eq 1 ] && grep -qF -- "--demo: the sample host; its configuration is the scratch root $2 (kept between commands" "$1"' _ "$ERR" "$scratch"
ok "list: the scratch root is the user's own, mode 0700" bash -c '[ -d "$1" ] && [ ! -L "$1" ] && [ "$(stat -c %u:%a "$1")" = "$(id -u):700" ]' _ "$scratch"
ok "list: the scratch root starts as the sample host's configuration" [ "$(files "$scratch")" = "$(files "$sample")" ]

# --- check: the sample host, not this machine ------------------------------
run check --json
ok "check: exit 0 or 1, not a usage error" [ "$RC" -le 1 ]
if command -v python3 > /dev/null; then
	ok "check: JSON that parses" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$OUT"
fi
ok "check: lints the scratch root's configuration" has "$scratch/var/lib/gpuvirt" "$OUT"
ok "check: the sample host's kernel (6.8.0-45-generic)" bash -c 'grep -F "\"id\": \"kernel-version\"" "$1" | grep -qF 6.8.0-45-generic' _ "$OUT"
if [ "$(uname -r)" != 6.8.0-45-generic ]; then
	ok "check: not this machine's kernel ($(uname -r))" bash -c '! grep -qF -- "$1" "$2"' _ "$(uname -r)" "$OUT"
fi
ok "check: the sample host's CPU has AMD-V (svm)" bash -c 'grep -F "\"id\": \"cpu-virtualization\"" "$1" | grep -qF "\"status\": \"pass\""' _ "$OUT"
# the arguments of this machine's command line that the sample host's lacks
demo_cmdline=" BOOT_IMAGE=/boot/vmlinuz-6.8.0-45-generic root=UUID=3f1c2d4e-8a6b-4c1d-9e2f-5a6b7c8d9e0f ro quiet splash "
leaked=
for w in $(cat /proc/cmdline 2> /dev/null); do
	[[ $demo_cmdline == *" $w "* || ${#w} -lt 4 || $w != *[=.]* ]] && continue
	grep -qF -- "$w" "$OUT" && leaked+=" $w"
done
ok "check: nothing from this machine's kernel command line${leaked:+ (found:$leaked)}" [ -z "$leaked" ]

# --- plan: the vfio-pci binding of the sample V100 --------------------------
run plan --vfio 41:00.0
ok "plan --vfio 41:00.0: exit 0" [ "$RC" -eq 0 ]
ok "plan --vfio 41:00.0: vfio-pci by id (the V100's ids are unique)" has "+options vfio-pci ids=10de:1db4" "$OUT"
ok "plan --vfio 41:00.0: the initramfs-tools modules" has "+++ b/etc/initramfs-tools/modules" "$OUT"
ok "plan: wrote nothing to the scratch root" [ "$(files "$scratch")" = "$(files "$sample")" ]

# --- plan --save, apply --plan ----------------------------------------------
run plan --iommu --save "$TMPROOT/out/demo.plan"
ok "plan --save: exit 0" [ "$RC" -eq 0 ]
ok "plan --save: the preview is the GRUB drop-in" has "+++ b/etc/default/grub.d/zz-gpuvirt.cfg" "$OUT"
ok "plan --save: a plan file" bash -c 'head -n1 "$1" | grep -qx "gpuvirt-plan 2"' _ "$TMPROOT/out/demo.plan"
ok "plan --save: says how to apply it" has "gpuvirt --demo apply --plan $TMPROOT/out/demo.plan" "$ERR"
run apply --plan "$TMPROOT/out/demo.plan" --yes
ok "apply --plan: exit 0" [ "$RC" -eq 0 ]
ok "apply --plan: the drop-in is in the scratch root" grep -q "iommu=pt" "$scratch/etc/default/grub.d/zz-gpuvirt.cfg"
ok "apply --plan: names the scratch root" has "Applied to the demo's scratch root $scratch" "$OUT"
ok "apply --plan: update-grub is listed, not run" has "not run" "$ERR"

# --- apply --yes: a second change set ---------------------------------------
run apply --vfio 41:00.0 --yes
ok "apply --vfio 41:00.0 --yes: exit 0" [ "$RC" -eq 0 ]
ok "apply --vfio 41:00.0 --yes: vfio-pci options in the scratch root" grep -qs "options vfio-pci ids=10de:1db4" "$scratch/etc/modprobe.d/gpuvirt.conf"

# --- plan --undo, undo --yes: the scratch root was kept between commands ----
last=$(ls "$scratch/var/lib/gpuvirt/journal" 2> /dev/null | tail -n1)
ok "the journal of the kept scratch root has the change sets" [ -n "$last" ]
files_before_undo=$(files "$scratch")
run plan --undo
ok "plan --undo: exit 0" [ "$RC" -eq 0 ]
ok "plan --undo: a diff" grep -q '^--- a/' "$OUT"
ok "plan --undo: writes nothing" [ "$(files "$scratch")" = "$files_before_undo" ]
run undo --yes
ok "undo --yes: exit 0" [ "$RC" -eq 0 ]
ok "undo --yes: took back the last change set" has "Undone" "$OUT"
ok "undo --yes: the vfio files are gone" [ ! -e "$scratch/etc/modprobe.d/gpuvirt.conf" ]
ok "undo --yes: the first change set stays" [ -f "$scratch/etc/default/grub.d/zz-gpuvirt.cfg" ]
run undo --yes
ok "undo --yes again: exit 0" [ "$RC" -eq 0 ]
ok "undo: the scratch root is the sample configuration again" [ "$(files "$scratch")" = "$(files "$sample")" ]

# --- nothing outside the scratch root changed ------------------------------
after=$(listing)
ok "nothing outside the scratch root changed (HOME, TMPDIR, XDG_RUNTIME_DIR, test bed, cwd)" [ "$before" = "$after" ]
[ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after") | head -20

# every call that writes to the file system, in the commands that write
if command -v strace > /dev/null && strace -f -qq -o /dev/null true 2> /dev/null; then
	log=$TMPROOT/out/strace
	writes() {
		rm -f "$log".*
		strace -f -ff -qq -o "$log" -e trace=open,openat,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,rmdir,link,linkat,symlink,symlinkat,chmod,fchmodat,chown,fchownat,truncate,utimensat \
			umockdev-wrapper "$GPUVIRT" --demo "$@" > /dev/null 2>&1 < /dev/null
		# (one file per process, so no call is split across lines) the calls
		# that succeeded and write: not a read-only open, not an unnamed
		# O_TMPFILE, not /dev/null; then each path they name
		cat "$log".* | grep -E '^[a-z0-9_]+\(' | grep -v ' = -1 ' | grep -Ev '^open(at)?\(.*O_RDONLY' |
			grep -v O_TMPFILE | grep -o '"[^"]*"' | tr -d '"' | grep -vx /dev/null
	}
	outside=$( { writes plan --iommu --save "$TMPROOT/out/strace.plan"; writes apply --plan "$TMPROOT/out/strace.plan" --yes
		     writes apply --blacklist nouveau --yes; writes undo --yes; writes undo --yes; } |
		grep -v "^$scratch/" | grep -vx "$scratch" | grep -v "^$TMPROOT/out/strace.plan$" | grep -v "^$TMPROOT/out/\.strace\.plan\.")
	ok "strace: every write is inside the scratch root (or the --save file)" [ -z "$outside" ]
	[ -z "$outside" ] || echo "$outside" | head -20
else
	echo "SKIP: strace cannot trace here: the system-call check"
fi

# --- the scratch root is refused when it is not safely the user's own -------
for kind in symlink others-writable; do
	export XDG_RUNTIME_DIR=$TMPROOT/run-$kind
	mkdir -m 0700 "$XDG_RUNTIME_DIR"
	s=$XDG_RUNTIME_DIR/gpuvirt-demo-$(id -u)
	mkdir -p "$TMPROOT/elsewhere-$kind"
	case $kind in
	symlink) ln -s "$TMPROOT/elsewhere-$kind" "$s"; why="is a symbolic link" ;;
	others-writable) mkdir "$s"; chmod 0777 "$s"; why="is writable by others" ;;
	esac
	run apply --iommu --yes
	ok "scratch root ($kind): refused with exit 1" [ "$RC" -eq 1 ]
	ok "scratch root ($kind): one line naming it" bash -c '[ "$(wc -l < "$1")" -eq 1 ] && grep -qF -- "$2 $3" "$1"' _ "$ERR" "$s" "$why"
	ok "scratch root ($kind): nothing written" bash -c '[ -z "$(ls -A "$1")" ]' _ "$TMPROOT/elsewhere-$kind"
	[ $kind = symlink ] || ok "scratch root ($kind): nothing written in it" bash -c '[ -z "$(ls -A "$1")" ]' _ "$s"
done
if [ "$(id -u)" -eq 0 ]; then
	export XDG_RUNTIME_DIR=$TMPROOT/run-owner
	mkdir -m 0700 "$XDG_RUNTIME_DIR"
	s=$XDG_RUNTIME_DIR/gpuvirt-demo-0
	mkdir -m 0700 "$s"; chown 65534:65534 "$s"
	run list
	ok "scratch root of another user: refused with exit 1" [ "$RC" -eq 1 ]
	ok "scratch root of another user: says whose it is" has "belongs to uid 65534, not to you" "$ERR"
else
	echo "SKIP: not root: a scratch root that belongs to another user"
fi

# --- without XDG_RUNTIME_DIR: under TMPDIR, by uid --------------------------
unset XDG_RUNTIME_DIR
run list
ok "no XDG_RUNTIME_DIR: the scratch root is \$TMPDIR/gpuvirt-demo-UID" bash -c '[ "$1" -eq 0 ] && [ -d "$2" ]' _ "$RC" "$TMPDIR/gpuvirt-demo-$(id -u)"
