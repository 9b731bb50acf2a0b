// A kafkajs round trip through a proxy that serves every broker on one TLS port by server name
// (listener.tls.sni). kafkajs asks for each broker by the name the proxy advertises
// (broker-<id>.kafka.test); those names resolve nowhere here, so the socket factory connects to
// 127.0.0.1 and still sends the advertised name as the TLS server name and checks the certificate
// against it, as it would with DNS.
//
//   node kafkajs_sni.js BOOTSTRAP_NAME:PORT CA_PEM TOPIC COUNT
//
// Prints one line per broker name connected to ("CONNECTED <name>:<port>"), then one JSON line.
// Exits 0 when every record came back, 1 otherwise.
const fs = require('fs');
const tls = require('tls');
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, caFile, topic, countText] = process.argv.slice(2);
const count = Number(countText);
const ca = [fs.readFileSync(caFile)];
const named = new Set();

const socketFactory = ({ host, port, onConnect }) => {
  // Node checks the certificate against servername when one is given.
  const socket = tls.connect({ host: '127.0.0.1', port, servername: host, ca }, onConnect);
  socket.setKeepAlive(true, 60_000);
  if (!named.has(`${host}:${port}`)) {
    named.add(`${host}:${port}`);
    console.log(`CONNECTED ${host}:${port}`);
  }
  return socket;
};

const kafka = new Kafka({
  clientId: 'kafkajs-sni',
  brokers: [bootstrap],
  ssl: true,
  socketFactory,
  logLevel: logLevel.NOTHING,
  retry: { retries: 5 },
});

async function main() {
  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = 0; i < count; i++) messages.push({ partition: i % 2, value: `kafkajs-sni-${i}` });
  await producer.send({ topic, messages });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `kafkajs-sni-${Date.now()}` });
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
