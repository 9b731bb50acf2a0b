#!/usr/bin/env bash
# End-to-end benchmark over TLS: Kafka's own ProducerPerformance and ConsumerPerformance against one
# real broker over several paths, all SASL_SSL with SCRAM-SHA-512, in one run, rotating the order each
# round:
#
#   direct-tls - clients straight to the broker's SASL_SSL listener
#   l4-tls     - through haproxy in `mode tcp` to a second SASL_SSL listener of the broker that
#                advertises haproxy's port: TLS and SASL are end to end client <-> broker, haproxy
#                only moves bytes (the floor for any proxy)
#   proxy-tls-<engine>
#              - through Cutover Proxy terminating TLS and SASL on both sides: clients log in to
#                the proxy (listener.tls + listener.sasl, a users file made by
#                `bin/cutover-proxy users add`), the proxy logs in to the broker over SASL_SSL with
#                its own user (clusters.source.security); one arm per engine in ENGINES, each its
#                own proxy process with tls.engine set to it (jdk: the JDK's SSLEngine; openssl:
#                netty-tcnative's BoringSSL, which refuses to start where it does not load)
#
# The proxies run with the launcher's default JVM settings (no JAVA_OPTS), as users start them. They
# all run for the whole benchmark; the ones not measured at the moment sit idle.
#
# Certificates are made at run time in the work directory with the JDK's keytool: a CA, a broker
# and a proxy certificate (SAN IP:127.0.0.1 and DNS:localhost) signed by it; clients trust the CA
# as a PEM file. SCRAM users are created at format time (StorageTool format --add-scram): `bench`
# for the clients, `cutover-proxy` for the proxy. The controller and inter-broker listeners are
# PLAINTEXT on 127.0.0.1; topics are created there.
#
# Per path and round: produce RECORDS x 1 KiB records unthrottled (acks=1, linger.ms=5,
# batch.size=65536), then consume them unthrottled. Before the measured rounds each path gets one
# unmeasured warm-up (WARMUP_RECORDS). Prints medians over the rounds, ratios between the arms,
# CPU seconds per GB moved of haproxy, each proxy and the broker, peak RSS, and writes the same as
# JSON to benchmarks/e2e/target/results-tls.json. The goal it reports against, per engine: proxy-tls
# produce and consume throughput at least 0.9x direct-tls.
#
# Usage: benchmarks/e2e/run-tls.sh   (ROUNDS=3 RECORDS=300000 WARMUP_RECORDS=100000 ENGINES="jdk openssl"
#        by default; KEEP_WORK=1 keeps the work directory with the certificates, configs and logs).
#        An engine written ENGINE-N (e.g. openssl-0) runs that engine's proxy with
#        -Dcutover.tls.piece-bytes=N: the size of the flushed pieces a large response is handed to
#        TLS in (0 = whole, as before TlsWritePieces), for an A/B of that setting in one run.
#        An engine ending in .whole (e.g. openssl.whole) runs with limits.stream-fetch-responses =
#        false: Fetch responses sent once whole, for an A/B of streaming in one run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/benchmarks/e2e"
OUT="$HERE/target"
LIBS="$OUT/libs"
ROUNDS="${ROUNDS:-3}"
RECORDS="${RECORDS:-300000}"
WARMUP_RECORDS="${WARMUP_RECORDS:-100000}"
KEEP_WORK="${KEEP_WORK:-0}"
ENGINES="${ENGINES:-jdk openssl}"
for engine in $ENGINES; do
  case "${engine%.whole}" in jdk|openssl|openssl-*|jdk-*) ;; *) echo "ENGINES: \"$engine\" is not an engine; use jdk and/or openssl" >&2; exit 2 ;; esac
done
[ -n "${ENGINES// /}" ] || { echo "ENGINES is empty; use jdk and/or openssl" >&2; exit 2; }
GOAL=0.9
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
KEYTOOL="${JAVA_HOME:+$JAVA_HOME/bin/}keytool"
export JAVA
mkdir -p "$OUT"

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_for() { # wait_for DESCRIPTION SECONDS COMMAND...
  local what="$1" secs="$2"; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then log "timed out waiting for $what"; return 1; fi
    sleep 0.2
  done
}

