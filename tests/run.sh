#!/usr/bin/env bash
# Run every test: Check unit tests (each under umockdev-wrapper), then the CLI
# and TUI scripts. Ends with one line "N passed, N failed"; exits 1 if any failed.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export GV_SRCDIR=$PWD GV_BUILD=$PWD/$BUILD
# Fixture test beds hold tens of thousands of small files: on tmpfs they
# build in seconds, on a slow disk in minutes.
if [ -z "${GV_FIXTURES:-}" ]; then
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then
		GV_FIXTURES=$(mktemp -d /dev/shm/gpuvirt-fixtures.XXXXXX)
		# tests that drop root ("not root: ...") still read the test beds
		chmod 755 "$GV_FIXTURES"
		trap 'rm -rf "$GV_FIXTURES"' EXIT
	else
		GV_FIXTURES=$PWD/$BUILD/fixtures
	fi
fi
export GV_FIXTURES
export CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-60}
# ASan must tolerate umockdev's preload library coming first.
export ASAN_OPTIONS=${ASAN_OPTIONS:-verify_asan_link_order=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
unset NO_COLOR
# ONLY="test_plan cli/plan tui/steps" runs just those (names as printed below).
only() { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }

passed=0 failed=0
failures=()
log=$BUILD/test-logs
rm -rf "$log"; mkdir -p "$log"

# Fixture test beds, built once per run from their descriptions.
mkdir -p "$GV_FIXTURES"
for d in tests/fixtures/hosts/*/; do
	n=$(basename "$d")
	if ! tests/fixtures/mkhost "$d/host.desc" "$GV_FIXTURES/$n" 2> "$log/fixture-$n.log"; then
		failed=$((failed + 1)); failures+=("fixture $n"); cat "$log/fixture-$n.log"
	fi
done

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	only "$n" || continue
	umockdev-wrapper "$t" > "$log/$n.log" 2>&1
	rc=$?
	# Check's summary: "100%: Checks: 5, Failures: 0, Errors: 0"
	line=$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$log/$n.log" | tail -n1)
	if [ -n "$line" ]; then
		c=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<< "$line")
		f=$(sed -E 's/.*Failures: ([0-9]+), Errors: ([0-9]+).*/\1+\2/' <<< "$line")
		f=$((f))
		passed=$((passed + c - f)); failed=$((failed + f))
		[ "$f" -gt 0 ] && failures+=("$n")
		# a crash outside any test (or a sanitizer report at exit) still fails
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); failures+=("$n (exit $rc)"); fi
	else
		failed=$((failed + 1)); failures+=("$n (no summary, exit $rc)")
	fi
	printf '%-28s %s\n' "$n" "${line:-exit $rc}"
done

for s in tests/cli/*.sh tests/tui/*.sh; do
	[ -f "$s" ] || continue
	n=$(basename "$(dirname "$s")")/$(basename "$s" .sh)
	only "$n" || continue
	bash "$s" > "$log/${n//\//-}.log" 2>&1
	rc=$?
	p=$(grep -c '^PASS: ' "$log/${n//\//-}.log")
	f=$(grep -c '^FAIL: ' "$log/${n//\//-}.log")
	passed=$((passed + p)); failed=$((failed + f))
	if [ "$f" -gt 0 ]; then failures+=("$n"); grep '^FAIL: ' "$log/${n//\//-}.log" | sed 's/^/  /'; fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); failures+=("$n (exit $rc)"); fi
	printf '%-28s %d passed, %d failed\n' "$n" "$p" "$f"
done

# Every fuzz corpus file through its harness's property checks (tests/fuzz/).
for b in "$BUILD"/fuzz/replay-*; do
	[ -x "$b" ] || continue
	n=fuzz/${b##*/replay-}
	only "$n" || continue
	"$b" tests/fuzz/corpus/"${n#fuzz/}"/* > "$log/${n//\//-}.log" 2>&1
	rc=$?
	p=$(grep -c '^PASS: ' "$log/${n//\//-}.log")
	f=$(grep -c '^FAIL: ' "$log/${n//\//-}.log")
	passed=$((passed + p)); failed=$((failed + f))
	if [ "$f" -gt 0 ]; then failures+=("$n"); grep '^FAIL: ' "$log/${n//\//-}.log" | sed 's/^/  /'; fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); failures+=("$n (exit $rc)"); fi
	grep '^SKIP: ' "$log/${n//\//-}.log" | sed 's/^/  /'
	printf '%-28s %d passed, %d failed\n' "$n" "$p" "$f"
done

if [ ${#failures[@]} -gt 0 ]; then
	echo "failing: ${failures[*]} (logs in $log/)"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
