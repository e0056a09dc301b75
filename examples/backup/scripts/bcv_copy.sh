#!/bin/sh
# Refresh the BCV (business continuance volume) copy of one system's disks and split it off: a point-in-time
# snapshot taken while the system is down or in hot backup mode. bcv_copy.sh sybase|ods|gds; step bcv_<name>.
name=${1:?sybase, ods or gds}
STEP=bcv_$name
. "$(dirname "$0")/lib.sh"
if [ "$FAIL_AT" = "$STEP" ]; then fail; fi

work "symmir -g ${name}_dg establish"
work "waiting for ${name}_dg to synchronize"
work "symmir -g ${name}_dg split"
result "{\"device_group\": \"${name}_dg\"}"
