#!/bin/sh
# Shut down Sybase so that its volumes can be copied consistently.
STEP=shutdown_sybase
. "$(dirname "$0")/lib.sh"
if [ "$FAIL_AT" = "$STEP" ]; then fail; fi

work "shutdown with wait"
