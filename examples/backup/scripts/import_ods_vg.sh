#!/bin/sh
# Import the refreshed ODS snapshot volume group on the GDS host.
STEP=import_ods_vg
. "$(dirname "$0")/lib.sh"
if [ "$FAIL_AT" = "$STEP" ]; then fail; fi

work "vgimport ods_snap_vg on gdshost"
work "mounting /ods_snap filesystems"
