#!/usr/bin/env bash
# The demo on SASL_SSL end to end: two real single-node KRaft clusters, source and target, each with a
# SASL_SSL listener (SCRAM-SHA-512), and Cutover Proxy in front of them with TLS and SCRAM logins for
# clients (listener.tls, listener.sasl), SASL_SSL towards both clusters, and identity mode mapped:
# client alice reaches each cluster as its own user there, orders-app. The proxy runs with
# cutover-proxy.conf and identities.conf from this directory, as they are.
#
#   config/examples/sasl-ssl/run.sh           start everything, print how to use it, run until Ctrl-C
#   config/examples/sasl-ssl/run.sh --check   run the walkthrough (produce, flip, produce, consume),
#                                             check each result, stop everything; exit 0 when all held
#
# Made at run time in a work directory (/tmp/cutover-sasl-ssl-demo.*, removed at the end; KEEP_WORK=1
# keeps it, KEEP_WORK_ON_FAILURE=1 keeps it when --check fails): a CA and certificates from the JDK's keytool, random passwords (kept in environment
# variables and files there, never printed), the clusters' data, the users file, the proxy's state.
# The SCRAM users are created when the clusters' storage is formatted: cutover-proxy (the proxy's
# service user) and orders-app on each cluster, each with a password of its own.
#
# Ports (127.0.0.1), from CUTOVER_DEMO_PORT_BASE (B, 29092 by default; B + 110 must stay below 32768):
#   source: SASL_SSL B, PLAINTEXT (internal) B+1, controller B+2
#   target: SASL_SSL B+10, PLAINTEXT (internal) B+11, controller B+12
#   proxy:  admin B+98, bootstrap B+100, brokers B+101..B+110
# The internal listeners serve the brokers themselves and the operator's direct reads below.
#
# Needs: Java 17+ (JAVA_HOME picks it), curl, kcat. The broker jars come from benchmarks/e2e/target/libs
# (fetched once with the Maven wrapper); the proxy runs through bin/cutover-proxy (built when needed).
# For tests: KAFKA_CLASSPATH runs the brokers from that classpath instead, and CUTOVER_PROXY_CLASSPATH
# runs the proxy's main class from that classpath instead of the launcher (SecuredDemoScriptTest sets
# both to its own test classpath, so that nothing is built or fetched while Maven runs it).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
MODE=run
case "${1:-}" in
  "") ;;
  --check) MODE=check ;;
  -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: $0 [--check]   (--help for more)" >&2; exit 2 ;;
esac

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
KEYTOOL="${JAVA_HOME:+$JAVA_HOME/bin/}keytool"
KEEP_WORK="${KEEP_WORK:-0}"
TOPIC=demo

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
fail() { echo "FAILED: $*" >&2; exit 1; }

for tool in "$JAVA" "$KEYTOOL" curl kcat; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (kcat: apt-get install kcat; Java 17+: set JAVA_HOME)"
done

# --- ports -----------------------------------------------------------------------------------
BASE="${CUTOVER_DEMO_PORT_BASE:-29092}"
[[ "$BASE" =~ ^[0-9]+$ ]] && [ "$BASE" -ge 1024 ] && [ $((BASE + 110)) -lt 32768 ] \
  || fail "CUTOVER_DEMO_PORT_BASE=$BASE: use a number from 1024 to 32657 (the demo takes B..B+110)"
