#!/bin/sh
# Kick all users out of FACETS and lock new logins for the backup window.
STEP=kick_users
. "$(dirname "$0")/lib.sh"
if [ "$FAIL_AT" = "$STEP" ]; then fail; fi

work "disconnecting FACETS user sessions"
work "locking FACETS logins until sybase_available"
result '{"sessions_closed": 37}'
