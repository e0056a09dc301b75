#!/bin/sh
# Rename the copied Oracle instance so that it can run beside the GDS on the same host.
STEP=rename_oracle_instance
. "$(dirname "$0")/lib.sh"
if [ "$FAIL_AT" = "$STEP" ]; then fail; fi

work "recreating controlfile: ODS -> ODSSNAP"