SOURCE_PORT=$BASE; SOURCE_INTERNAL=$((BASE + 1)); SOURCE_CONTROLLER=$((BASE + 2))
TARGET_PORT=$((BASE + 10)); TARGET_INTERNAL=$((BASE + 11)); TARGET_CONTROLLER=$((BASE + 12))
ADMIN_PORT=$((BASE + 98)); PROXY_PORT=$((BASE + 100))
FIRST_BROKER_PORT=$((BASE + 101)); LAST_BROKER_PORT=$((BASE + 110))
in_use() { (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in $SOURCE_PORT $SOURCE_INTERNAL $SOURCE_CONTROLLER $TARGET_PORT $TARGET_INTERNAL $TARGET_CONTROLLER \
         $ADMIN_PORT $(seq "$PROXY_PORT" "$LAST_BROKER_PORT"); do
  in_use "$p" && fail "port $p on 127.0.0.1 is in use (another demo still running?); the demo needs $BASE..$((BASE + 110)):" \
    "stop what holds it, or set CUTOVER_DEMO_PORT_BASE to another base"
done

# --- what runs the brokers and the proxy -----------------------------------------------------
if [ -n "${KAFKA_CLASSPATH:-}" ]; then
  KAFKA_CP="$KAFKA_CLASSPATH"
else
  LIBS="$ROOT/benchmarks/e2e/target/libs"
  if [ ! -d "$LIBS" ] || [ -z "$(ls "$LIBS" 2>/dev/null)" ]; then
    log "fetching the Kafka 4.3 broker jars into $LIBS (once)"
    "$ROOT/mvnw" -B -ntp -q -f "$ROOT/benchmarks/e2e/pom.xml" package
  fi
  KAFKA_CP="$LIBS/*"
fi
if [ -n "${CUTOVER_PROXY_CLASSPATH:-}" ]; then
  PROXY_CMD=("$JAVA" ${JAVA_OPTS:-} -cp "$CUTOVER_PROXY_CLASSPATH" io.cutover.proxy.server.cli.Main)
else
  PROXY_CMD=("$ROOT/bin/cutover-proxy")
fi

# --- work directory, processes, cleanup ------------------------------------------------------
WORK="$(mktemp -d /tmp/cutover-sasl-ssl-demo.XXXXXX)"
BROKER_PIDS=()
PROXY_PID=""
stop_processes() { # stop_processes PID...: SIGTERM, then SIGKILL for what still runs 40 s later
  local pid deadline=$((SECONDS + 40))
  for pid in "$@"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    [ -n "$pid" ] || continue
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # The proxy first (SIGTERM drains it; no client is left by now), then the brokers together.
  [ -n "${PROXY_PID:-}" ] && stop_processes "$PROXY_PID"
  stop_processes "${BROKER_PIDS[@]:-}"
  if [ "$KEEP_WORK" = 1 ] || { [ "$rc" -ne 0 ] && [ "$MODE" = check ] && [ "${KEEP_WORK_ON_FAILURE:-0}" = 1 ]; }; then
    log "work directory kept: $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() { # wait_for DESCRIPTION SECONDS PID-OR-EMPTY LOG COMMAND...: until COMMAND succeeds
  local what="$1" secs="$2" pid="$3" logfile="$4"; shift 4
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$logfile" >&2; fail "$what exited while starting (log above: $logfile)"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 30 "$logfile" >&2; fail "$what not ready within ${secs}s (log above: $logfile)"
    fi
    sleep 0.2
  done
}
# Runs a client with a deadline where coreutils' timeout exists.
deadline() { if command -v timeout >/dev/null; then timeout "$@"; else shift; "$@"; fi; }

# --- passwords: random for this run, in environment variables (the proxy's config names them) --
secret() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
export DEMO_PROXY_KEYSTORE_PASSWORD="$(secret)"   # the proxy's and the brokers' PKCS12 stores
export SOURCE_PROXY_PASSWORD="$(secret)" TARGET_PROXY_PASSWORD="$(secret)"             # user cutover-proxy
export ORDERS_APP_SOURCE_PASSWORD="$(secret)" ORDERS_APP_TARGET_PASSWORD="$(secret)"   # user orders-app
export ALICE_PASSWORD="$(secret)"                 # alice's login to the proxy
export DEMO_WORK="$WORK" DEMO_HOME="$HERE"
export DEMO_SOURCE_BOOTSTRAP="127.0.0.1:$SOURCE_PORT" DEMO_TARGET_BOOTSTRAP="127.0.0.1:$TARGET_PORT"
export DEMO_PROXY_PORT="$PROXY_PORT" DEMO_ADMIN_PORT="$ADMIN_PORT"
export DEMO_PROXY_FIRST_BROKER_PORT="$FIRST_BROKER_PORT" DEMO_PROXY_LAST_BROKER_PORT="$LAST_BROKER_PORT"
umask 077
printf '%s\n' "$ALICE_PASSWORD" > "$WORK/alice.password"

# --- certificates: a CA, a broker and a proxy certificate, SAN IP:127.0.0.1 and DNS:localhost --
log "making a CA and certificates with keytool in $WORK"
kt() { "$KEYTOOL" "$@" -storepass:env DEMO_PROXY_KEYSTORE_PASSWORD -noprompt >>"$WORK/keytool.log" 2>&1; }
kt -genkeypair -alias ca -keyalg RSA -keysize 2048 -validity 30 -dname "CN=cutover-demo-ca" \
  -ext bc:c -ext ku:c=keyCertSign,cRLSign -keystore "$WORK/ca.p12" -storetype PKCS12 || fail "keytool (see $WORK/keytool.log)"
kt -exportcert -rfc -alias ca -keystore "$WORK/ca.p12" -file "$WORK/ca.pem"
certificate() { # certificate NAME: NAME.p12 holding a key and its certificate signed by the CA
  local name="$1"
  kt -genkeypair -alias "$name" -keyalg RSA -keysize 2048 -validity 30 -dname "CN=$name" \
    -keystore "$WORK/$name.p12" -storetype PKCS12
  kt -certreq -alias "$name" -keystore "$WORK/$name.p12" -file "$WORK/$name.csr"
  kt -gencert -alias ca -keystore "$WORK/ca.p12" -infile "$WORK/$name.csr" -outfile "$WORK/$name.crt" -rfc -validity 30 \
    -ext "SAN=IP:127.0.0.1,DNS:localhost" -ext ku:c=digitalSignature,keyEncipherment -ext eku=serverAuth,clientAuth
  kt -importcert -alias ca -file "$WORK/ca.pem" -keystore "$WORK/$name.p12"
  kt -importcert -alias "$name" -file "$WORK/$name.crt" -keystore "$WORK/$name.p12"
}
certificate kafka-broker & CERT_BROKER=$!
certificate cutover-proxy & CERT_PROXY=$!
wait "$CERT_BROKER" && wait "$CERT_PROXY" || fail "keytool (see $WORK/keytool.log)"
mv "$WORK/cutover-proxy.p12" "$WORK/proxy.p12"

# --- the clusters ----------------------------------------------------------------------------
cat > "$WORK/log4j2.properties" <<'EOF'
rootLogger.level = warn
rootLogger.appenderRef.console.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = info
# Who did what: every operation the authorizer allows, with the principal (the demo's clusters have
# no ACLs, and allow everyone then).
logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = debug
EOF
broker_properties() { # broker_properties NAME SASL_SSL-PORT INTERNAL-PORT CONTROLLER-PORT
  mkdir -p "$WORK/$1"
  cat > "$WORK/$1/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$4
controller.listener.names=CONTROLLER
listeners=SASL_SSL://127.0.0.1:$2,INTERNAL://127.0.0.1:$3,CONTROLLER://127.0.0.1:$4
advertised.listeners=SASL_SSL://127.0.0.1:$2,INTERNAL://127.0.0.1:$3
listener.security.protocol.map=SASL_SSL:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=INTERNAL
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=$WORK/kafka-broker.p12
ssl.keystore.password=$DEMO_PROXY_KEYSTORE_PASSWORD
ssl.key.password=$DEMO_PROXY_KEYSTORE_PASSWORD
ssl.client.auth=none
log.dirs=$WORK/$1/data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=true
EOF
}
cluster_id() { # 16 random bytes, base64url without padding: a Kafka Uuid (never starting with "-")
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [ "${id:0:1}" != "-" ] && { echo "$id"; return; }
  done
}
# Small brokers for a demo: C1 only, so that two of them and the proxy start quickly on 2 cores.
BROKER_OPTS=(-Xms128m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "-Dlog4j2.configurationFile=$WORK/log4j2.properties")
start_cluster() { # start_cluster NAME SASL_SSL-PORT INTERNAL-PORT CONTROLLER-PORT ORDERS-APP-PASSWORD PROXY-PASSWORD
  local name="$1"
  broker_properties "$name" "$2" "$3" "$4"
  "$JAVA" "${BROKER_OPTS[@]}" -cp "$KAFKA_CP" kafka.tools.StorageTool format -t "$(cluster_id)" \
    -c "$WORK/$name/server.properties" \
    --add-scram "SCRAM-SHA-512=[name=orders-app,password=$5]" \
    --add-scram "SCRAM-SHA-512=[name=cutover-proxy,password=$6]" >"$WORK/$name/format.log" 2>&1 \
    || { cat "$WORK/$name/format.log" >&2; fail "formatting the $name cluster"; }
}
log "formatting the source and target clusters (SCRAM users cutover-proxy and orders-app on each)"
start_cluster source "$SOURCE_PORT" "$SOURCE_INTERNAL" "$SOURCE_CONTROLLER" "$ORDERS_APP_SOURCE_PASSWORD" "$SOURCE_PROXY_PASSWORD" &
FORMAT_SOURCE=$!
start_cluster target "$TARGET_PORT" "$TARGET_INTERNAL" "$TARGET_CONTROLLER" "$ORDERS_APP_TARGET_PASSWORD" "$TARGET_PROXY_PASSWORD" &
FORMAT_TARGET=$!
wait "$FORMAT_SOURCE" && wait "$FORMAT_TARGET" || fail "formatting the clusters"
log "starting the source (SASL_SSL 127.0.0.1:$SOURCE_PORT) and target (SASL_SSL 127.0.0.1:$TARGET_PORT) brokers"
for name in source target; do
  "$JAVA" "${BROKER_OPTS[@]}" -cp "$KAFKA_CP" kafka.Kafka "$WORK/$name/server.properties" >"$WORK/$name/broker.log" 2>&1 &
  BROKER_PIDS+=($!)
  eval "${name^^}_PID=$!"
done
wait_for "the source broker" 120 "$SOURCE_PID" "$WORK/source/broker.log" grep -q "Kafka Server started" "$WORK/source/broker.log"
wait_for "the target broker" 120 "$TARGET_PID" "$WORK/target/broker.log" grep -q "Kafka Server started" "$WORK/target/broker.log"

# The topic, on both clusters: through the proxy, Metadata never creates a topic in mapped mode (see
# docs/security.md), so it is made beforehand, here by a metadata request on the internal listener
# (auto.create.topics.enable is on by default).
for internal in "$SOURCE_INTERNAL" "$TARGET_INTERNAL"; do
  wait_for "topic $TOPIC on 127.0.0.1:$internal" 30 "" /dev/null \
    bash -c "kcat -b 127.0.0.1:$internal -X allow.auto.create.topics=true -L -t $TOPIC -m 5 2>/dev/null | grep -q 'partition 0, leader 1'"
done

# --- the proxy -------------------------------------------------------------------------------
if [ -n "${CUTOVER_PROXY_CLASSPATH:-}" ]; then
  log "writing the proxy's users file (alice, SCRAM-SHA-512)"
else
  log "writing the proxy's users file (alice, SCRAM-SHA-512); bin/cutover-proxy builds the proxy first if needed"
fi
"${PROXY_CMD[@]}" users add alice --file "$WORK/users.json" --password-env ALICE_PASSWORD >"$WORK/users.log" 2>&1 \
  || { cat "$WORK/users.log" >&2; fail "cutover-proxy users add"; }
log "starting Cutover Proxy with $HERE/cutover-proxy.conf"
"${PROXY_CMD[@]}" --config "$HERE/cutover-proxy.conf" >"$WORK/proxy.log" 2>&1 &
PROXY_PID=$!
ADMIN="http://127.0.0.1:$ADMIN_PORT"
health_up() { # the proxy's overall status UP: both clusters answer it
  local body
  body="$(curl -sf "$ADMIN/health")" && [[ "$body" =~ ^\{[[:space:]]*\"status\"[[:space:]]*:[[:space:]]*\"UP\" ]]
}
wait_for "Cutover Proxy (both clusters UP in $ADMIN/health)" 120 "$PROXY_PID" "$WORK/proxy.log" health_up
TOKEN_FILE="$WORK/state/admin-token"

# alice's client settings for kcat: SASL_SSL to the proxy, trusting the demo CA. A file, so that the
# password is on no command line.
cat > "$WORK/kcat-alice.properties" <<EOF
security.protocol=SASL_SSL
sasl.mechanisms=SCRAM-SHA-512
sasl.username=alice
sasl.password=$ALICE_PASSWORD
ssl.ca.location=$WORK/ca.pem
EOF
KCAT_PROXY=(kcat -F "$WORK/kcat-alice.properties" -b "127.0.0.1:$PROXY_PORT")

if [ "$MODE" = run ]; then
  cat <<EOF

The SASL_SSL demo is running. Ctrl-C stops everything and removes $WORK.
  Source cluster : 127.0.0.1:$SOURCE_PORT SASL_SSL (SCRAM-SHA-512), users cutover-proxy and orders-app; internal PLAINTEXT 127.0.0.1:$SOURCE_INTERNAL
  Target cluster : 127.0.0.1:$TARGET_PORT SASL_SSL (SCRAM-SHA-512), users cutover-proxy and orders-app; internal PLAINTEXT 127.0.0.1:$TARGET_INTERNAL
  Cutover Proxy  : 127.0.0.1:$PROXY_PORT SASL_SSL (SCRAM-SHA-512, user alice), admin $ADMIN
  Its config     : $HERE/cutover-proxy.conf and identities.conf (alice -> orders-app on each cluster)
  Logs           : $WORK/proxy.log, $WORK/source/broker.log, $WORK/target/broker.log
  alice's kcat settings: $WORK/kcat-alice.properties (password: $WORK/alice.password); CA: $WORK/ca.pem

Try it (the plaintext demo's walkthrough, over TLS with a login):
  K="kcat -F $WORK/kcat-alice.properties -b 127.0.0.1:$PROXY_PORT"
  \$K -t $TOPIC -P <<< 'before the flip'
  \$K -L                                                  # every broker shown is 127.0.0.1:$FIRST_BROKER_PORT.. (the proxy)
  curl -s -H "Authorization: Bearer \$(cat $TOKEN_FILE)" -X POST $ADMIN/routes/flip \\
       -d '{"resource":"topic","pattern":"$TOPIC","cluster":"target"}'
  \$K -t $TOPIC -P <<< 'after the flip'
  \$K -t $TOPIC -C -e                                     # reads $TOPIC on target: "after the flip"
  kcat -b 127.0.0.1:$TARGET_INTERNAL -t $TOPIC -C -e            # the target itself (its internal listener)
  kcat -b 127.0.0.1:$SOURCE_INTERNAL -t $TOPIC -C -e            # the source itself: "before the flip" only
  grep 'User:orders-app.*Produce' $WORK/target/broker.log   # written as alice's mapped user
The same with -X instead of -F: kcat -X security.protocol=SASL_SSL -X sasl.mechanisms=SCRAM-SHA-512 \\
  -X sasl.username=alice -X sasl.password="\$(cat $WORK/alice.password)" -X ssl.ca.location=$WORK/ca.pem -b 127.0.0.1:$PROXY_PORT ...
The direct reads use the brokers' internal PLAINTEXT listeners: Debian's kcat (librdkafka 2.0.2) cannot log
in to a Kafka 4.x broker with SCRAM (it repeats its nonce; the proxy accepts that, listener.sasl.accept-old-librdkafka-nonce).
EOF
  while kill -0 "$PROXY_PID" 2>/dev/null; do
    wait "$PROXY_PID" 2>/dev/null || true
  done
  tail -n 30 "$WORK/proxy.log" >&2
  fail "Cutover Proxy exited (log above)"
fi

# --- --check: the walkthrough, each step checked ---------------------------------------------
step() { echo "== $*"; }
produce() { # produce TEXT: one record through the proxy, as alice
  printf '%s\n' "$1" | deadline 60 "${KCAT_PROXY[@]}" -t "$TOPIC" -P -X message.timeout.ms=30000 2>"$WORK/kcat.err" \
    || { cat "$WORK/kcat.err" >&2; fail "kcat could not produce \"$1\" through the proxy"; }
}
read_all() { # read_all KCAT-ARGS...: every record of the topic, one a line
  deadline 60 "$@" -t "$TOPIC" -C -o beginning -e -q -f '%s\n' 2>"$WORK/kcat.err" \
    || { cat "$WORK/kcat.err" >&2; fail "kcat could not read $TOPIC ($*)"; }
}
expect() { # expect WHAT WANTED GOT
  [ "$3" = "$2" ] || fail "$1: expected \"$2\", got \"$3\""
  echo "   $1: \"$3\""
}

step "produce 'before the flip' through the proxy (SASL_SSL, SCRAM-SHA-512, as alice)"
produce "before the flip"
step "flip topic $TOPIC to target: POST $ADMIN/routes/flip"
code=$(curl -s -o "$WORK/flip.json" -w '%{http_code}' -H "Authorization: Bearer $(cat "$TOKEN_FILE")" \
  -X POST "$ADMIN/routes/flip" -d "{\"resource\":\"topic\",\"pattern\":\"$TOPIC\",\"cluster\":\"target\"}")
[ "$code" = 200 ] || fail "the flip answered HTTP $code: $(cat "$WORK/flip.json")"
echo "   $(tr -s ' \n' ' ' <"$WORK/flip.json")"
step "produce 'after the flip' through the proxy"
produce "after the flip"
step "consume $TOPIC through the proxy"
expect "read through the proxy" "after the flip" "$(read_all "${KCAT_PROXY[@]}")"
step "read $TOPIC on each cluster directly (its internal listener)"
expect "read from the target" "after the flip" "$(read_all kcat -b "127.0.0.1:$TARGET_INTERNAL")"
expect "read from the source" "before the flip" "$(read_all kcat -b "127.0.0.1:$SOURCE_INTERNAL")"
step "who wrote on each cluster (the brokers' authorizer log): alice's mapped user, never the proxy's"
wrote() { # wrote CLUSTER USER: the line where the cluster allowed USER a Produce to the topic
  grep -m 1 -o "Principal = User:$2 is Allowed operation = WRITE from host = [^ ]* on resource = Topic:LITERAL:$TOPIC for request = Produce" \
    "$WORK/$1/broker.log" || true
}
for cluster in source target; do
  line="$(wrote "$cluster" orders-app)"
  [ -n "$line" ] || fail "the $cluster broker logged no Produce to $TOPIC by User:orders-app (alice's mapped user); see $WORK/$cluster/broker.log"
  echo "   $cluster: $line"
  for other in cutover-proxy alice; do
    [ -z "$(wrote "$cluster" "$other")" ] || fail "the $cluster broker logged a Produce to $TOPIC by User:$other: identity mode mapped was not used"
  done
done
grep -q "logged in as alice" "$WORK/proxy.log" && echo "   the proxy's log: $(grep -m 1 -o 'logged in as alice.*' "$WORK/proxy.log")"
echo "OK: the record written after the flip went through the proxy over SASL_SSL to the target, as alice's mapped user"
