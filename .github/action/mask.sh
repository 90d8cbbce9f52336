#!/usr/bin/env bash
# Masks the token in the rest of the job's log. The value is escaped the way
# actions/toolkit escapes command data, so a token holding `%` or a line
# break is masked whole rather than cut short.
set -euo pipefail
token="${INPUT_TOKEN:-}"
[ -n "$token" ] || exit 0
token="${token//'%'/%25}"
token="${token//$'\r'/%0D}"
token="${token//$'\n'/%0A}"
printf '::add-mask::%s\n' "$token"
