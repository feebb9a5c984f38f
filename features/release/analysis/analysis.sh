#!/bin/sh
# The release analysis: smoke checks against the new colour, then metric
# checks against Prometheus, each measured `count` times `interval` seconds
# apart. It runs in a Job, as busybox sh (the image is one the stacks already
# run: nginx-unprivileged, alpine).
#
# Its verdict is one line, written to $VERDICT_FILE (the container's
# termination message, which Terraform reads) and to stdout:
#   PASS: <what was checked>
#   FAIL: <the failing check and its measured value>
# It exits 0 on PASS, $FAIL_EXIT on FAIL (0 before a promotion: Terraform
# reads the verdict and stops the switch with it; 1 after one: the apply
# itself fails). No data is a failure, never a pass: Prometheus unreachable,
# an error, an empty result or NaN all count as a failed measurement.
#
# Checks ($CHECKS_FILE), one a line, fields separated by spaces:
#   smoke  <name> <GET|POST> <path> <status> <max-ms>
#   metric <name> <max|min> <threshold> <interval-s> <count> <failure-limit> <url-encoded PromQL>
#
# No dollar-brace and no percent-brace anywhere in this file: Terraform
# would read them as its own interpolation.
set -u

: "$TARGET_URL" "$PROMETHEUS_URL" "$CHECKS_FILE" "$VERDICT_FILE" "$FAIL_EXIT"
TIMEOUT=$REQUEST_TIMEOUT
WORK=$(mktemp -d)

verdict() {
  echo "$1" > "$VERDICT_FILE"
  echo "$1"
}

fail() {
  verdict "FAIL: $1"
  exit "$FAIL_EXIT"
}

# Hundredths of a second since boot: the clock busybox has to time a request.
now_cs() {
  awk '{ printf "%d", $1 * 100 }' /proc/uptime
}

# smoke <name> <method> <path> <status> <max-ms>
smoke() {
  name=$1 method=$2 path=$3 want=$4 max=$5
  body=
  [ "$method" = POST ] && body=--post-data=
  start=$(now_cs)
  # busybox wget exits non-zero on any status above 399; the status is read
  # from the headers (-S). `timeout`, not wget's -T: Debian's busybox 1.35
  # wget crashes with -T (measured), and timeout is in every busybox.
  out=$(timeout "$TIMEOUT" wget -q -S -O /dev/null $body "$TARGET_URL$path" 2>&1)
  took=$(( ($(now_cs) - start) * 10 ))
  got=$(echo "$out" | sed -n 's/^ *HTTP\/[0-9.]* \([0-9][0-9][0-9]\).*/\1/p' | tail -n 1)
  why=$(echo "$out" | tail -n 1)
  [ -n "$why" ] && why=" ($why)"
  [ -n "$got" ] || fail "smoke $name: $method $path got no answer in $TIMEOUT s$why"
  [ "$got" = "$want" ] || fail "smoke $name: $method $path answered $got, not $want"
  [ "$took" -le "$max" ] || fail "smoke $name: $method $path took $took ms, more than $max ms"
  echo "smoke $name: $method $path $got in $took ms"
}

# One measurement: the query's value, or a reason it has none, on stdout; exit 0 when there is a value.
measure() {
  json=$(timeout "$TIMEOUT" wget -q -O - "$PROMETHEUS_URL/api/v1/query?query=$1" 2>"$WORK/wget.err") || {
    echo "Prometheus unreachable ($(tail -n 1 "$WORK/wget.err"))"
    return 1
  }
  echo "$json" | grep -q '"status":"success"' || {
    echo "query error ($(echo "$json" | head -c 200))"
    return 1
  }
  values=$(echo "$json" | grep -o '"value":\[[^]]*\]' | sed 's/.*,"\(.*\)"\]/\1/')
  [ -n "$values" ] || {
    echo "no data"
    return 1
  }
  echo "$values" | grep -qv '^-\{0,1\}[0-9.][0-9.e+-]*$' && {
    echo "no number ($(echo "$values" | tr '\n' ' '))"
    return 1
  }
  # Several series: the worst one counts (the highest for a max, the lowest for a min).
  echo "$values" | awk -v kind="$2" 'NR == 1 || (kind == "max" && $1 > v) || (kind == "min" && $1 < v) { v = $1 } END { print v }'
}

# metric <name> <max|min> <threshold> <interval> <count> <limit> <query>: writes its result to $WORK/<name>.
metric() {
  name=$1 kind=$2 threshold=$3 interval=$4 count=$5 limit=$6 query=$7
  failed=0 i=0 last=
  while [ "$i" -lt "$count" ]; do
    [ "$i" -gt 0 ] && sleep "$interval"
    i=$((i + 1))
    if value=$(measure "$query" "$kind"); then
      last=$value
      ok=$(awk -v v="$value" -v t="$threshold" -v k="$kind" 'BEGIN { print ((k == "max" && v <= t) || (k == "min" && v >= t)) ? 1 : 0 }')
      [ "$ok" = 1 ] || failed=$((failed + 1))
    else
      last="($value)"
      failed=$((failed + 1))
    fi
  done
  bound="at most $threshold"
  [ "$kind" = min ] && bound="at least $threshold"
  if [ "$failed" -gt "$limit" ]; then
    echo "fail $name = $last, must be $bound ($failed of $count measurements failed; $limit allowed)" > "$WORK/$name"
  else
    echo "pass $name = $last" > "$WORK/$name"
  fi
}

# The lines of stdin as one, separated by "; ".
join_lines() {
  awk 'NR > 1 { printf "; " } { printf "%s", $0 }'
}

smokes=0 metrics=0 longest=0
while read -r kind name rest; do
  case "$kind" in
    smoke)
      # shellcheck disable=SC2086 # the fields of the line, split on purpose
      smoke "$name" $rest || exit 1
      smokes=$((smokes + 1))
      ;;
    metric)
      # shellcheck disable=SC2086
      set -- $rest
      metric "$name" "$@" &
      metrics=$((metrics + 1))
      span=$(( $3 * $4 ))
      [ "$span" -gt "$longest" ] && longest=$span
      ;;
    '' | '#'*) ;;
    *) fail "unknown check kind \"$kind\" in $CHECKS_FILE" ;;
  esac
done < "$CHECKS_FILE"
wait

results=$(cat "$WORK"/* 2>/dev/null | grep -v '^$')
failures=$(echo "$results" | sed -n 's/^fail //p' | join_lines)
[ "$(echo "$results" | grep -cE '^(pass|fail) ')" = "$metrics" ] || fail "a metric check ended without a result"
[ -z "$failures" ] || fail "$failures"
passed=$(echo "$results" | sed -n 's/^pass //p' | join_lines)
[ -n "$passed" ] && passed=": $passed"
verdict "PASS: $smokes smoke checks, $metrics metric checks over $longest s$passed"
exit 0
