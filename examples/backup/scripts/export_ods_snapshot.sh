#!/bin/sh
# Export the previous ODS snapshot from the GDS host so that the BCV copy can refresh it.
STEP=export_ods_snapshot
. "$(dirname "$0")/lib.sh"
if [ "$FAIL_AT" = "$STEP" ]; then fail; fi

work "shutting down ODSSNAP instance on gdshost"
work "unmounting /ods_snap filesystems on gdshost"