# --- tools -----------------------------------------------------------------------------------
if [ ! -d "$LIBS" ] || [ -z "$(ls "$LIBS" 2>/dev/null)" ]; then
  log "fetching the Kafka 4.3.1 broker and perf tool jars"
  "$ROOT/mvnw" -B -ntp -q -f "$HERE/pom.xml" package
fi
if ! command -v haproxy >/dev/null; then
  log "installing haproxy"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo -n"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq haproxy >/dev/null
fi
HAPROXY="$(command -v haproxy)"

WORK="$(mktemp -d /tmp/cutover-e2e-tls.XXXXXX)"
PIDS=()
TOOL_PID=""
cleanup() {
  trap - EXIT INT TERM
  for pid in "$TOOL_PID" "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for pid in "$TOOL_PID" "${PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
  if [ "$KEEP_WORK" = 1 ]; then log "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Passwords for this run only; they live in environment variables and in the work directory, which
# is removed on exit.
secret() { python3 -c 'import secrets; print(secrets.token_hex(16))'; }
STORE_PW="$(secret)"
export BENCH_PASSWORD="$(secret)" BENCH_PROXY_UPSTREAM_PASSWORD="$(secret)" BENCH_PROXY_KEYSTORE_PASSWORD="$STORE_PW"

# --- certificates ----------------------------------------------------------------------------
log "making a CA, a broker and a proxy certificate with keytool"
kt() { "$KEYTOOL" "$@" -storepass "$STORE_PW" -noprompt >>"$WORK/keytool.log" 2>&1; }
kt -genkeypair -alias ca -keyalg RSA -keysize 2048 -validity 30 -dname "CN=cutover-bench-ca" \
  -ext bc:c -ext ku:c=keyCertSign,cRLSign -keystore "$WORK/ca.p12" -storetype PKCS12
kt -exportcert -rfc -alias ca -keystore "$WORK/ca.p12" -file "$WORK/ca.pem"
for name in broker proxy; do
  kt -genkeypair -alias "$name" -keyalg RSA -keysize 2048 -validity 30 -dname "CN=$name" \
    -keystore "$WORK/$name.p12" -storetype PKCS12
  kt -certreq -alias "$name" -keystore "$WORK/$name.p12" -file "$WORK/$name.csr"
  kt -gencert -alias ca -keystore "$WORK/ca.p12" -infile "$WORK/$name.csr" -outfile "$WORK/$name.crt" -rfc -validity 30 \
    -ext "SAN=IP:127.0.0.1,DNS:localhost" -ext ku:c=digitalSignature,keyEncipherment -ext eku=serverAuth,clientAuth
  kt -importcert -alias ca -file "$WORK/ca.pem" -keystore "$WORK/$name.p12"
  kt -importcert -alias "$name" -file "$WORK/$name.crt" -keystore "$WORK/$name.p12"
done

# --- broker ----------------------------------------------------------------------------------
INTERNAL_PORT=$(free_port); DIRECT_PORT=$(free_port); L4_BROKER_PORT=$(free_port); CONTROLLER_PORT=$(free_port)
HAPROXY_PORT=$(free_port)
SCRAM_JAAS="org.apache.kafka.common.security.scram.ScramLoginModule required;"
cat > "$WORK/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=INTERNAL://127.0.0.1:$INTERNAL_PORT,DIRECT://127.0.0.1:$DIRECT_PORT,L4://127.0.0.1:$L4_BROKER_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=INTERNAL://127.0.0.1:$INTERNAL_PORT,DIRECT://127.0.0.1:$DIRECT_PORT,L4://127.0.0.1:$HAPROXY_PORT
listener.security.protocol.map=INTERNAL:PLAINTEXT,DIRECT:SASL_SSL,L4:SASL_SSL,CONTROLLER:PLAINTEXT
inter.broker.listener.name=INTERNAL
controller.listener.names=CONTROLLER
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.direct.scram-sha-512.sasl.jaas.config=$SCRAM_JAAS
listener.name.l4.scram-sha-512.sasl.jaas.config=$SCRAM_JAAS
ssl.keystore.type=PKCS12
ssl.keystore.location=$WORK/broker.p12
ssl.keystore.password=$STORE_PW
ssl.key.password=$STORE_PW
ssl.client.auth=none
log.dirs=$WORK/data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
cat > "$WORK/log4j2.properties" <<'EOF'
rootLogger.level = warn
rootLogger.appenderRef.console.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = info
EOF
KAFKA_OPTS=(-Xms1g -Xmx1g "-Dlog4j2.configurationFile=$WORK/log4j2.properties")
log "formatting (with the SCRAM users) and starting the broker"
"$JAVA" -cp "$LIBS/*" kafka.tools.StorageTool format -t "$("$JAVA" -cp "$LIBS/*" kafka.tools.StorageTool random-uuid)" \
  -c "$WORK/server.properties" \
  --add-scram "SCRAM-SHA-512=[name=bench,password=$BENCH_PASSWORD]" \
  --add-scram "SCRAM-SHA-512=[name=cutover-proxy,password=$BENCH_PROXY_UPSTREAM_PASSWORD]" >"$WORK/format.log" 2>&1
"$JAVA" "${KAFKA_OPTS[@]}" -cp "$LIBS/*" kafka.Kafka "$WORK/server.properties" >"$WORK/broker.log" 2>&1 &
BROKER_PID=$!
PIDS+=($BROKER_PID)
wait_for "the broker" 90 grep -q "Kafka Server started" "$WORK/broker.log"

# --- haproxy (L4, TLS passed through) --------------------------------------------------------
cat > "$WORK/haproxy.cfg" <<EOF
global
  maxconn 4000
defaults
  mode tcp
  timeout connect 10s
  timeout client 10m
  timeout server 10m
frontend kafka
  bind 127.0.0.1:$HAPROXY_PORT
  default_backend broker
backend broker
  server b1 127.0.0.1:$L4_BROKER_PORT
EOF
"$HAPROXY" -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 &
HAPROXY_PID=$!
PIDS+=($HAPROXY_PID)

# --- Cutover Proxy: TLS + SASL on both sides -------------------------------------------------
# `users add` also builds the proxy if needed, so the proxy below starts straight into its JVM.
log "building (if needed) Cutover Proxy and writing its users file"
"$ROOT/bin/cutover-proxy" users add bench --file "$WORK/users.json" --password-env BENCH_PASSWORD >"$WORK/users.log" 2>&1 \
  || { cat "$WORK/users.log" >&2; exit 1; }
declare -A BOOTSTRAP PID_OF ADMIN_OF ENGINE_LINE
start_proxy() { # start_proxy ENGINE: one proxy with tls.engine = ENGINE, for the arm proxy-tls-ENGINE
  local engine="$1" arm="proxy-tls-$1" port admin first pid base="${1%.whole}" real opts="" extra=""
  real="${base%%-*}"
  [ "$base" != "$real" ] && opts="-Dcutover.tls.piece-bytes=${base#*-}"
  [ "$engine" != "$base" ] && extra="limits.stream-fetch-responses = false"
  # Broker ports 100 apart per proxy, so that two proxies never share one.
  port=$(free_port); admin=$(free_port); first=$(( 25000 + 100 * ${#PROXY_ARMS[@]} + port % 50 ))
  cat > "$WORK/proxy-$engine.conf" <<EOF
cutover-proxy {
  tls.engine = $real
  listener {
    bootstrap-port = $port
    broker-ports { first = $first, last = $((first + 20)) }
    tls {
      enabled = true
      keystore { file = "$WORK/proxy.p12", type = PKCS12, password-env = "BENCH_PROXY_KEYSTORE_PASSWORD" }
    }
    sasl { enabled = true, mechanisms = ["SCRAM-SHA-512"], users-file = "$WORK/users.json" }
  }
  clusters.source {
    bootstrap-servers = ["127.0.0.1:$DIRECT_PORT"]
    security {
      protocol = SASL_SSL
      # The figures were measured with one proxy user for every client; mapped is the default
      # once listener.sasl is on, and would need a mapping file.
      identity = service
      tls.ca-file = "$WORK/ca.pem"
      sasl { mechanism = SCRAM-SHA-512, username = "cutover-proxy", password-env = "BENCH_PROXY_UPSTREAM_PASSWORD" }
    }
  }
  admin.port = $admin
  state-dir = "$WORK/proxy-state-$engine"
  $extra
}
EOF
  log "starting Cutover Proxy with tls.engine = $engine (TLS and SASL terminated on both sides)"
  JAVA_OPTS="$opts" "$ROOT/bin/cutover-proxy" --config "$WORK/proxy-$engine.conf" >"$WORK/proxy-$engine.log" 2>&1 &
  pid=$!
  PIDS+=($pid)
  wait_for "the proxy ($engine)" 300 curl -sf "http://127.0.0.1:$admin/health" \
    || { tail -n 20 "$WORK/proxy-$engine.log" >&2; exit 1; }
  # The engine it really uses, as its metrics say.
  local metrics
  metrics="$(curl -sf "http://127.0.0.1:$admin/metrics")"
  grep -q "^cutover_proxy_tls_engine{engine=\"$real\",place=\"listener\"}" <<<"$metrics" \
    || { log "the proxy of $arm does not report TLS engine $engine on its listener"; exit 1; }
  BOOTSTRAP[$arm]="127.0.0.1:$port"; PID_OF[$arm]=$pid; ADMIN_OF[$arm]=$admin
  ENGINE_LINE[$arm]="$(grep -m 1 'listener TLS engine' "$WORK/proxy-$engine.log" | sed 's/^.*listener TLS engine: //' || true)"
}
PROXY_ARMS=()
for engine in $ENGINES; do
  start_proxy "$engine"
  PROXY_ARMS+=("proxy-tls-$engine")
done

# --- client configs --------------------------------------------------------------------------
cat > "$WORK/client.properties" <<EOF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="bench" password="$BENCH_PASSWORD";
ssl.truststore.type=PEM
ssl.truststore.location=$WORK/ca.pem
EOF
: > "$WORK/internal.properties"   # TopicCommand on the PLAINTEXT internal listener

BOOTSTRAP[direct-tls]="127.0.0.1:$DIRECT_PORT"; BOOTSTRAP[l4-tls]="127.0.0.1:$HAPROXY_PORT"; PID_OF[l4-tls]=$HAPROXY_PID

cpu_seconds() { # utime+stime of a process, in seconds
  python3 - "$1" <<'EOF'
import os, sys
fields = open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")", 1)[1].split()
print((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
EOF
}
peak_rss_mb() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }

# A Kafka tool in the background, waited for, so that an interrupt reaches cleanup at once and the
# tool is ended with everything else. run_tool OUTPUT-FILE CLASS ARGS...
run_tool() {
  local out="$1"; shift
  "$JAVA" -Xmx512m "-Dlog4j2.configurationFile=$WORK/log4j2.properties" -cp "$LIBS/*" "$@" >"$out" 2>"$out.err" &
  TOOL_PID=$!
  local rc=0
  wait "$TOOL_PID" || rc=$?
  TOOL_PID=""
  if [ "$rc" -ne 0 ]; then log "failed ($rc): ${*:1:1}"; tail -n 20 "$out" "$out.err" >&2; return "$rc"; fi
}
create_topic() {
  run_tool "$WORK/topic.out" org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$INTERNAL_PORT" \
    --command-config "$WORK/internal.properties" --create --topic "$1" --partitions 1 --replication-factor 1
}
produce() { # produce OUTPUT BOOTSTRAP TOPIC RECORDS
  run_tool "$1" org.apache.kafka.tools.ProducerPerformance --bootstrap-server "$2" --topic "$3" \
    --command-config "$WORK/client.properties" --num-records "$4" --record-size 1024 --throughput -1 \
    --command-property acks=1 linger.ms=5 batch.size=65536
}
consume() { # consume OUTPUT BOOTSTRAP TOPIC RECORDS
  run_tool "$1" org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$2" --topic "$3" \
    --command-config "$WORK/client.properties" --num-records "$4" --timeout 120000 --hide-header
}

RESULTS="$OUT/raw-results-tls.jsonl"
: > "$RESULTS"
PATHS=(direct-tls l4-tls "${PROXY_ARMS[@]}")
N=${#PATHS[@]}
if [ "$WARMUP_RECORDS" -gt 0 ]; then
  for path in "${PATHS[@]}"; do
    log "warm-up, $path: $WARMUP_RECORDS records through and back (not measured)"
    create_topic "warmup-$path"
    produce "$WORK/out" "${BOOTSTRAP[$path]}" "warmup-$path" "$WARMUP_RECORDS"
    consume "$WORK/out" "${BOOTSTRAP[$path]}" "warmup-$path" "$WARMUP_RECORDS"
  done
fi
for round in $(seq 1 "$ROUNDS"); do
  for i in $(seq 0 $((N - 1))); do
    path="${PATHS[$(( (i + round - 1) % N ))]}"
    bootstrap="${BOOTSTRAP[$path]}"
    topic="bench-$path-$round"
    create_topic "$topic"
    cpu_before=0
    [ -n "${PID_OF[$path]:-}" ] && cpu_before=$(cpu_seconds "${PID_OF[$path]}")
    broker_before=$(cpu_seconds "$BROKER_PID")
    log "round $round, $path: produce $RECORDS x 1 KiB, acks=1, unthrottled"
    produce "$WORK/produce.out" "$bootstrap" "$topic" "$RECORDS"
    log "round $round, $path: consume $RECORDS, unthrottled"
    consume "$WORK/consume.out" "$bootstrap" "$topic" "$RECORDS"
    cpu=""
    [ -n "${PID_OF[$path]:-}" ] && cpu=$(python3 -c "print($(cpu_seconds "${PID_OF[$path]}") - $cpu_before)")
    broker_cpu=$(python3 -c "print($(cpu_seconds "$BROKER_PID") - $broker_before)")
    python3 - "$path" "$round" "$(tail -n 1 "$WORK/produce.out")" "$(tail -n 1 "$WORK/consume.out")" "$cpu" "$broker_cpu" \
      "$RECORDS" >>"$RESULTS" <<'EOF'
import json, re, sys
path, rnd, produce, consume, cpu, broker_cpu, records = sys.argv[1:8]
m = re.search(r"([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, "
              r"(\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th", produce)
if not m:
    raise SystemExit(f"cannot parse ProducerPerformance output: {produce!r}")
fields = [f.strip() for f in consume.split(",")]
if len(fields) < 10:
    raise SystemExit(f"cannot parse ConsumerPerformance output: {consume!r}")
print(json.dumps({"path": path, "round": int(rnd),
                  "produce": {"records_per_sec": float(m[1]), "mb_per_sec": float(m[2]), "avg_ms": float(m[3]),
                              "p50_ms": int(m[5]), "p99_ms": int(m[7])},
                  "consume": {"mb": float(fields[2]), "mb_per_sec": float(fields[3]), "fetch_mb_per_sec": float(fields[8])},
                  "cpu_seconds": float(cpu) if cpu else None, "broker_cpu_seconds": float(broker_cpu),
                  "mb_moved": int(records) * 1024 / 1048576 * 2}))
EOF
  done
done

# Each proxy arm must really have been TLS + SASL on both sides: clients logged in to the proxy as
# bench, and the proxy's cluster is up (it logged in to the broker as cutover-proxy over SASL_SSL).
ARMS_FILE="$WORK/proxy-arms.tsv"
: > "$ARMS_FILE"
for arm in "${PROXY_ARMS[@]}"; do
  engine="${arm#proxy-tls-}"
  grep -q "logged in as bench" "$WORK/proxy-$engine.log" || { log "the proxy of $arm never logged a client in as bench"; exit 1; }
  curl -sf "http://127.0.0.1:${ADMIN_OF[$arm]}/health" >"$WORK/health-$engine.json"
  grep -q '"DOWN"' "$WORK/health-$engine.json" && { log "the proxy of $arm reports a cluster DOWN: $(cat "$WORK/health-$engine.json")"; exit 1; }
  printf '%s\t%s\t%s\n' "$arm" "$(peak_rss_mb "${PID_OF[$arm]}")" "${ENGINE_LINE[$arm]}" >>"$ARMS_FILE"
done

L4_RSS=$(peak_rss_mb "$HAPROXY_PID"); BROKER_RSS=$(peak_rss_mb "$BROKER_PID")
python3 - "$RESULTS" "$OUT/results-tls.json" "$ARMS_FILE" "$L4_RSS" "$BROKER_RSS" "$ROUNDS" "$RECORDS" "$WARMUP_RECORDS" \
  "$GOAL" <<'EOF'
import json, statistics, subprocess, sys, datetime, os
raw, out, arms_file, l4_rss, broker_rss, rounds, records, warmup, goal = sys.argv[1:10]
goal = float(goal)
rows = [json.loads(l) for l in open(raw)]
proxies = [l.rstrip("\n").split("\t", 2) for l in open(arms_file) if l.strip()]
PROXY_ARMS = [p[0] for p in proxies]
ARMS = ["direct-tls", "l4-tls"] + PROXY_ARMS
def vals(path, f):
    return [f(r) for r in rows if r["path"] == path]
m = {}
for p in ARMS:
    mb = sum(vals(p, lambda r: r["mb_moved"]))
    m[p] = {
        "produce_mb_s": statistics.median(vals(p, lambda r: r["produce"]["mb_per_sec"])),
        "consume_mb_s": statistics.median(vals(p, lambda r: r["consume"]["fetch_mb_per_sec"])),
        "produce_mb_s_rounds": vals(p, lambda r: r["produce"]["mb_per_sec"]),
        "consume_mb_s_rounds": vals(p, lambda r: r["consume"]["fetch_mb_per_sec"]),
        "broker_cpu_seconds_per_gb_moved": sum(vals(p, lambda r: r["broker_cpu_seconds"])) / (mb / 1024),
    }
    if p != "direct-tls":
        cpu = sum(vals(p, lambda r: r["cpu_seconds"]))
        m[p]["cpu_seconds_total"] = cpu
        m[p]["cpu_seconds_per_gb_moved"] = cpu / (mb / 1024)
m["l4-tls"]["peak_rss_mb"] = float(l4_rss)
engines = {}
for arm, rss, line in proxies:
    m[arm]["peak_rss_mb"] = float(rss)
    engines[arm] = line
def ratio(a, b):
    return a / b if b else None
ratios = {}
for k in ("produce_mb_s", "consume_mb_s"):
    ratios[k] = {"l4-tls/direct-tls": ratio(m["l4-tls"][k], m["direct-tls"][k])}
    for p in PROXY_ARMS:
        ratios[k][f"{p}/direct-tls"] = ratio(m[p][k], m["direct-tls"][k])
        ratios[k][f"{p}/l4-tls"] = ratio(m[p][k], m["l4-tls"][k])
ratios["cpu_per_gb"] = {f"{p}/haproxy": ratio(m[p]["cpu_seconds_per_gb_moved"], m["l4-tls"]["cpu_seconds_per_gb_moved"])
                        for p in PROXY_ARMS}
if "proxy-tls-jdk" in m and "proxy-tls-openssl" in m:
    ssl, jdk = m["proxy-tls-openssl"], m["proxy-tls-jdk"]
    ratios["produce_mb_s"]["proxy-tls-openssl/proxy-tls-jdk"] = ratio(ssl["produce_mb_s"], jdk["produce_mb_s"])
    ratios["consume_mb_s"]["proxy-tls-openssl/proxy-tls-jdk"] = ratio(ssl["consume_mb_s"], jdk["consume_mb_s"])
    ratios["cpu_per_gb"]["proxy-tls-openssl/proxy-tls-jdk"] = ratio(ssl["cpu_seconds_per_gb_moved"], jdk["cpu_seconds_per_gb_moved"])
goal_met = {p: {k: ratios[k][f"{p}/direct-tls"] is not None and ratios[k][f"{p}/direct-tls"] >= goal
                for k in ("produce_mb_s", "consume_mb_s")} for p in PROXY_ARMS}
cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
java = subprocess.run([os.environ.get("JAVA", "java"), "-version"], capture_output=True, text=True).stderr.splitlines()[0]
machine = {"cores": os.cpu_count(), "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
           "cpu": cpu_model, "java": java, "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
json.dump({"machine": machine, "rounds": int(rounds), "records": int(records), "warmup_records": int(warmup),
           "security": "SASL_SSL, SCRAM-SHA-512", "proxy_tls_engines": engines,
           "broker_peak_rss_mb": float(broker_rss), "medians": m, "ratios": ratios,
           "goal": {"proxy-tls/direct-tls at least": goal, "met": goal_met}, "runs": rows}, open(out, "w"), indent=2)
f = lambda x: "-" if x is None else (f"{x:.3f}" if isinstance(x, float) and x < 10 else f"{x:.1f}")
w = max(len(a) for a in ARMS) + 2
print(f"\nMachine: {machine['cores']} cores, {machine['memory_gb']} GiB, {machine['cpu']}; {machine['java']}; {machine['date']}")
print("All arms SASL_SSL with SCRAM-SHA-512. Proxy TLS engines: " + "; ".join(f"{a}: {engines[a] or '?'}" for a in PROXY_ARMS))
print(f"Medians over {rounds} rounds ({records} x 1 KiB records per produce run, acks=1, linger.ms=5, batch.size=65536;"
      f" one warm-up of {warmup} per arm):\n")
print(f"{'':20}" + "".join(f"{a:>{w}}" for a in ARMS))
for k, label in (("produce_mb_s", "produce MB/s"), ("consume_mb_s", "consume MB/s"), ("cpu_seconds_per_gb_moved", "CPU s per GB moved"),
                 ("peak_rss_mb", "peak RSS MB")):
    print(f"{label:20}" + "".join(f"{f(m[a].get(k)):>{w}}" for a in ARMS))
print()
for k, label in (("produce_mb_s", "produce"), ("consume_mb_s", "consume")):
    print(f"{label}: l4/direct {f(ratios[k]['l4-tls/direct-tls'])}; " + "; ".join(
        f"{p}/direct {f(ratios[k][f'{p}/direct-tls'])}, /l4 {f(ratios[k][f'{p}/l4-tls'])}" for p in PROXY_ARMS))
print("CPU per GB against haproxy: " + "; ".join(f"{p} {f(ratios['cpu_per_gb'][f'{p}/haproxy'])}x" for p in PROXY_ARMS))
if "proxy-tls-openssl/proxy-tls-jdk" in ratios["produce_mb_s"]:
    print(f"openssl/jdk: produce {f(ratios['produce_mb_s']['proxy-tls-openssl/proxy-tls-jdk'])}x, consume "
          f"{f(ratios['consume_mb_s']['proxy-tls-openssl/proxy-tls-jdk'])}x, CPU per GB "
          f"{f(ratios['cpu_per_gb']['proxy-tls-openssl/proxy-tls-jdk'])}x")
rnd = lambda xs: "[" + ", ".join(f"{x:.1f}" for x in xs) + "]"
print("\nPer round, produce / consume MB/s: " + "; ".join(
    f"{p} {rnd(m[p]['produce_mb_s_rounds'])} / {rnd(m[p]['consume_mb_s_rounds'])}" for p in ARMS))
print("Broker CPU seconds per GB moved: " + ", ".join(f"{p} {f(m[p]['broker_cpu_seconds_per_gb_moved'])}" for p in ARMS))
print(f"Broker peak RSS: {float(broker_rss)} MB")
for p in PROXY_ARMS:
    print(f"Goal ({p} at least {goal}x direct-tls): produce {'met' if goal_met[p]['produce_mb_s'] else 'not met'} "
          f"({f(ratios['produce_mb_s'][f'{p}/direct-tls'])}x), consume {'met' if goal_met[p]['consume_mb_s'] else 'not met'} "
          f"({f(ratios['consume_mb_s'][f'{p}/direct-tls'])}x)")
print(f"JSON: {out}")
EOF
