#!/bin/sh
# Stop Sybase -> Oracle ODS replication once it has applied everything up to the quiesce point.
STEP=stop_replication
. "$(dirname "$0")/lib.sh"
if [ "$FAIL_AT" = "$STEP" ]; then fail; fi

lsn=$(kv_get quiesce_lsn 12345)
work "waiting for DataMirror to apply up to log position $lsn"
work "stopping DataMirror subscription FACETS_TO_ODS"
