#!/usr/bin/env bash
# End-to-end benchmark: Kafka's own ProducerPerformance and ConsumerPerformance against one real
# broker over four paths, in one run, rotating the order each round:
#
#   direct  - straight to the broker
#   l4      - through haproxy in `mode tcp` (one extra TCP hop, no Kafka awareness: the floor for
#             any proxy); the broker has a second listener that advertises haproxy's port
#   proxy   - through Cutover Proxy fronting that one cluster (bin/cutover-proxy --config ...)
#   routing - through a second Cutover Proxy in routing mode, the one users run a migration in: two
#             clusters configured (a second, idle broker is the target) and the benchmark topics
#             routed to the source, so every request is routed and producer ids are virtualised
#
# Both proxies run with the launcher's default JVM settings (no JAVA_OPTS), as users start them.
#
# Per path and round: produce 1 KiB records unthrottled (acks=1), produce at a fixed 5,000 msg/s
# for latency, consume unthrottled. Prints medians over the rounds (and the spread of p99), ratios
# against direct and against the L4 floor, and each proxy's CPU seconds and peak RSS; writes the
# same as JSON to benchmarks/e2e/target/results.json. On 2 cores a single latency run swings widely
# against haproxy, hence 5 rounds of 30 s by default.
#
# Before the measured rounds, each path gets one unmeasured warm-up run (WARMUP_RECORDS), so the
# JVMs involved (broker, tools, proxy) are past JIT compilation when CPU and speed are measured.
#
# Usage: benchmarks/e2e/run.sh   (ROUNDS=5 RECORDS=500000 LATENCY_SECONDS=30 WARMUP_RECORDS=200000 by default;
#        PROFILE=1 also records a JFR file per proxy into benchmarks/e2e/target/;
#        PROXY_CONF_EXTRA='limits.stream-fetch-responses = false' adds HOCON to both proxies' config)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/benchmarks/e2e"
OUT="$HERE/target"
LIBS="$OUT/libs"
ROUNDS="${ROUNDS:-5}"
RECORDS="${RECORDS:-500000}"
LATENCY_SECONDS="${LATENCY_SECONDS:-30}"
PROFILE="${PROFILE:-0}"
WARMUP_RECORDS="${WARMUP_RECORDS:-200000}"
RATE=5000
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
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

