#!/bin/sh
# The release analysis: smoke checks against the new colour, then metric
# checks against Prometheus while a bounded load of the analysis's own runs
# against the colour, each metric measured `count` times, `interval`
# seconds apart. It runs in a Job, as busybox sh (the image is one the
# stacks already run: nginx-unprivileged, alpine).
#
# Its verdict is one line of JSON (verdict.ts beside this file reads it),
# written to $VERDICT_FILE (the container's termination message, which
# Terraform keeps in state) and to stdout:
#   PASS          every check held on enough data;
#   FAIL          a smoke check failed, a metric failed more than
#                 failure-limit measurements, or one measurement crossed
#                 its fail-fast bound (it ends the analysis at once);
#   INCONCLUSIVE  nothing failed, but a metric had more than
#                 inconclusive-limit measurements without trustworthy data:
#                 Prometheus unreachable or in error, no series, NaN, or
#                 fewer samples than the check's minimum.
# It exits 0 whenever it wrote a verdict (Terraform decides on it), 1 when
# it could not.
#
# Checks ($CHECKS_FILE), one a line, fields separated by spaces:
#   load   <requests-per-second> <path>...     (at most one line)
#   smoke  <name> <GET|POST> <path> <status> <max-ms>
#   metric <name> <max|min> <threshold> <fail-fast|-> <interval-s> <count>
#          <failure-limit> <inconclusive-limit> <min-samples|-> <url-encoded PromQL>
#          <url-encoded PromQL of the sample count|->
#
# No dollar-brace and no percent-brace anywhere in this file: Terraform
# would read them as its own interpolation.
set -u

: "$TARGET_URL" "$PROMETHEUS_URL" "$CHECKS_FILE" "$VERDICT_FILE" "$REQUEST_TIMEOUT"
: "$ANALYSIS_NAMESPACE" "$ANALYSIS_SERVICE" "$ANALYSIS_WHEN" "$ANALYSIS_RELEASE" "$ANALYSIS_STAGE"
TIMEOUT=$REQUEST_TIMEOUT
WORK=$(mktemp -d)
PIDS=
trap 'rm -rf "$WORK"' EXIT

# A JSON string of its argument: quotes and backslashes escaped, control characters as spaces.
json_str() {
  printf '"%s"' "$(printf '%s' "$1" | tr '\n\r\t' '   ' | sed 's/\\/\\\\/g; s/"/\\"/g' | head -c 1500)"
}

# verdict <PASS|FAIL|INCONCLUSIVE> <summary>: writes the verdict, ends the background work, exits 0.
verdict() {
  [ -n "$PIDS" ] && kill $PIDS 2>/dev/null
  checks=$(cat "$WORK"/json.* 2>/dev/null | awk 'NR > 1 { printf "," } { printf "%s", $0 }')
  line=$(printf '{"format":1,"verdict":"%s","namespace":%s,"service":%s,"when":%s,"release":%s,"stage":%s,"summary":%s,"checks":[%s]}' \
    "$1" "$(json_str "$ANALYSIS_NAMESPACE")" "$(json_str "$ANALYSIS_SERVICE")" "$(json_str "$ANALYSIS_WHEN")" \
    "$(json_str "$ANALYSIS_RELEASE")" "$(json_str "$ANALYSIS_STAGE")" "$(json_str "$2")" "$checks")
  echo "$line" > "$VERDICT_FILE"
  echo "$line"
  exit 0
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
  [ -n "$got" ] || verdict FAIL "smoke $name: $method $path got no answer in $TIMEOUT s$why"
  [ "$got" = "$want" ] || verdict FAIL "smoke $name: $method $path answered $got, not $want"
  [ "$took" -le "$max" ] || verdict FAIL "smoke $name: $method $path took $took ms, more than $max ms"
  echo "smoke $name: $method $path $got in $took ms"
}

# load <per-second> <seconds> <path>...: GETs against the colour, one path after the other,
# each request in the background (at most per-second × timeout at once), for at most <seconds>.
load() {
  rate=$1 seconds=$2
  shift 2
  pause=$(awk -v r="$rate" 'BEGIN { printf "%.3f", 1 / r }')
  stop=$(( $(now_cs) + seconds * 100 ))
  while [ "$(now_cs)" -lt "$stop" ]; do
    for path in "$@"; do
      timeout "$TIMEOUT" wget -q -O /dev/null -U release-analysis "$TARGET_URL$path" > /dev/null 2>&1 &
      sleep "$pause"
    done
  done
}

# query <url-encoded PromQL> <max|min>: the value (the worst series), or why there is none, on stdout.
# Exit 0: a value; 1: Prometheus unreachable or in error; 2: no data (no series, NaN, infinite).
query() {
  json=$(timeout "$TIMEOUT" wget -q -O - "$PROMETHEUS_URL/api/v1/query?query=$1" 2> "$ERRORS") || {
    echo "Prometheus unreachable ($(tail -n 1 "$ERRORS"))"
    return 1
  }
  echo "$json" | grep -q '"status":"success"' || {
    echo "query error ($(echo "$json" | head -c 200))"
    return 1
  }
  values=$(echo "$json" | grep -o '"value":\[[^]]*\]' | sed 's/.*,"\(.*\)"\]/\1/')
  [ -n "$values" ] || {
    echo "no data"
    return 2
  }
  echo "$values" | grep -qv '^-\{0,1\}[0-9.][0-9.e+-]*$' && {
    echo "no number ($(echo "$values" | tr '\n' ' '))"
    return 2
  }
  # Several series: the worst one counts (the highest for a max, the lowest for a min).
  echo "$values" | awk -v kind="$2" 'NR == 1 || (kind == "max" && $1 > v) || (kind == "min" && $1 < v) { v = $1 } END { print v }'
}

