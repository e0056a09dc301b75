#!/bin/sh
# Back up one split BCV to the backup store. backup_bcv.sh sybase|ods|gds; step backup_bcv_<name>.
name=${1:?sybase, ods or gds}
STEP=backup_bcv_$name
. "$(dirname "$0")/lib.sh"
if [ "$FAIL_AT" = "$STEP" ]; then fail; fi

dir=$RUN_DIR
mkdir -p "$dir"
work "mounting ${name}_dg BCV on the backup host"
work "writing $dir/$name.img"
printf 'simulated %s BCV image for %s\n' "$name" "$BUSINESS_DATE" > "$dir/$name.img"
nap
bytes=$(wc -c < "$dir/$name.img" | tr -d ' ')
result "{\"file\": \"$dir/$name.img\", \"bytes\": $bytes}"
