#!/bin/sh
# Make Sybase available to FACETS users again.
STEP=sybase_available
. "$(dirname "$0")/lib.sh"
if [ "$FAIL_AT" = "$STEP" ]; then fail; fi

work "unlocking FACETS logins"
say "backup window closed for $BUSINESS_DATE"