WORK="$(mktemp -d /tmp/cutover-e2e.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# --- broker ----------------------------------------------------------------------------------
DIRECT_PORT=$(free_port); L4_BROKER_PORT=$(free_port); CONTROLLER_PORT=$(free_port); HAPROXY_PORT=$(free_port)
cat > "$WORK/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=DIRECT://127.0.0.1:$DIRECT_PORT,L4://127.0.0.1:$L4_BROKER_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=DIRECT://127.0.0.1:$DIRECT_PORT,L4://127.0.0.1:$HAPROXY_PORT
listener.security.protocol.map=DIRECT:PLAINTEXT,L4:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=DIRECT
controller.listener.names=CONTROLLER
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
log "formatting and starting the broker"
"$JAVA" -cp "$LIBS/*" kafka.tools.StorageTool format -t "$("$JAVA" -cp "$LIBS/*" kafka.tools.StorageTool random-uuid)" \
  -c "$WORK/server.properties" >"$WORK/format.log" 2>&1
"$JAVA" "${KAFKA_OPTS[@]}" -cp "$LIBS/*" kafka.Kafka "$WORK/server.properties" >"$WORK/broker.log" 2>&1 &
PIDS+=($!)
wait_for "the broker" 90 grep -q "Kafka Server started" "$WORK/broker.log"

# The routing arm's target: a second, idle cluster, so that proxy runs in routing mode.
TARGET_PORT=$(free_port); TARGET_CONTROLLER_PORT=$(free_port)
cat > "$WORK/target.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$TARGET_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$TARGET_PORT,CONTROLLER://127.0.0.1:$TARGET_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$TARGET_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$WORK/target-data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
EOF
"$JAVA" -cp "$LIBS/*" kafka.tools.StorageTool format -t "$("$JAVA" -cp "$LIBS/*" kafka.tools.StorageTool random-uuid)" \
  -c "$WORK/target.properties" >"$WORK/target-format.log" 2>&1
"$JAVA" -Xms256m -Xmx256m "-Dlog4j2.configurationFile=$WORK/log4j2.properties" -cp "$LIBS/*" kafka.Kafka "$WORK/target.properties" \
  >"$WORK/target.log" 2>&1 &
PIDS+=($!)
wait_for "the target broker" 90 grep -q "Kafka Server started" "$WORK/target.log"

# --- haproxy (L4) ----------------------------------------------------------------------------
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

# --- Cutover Proxy: one cluster, and routing mode -------------------------------------------
start_proxy() { # start_proxy NAME CLUSTERS-HOCON FIRST-BROKER-PORT-BASE; sets PROXY_PORT_<NAME> and PROXY_PID_<NAME>
  local name="$1" clusters="$2" base="$3" port admin first opts=""
  port=$(free_port); admin=$(free_port); first=$(( base + port % 1000 ))
  cat > "$WORK/$name.conf" <<EOF
cutover-proxy {
  listener { bootstrap-port = $port, broker-ports { first = $first, last = $((first + 20)) } }
  $clusters
  admin.port = $admin
  state-dir = "$WORK/$name-state"
  ${PROXY_CONF_EXTRA:-}
}
EOF
  [ "$PROFILE" = 1 ] && opts="-XX:StartFlightRecording=filename=$OUT/$name.jfr,settings=profile,dumponexit=true"
  log "building (if needed) and starting Cutover Proxy ($name)"
  JAVA_OPTS="$opts" "$ROOT/bin/cutover-proxy" --config "$WORK/$name.conf" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  eval "PROXY_PID_$name=$!; PROXY_PORT_$name=$port"
  wait_for "the proxy ($name)" 300 curl -sf "http://127.0.0.1:$admin/health"
}
start_proxy proxy "clusters.source.bootstrap-servers = [\"127.0.0.1:$DIRECT_PORT\"]" 21000
start_proxy routing "clusters { source.bootstrap-servers = [\"127.0.0.1:$DIRECT_PORT\"], target.bootstrap-servers = [\"127.0.0.1:$TARGET_PORT\"] }" 23000

declare -A BOOTSTRAP=([direct]="127.0.0.1:$DIRECT_PORT" [l4]="127.0.0.1:$HAPROXY_PORT" [proxy]="127.0.0.1:$PROXY_PORT_proxy"
                     [routing]="127.0.0.1:$PROXY_PORT_routing")
declare -A PID_OF=([l4]=$HAPROXY_PID [proxy]=$PROXY_PID_proxy [routing]=$PROXY_PID_routing)

cpu_seconds() { # utime+stime of a process, in seconds
  python3 - "$1" <<'EOF'
import os, sys
fields = open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")", 1)[1].split()
print((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
EOF
}
peak_rss_mb() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }

tool() { "$JAVA" -Xmx512m "-Dlog4j2.configurationFile=$WORK/log4j2.properties" -cp "$LIBS/*" "$@"; }

RESULTS="$OUT/raw-results.jsonl"
: > "$RESULTS"
PATHS=(direct l4 proxy routing)
if [ "$WARMUP_RECORDS" -gt 0 ]; then
  for path in "${PATHS[@]}"; do
    log "warm-up, $path: $WARMUP_RECORDS records through and back (not measured)"
    tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$DIRECT_PORT" --create --topic "warmup-$path" \
      --partitions 1 --replication-factor 1 >/dev/null
    tool org.apache.kafka.tools.ProducerPerformance --bootstrap-server "${BOOTSTRAP[$path]}" --topic "warmup-$path" \
      --num-records "$WARMUP_RECORDS" --record-size 1024 --throughput -1 --command-property acks=1 >/dev/null
    tool org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "${BOOTSTRAP[$path]}" --topic "warmup-$path" \
      --num-records "$WARMUP_RECORDS" --timeout 120000 --hide-header >/dev/null
  done
fi
for round in $(seq 1 "$ROUNDS"); do
  for i in 0 1 2 3; do
    path="${PATHS[$(( (i + round - 1) % 4 ))]}"
    bootstrap="${BOOTSTRAP[$path]}"
    topic="bench-$path-$round"
    tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$DIRECT_PORT" --create --topic "$topic" \
      --partitions 1 --replication-factor 1 >/dev/null
    cpu_before=0
    [ -n "${PID_OF[$path]:-}" ] && cpu_before=$(cpu_seconds "${PID_OF[$path]}")
    log "round $round, $path: produce $RECORDS x 1 KiB, acks=1, unthrottled"
    produce=$(tool org.apache.kafka.tools.ProducerPerformance --bootstrap-server "$bootstrap" --topic "$topic" \
      --num-records "$RECORDS" --record-size 1024 --throughput -1 --command-property acks=1 linger.ms=5 batch.size=65536 | tail -n 1)
    log "round $round, $path: produce at $RATE msg/s for ${LATENCY_SECONDS}s"
    latency=$(tool org.apache.kafka.tools.ProducerPerformance --bootstrap-server "$bootstrap" --topic "$topic-latency" \
      --num-records $((RATE * LATENCY_SECONDS)) --record-size 1024 --throughput "$RATE" --command-property acks=1 | tail -n 1)
    log "round $round, $path: consume $RECORDS, unthrottled"
    consume=$(tool org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$bootstrap" --topic "$topic" \
      --num-records "$RECORDS" --timeout 120000 --hide-header | tail -n 1)
    cpu=""
    [ -n "${PID_OF[$path]:-}" ] && cpu=$(python3 -c "print($(cpu_seconds "${PID_OF[$path]}") - $cpu_before)")
    python3 - "$path" "$round" "$produce" "$latency" "$consume" "$cpu" "$RECORDS" >>"$RESULTS" <<'EOF'
import json, re, sys
path, rnd, produce, latency, consume, cpu, records = sys.argv[1:8]
def perf(line):
    m = re.search(r"([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, "
                  r"(\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th", line)
    if not m:
        raise SystemExit(f"cannot parse ProducerPerformance output: {line!r}")
    return {"records_per_sec": float(m[1]), "mb_per_sec": float(m[2]), "avg_ms": float(m[3]), "p50_ms": int(m[5]), "p99_ms": int(m[7])}
fields = [f.strip() for f in consume.split(",")]
if len(fields) < 10:
    raise SystemExit(f"cannot parse ConsumerPerformance output: {consume!r}")
mb = float(fields[2])
print(json.dumps({"path": path, "round": int(rnd), "produce": perf(produce), "latency": perf(latency),
                  "consume": {"mb": mb, "mb_per_sec": float(fields[3]), "fetch_mb_per_sec": float(fields[8])},
                  "cpu_seconds": float(cpu) if cpu else None, "mb_moved": int(records) * 1024 / 1048576 * 2}))
EOF
  done
done

L4_RSS=$(peak_rss_mb "$HAPROXY_PID"); PROXY_RSS=$(peak_rss_mb "$PROXY_PID_proxy"); ROUTING_RSS=$(peak_rss_mb "$PROXY_PID_routing")
if [ "$PROFILE" = 1 ]; then
  for name in proxy routing; do
    jcmd "${PID_OF[$name]}" JFR.dump filename="$OUT/$name.jfr" >/dev/null 2>&1 || true
  done
fi
python3 - "$RESULTS" "$OUT/results.json" "$L4_RSS" "$PROXY_RSS" "$ROUTING_RSS" "$ROUNDS" "$RECORDS" "$LATENCY_SECONDS" <<'EOF'
import json, statistics, subprocess, sys, datetime, os
raw, out, l4_rss, proxy_rss, routing_rss, rounds, records, latency_seconds = sys.argv[1:9]
rows = [json.loads(l) for l in open(raw)]
ARMS = ("direct", "l4", "proxy", "routing")
def vals(path, f):
    return [f(r) for r in rows if r["path"] == path]
m = {}
for p in ARMS:
    m[p] = {
        "produce_mb_s": statistics.median(vals(p, lambda r: r["produce"]["mb_per_sec"])),
        "consume_mb_s": statistics.median(vals(p, lambda r: r["consume"]["fetch_mb_per_sec"])),
        "p50_ms_at_5k": statistics.median(vals(p, lambda r: r["latency"]["p50_ms"])),
        "p99_ms_at_5k": statistics.median(vals(p, lambda r: r["latency"]["p99_ms"])),
        "p99_ms_at_5k_rounds": vals(p, lambda r: r["latency"]["p99_ms"]),
    }
    if p != "direct":
        cpu = sum(vals(p, lambda r: r["cpu_seconds"]))
        mb = sum(vals(p, lambda r: r["mb_moved"]))
        m[p]["cpu_seconds_total"] = cpu
        m[p]["cpu_seconds_per_gb_moved"] = cpu / (mb / 1024)
m["l4"]["peak_rss_mb"] = float(l4_rss); m["proxy"]["peak_rss_mb"] = float(proxy_rss); m["routing"]["peak_rss_mb"] = float(routing_rss)
ratios = {}
for k in ("produce_mb_s", "consume_mb_s", "p50_ms_at_5k", "p99_ms_at_5k"):
    ratios[k] = {}
    for p in ("l4", "proxy", "routing"):
        ratios[k][p + "/direct"] = m[p][k] / m["direct"][k] if m["direct"][k] else None
    for p in ("proxy", "routing"):
        ratios[k][p + "/l4"] = m[p][k] / m["l4"][k] if m["l4"][k] else None
ratios["cpu_per_gb"] = {p + "/l4": m[p]["cpu_seconds_per_gb_moved"] / m["l4"]["cpu_seconds_per_gb_moved"] for p in ("proxy", "routing")}
cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
java = subprocess.run([os.environ.get("JAVA", "java"), "-version"], capture_output=True, text=True).stderr.splitlines()[0]
machine = {"cores": os.cpu_count(), "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
           "cpu": cpu_model, "java": java, "date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")}
json.dump({"machine": machine, "rounds": int(rounds), "records": int(records), "latency_seconds": int(latency_seconds),
           "medians": m, "ratios": ratios, "runs": rows}, open(out, "w"), indent=2)
f = lambda x: "-" if x is None else (f"{x:.3f}" if isinstance(x, float) and x < 10 else f"{x:.1f}")
print(f"\nMachine: {machine['cores']} cores, {machine['memory_gb']} GiB, {machine['cpu']}; {machine['java']}; {machine['date']}")
print(f"Medians over {rounds} rounds ({records} x 1 KiB records per produce run; latency at 5,000 msg/s for {latency_seconds} s):\n")
print(f"{'':16}{'direct':>9}{'l4':>9}{'proxy':>9}{'routing':>9}   {'l4/direct':>9}{'proxy/l4':>9}{'routing/l4':>11}")
for k, label in (("produce_mb_s", "produce MB/s"), ("consume_mb_s", "consume MB/s"), ("p50_ms_at_5k", "p50 ms @5k"), ("p99_ms_at_5k", "p99 ms @5k")):
    print(f"{label:16}{f(m['direct'][k]):>9}{f(m['l4'][k]):>9}{f(m['proxy'][k]):>9}{f(m['routing'][k]):>9}   "
          f"{f(ratios[k]['l4/direct']):>9}{f(ratios[k]['proxy/l4']):>9}{f(ratios[k]['routing/l4']):>11}")
print("\np99 ms @5k per round: " + "; ".join(f"{p} {m[p]['p99_ms_at_5k_rounds']}" for p in ARMS))
print(f"CPU seconds per GB moved: haproxy {f(m['l4']['cpu_seconds_per_gb_moved'])}, proxy {f(m['proxy']['cpu_seconds_per_gb_moved'])}"
      f" ({f(ratios['cpu_per_gb']['proxy/l4'])}x), routing {f(m['routing']['cpu_seconds_per_gb_moved'])}"
      f" ({f(ratios['cpu_per_gb']['routing/l4'])}x)")
print(f"Peak RSS: haproxy {m['l4']['peak_rss_mb']} MB, proxy {m['proxy']['peak_rss_mb']} MB, routing {m['routing']['peak_rss_mb']} MB")
print(f"JSON: {out}")
EOF
