#!/bin/sh
# Start the ODS again: end its hot backup mode.
STEP=start_ods
. "$(dirname "$0")/lib.sh"
if [ "$FAIL_AT" = "$STEP" ]; then fail; fi

work "alter database end backup on ODS"
