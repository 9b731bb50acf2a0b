// A kafkajs round trip through a proxy that terminates SASL (listener.sasl): log in with the given
// mechanism, produce COUNT records to TOPIC, read them back with a consumer group, print one JSON line.
//
//   node kafkajs_sasl.js BOOTSTRAP TOPIC MECHANISM USER PASSWORD COUNT
//
// Exits 0 when every record came back, 1 otherwise (the JSON line says what happened).
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, mechanism, username, password, countText] = process.argv.slice(2);
const count = Number(countText);
const kafka = new Kafka({
  clientId: 'kafkajs-sasl',
  brokers: [bootstrap],
  sasl: { mechanism: mechanism.toLowerCase(), username, password },
  logLevel: logLevel.NOTHING,
  retry: { retries: 3 },
});

async function main() {
  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = 0; i < count; i++) messages.push({ value: `kafkajs-${i}` });
  await producer.send({ topic, messages });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `kafkajs-sasl-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = new Set();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${seen.size} of ${count} within 60 s`)), 60_000);
    consumer.run({
      eachMessage: async ({ message }) => {
        seen.add(message.value.toString());
        if (seen.size >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  return seen.size;
}

main().then((consumed) => {
  console.log(JSON.stringify({ ok: consumed >= count, produced: count, consumed }));
  process.exit(consumed >= count ? 0 : 1);
}).catch((e) => {
  console.log(JSON.stringify({ ok: false, error: `${e.name}: ${e.message}` }));
  process.exit(1);
});
