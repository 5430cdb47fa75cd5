#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Tests of the arrayshare command.
#
#   bash tests/cli/test_cli.sh PATH/TO/arrayshare PATH/TO/ash-cli-testhelper
#
# Every segment this test makes is named clitest-<pid>-*, and every one is
# removed on exit (trap), so /dev/shm is left as it was found. JSON output is
# checked with Debian's /usr/bin/python3 (json.tool), not the first python3
# on PATH. Ends with the line "N passed, N failed"; exit status 0 only when
# nothing failed.
set -u

ASH=${1:?usage: test_cli.sh ARRAYSHARE HELPER}
HELPER=${2:?usage: test_cli.sh ARRAYSHARE HELPER}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

P="clitest-$$"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ash-cli-test.XXXXXX")
HOLD_PID=

cleanup() {
  if [ -n "$HOLD_PID" ]; then
    kill -9 "$HOLD_PID" 2>/dev/null
    { wait "$HOLD_PID"; } 2>/dev/null
  fi
  rm -f /dev/shm/ash."$P"-*
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ls /dev/shm | grep -v "^ash\.$P-" | sort >"$TMP/shm-before"

passed=0
failed=0
ok() {
  passed=$((passed + 1))
  echo "ok - $1"
}
not_ok() {
  failed=$((failed + 1))
  echo "not ok - $1"
  shift
  for line in "$@"; do printf '#   %s\n' "$line"; done
}

# run CMD...: sets OUT, ERR and RC.
run() {
  OUT=$("$@" 2>"$TMP/stderr")
  RC=$?
  ERR=$(cat "$TMP/stderr")
}

expect_rc() { # WANT DESC
  if [ "$RC" -eq "$1" ]; then ok "$2"; else
    not_ok "$2" "exit status $RC, expected $1" "stdout: $OUT" "stderr: $ERR"
  fi
}
expect_eq() { # ACTUAL EXPECTED DESC
  if [ "$1" == "$2" ]; then ok "$3"; else
    not_ok "$3" "got:" "$1" "expected:" "$2"
  fi
}
expect_has() { # HAYSTACK NEEDLE DESC
  case "$1" in
  *"$2"*) ok "$3" ;;
  *) not_ok "$3" "'$2' not found in:" "$1" ;;
  esac
}
expect_not_has() { # HAYSTACK NEEDLE DESC
  case "$1" in
  *"$2"*) not_ok "$3" "'$2' unexpectedly found in:" "$1" ;;
  *) ok "$3" ;;
  esac
}
seg_exists() { [ -e "/dev/shm/ash.$1" ]; }
valid_json() { printf '%s\n' "$1" | "$PY" -m json.tool >/dev/null 2>&1; }
# pyjson JSON EXPR: evaluates EXPR with the parsed document as d.
pyjson() {
  printf '%s\n' "$1" | "$PY" -c "import json,sys; d=json.load(sys.stdin); print($2)"
}

# ---------------------------------------------------------------------------
echo "# version and help"

run "$ASH" version
expect_rc 0 "version exits 0"
expect_has "$OUT" "library (run-time):" "version shows the run-time version"
expect_has "$OUT" "library (compile-time):" "version shows the compile-time version"
run "$ASH" --version
expect_rc 0 "--version exits 0"
expect_has "$OUT" "run-time" "--version shows versions"

for h in --help -h help; do
  run "$ASH" $h
  expect_rc 0 "'$h' exits 0"
  expect_has "$OUT" "Usage: arrayshare COMMAND" "'$h' prints the usage"
done
for c in ls info create dump rm gc version help; do
  run "$ASH" "$c" --help
  expect_rc 0 "$c --help exits 0"
  expect_has "$OUT" "Usage: arrayshare $c" "$c --help prints its usage"
  run "$ASH" help "$c"
  expect_has "$OUT" "Usage: arrayshare $c" "help $c prints its usage"
  run "$ASH" "$c" -h
  expect_has "$OUT" "Usage: arrayshare $c" "$c -h prints its usage"
done
# The manual page describes every option each command's --help lists.
MAN1=$(dirname "$0")/../../packaging/man/arrayshare.1
if [ -f "$MAN1" ]; then
  man_text=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$MAN1")
  for c in ls info create dump rm gc version help; do
    for opt in $("$ASH" "$c" --help | grep -oE '(^| )--[a-z][a-z-]*' | sort -u); do
      expect_has "$man_text" "$opt" "arrayshare(1) describes $c $opt"
    done
  done
else
  not_ok "arrayshare(1) found at $MAN1"
fi

