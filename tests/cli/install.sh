#!/usr/bin/env bash
# make install (PREFIX, DESTDIR) and the man page it installs.
. "$(dirname "$0")/../lib.sh"
cd "$GV_SRCDIR"
dest=$TMPROOT/dest
make -s BUILD="${GV_BUILD#$GV_SRCDIR/}" install DESTDIR="$dest" PREFIX=/usr > "$TMPROOT/install.log" 2>&1
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
