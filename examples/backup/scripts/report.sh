#!/bin/sh
# Last step: summarise the night, whether or not it went well.
STEP=report
. "$(dirname "$0")/lib.sh"
if [ "$FAIL_AT" = "$STEP" ]; then fail; fi

failed=$(kv_get failed_step "" 2>/dev/null) || failed=""
dir=$RUN_DIR
say "backup report for $BUSINESS_DATE"
if [ -n "$failed" ]; then say "outcome: FAILED at $failed"; else say "outcome: completed"; fi
images=0
for f in "$dir"/*.img; do
  [ -e "$f" ] || continue
  images=$((images + 1))
  say "image: $f"
done
result "{\"images\": $images, \"failed_step\": \"$failed\"}"
