#!/bin/sh
# Wait until replication has caught up.
STEP=wait_replication
. "$(dirname "$0")/lib.sh"
if [ "$FAIL_AT" = "$STEP" ]; then fail; fi

for latency in 120 45 8 0; do
  work "replication latency ${latency}s"
done
