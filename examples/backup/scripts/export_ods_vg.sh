#!/bin/sh
# Export the ODS snapshot volume group from the GDS host.
STEP=export_ods_vg
. "$(dirname "$0")/lib.sh"
if [ "$FAIL_AT" = "$STEP" ]; then fail; fi

work "vgexport ods_snap_vg on gdshost"
