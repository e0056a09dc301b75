#!/bin/sh
# Put an Oracle database (ods or gds) into hot backup mode, or take it out: hot_backup.sh begin|end DB.
# Step names: <db>_hot_backup and <db>_end_hot_backup.
mode=${1:?begin or end}
db=${2:?database: ods or gds}
case $mode in
  begin) STEP=${db}_hot_backup ;;
  end) STEP=${db}_end_hot_backup ;;
  *) echo "hot_backup.sh: unknown mode $mode" >&2; exit 2 ;;
esac
. "$(dirname "$0")/lib.sh"
if [ "$FAIL_AT" = "$STEP" ]; then fail; fi

work "alter database $mode backup on $(echo "$db" | tr '[:lower:]' '[:upper:]')"
if [ "$mode" = begin ]; then work "alter system archive log current"; fi