run "$ASH" create --help
expect_has "$OUT" "--persist" "create --help explains --persist"
expect_has "$OUT" "--hold" "create --help explains --hold"
run "$ASH" --help
expect_has "$OUT" "a path is a path only with" "--help states the one rule for names"

# ---------------------------------------------------------------------------
echo "# usage errors exit 2 and point to --help"

run "$ASH"
expect_rc 2 "no command: exit 2"
run "$ASH" frobnicate
expect_rc 2 "unknown command: exit 2"
expect_has "$ERR" "--help" "unknown command points to --help"
run "$ASH" ls --bogus
expect_rc 2 "unknown option: exit 2"
expect_has "$ERR" "arrayshare ls --help" "unknown option points to the command's --help"
run "$ASH" ls ./extra
expect_rc 2 "ls with a path: exit 2"
run "$ASH" info
expect_rc 2 "info without NAME: exit 2"
run "$ASH" rm
expect_rc 2 "rm without NAME: exit 2"
run "$ASH" dump
expect_rc 2 "dump without TARGET: exit 2"
run "$ASH" create "$P-x"
expect_rc 2 "create without --shape: exit 2"
run "$ASH" create "$P-x" --shape 3,a
expect_rc 2 "create with a bad shape: exit 2"
run "$ASH" create "$P-x" --shape 3 --dtype float99
expect_rc 2 "create with a bad dtype: exit 2"
expect_has "$ERR" "float99" "bad dtype message quotes it"
run "$ASH" create "$P-x" --shape 3 --mode 9
expect_rc 2 "create with a bad mode: exit 2"
run "$ASH" create "$P-x" --shape
expect_rc 2 "option without its value: exit 2"
run "$ASH" help nosuchcommand
expect_rc 2 "help for an unknown command: exit 2"
run "$ASH" gc --json=1
expect_rc 2 "value given to a flag: exit 2"
if seg_exists "$P-x"; then not_ok "usage errors create nothing"; else ok "usage errors create nothing"; fi

# ---------------------------------------------------------------------------
echo "# create"

run "$ASH" create "$P-i32" --dtype int32 --shape 2,3 --persist --mode 0640
expect_rc 0 "create --persist exits 0"
expect_eq "$OUT" "ash://$P-i32/data" "create prints the descriptor"
expect_not_has "$ERR" "warning" "no warning for a persist segment"
if seg_exists "$P-i32"; then ok "persist segment exists after create"; else not_ok "persist segment exists after create"; fi
expect_eq "$(stat -c %a "/dev/shm/ash.$P-i32")" "640" "--mode sets the permission bits"

run "$ASH" create "$P-i32" --shape 1 --persist
expect_rc 1 "create on an existing name: exit 1"
expect_has "$ERR" "$P-i32" "the error names the segment"
expect_has "$ERR" "arrayshare: create: " "the error has the arrayshare: create: prefix"

run "$ASH" create "$P-auto0" --shape "(4,)"
expect_rc 2 "create without --persist or --hold refuses (exit 2)"
expect_has "$ERR" "--persist" "the refusal names --persist"
expect_has "$ERR" "--hold" "the refusal names --hold"
if seg_exists "$P-auto0"; then not_ok "a refused create makes nothing"; else ok "a refused create makes nothing"; fi

# --hold: auto policy, the command stays attached until a signal.
for sig in TERM INT; do
  "$ASH" create "$P-held-$sig" --shape 2 --hold >"$TMP/hold-$sig.out" 2>&1 &
  HOLD_PID=$!
  for _ in $(seq 100); do
    [ -s "$TMP/hold-$sig.out" ] && break
    sleep 0.1
  done
  expect_eq "$(cat "$TMP/hold-$sig.out")" "ash://$P-held-$sig/data" "create --hold prints the descriptor at once ($sig)"
  run "$ASH" ls --json "$P-held-$sig"
  expect_eq "$(pyjson "$OUT" "[(s['policy'], s['attachers']) for s in d['segments']]")" \
    "[('auto', {'alive': 1, 'dead': 0})]" "create --hold keeps the command attached to an auto segment ($sig)"
  kill -"$sig" "$HOLD_PID"
  wait "$HOLD_PID"
  expect_eq "$?" "0" "create --hold exits 0 on SIG$sig"
  HOLD_PID=
  if seg_exists "$P-held-$sig"; then not_ok "the held auto segment is removed when the command ends ($sig)"; else ok "the held auto segment is removed when the command ends ($sig)"; fi
done

