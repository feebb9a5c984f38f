#!/usr/bin/env bash
# The commit recorded as deployed beside an environment's state, and its lock:
#
#   bin/deployed-commit.sh read <env>         the recorded commit, or an empty line before the first deploy
#   bin/deployed-commit.sh write <env> <sha>  records <sha> (a 40-hex commit id) as deployed
#   bin/deployed-commit.sh locked <env>       "true" while Terraform's state lock file exists, else "false"
#
# Any other S3 answer (access denied, throttling, no network) fails: an
# error is never read as "nothing deployed" or "not locked". STATE_JSON, when
# set, is what `bin/environments.ts --state <env>` printed (the drift check
# reads it from main before it checks out an older commit).
set -euo pipefail
usage() { echo "usage: bin/deployed-commit.sh read|locked <env> | write <env> <sha>" >&2; exit 2; }
[ $# -ge 2 ] || usage
what=$1 env=$2
state=${STATE_JSON:-$(node bin/ts.mjs bin/environments.ts --state "$env")}
bucket=$(jq -r .bucket <<<"$state")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Prints the object's body; exit 3 when it does not exist, 1 on any other error.
get() {
  if aws s3api get-object --bucket "$bucket" --key "$1" "$tmp/body" >/dev/null 2>"$tmp/err"; then
    cat "$tmp/body"
  elif grep -q 'NoSuchKey' "$tmp/err"; then
    return 3
  else
    cat "$tmp/err" >&2
    echo "error: cannot read s3://$bucket/$1" >&2
    return 1
  fi
}

case "$what" in
  read)
    [ $# -eq 2 ] || usage
    code=0
    body=$(get "$(jq -r .deployedCommitKey <<<"$state")") || code=$?
    if [ "$code" = 3 ]; then echo; elif [ "$code" != 0 ]; then exit 1; else tr -d '[:space:]' <<<"$body"; echo; fi
    ;;
  write)
    [ $# -eq 3 ] || usage
    [[ "$3" =~ ^[0-9a-f]{40}$ ]] || { echo "error: \"$3\" is not a commit id" >&2; exit 1; }
    printf '%s\n' "$3" | aws s3 cp - "s3://$bucket/$(jq -r .deployedCommitKey <<<"$state")"
    ;;
  locked)
    [ $# -eq 2 ] || usage
    code=0
    get "$(jq -r .lockKey <<<"$state")" >/dev/null || code=$?
    if [ "$code" = 3 ]; then echo false; elif [ "$code" = 0 ]; then echo true; else exit 1; fi
    ;;
  *) usage ;;
esac
