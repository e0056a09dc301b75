#!/bin/sh
# Start Sybase again (FACETS logins stay locked until replication has caught up).
STEP=start_sybase
. "$(dirname "$0")/lib.sh"
if [ "$FAIL_AT" = "$STEP" ]; then fail; fi

work "startserver -f RUN_FACETS"
work "waiting for Sybase to accept connections"
