#!/usr/bin/env bash
# make install (PREFIX, DESTDIR) and the man page it installs.
. "$(dirname "$0")/../lib.sh"
cd "$GV_SRCDIR"
dest=$TMPROOT/dest
# its own build directory: PREFIX=/usr changes the flags, and the suite's
# build must not be rebuilt under the other tests' feet
make -s -j2 BUILD="$TMPROOT/build" install DESTDIR="$dest" PREFIX=/usr > "$TMPROOT/install.log" 2>&1
ok "make install succeeds" [ $? -eq 0 ]
ok "binary installed" [ -x "$dest/usr/sbin/gpuvirt" ]
ok "themes installed" [ -f "$dest/usr/share/gpuvirt/themes/default.theme" ] && [ -f "$dest/usr/share/gpuvirt/themes/mono.theme" ]
ok "man page installed" [ -f "$dest/usr/share/man/man8/gpuvirt.8" ]
warn=$(LC_ALL=C.UTF-8 groff -man -ww -z -Tutf8 "$dest/usr/share/man/man8/gpuvirt.8" 2>&1)
ok "man page renders without groff warnings" [ -z "$warn" ]
[ -z "$warn" ] || echo "$warn"
text=$(LC_ALL=C.UTF-8 groff -man -Tutf8 "$dest/usr/share/man/man8/gpuvirt.8" 2>/dev/null | col -b)
for section in "gpuvirt list" "EXIT STATUS"; do
	ok "man page documents: $section" grep -qF "$section" <<< "$text"
done

# The installed program finds its shipped themes (installed under another
# PREFIX than the default, and moved elsewhere with DESTDIR).
run_installed() {
	(sleep 1; printf q) | TERM=vt100 timeout 10 script -qec "$dest/usr/sbin/gpuvirt --demo --theme $1" /dev/null > "$TMPROOT/tui.out" 2>&1
}
run_installed high-contrast
rc=$?
ok "installed binary: --theme high-contrast starts and quits (exit 0)" [ $rc -eq 0 ]
ok "installed binary: the theme was found" bash -c '! grep -q "not found" "$1"' _ "$TMPROOT/tui.out"
run_installed no-such-theme
ok "installed binary: an unknown theme is refused" grep -q "theme 'no-such-theme' not found" "$TMPROOT/tui.out"
