#!/usr/bin/env bash
# `make fuzz`: run each harness SECONDS seconds with libFuzzer, one after the
# other. Usage: BUILD=build-fuzz tests/fuzz/fuzz.sh SECONDS NAME...
#
# The seeds are tests/fuzz/corpus/NAME (known-crash-* files left out: they
# would stop the run at once); what the fuzzer adds goes to
# $BUILD/fuzz/corpus/NAME, crashes and failed properties to
# $BUILD/fuzz/artifacts/NAME/, its output to $BUILD/fuzz/NAME.log. The run
# goes on after a crash (-fork=1 -ignore_crashes=1), so that one bug does
# not hide the rest. Exits 1 when a harness left a new artifact.
set -u
export LC_ALL=C   # failure messages hold any bytes
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build-fuzz}
seconds=$1
shift
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
# The kind of a failure: a property's words up to its first value, a
# sanitizer's report up to its details.
kind() {
	case $1 in
	'') echo "no message (a signal?)" ;;
	*'property failed: '*) sed -E "s/.*property failed: //; s/[0-9]+/N/g; s/^([^:']*).*/\1/" <<< "$1" ;;
	*'runtime error: '*) sed -E 's/.*(runtime error: [^:0-9]*).*/\1/' <<< "$1" ;;
	*) sed -E 's/.*ERROR: ([A-Za-z]+Sanitizer: [^ ]+).*/\1/' <<< "$1" ;;
	esac
}
new=0
for n in "$@"; do
	corpus=$BUILD/fuzz/corpus/$n art=$BUILD/fuzz/artifacts/$n log=$BUILD/fuzz/$n.log
	mkdir -p "$corpus" "$art"
	for f in tests/fuzz/corpus/"$n"/*; do
		case ${f##*/} in known-crash-*) continue ;; esac
		[ -f "$f" ] && cp "$f" "$corpus/"
	done
	before=$(ls "$art" | wc -l)
	dict=()
	[ -f "tests/fuzz/$n.dict" ] && dict=(-dict="tests/fuzz/$n.dict")
	"$BUILD/fuzz/fuzz-$n" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
		-artifact_prefix="$art/" "${dict[@]}" "$corpus" > "$log" 2>&1
	rc=$?
	after=$(ls "$art" | wc -l)
	# fork mode's status lines: "#N: cov: C ft: F corp: K exec/s: E oom/timeout/crash: a/b/c time: Ts ..."
	last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -n1)
	printf '%-8s %3ss  %s  corpus %d files, %d new artifacts (exit %d)\n' "$n" "$seconds" \
		"$(sed -E 's/^#([0-9]+): cov: ([0-9]+) ft: ([0-9]+).*oom\/timeout\/crash: ([0-9/]+).*/\1 runs, cov \2, ft \3, oom\/timeout\/crash \4/' <<< "$last")" \
		"$(ls "$corpus" | wc -l)" "$((after - before))" "$rc"
	if [ "$after" -gt "$before" ]; then
		new=1
		# one line per kind of failure (its words up to the first value, numbers
		# blurred), with a count and one input
		for f in $(ls -t "$art" | head -n "$((after - before))"); do
			why=$("$BUILD/fuzz/fuzz-$n" "$art/$f" 2>&1 | grep -a -m1 -E 'property failed|ERROR: [A-Za-z]+Sanitizer|runtime error|deadly signal')
			printf '%s\t%s\n' "$(kind "$why")" "$art/$f"
		done | sort | awk -F'\t' '{ n[$1]++; if (!($1 in f)) f[$1] = $2 }
			END { for (k in n) printf "  %4d x %s\n         e.g. %s\n", n[k], k, f[k] }'
	fi
done
if [ "$new" -ne 0 ]; then
	echo "make fuzz: new crashes or failed properties (replay one: $BUILD/fuzz/fuzz-NAME FILE)"
	exit 1
fi
