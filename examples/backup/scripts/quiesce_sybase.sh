#!/bin/sh
# Quiesce all Sybase transactions; the log position is kept in the pigeon hole for start_replication.
STEP=quiesce_sybase
. "$(dirname "$0")/lib.sh"
if [ "$FAIL_AT" = "$STEP" ]; then fail; fi

work "quiesce database facets_tag hold facets"
lsn=$(awk -v seed="$$" 'BEGIN { srand(seed); printf "%d", 100000 + rand() * 900000 }')
kv_set quiesce_lsn "$lsn"
say "quiesced at log position $lsn"
result "{\"lsn\": $lsn}"
