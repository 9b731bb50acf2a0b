// A kafkajs consumer group member for the soak: reads one topic from the beginning through the
// proxy only, committing as it goes (kafkajs commits after each batch), until a stop file appears.
//
// Usage: node soak_consumer.js BOOTSTRAP TOPIC GROUP NAME STOP_FILE EVENTS_FILE
// EVENTS_FILE gets JSON lines: {"read": ["partition:value", ...]} per batch, in the order read (a
// record read again after a rebalance is reported again), {"restart": "..."} when kafkajs restarts
// the consumer after a crash (it always does, see restartOnFailure), {"error": "..."} for a crash it
// did not restart after, and {"done": true}.
const fs = require('fs');
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, groupId, name, stopFile, eventsFile] = process.argv.slice(2);
const emit = (obj) => fs.appendFileSync(eventsFile, JSON.stringify(obj) + '\n');
const stopped = () => fs.existsSync(stopFile);
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const kafka = new Kafka({
  clientId: name,
  brokers: [bootstrap],
  logLevel: logLevel.NOTHING,
  // As an application would: a consumer that crashed, even on an error kafkajs does not retry
  // (a coordinator not found for minutes while a broker is down), is started again.
  retry: { retries: 60, initialRetryTime: 100, maxRetryTime: 2000, restartOnFailure: async () => true },
});

async function main() {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 20000, heartbeatInterval: 1000 });
  consumer.on(consumer.events.CRASH, (ev) => {
    const what = String(ev.payload.error && ev.payload.error.stack ? ev.payload.error.stack : ev.payload.error);
    emit(ev.payload.restart ? { restart: what } : { error: 'consumer crash: ' + what });
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (batch.messages.length > 0) {
        emit({ read: batch.messages.map((m) => `${batch.partition}:${m.value.toString()}`) });
      }
    },
  });
  while (!stopped()) {
    await pause(50);
  }
  // Leaving the group can wait on a rebalance or a coordinator still being found: not for long.
  const left = await Promise.race([consumer.disconnect().then(() => true), pause(20000).then(() => false)]);
  if (!left) {
    emit({ error: 'did not leave its group within 20 s of being stopped' });
  }
  emit({ done: true });
  process.exit(0);
}

main().catch((err) => {
  emit({ error: 'fatal: ' + (err && err.stack ? err.stack : String(err)) });
  process.exit(1);
});
