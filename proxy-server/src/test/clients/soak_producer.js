// A kafkajs idempotent producer for the soak: numbered records, one send per record, through
// the proxy only, until a stop file appears.
//
// Usage: node soak_producer.js BOOTSTRAP TOPIC PARTITIONS NAME STOP_FILE EVENTS_FILE
// Values are "NAME-n"; record n goes to partition n % PARTITIONS. EVENTS_FILE gets JSON lines:
// {"acked": ["partition:value", ...]} per acknowledged send, {"error": "..."}, and {"done": true}.
const fs = require('fs');
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, partitionsArg, name, stopFile, eventsFile] = process.argv.slice(2);
const partitions = parseInt(partitionsArg, 10);
const emit = (obj) => fs.appendFileSync(eventsFile, JSON.stringify(obj) + '\n');
const stopped = () => fs.existsSync(stopFile);
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const kafka = new Kafka({
  clientId: name,
  brokers: [bootstrap],
  logLevel: logLevel.NOTHING,
  // A switch or a cut-off target holds writes for seconds: retry for up to about two minutes, as the
  // Java producers' delivery timeout does.
  retry: { retries: 60, initialRetryTime: 100, maxRetryTime: 2000 },
});

async function main() {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let n = 0;
  while (!stopped()) {
    // One partition per send. A send that spans leaders can resolve without writing some of its records
    // when a failed partition's leadership moves to a broker that already answered (a kafkajs bug,
    // tulios/kafkajs#1303, shown without the proxy by KafkajsLeaderMoveTest); a killed broker does that.
    for (let i = 0; i < partitions && !stopped(); i++, n++) {
      const message = { partition: n % partitions, value: `${name}-${n}` };
      try {
        await producer.send({ topic, acks: -1, messages: [message] });
        emit({ acked: [`${message.partition}:${message.value}`] });
      } catch (err) {
        // Not acknowledged: in doubt, never sent again (a resend under new numbers would be a duplicate).
        emit({ error: 'send: ' + (err && err.stack ? err.stack : String(err)) });
      }
    }
    await pause(10);
  }
  await producer.disconnect();
  emit({ done: true });
}

main().catch((err) => {
  emit({ error: 'fatal: ' + (err && err.stack ? err.stack : String(err)) });
  process.exit(1);
});