"$ASH" create "$P-hp" --shape 2 --hold --persist --json >"$TMP/hp.out" &
HOLD_PID=$!
for _ in $(seq 100); do seg_exists "$P-hp" && break; sleep 0.1; done
kill -TERM "$HOLD_PID"
wait "$HOLD_PID"
HOLD_PID=
if seg_exists "$P-hp"; then ok "--hold --persist: the segment outlives the command"; else not_ok "--hold --persist: the segment outlives the command"; fi
"$ASH" rm "$P-hp"

run "$ASH" create "$P-na/counts" --shape 3 --dtype i2 --persist
expect_eq "$OUT" "ash://$P-na/counts" "create NAME/ARRAY names the array"
run "$ASH" create "$P-nb/a" --array b --shape 3 --persist
expect_rc 2 "create NAME/ARRAY with a different --array: exit 2"
run "$ASH" create "ash://$P-nc/data" --shape 3 --persist
expect_rc 2 "create refuses a descriptor"
run "$ASH" create --json "$P-nd" --shape 2,2 --persist --dtype u2
expect_eq "$(pyjson "$OUT" "(d['descriptor'], d['name'], d['array'], d['policy'], d['file'], d['hold'])")" \
  "('ash://$P-nd/data', '$P-nd', 'data', 'persist', False, False)" "create --json"

run "$ASH" create "$P-named" --shape 2 --array labels --dtype u1 --persist
expect_eq "$OUT" "ash://$P-named/labels" "create --array names the array"

run "$ASH" create 'bad name' --shape 2 --persist
expect_rc 1 "create with an invalid name: exit 1"

# ---------------------------------------------------------------------------
echo "# dump"

"$HELPER" create-persist "$P-f64" || not_ok "helper create-persist"
run "$ASH" dump "$P-f64"
expect_rc 0 "dump exits 0"
expect_eq "$(printf '%s\n' "$OUT" | head -1)" "ash://$P-f64/data dtype=float64 shape=(3, 4)" "dump header line"
F64='[[ 0.  1.  2.  3.]
 [ 4.  5.  6.  7.]
 [ 8.  9. 10. 11.]]'
expect_eq "$(printf '%s\n' "$OUT" | tail -n +2)" "$F64" "dump float64 (3, 4) as NumPy prints it"
run "$ASH" dump --values-only "$P-f64"
expect_eq "$OUT" "$F64" "dump --values-only omits the header"
run "$ASH" dump --values-only "ash://$P-f64/data"
expect_eq "$OUT" "$F64" "dump accepts ash://NAME/ARRAY"
run "$ASH" dump --values-only "$P-f64/data"
expect_eq "$OUT" "$F64" "dump accepts NAME/ARRAY"
run "$ASH" dump --values-only --array data "$P-f64"
expect_eq "$OUT" "$F64" "dump accepts --array"
run "$ASH" dump --values-only "$P-f64/data[1:, ::-1]"
expect_eq "$OUT" '[[ 7.  6.  5.  4.]
 [11. 10.  9.  8.]]' "dump of a sliced descriptor"
run "$ASH" dump "$P-f64/data[1:, ::-1]"
DESC=$(printf '%s\n' "$OUT" | head -1 | cut -d' ' -f1)
run "$ASH" dump --values-only "$DESC"
expect_eq "$OUT" '[[ 7.  6.  5.  4.]
 [11. 10.  9.  8.]]' "dump of the full view descriptor it printed"

run "$ASH" dump "$P-nosuch"
expect_rc 1 "dump of a missing segment: exit 1"
expect_has "$ERR" "$P-nosuch" "missing segment message names it"
expect_has "$ERR" "arrayshare: dump: " "message has the arrayshare: dump: prefix"
run "$ASH" dump "$P-f64/nosuch"
expect_rc 1 "dump of a missing array: exit 1"
expect_has "$ERR" "nosuch" "missing array message names it"

# dump_case NAME DTYPE SHAPE EXPECTED VALUES...: create, fill, dump.
dump_case() {
  local name=$1 dtype=$2 shape=$3 expected=$4
  shift 4
  CASES="$CASES $P-$name"
  "$ASH" create "$P-$name" --dtype "$dtype" --shape "$shape" --persist >/dev/null ||
    { not_ok "create $name"; return; }
  if [ "$1" = arange ]; then
    "$HELPER" arange "$P-$name"
  else
    "$HELPER" set "$P-$name" "$@"
  fi || { not_ok "fill $name"; return; }
  run "$ASH" dump --values-only "$P-$name"
  expect_eq "$OUT" "$expected" "dump $dtype $shape ($name)"
}

CASES=
dump_case f2x3 float64 2,3 '[[0. 1. 2.]
 [3. 4. 5.]]' arange
dump_case di32 int32 2,3 '[[ -5   0   7]
 [100   3 -12]]' -5 0 7 100 3 -12
