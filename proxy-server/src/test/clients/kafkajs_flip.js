// A kafkajs client for the flip tests: an idempotent producer and a consumer group, talking only to
// the proxy, running until a stop file appears.
//
// Usage: node kafkajs_flip.js BOOTSTRAP TOPIC PARTITIONS EPOCH_FILE STOP_FILE EVENTS_FILE
// Values are "epoch:partition:seq"; EVENTS_FILE gets JSON lines: {"acked": n}, {"consumed_epoch": e},
// {"error": "..."}.
const fs = require('fs');
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, partitionsArg, epochFile, stopFile, eventsFile] = process.argv.slice(2);
const partitions = parseInt(partitionsArg, 10);
const emit = (obj) => fs.appendFileSync(eventsFile, JSON.stringify(obj) + '\n');
const epoch = () => parseInt(fs.readFileSync(epochFile, 'utf8').trim() || '0', 10);
const stopped = () => fs.existsSync(stopFile);

const kafka = new Kafka({
  clientId: 'kafkajs-flip',
  brokers: [bootstrap],
  logLevel: logLevel.NOTHING,
  retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 2000 },
});

async function produce() {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const seq = new Array(partitions).fill(0);
  let acked = 0;
  try {
    while (!stopped()) {
      const e = epoch();
      const messages = [];
      for (let p = 0; p < partitions; p++) {
        messages.push({ partition: p, value: `${e}:${p}:${seq[p]++}` });
      }
      await producer.send({ topic, acks: -1, messages });
      acked += messages.length;
    }
  } catch (err) {
    emit({ error: 'producer: ' + (err && err.stack ? err.stack : String(err)) });
  }
  emit({ acked });
  await producer.disconnect();
}

async function consume() {
  const consumer = kafka.consumer({ groupId: 'kafkajs-flip-' + process.pid });
  const seen = new Set();
  consumer.on(consumer.events.CRASH, (ev) => emit({ error: 'consumer crash: ' + ev.payload.error }));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const e = parseInt(message.value.toString().split(':')[0], 10);
      if (!seen.has(e)) {
        seen.add(e);
        emit({ consumed_epoch: e });
      }
    },
  });
  while (!stopped()) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await consumer.disconnect();
}

Promise.all([produce(), consume()])
  .then(() => { emit({ done: true }); process.exit(0); })
  .catch((err) => { emit({ error: 'fatal: ' + String(err) }); emit({ done: true }); process.exit(1); });