# 1 when <value> is within <threshold> for <max|min>, else 0.
within() {
  awk -v v="$1" -v t="$2" -v k="$3" 'BEGIN { print ((k == "max" && v <= t) || (k == "min" && v >= t)) ? 1 : 0 }'
}

# metric <name> <kind> <threshold> <fail-fast> <interval> <count> <failure-limit> <inconclusive-limit>
#        <min-samples> <query> <samples-query>: measures after each interval; writes res.<name>
# (its result line) and json.<name>, and failed.<name> as soon as the check has failed.
metric() {
  name=$1 kind=$2 threshold=$3 fast=$4 interval=$5 count=$6 limit=$7 unsure_limit=$8 min=$9
  shift 9
  q=$1 samples_q=$2
  ERRORS="$WORK/wget.$name"
  failed=0 unsure=0 i=0 last= why=
  while [ "$i" -lt "$count" ]; do
    sleep "$interval"
    i=$((i + 1))
    value=$(query "$q" "$kind")
    got=$?
    if [ "$got" = 0 ] && [ "$samples_q" != - ]; then
      if ! samples=$(query "$samples_q" min); then
        got=1 value="$value, sample count unknown: $samples"
      elif [ "$(within "$samples" "$min" min)" = 0 ]; then
        got=2 value="$value on $samples samples, fewer than $min"
      fi
    fi
    if [ "$got" = 0 ]; then
      last=$value
      [ "$(within "$value" "$threshold" "$kind")" = 1 ] || failed=$((failed + 1))
      if [ "$fast" != - ] && [ "$(within "$value" "$fast" "$kind")" = 0 ]; then
        why="measurement $i crossed the fail-fast bound $fast"
        break
      fi
    else
      unsure=$((unsure + 1)) last="($value)"
    fi
    [ "$failed" -gt "$limit" ] && break
  done
  bound="at most $threshold"
  [ "$kind" = min ] && bound="at least $threshold"
  held=$((i - unsure - failed))
  if [ -n "$why" ]; then
    result=fail text="$name = $last, must be $bound: $why"
  elif [ "$failed" -gt "$limit" ]; then
    result=fail text="$name = $last, must be $bound ($failed of $i measurements failed; $limit allowed)"
  elif [ "$unsure" -gt "$unsure_limit" ]; then
    result=inconclusive text="$name: $unsure of $i measurements had no trustworthy data ($unsure_limit allowed); last: $last"
  elif [ "$failed" -gt 0 ] && [ "$failed" -ge "$held" ]; then
    # Within the limits, but most measurements with data failed: one good reading does not pass a broken colour.
    result=fail text="$name = $last, must be $bound ($failed of the $((failed + held)) measurements with data failed)"
  else
    result=pass text="$name = $last"
  fi
  printf '{"name":%s,"result":"%s","value":%s,"failed":%d,"inconclusive":%d,"measured":%d}\n' \
    "$(json_str "$name")" "$result" "$(json_str "$last")" "$failed" "$unsure" "$i" > "$WORK/json.$name"
  echo "$result $text" > "$WORK/res.$name"
  [ "$result" = fail ] && : > "$WORK/failed.$name"
}

# The lines of stdin as one, separated by "; ".
join_lines() {
  awk 'NR > 1 { printf "; " } { printf "%s", $0 }'
}

smokes=0 metrics=0 longest=0 load_line=
while read -r kind name rest; do
  case "$kind" in
    load) load_line="$name $rest" ;;
    smoke)
      # shellcheck disable=SC2086 # the fields of the line, split on purpose
      smoke "$name" $rest
      smokes=$((smokes + 1))
      ;;
    metric)
      # shellcheck disable=SC2086
      set -- $rest
      metric "$name" "$@" &
      PIDS="$PIDS $!"
      metrics=$((metrics + 1))
      span=$(( $4 * $5 ))
      [ "$span" -gt "$longest" ] && longest=$span
      ;;
    '' | '#'*) ;;
    *) verdict FAIL "unknown check kind \"$kind\" in $CHECKS_FILE" ;;
  esac
done < "$CHECKS_FILE"

if [ -n "$load_line" ] && [ "$metrics" -gt 0 ]; then
  # shellcheck disable=SC2086
  set -- $load_line
  rate=$1
  shift
  load "$rate" "$(( longest + metrics * 2 * TIMEOUT ))" "$@" &
  PIDS="$PIDS $!"
fi

# Until every metric has a result, or one has failed (a failure needs no more evidence).
while [ "$(ls "$WORK" | grep -c '^res\.')" -lt "$metrics" ] && ! ls "$WORK" | grep -q '^failed\.'; do
  sleep 1
done

results=$(cat "$WORK"/res.* 2>/dev/null | grep -v '^$')
failures=$(echo "$results" | sed -n 's/^fail //p' | join_lines)
[ -z "$failures" ] || verdict FAIL "$failures"
unsure=$(echo "$results" | sed -n 's/^inconclusive //p' | join_lines)
[ -z "$unsure" ] || verdict INCONCLUSIVE "$unsure"
passed=$(echo "$results" | sed -n 's/^pass //p' | join_lines)
[ -n "$passed" ] && passed=": $passed"
verdict PASS "$smokes smoke checks, $metrics metric checks over $longest s$passed"