dump_case bool bool 4 '[ True False  True  True]' 1 0 1 1
dump_case c16 complex128 2 '[1. +2.j 3.5-1.j]' 1:2 3.5:-1
dump_case nonfinite float64 5 '[  nan  -inf  1.5   0.25 -0.  ]' nan -inf 1.5 0.25 -0
dump_case f32 float32 3 '[0.1 0.2 0.3]' 0.1 0.2 0.3
dump_case u8 uint8 3 '[  0 255   7]' 0 255 7
dump_case exp float64 3 '[1.e-05 1.e+00 1.e+03]' 1e-5 1 1000
dump_case f16 float16 2 '[4.525e+04 9.998e-02]' 45248 0.1
dump_case c8 complex64 2,2 '[[ 0. +0.j   0. +1.j ]
 [-2.5+0.5j  nan+1.j ]]' 0 0:1 -2.5:0.5 nan:1
dump_case scalar float64 "" '1.5' 1.5
dump_case big float64 2000 '[0.000e+00 1.000e+00 2.000e+00 ... 1.997e+03 1.998e+03 1.999e+03]' arange
dump_case big2d int64 40,50 '[[   0    1    2 ...   47   48   49]
 [  50   51   52 ...   97   98   99]
 [ 100  101  102 ...  147  148  149]
 ...
 [1850 1851 1852 ... 1897 1898 1899]
 [1900 1901 1902 ... 1947 1948 1949]
 [1950 1951 1952 ... 1997 1998 1999]]' arange

run "$ASH" dump --values-only --full "$P-big2d"
expect_eq "$(printf '%s\n' "$OUT" | tr -s ' []' '\n\n\n' | grep -c .)" "2000" "dump --full prints all 2000 values"
expect_not_has "$OUT" "..." "dump --full prints no '...'"
run "$ASH" dump "$P-big2d"
expect_eq "$(printf '%s\n' "$OUT" | head -1)" "ash://$P-big2d/data dtype=int64 shape=(40, 50)" "dump header of a 2-d int64"

# An empty array beside huge dimensions (issue 7: the element count must not
# overflow; the ASan+UBSan build of this test catches it).
HUGE=4611686018427387904
"$ASH" create "$P-empty" --dtype c16 --shape "$HUGE,$HUGE,0" --persist >/dev/null ||
  not_ok "create an empty array beside huge dimensions"
run "$ASH" dump --values-only "$P-empty"
expect_eq "$OUT" "[]" "dump of an empty ($HUGE, $HUGE, 0) array"
run "$ASH" info "$P-empty"
expect_rc 0 "info of an empty array beside huge dimensions"
expect_has "$OUT" "($HUGE, $HUGE, 0)" "info shows its shape"
"$ASH" rm "$P-empty" >/dev/null || not_ok "rm $P-empty"

# ---------------------------------------------------------------------------
echo "# ls and info (inspection does not attach)"

run "$ASH" ls
expect_rc 0 "ls exits 0"
LINE=$(printf '%s\n' "$OUT" | grep "^$P-f64 ")
expect_has "$LINE" "persist" "ls shows the policy"
expect_has "$LINE" "data float64 (3, 4)" "ls shows the array, dtype and shape"
expect_has "$(printf '%s\n' "$OUT" | head -1)" "ALIVE" "ls has a header"

run "$ASH" ls --json
expect_rc 0 "ls --json exits 0"
if valid_json "$OUT"; then ok "ls --json is valid JSON"; else not_ok "ls --json is valid JSON" "$OUT"; fi
expect_eq "$(pyjson "$OUT" "[ (s['policy'], s['attachers'], s['arrays'][0]['dtype'], s['arrays'][0]['shape']) for s in d['segments'] if s['name'] == '$P-f64']")" \
  "[('persist', {'alive': 0, 'dead': 0}, 'float64', [3, 4])]" "ls --json describes the segment"
expect_eq "$(pyjson "$OUT" "[s['arrays'][0]['name'] for s in d['segments'] if s['name'] == '$P-named']")" \
  "['labels']" "ls --json names the arrays"

run "$ASH" info "$P-f64"
expect_rc 0 "info exits 0"
expect_has "$OUT" "policy:       persist" "info shows the policy"
expect_has "$OUT" "descriptor: ash://$P-f64/data" "info shows the descriptor"
expect_has "$OUT" "strides:    (32, 8)" "info shows the strides"
expect_has "$OUT" "nbytes:     96" "info shows nbytes"
expect_has "$OUT" "format:       1." "info shows the format version"
if printf '%s\n' "$OUT" | grep -Eq '^created: +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$'; then
  ok "info shows an ISO 8601 creation time"
