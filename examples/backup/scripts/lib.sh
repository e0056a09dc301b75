# Helpers shared by the backup demo steps; each step sources it with `. "$(dirname "$0")/lib.sh"`.
# The steps only simulate the real work: they print what they would do and sleep a little.
set -eu

BACKUP_ROOT=${BACKUP_ROOT:-/tmp/ordo-backup-demo}
BUSINESS_DATE=${BUSINESS_DATE:-2026-01-01}
FAIL_AT=${FAIL_AT:-}
STEP=${STEP:-?}
# Images go under the run, so that a second run for the same date does not mix with the first.
RUN_DIR=$BACKUP_ROOT/$BUSINESS_DATE/${ORDO_RUN_ID:-by-hand}

# Inside a run the pigeon hole is required: fail now rather than half-way through the step.
if [ -n "${ORDO_RUN_ID:-}" ] && ! command -v ordo >/dev/null 2>&1; then
  printf '[%s] ordo is not on PATH inside run %s\n' "$STEP" "$ORDO_RUN_ID" >&2
  exit 1
fi

say() { printf '[%s] %s\n' "$STEP" "$*"; }

# A 0.1-0.6 s pause. dash has no $RANDOM, so awk draws it, seeded by pid and call count so that parallel
# steps and successive pauses differ.
naps=0
nap() {
  naps=$((naps + 1))
  sleep "$(awk -v seed="$$$naps" 'BEGIN { srand(seed); printf "%.1f", 0.1 + rand() * 0.5 }')"
}

work() { say "$*"; nap; }

# The demo's failure path: the step named by the fail_at parameter fails, after leaving its name in the
# pigeon hole for notify_failure.
fail() {
  say "FAILED (simulated by fail_at=$FAIL_AT)" >&2
  kv_set failed_step "$STEP"
  exit 1
}

# The pigeon hole belongs to a run. Run by hand (no ORDO_RUN_ID) there is none: writes are only shown and
# reads give the default. Inside a run a missing `ordo` or a failing call fails the step.
kv_set() {
  if [ -z "${ORDO_RUN_ID:-}" ]; then say "(by hand: pigeon hole not stored) $1=$2"; return 0; fi
  ordo kv set "$1" "$2"
}
kv_get() {
  if [ -z "${ORDO_RUN_ID:-}" ]; then printf '%s\n' "${2:-}"; return 0; fi
  ordo kv get "$1"
}

# The step's JSON result, when Ordo asked for one.
result() {
  if [ -n "${ORDO_RESULT:-}" ]; then printf '%s\n' "$1" > "$ORDO_RESULT"; fi
}
