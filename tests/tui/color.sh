#!/usr/bin/env bash
# Colour and line drawing, judged on the raw bytes gpuvirt writes (captured
# with script(1)): NO_COLOR, --no-color and mono send no colour escape at
# all; themes are found in ~/.config, ./themes; a bad theme stops before the
# screen is touched; --ascii sends no line-drawing charset.
. "$(dirname "$0")/lib-tmux.bash"

host ubuntu-v100

# raw TERM OUT [ENV=V...] -- [GPUVIRT ARGS...]: run gpuvirt on a pty for a
# moment, press q, keep every byte it wrote in OUT (script's header and
# trailer lines dropped).
raw() {
	local term=$1 out=$2; shift 2
	local envs=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	(sleep 1.5; printf q; sleep 0.5) | env TERM="$term" LINES=24 COLUMNS=80 "${envs[@]}" \
		script -q -f -c "umockdev-wrapper $GPUVIRT --root $ROOT $*" "$out.ts" > /dev/null 2>&1
	sed '1d;$d' "$out.ts" > "$out"
}

# colour SGR parameters: 30-39, 40-49, 90-97, 100-107, or 38;5/48;5/38;2
has_color_sgr() {
	python3 - "$1" <<'PY'
import re, sys
data = open(sys.argv[1], 'rb').read()
for m in re.finditer(rb'\x1b\[([0-9;]*)m', data):
    ps = [int(p) if p else 0 for p in m.group(1).split(b';')]
    if any(30 <= p <= 49 or 90 <= p <= 107 for p in ps):
        sys.exit(0)
sys.exit(1)
PY
}

no_color_sgr() { ! has_color_sgr "$1"; }

raw xterm-256color "$TMPROOT/color" --
ok "sanity: the default theme sends colours on xterm-256color" has_color_sgr "$TMPROOT/color"
ok "sanity: the capture holds the screen" grep -q "IOMMU group 66" "$TMPROOT/color"

raw xterm-256color "$TMPROOT/nocolor" NO_COLOR=1 --
ok "NO_COLOR: no colour escape at all" no_color_sgr "$TMPROOT/nocolor"
ok "NO_COLOR: the screen is still drawn" grep -q "IOMMU group 66" "$TMPROOT/nocolor"
ok "NO_COLOR: selection in reverse video" grep -qa $'\e\\[7m\\|\e\\[0;7m\\|;7m' "$TMPROOT/nocolor"
raw xterm-256color "$TMPROOT/flag" -- --no-color
ok "--no-color: no colour escape at all" no_color_sgr "$TMPROOT/flag"
raw xterm-256color "$TMPROOT/mono" -- --theme mono
ok "--theme mono: no colour escape at all" no_color_sgr "$TMPROOT/mono"
raw vt100 "$TMPROOT/vt" --
ok "vt100 (no colours): no colour escape at all" no_color_sgr "$TMPROOT/vt"
raw xterm-256color "$TMPROOT/nocolor-theme" NO_COLOR=1 -- --theme solarized-dark
ok "NO_COLOR wins over --theme" no_color_sgr "$TMPROOT/nocolor-theme"

raw xterm-256color "$TMPROOT/solar" -- --theme solarized-dark
ok "--theme solarized-dark: 256 colours" grep -qa '38;5;' "$TMPROOT/solar"
raw xterm-256color "$TMPROOT/hc" -- --theme high-contrast
ok "--theme high-contrast: colours" has_color_sgr "$TMPROOT/hc"

# a user theme from $XDG_CONFIG_HOME/gpuvirt/themes
mkdir -p "$TMPROOT/xdg/gpuvirt/themes"
printf 'header = red,green,bold\n' > "$TMPROOT/xdg/gpuvirt/themes/mine.theme"
raw xterm-256color "$TMPROOT/mine" XDG_CONFIG_HOME="$TMPROOT/xdg" -- --theme mine
ok "a user theme from ~/.config/gpuvirt/themes is used" grep -qaE $'\e\\[([0-9;]*;)?42(;[0-9;]*)?m' "$TMPROOT/mine"

# a bad theme: one line naming the file and line, status 2, no screen
printf 'normal = default,default\n# fine\nheader = white,blu\n' > "$TMPROOT/bad.theme"
gv --root "$ROOT" --theme "$TMPROOT/bad.theme" > "$TMPROOT/bad.out" 2> "$TMPROOT/bad.err"
st=$?
ok "bad theme: exit status 2" test "$st" = 2
ok "bad theme: names the file and line" grep -qF "bad.theme:3: unknown colour 'blu'" "$TMPROOT/bad.err"
ok "bad theme: the screen is not touched" test ! -s "$TMPROOT/bad.out"
printf 'header = white,blu\n' > "$TMPROOT/xdg/gpuvirt/themes/broken.theme"
raw xterm-256color "$TMPROOT/broken" XDG_CONFIG_HOME="$TMPROOT/xdg" -- --theme broken
ok "bad theme on a terminal: no escape sequence written" bash -c '! grep -qa $'"'"'\e'"'"' "$0"' "$TMPROOT/broken"
ok "bad theme on a terminal: the error is shown" grep -qa "broken.theme:1: unknown colour 'blu'" "$TMPROOT/broken"
gv --root "$ROOT" --theme no-such-theme > /dev/null 2> "$TMPROOT/nosuch.err"
ok "unknown theme: exit status 2" test $? = 2
ok "unknown theme: says so" grep -q "theme 'no-such-theme' not found" "$TMPROOT/nosuch.err"

# --ascii: lines with + - |, never the line-drawing charset (SO or ESC ( 0)
raw vt100 "$TMPROOT/acs" --
ok "sanity: vt100 lines use the line-drawing charset" grep -qaP '\x0e|\x1b\(0' "$TMPROOT/acs"
raw vt100 "$TMPROOT/ascii" -- --ascii
ok "--ascii: no line-drawing charset" bash -c '! grep -qaP "\x0e|\x1b\(0" "$0"' "$TMPROOT/ascii"
ok "--ascii: the divider is |" grep -qa '|' "$TMPROOT/ascii"
tui_start vt100 --ascii
ok "--ascii: the log rule is drawn with - and +" bash -c '[[ "$0" == "- Log ---"*"+"*"---" ]]' "$(row 18)"
keys q
wait_exit > /dev/null