else
  not_ok "info shows an ISO 8601 creation time" "$OUT"
fi
run "$ASH" info --json "$P-f64"
if valid_json "$OUT"; then ok "info --json is valid JSON"; else not_ok "info --json is valid JSON" "$OUT"; fi
expect_eq "$(pyjson "$OUT" "(d['name'], d['policy'], d['attachers'], d['arrays'][0]['shape'], d['arrays'][0]['strides'], d['arrays'][0]['nbytes'], d['arrays'][0]['descriptor'], d['size'] > 96, d['creator_pid'] > 0, d['arena_free'] >= 0)")" \
  "('$P-f64', 'persist', [], [3, 4], [32, 8], 96, 'ash://$P-f64/data', True, True, True)" "info --json fields"
run "$ASH" info "ash://$P-f64/data"
expect_rc 0 "info accepts a descriptor"

echo "# info shows locks, versions and rings"
"$HELPER" kill-holding "$P-f64" 2>/dev/null
run "$ASH" info "$P-f64"
expect_has "$OUT" "version:    0" "info shows an array's version"
expect_has "$OUT" "lock:       owner_dead, pid" "info shows a dead holder"
expect_has "$OUT" "lock:         free" "info shows the segment lock"
run "$ASH" info --json "$P-f64"
expect_eq "$(pyjson "$OUT" "(d['lock']['state'], d['arrays'][0]['lock']['state'], d['arrays'][0]['lock']['pid'] > 0, d['arrays'][0]['version'])")" \
  "('free', 'owner_dead', True, 0)" "info --json: lock states and version"
"$HELPER" ring-persist "$P-ring" || not_ok "helper ring-persist"
run "$ASH" info "$P-ring"
expect_has "$OUT" "ring:       4 slots of 8 bytes, head 1" "info shows a ring's head"
run "$ASH" info --json "$P-ring"
expect_eq "$(pyjson "$OUT" "(d['arrays'][0]['ring']['nslots'], d['arrays'][0]['ring']['head'], d['arrays'][0]['version'], d['arrays'][0]['ring']['consumers'])")" \
  "(4, 1, 1, [])" "info --json: ring positions"
"$ASH" rm "$P-ring" >/dev/null 2>&1

run "$ASH" info "$P-nosuch"
expect_rc 1 "info of a missing segment: exit 1"
expect_has "$ERR" "$P-nosuch" "info's missing segment message names it"

# ---------------------------------------------------------------------------
echo "# file-backed segments"

FSEG="$TMP/seg.ash"
for c in "create $FSEG --shape 2 --persist" "info $FSEG" "dump $FSEG" "rm $FSEG" "create ./rel --shape 2 --persist"; do
  # shellcheck disable=SC2086
  run "$ASH" $c
  expect_rc 2 "a path without --file is refused: $c"
  expect_has "$ERR" "--file" "the refusal points to --file: $c"
done
if [ -e "$FSEG" ] || [ -e rel ]; then not_ok "no file made without --file"; else ok "no file made without --file"; fi
run "$ASH" create --file "$FSEG" --shape 2,2 --dtype complex128 --persist
expect_rc 0 "create --file of a file-backed segment"
if [ -f "$FSEG" ]; then ok "the file exists"; else not_ok "the file exists"; fi
run "$ASH" dump --values-only --file "$FSEG"
expect_eq "$OUT" '[[0.+0.j 0.+0.j]
 [0.+0.j 0.+0.j]]' "dump --file of a file-backed segment"
run "$ASH" dump --values-only --file "$FSEG" --array data
expect_rc 0 "dump --file --array"
run "$ASH" dump --values-only "ash+file://$FSEG"
expect_eq "$OUT" '[[0.+0.j 0.+0.j]
 [0.+0.j 0.+0.j]]' "dump of an ash+file:// descriptor (no --file needed)"
run "$ASH" info --file "$FSEG"
expect_rc 0 "info --file"
expect_has "$OUT" "(file)" "info marks file-backed segments"
WEIRD="$TMP/"$'we"ird\\na\tme'
run "$ASH" create --file "$WEIRD" --shape 1 --persist
expect_rc 0 "create --file at a path with quotes, backslash and tab"
run "$ASH" info --json --file "$WEIRD"
if valid_json "$OUT"; then ok "info --json escapes strings"; else not_ok "info --json escapes strings" "$OUT"; fi
expect_eq "$(printf '%s\n' "$OUT" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["name"] == sys.argv[1])' "$WEIRD")" \
  "True" "the escaped name reads back unchanged"
