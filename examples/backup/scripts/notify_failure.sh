#!/bin/sh
# Failure path: page the on-call DBA (simulated). The failing step left its name in the pigeon hole.
STEP=notify_failure
. "$(dirname "$0")/lib.sh"
if [ "$FAIL_AT" = "$STEP" ]; then fail; fi

failed=$(kv_get failed_step unknown 2>/dev/null) || failed=unknown
say "ALERT: backup for $BUSINESS_DATE failed at step '${failed:-unknown}'"
work "paging on-call DBA (simulated e-mail and SMS)"
say "FACETS may still be locked: follow the manual recovery runbook"
