#!/bin/sh
# Start Oracle on the ODS snapshot.
STEP=start_snapshot_oracle
. "$(dirname "$0")/lib.sh"
if [ "$FAIL_AT" = "$STEP" ]; then fail; fi

work "startup ODSSNAP (recovering from the hot backup copy)"
work "alter database open resetlogs"