run "$ASH" rm --file "$FSEG"
expect_rc 0 "rm --file of a file-backed segment"
if [ -e "$FSEG" ]; then not_ok "the file is removed"; else ok "the file is removed"; fi
run "$ASH" rm --file "$WEIRD"
expect_rc 0 "rm --file"
echo "not a segment" >"$TMP/plain"
run "$ASH" rm --file "$TMP/plain"
expect_rc 1 "rm refuses a file that is not a segment"
if [ -e "$TMP/plain" ]; then ok "a non-segment file is left alone"; else not_ok "a non-segment file is left alone"; fi

# ---------------------------------------------------------------------------
echo "# rm"

run "$ASH" rm "$P-f64"
expect_rc 0 "rm exits 0"
if seg_exists "$P-f64"; then not_ok "rm removes the segment"; else ok "rm removes the segment"; fi
run "$ASH" rm "$P-f64"
expect_rc 1 "rm of a missing segment: exit 1"
expect_has "$ERR" "$P-f64" "rm's message names the segment"
run "$ASH" rm -f "$P-f64"
expect_rc 0 "rm -f ignores a missing segment"
run "$ASH" rm "$P-i32" "$P-named"
expect_rc 0 "rm of several segments"
if seg_exists "$P-i32" || seg_exists "$P-named"; then not_ok "rm removes all of them"; else ok "rm removes all of them"; fi
run "$ASH" rm "$P-na/counts"
expect_rc 2 "rm NAME/ARRAY is refused (rm removes whole segments)"
expect_has "$ERR" "whole segments" "the refusal says why"
if seg_exists "$P-na"; then ok "a refused rm removes nothing"; else not_ok "a refused rm removes nothing"; fi

# ---------------------------------------------------------------------------
echo "# name patterns (ls, rm, gc)"

for x in pa1 pa2 pb1; do "$ASH" create "$P-pat-$x" --shape 1 --persist >/dev/null; done
run "$ASH" ls "$P-pat-pa*"
expect_eq "$(printf '%s\n' "$OUT" | tail -n +2 | cut -d' ' -f1 | tr '\n' ' ')" "$P-pat-pa1 $P-pat-pa2 " "ls PATTERN lists the matching segments only"
run "$ASH" ls --json "$P-pat-p?1" "$P-pat-pa2"
expect_eq "$(pyjson "$OUT" "[s['name'] for s in d['segments']]")" "['$P-pat-pa1', '$P-pat-pa2', '$P-pat-pb1']" "ls with a ?-pattern and a NAME"
run "$ASH" ls "$P-pat-[b]*"
expect_eq "$OUT" "" "ls with a [...] pattern matching nothing prints nothing"
run "$ASH" rm "$P-pat-pa*"
expect_rc 0 "rm PATTERN"
if seg_exists "$P-pat-pa1" || seg_exists "$P-pat-pa2"; then not_ok "rm PATTERN removes every match"; else ok "rm PATTERN removes every match"; fi
if seg_exists "$P-pat-pb1"; then ok "rm PATTERN leaves the others"; else not_ok "rm PATTERN leaves the others"; fi
run "$ASH" rm "$P-pat-zz*"
expect_rc 1 "rm of a PATTERN that matches nothing: exit 1"
expect_has "$ERR" "no segment matches" "the message says the pattern matched nothing"
run "$ASH" rm -f "$P-pat-zz*"
expect_rc 0 "rm -f of a PATTERN that matches nothing"
run "$ASH" rm --json "$P-pat-pb*" "$P-pat-zz*"
expect_rc 1 "rm --json with one failing pattern: exit 1"
expect_eq "$(pyjson "$OUT" "(d['removed'], [(e['target'], e['code']) for e in d['errors']])")" \
  "(['$P-pat-pb1'], [('$P-pat-zz*', 'NOENT')])" "rm --json lists what it removed and what failed"

# ---------------------------------------------------------------------------
echo "# dump --json"

"$HELPER" create-persist "$P-js"
run "$ASH" dump --json "$P-js/data[1:, ::-2]"
expect_rc 0 "dump --json exits 0"
expect_eq "$(pyjson "$OUT" "([(a['target'], a['dtype'], a['shape'], a['values']) for a in d['arrays']], d['errors'])")" \
  "([('$P-js/data[1:, ::-2]', 'float64', [2, 2], [[7.0, 5.0], [11.0, 9.0]])], [])" "dump --json of a slice: nested lists of floats"
