#!/usr/bin/env bash
# The long fault-injection soak of wave switches: SoakTest (proxy-server, tag "soak") with 50 switches
# and 10 rollbacks instead of the default build's 6 and 2. Real KRaft clusters of three brokers each
# (every broker a process of its own, the target's each behind a fault relay), MirrorMaker 2 and the
# proxy as separate processes; under load Java idempotent and transactional producers, a classic and a
# KIP-848 group, kafkajs and librdkafka idempotent producers and classic groups, and a Kafka Streams
# application on exactly_once_v2; a fault drawn per switch from a seeded random source. Prints the
# scoreboard (lost, written twice, out of order, client restarts, write pause, client stall per client
# type) and the pause breakdown, and fails if anything acknowledged was lost, written twice or reordered.
#
# Usage: benchmarks/soak/run.sh [SEED]
#   SEED      the random seed (default: the current time); the scoreboard names it, rerun with it
#   SWITCHES  (default 50), ROLLBACKS (default 10)
#   SWITCH_FAULTS    what a switch draws from, comma-separated among NONE, PROXY_KILL, MIRROR_MAKER_RESTART,
#                    TARGET_CUT_OFF, TARGET_SLOW, TARGET_RESET, STATE_DISK_FULL, BROKER_KILL (default: all)
#   ROLLBACK_FAULTS  what a rollback draws from (default: all)
#   BROKERS   brokers per cluster (default 3; BROKER_KILL needs 3)
#   MVN_FLAGS extra Maven flags, e.g. -o to build offline
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SEED="${1:-$(date +%s)}"
SWITCHES="${SWITCHES:-50}"
ROLLBACKS="${ROLLBACKS:-10}"
ALL_FAULTS="NONE,PROXY_KILL,MIRROR_MAKER_RESTART,TARGET_CUT_OFF,TARGET_SLOW,TARGET_RESET,STATE_DISK_FULL,BROKER_KILL"
SWITCH_FAULTS="${SWITCH_FAULTS:-$ALL_FAULTS}"
ROLLBACK_FAULTS="${ROLLBACK_FAULTS:-$ALL_FAULTS}"
BROKERS="${BROKERS:-3}"
LOG="$ROOT/proxy-server/target/soak/maven-$SEED.log"
SCOREBOARD="$ROOT/proxy-server/target/soak/scoreboard-$SEED.txt"
mkdir -p "$(dirname "$LOG")" "$ROOT/proxy-server/target/soak/children-$SEED"

cd "$ROOT"
echo "soak: seed=$SEED switches=$SWITCHES rollbacks=$ROLLBACKS brokers=$BROKERS switch faults=$SWITCH_FAULTS rollback faults=$ROLLBACK_FAULTS; Maven output in $LOG"
status=0
# shellcheck disable=SC2086
./mvnw -B -ntp ${MVN_FLAGS:-} -pl proxy-server -am verify -Dtest=SoakTest -Dsurefire.failIfNoSpecifiedTests=false -Dtest.excludedGroups=known-bug \
  -Djacoco.skip=true -Dcutover.test.child-output-dir="$ROOT/proxy-server/target/soak/children-$SEED" -Dsoak.seed="$SEED" -Dsoak.switches="$SWITCHES" -Dsoak.rollbacks="$ROLLBACKS" \
  -Dsoak.switch-faults="$SWITCH_FAULTS" -Dsoak.rollback-faults="$ROLLBACK_FAULTS" -Dsoak.brokers="$BROKERS" \
  >"$LOG" 2>&1 || status=$?

if [[ -f "$SCOREBOARD" ]]; then
  cat "$SCOREBOARD"
  echo "soak: scoreboard in $SCOREBOARD"
else
  echo "soak: no scoreboard written (the run failed before it); see $LOG"
fi
grep -E 'Tests run:|FAIL|ERROR\]  ' "$LOG" | head -20 || true
exit "$status"
