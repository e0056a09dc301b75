#!/bin/sh
# Import the exported tables into the GDS, read-only.
STEP=import_tables_gds
. "$(dirname "$0")/lib.sh"
if [ "$FAIL_AT" = "$STEP" ]; then fail; fi

rows=$(kv_get export_rows 42)
work "impdp $rows rows into GDS schema ODS_RO"
work "alter tablespace ods_ro read only"
