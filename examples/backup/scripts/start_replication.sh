#!/bin/sh
# Resume Sybase -> Oracle ODS replication from the quiesce point.
STEP=start_replication
. "$(dirname "$0")/lib.sh"
if [ "$FAIL_AT" = "$STEP" ]; then fail; fi

lsn=$(kv_get quiesce_lsn 12345)
work "starting DataMirror subscription FACETS_TO_ODS at log position $lsn"