for c in "int32 2,2 -5 0 7 2147483647|[[-5, 0], [7, 2147483647]]" \
         "uint64 2 18446744073709551615 1|[18446744073709551615, 1]" \
         "bool 3 1 0 1|[True, False, True]" \
         "complex64 2 1:2 -0.5:0|[[1.0, 2.0], [-0.5, 0.0]]" \
         "float64 4 nan inf -inf 0.1|['nan', 'inf', '-inf', 0.1]" \
         "float32 1 0.1|[0.10000000149011612]" \
         "float64 () 2.5|2.5"; do
  spec=${c%%|*} want=${c#*|}
  read -r dt shp vals <<<"$spec"
  [ "$shp" = "()" ] && shp=""
  "$ASH" create "$P-jv" --dtype "$dt" --shape "$shp" --persist >/dev/null
  # shellcheck disable=SC2086
  "$HELPER" set "$P-jv" $vals
  run "$ASH" dump --json "$P-jv"
  expect_eq "$(pyjson "$OUT" "d['arrays'][0]['values']")" "$want" "dump --json $dt: $want"
  "$ASH" rm "$P-jv"
done
run "$ASH" dump --json "$P-js" "$P-nosuch"
expect_rc 1 "dump --json with a missing target: exit 1"
expect_eq "$(pyjson "$OUT" "([a['target'] for a in d['arrays']], [(e['target'], e['code'], e['status']) for e in d['errors']])")" \
  "(['$P-js'], [('$P-nosuch', 'NOENT', -1004)])" "dump --json: the arrays it read and the errors"
"$ASH" rm "$P-js"

# ---------------------------------------------------------------------------
echo "# errors under --json"

run "$ASH" info --json "$P-nosuch"
expect_rc 1 "info --json of a missing segment: exit 1"
expect_eq "$ERR" "" "info --json: nothing on stderr"
expect_eq "$(pyjson "$OUT" "(d['error']['command'], d['error']['code'], d['error']['status'], '$P-nosuch' in d['error']['message'])")" \
  "('info', 'NOENT', -1004, True)" "info --json: the error as JSON on stdout"
run "$ASH" info --json "$P-na/nosuch"
expect_eq "$(pyjson "$OUT" "(d['error']['code'], d['error']['target'])")" "('NOENT', 'nosuch')" "info --json NAME/ARRAY of a missing array"
run "$ASH" info "$P-na/counts"
expect_rc 0 "info NAME/ARRAY shows the segment holding the array"
run "$ASH" create --json "$P-na" --shape 1 --persist
expect_rc 1 "create --json on an existing name: exit 1"
expect_eq "$(pyjson "$OUT" "d['error']['code']")" "EXIST" "create --json: EXIST as JSON"
run "$ASH" gc --json --bogus
expect_rc 2 "a usage error under --json: exit 2"
expect_eq "$(pyjson "$OUT" "(d['error']['command'], d['error']['code'])")" "('gc', 'USAGE')" "usage errors are JSON under --json"
run "$ASH" dump --json ./file
expect_eq "$(pyjson "$OUT" "d['error']['code']")" "USAGE" "dump --json of a path without --file: a JSON usage error"
run "$ASH" ls --json "a b/c"
expect_rc 0 "ls --json with a filter that matches nothing"
expect_eq "$(pyjson "$OUT" "d['segments']")" "[]" "ls --json: an empty list"

# ---------------------------------------------------------------------------
echo "# an auto segment whose attacher was killed: info shows it, ls and gc reap it"

# Any other process's listing or gc may reap our orphan between the kill and
# our own checks (it is fair game once its attacher is dead): retry then.
start_holder() {
  "$HELPER" hold-auto "$P-held" >"$TMP/hold.out" &
  HOLD_PID=$!
  for _ in $(seq 100); do
    grep -q ready "$TMP/hold.out" 2>/dev/null && break
    sleep 0.1
  done
}
kill_holder() {
  kill -9 "$HOLD_PID"
  { wait "$HOLD_PID"; } 2>/dev/null
  HOLD_PID=
}
# Observes, after the kill: info, gc dry runs and gc by pattern. Sets RACED=1
# when the orphan vanished before info saw it.
observe_orphan() {
  RACED=0
  run "$ASH" info "$P-held"
  O_INFO=$OUT
  O_INFO_RC=$RC
  run "$ASH" gc --dry-run "$P-held" "$P-nothing*"
  O_DRY=$OUT
  run "$ASH" gc --dry-run --json "$P-he*"
  O_DRY_JSON=$OUT
  O_DRY_KEPT=no
  seg_exists "$P-held" && O_DRY_KEPT=yes
  run "$ASH" gc --json "$P-nothing*"
  O_GC_OTHER=$OUT
  O_OTHER_KEPT=no
  seg_exists "$P-held" && O_OTHER_KEPT=yes
  run "$ASH" gc "$P-hel?"
  O_GC=$OUT
  O_GC_RC=$RC
  if [ "$O_INFO_RC" != 0 ] || [ "$O_DRY_KEPT" = no ] || [ "$O_OTHER_KEPT" = no ] ||
    { [ "$O_GC" = "reaped 0 segments" ] && ! seg_exists "$P-held"; }; then
    RACED=1
  fi
}
for attempt in 1 2 3 4 5 6 7 8; do
  : >"$TMP/hold.out"
  start_holder
  if [ "$attempt" = 1 ]; then
    run "$ASH" ls --json
    expect_eq "$(pyjson "$OUT" "[(s['policy'], s['attachers']) for s in d['segments'] if s['name'] == '$P-held']")" \
      "[('auto', {'alive': 1, 'dead': 0})]" "ls shows the live attacher"
    run "$ASH" gc
    expect_rc 0 "gc exits 0"
    if printf '%s\n' "$OUT" | grep -Eq '^reaped [0-9]+ segments?$'; then ok "gc prints how many it reaped"; else not_ok "gc prints how many it reaped" "$OUT"; fi
    if seg_exists "$P-held"; then ok "gc keeps a segment with a live attacher"; else not_ok "gc keeps a segment with a live attacher"; fi
    run "$ASH" gc --dry-run --json "$P-held"
    expect_eq "$(pyjson "$OUT" "(d['dry_run'], d['reaped'], d['segments'])")" "(True, 0, [])" "gc --dry-run: nothing to do for a live auto segment"
  fi
  kill_holder
  observe_orphan
  [ "$RACED" = 0 ] && break
  echo "# note: another process reaped the orphan first; retrying"
done
if [ "$RACED" = 1 ]; then
  not_ok "orphan observed before another process reaped it (8 attempts)"
fi
expect_has "$O_INFO" "0 alive, 1 dead" "info counts the dead attacher"
expect_has "$O_INFO" "dead" "info lists the dead pid"
expect_eq "$O_DRY" "reap        $P-held  policy auto, no live attacher (1 dead)
would reap 1 segment (dry run: nothing changed)" "gc --dry-run names the orphan and why"
expect_eq "$(pyjson "$O_DRY_JSON" "(d['dry_run'], d['reaped'], [(s['name'], s['action']) for s in d['segments']])")" \
  "(True, 1, [('$P-held', 'reap')])" "gc --dry-run --json lists the orphan"
expect_eq "$O_DRY_KEPT" "yes" "gc --dry-run removes nothing"
expect_eq "$(pyjson "$O_GC_OTHER" "(d['dry_run'], d['reaped'], d['segments'])")" "(False, 0, [])" "gc with a PATTERN that does not match the orphan"
expect_eq "$O_OTHER_KEPT" "yes" "gc PATTERN leaves segments that do not match"
expect_eq "$O_GC_RC" "0" "gc PATTERN exits 0"
expect_eq "$O_GC" "reaped      $P-held  policy auto, no live attacher (1 dead)
reaped 1 segment" "gc PATTERN names what it reaped"
if seg_exists "$P-held"; then not_ok "gc PATTERN removes the orphaned auto segment"; else ok "gc PATTERN removes the orphaned auto segment"; fi

# Listing reaps too: a fresh orphan is gone after one ls.
for attempt in 1 2 3 4 5 6 7 8; do
  : >"$TMP/hold.out"
  start_holder
  kill_holder
  seg_exists "$P-held" || continue
  run "$ASH" ls --json
  O_JSON=$(pyjson "$OUT" "[s['name'] for s in d['segments'] if s['name'] == '$P-held']")
  break
done
expect_eq "$O_JSON" "[]" "ls does not list an auto segment whose attachers died"
if seg_exists "$P-held"; then not_ok "ls removes the orphaned auto segment"; else ok "ls removes the orphaned auto segment"; fi
run "$ASH" gc --json
if valid_json "$OUT"; then ok "gc --json is valid JSON"; else not_ok "gc --json is valid JSON" "$OUT"; fi

# ---------------------------------------------------------------------------
echo "# clean up"

run "$ASH" rm $CASES "$P-na" "$P-nd"
expect_rc 0 "rm of the dump test segments"
left=$(ls /dev/shm | grep "^ash\.$P-" || true)
expect_eq "$left" "" "no segment of this test is left"
ls /dev/shm | grep -v "^ash\.$P-" | sort >"$TMP/shm-after"
# Other processes may create or remove their own segments meanwhile; only
# report, as a diagnostic, what changed.
if ! cmp -s "$TMP/shm-before" "$TMP/shm-after"; then
  echo "# note: /dev/shm changed outside this test's names:"
  diff "$TMP/shm-before" "$TMP/shm-after" | sed 's/^/#   /'
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
