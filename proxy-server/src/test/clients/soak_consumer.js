// A kafkajs consumer group member for the soak: reads one topic from the beginning through the
// proxy only, committing as it goes (kafkajs commits after each batch), until a stop file appears.
//
// Usage: node soak_consumer.js BOOTSTRAP TOPIC GROUP NAME STOP_FILE EVENTS_FILE
// EVENTS_FILE gets JSON lines: {"read": ["partition:value", ...]} per batch, in the order read (a
// record read again after a rebalance is reported again), {"restart": "...", "at": ms} when kafkajs
// restarts the consumer after a crash (it does so only after errors it deems retriable, whatever
// restartOnFailure says), {"error": "...", "at": ms} for a crash it did not restart after (this
// script then starts a new consumer in the same group, as an application would, so that one crash
// does not silence the rest of the run; the error still fails the soak), and {"done": true}.
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
  // restartOnFailure is asked only for errors kafkajs deems retriable; for the others see below.
  retry: { retries: 60, initialRetryTime: 100, maxRetryTime: 2000, restartOnFailure: async () => true },
});

let current = null;

async function startConsumer() {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 20000, heartbeatInterval: 1000 });
  consumer.on(consumer.events.CRASH, (ev) => {
    const what = String(ev.payload.error && ev.payload.error.stack ? ev.payload.error.stack : ev.payload.error);
    if (ev.payload.restart) {
      emit({ restart: what, at: Date.now() });
      return;
    }
    emit({ error: 'consumer crash: ' + what, at: Date.now() });
    // kafkajs has stopped this consumer for good: start another, as an application would.
    if (current === consumer) {
      replace(consumer);
    }
  });
  current = consumer;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (batch.messages.length > 0) {
        emit({ read: batch.messages.map((m) => `${batch.partition}:${m.value.toString()}`) });
      }
    },
  });
}

async function replace(crashed) {
  await crashed.disconnect().catch(() => {});
  while (!stopped()) {
    await pause(1000);
    try {
      await startConsumer();
      return;
    } catch (err) {
      // Not an error of the soak's: the proxy or a broker may be down for a while. Try again.
    }
  }
}

async function main() {
  await startConsumer();
  while (!stopped()) {
    await pause(50);
  }
  // Leaving the group can wait on a rebalance or a coordinator still being found: not for long.
  const left = await Promise.race([current.disconnect().then(() => true), pause(20000).then(() => false)]);
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
