#!/bin/sh
# Export the tables the GDS needs from the ODS snapshot. Argument: the business date.
STEP=export_tables
. "$(dirname "$0")/lib.sh"
if [ "$FAIL_AT" = "$STEP" ]; then fail; fi

date=${1:-$BUSINESS_DATE}
work "expdp ODSSNAP tables for business date $date"
rows=42
kv_set export_rows "$rows"
result "{\"rows\": $rows, \"business_date\": \"$date\"}"
