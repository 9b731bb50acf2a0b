// One kafkajs send whose two partitions are led by two brokers, sent while the client's metadata
// still names the old leader of the second partition: the test moved its leadership to the broker
// of the first one in between. Shows a kafkajs bug (tulios/kafkajs#1303), with or without a proxy.
//
//   node kafkajs_leader_move.js BOOTSTRAP TOPIC GO_FILE
//
// BOOTSTRAP may list several brokers, comma-separated. Sends "warm-0" to partition 0 and "warm-1" to partition 1 (which loads the metadata), prints
// WARM, waits for GO_FILE to exist, then sends "moved-0" and "moved-1" the same way and prints one
// JSON line: {"resolved": true, "offsets": {...}} when kafkajs counted the send done, or
// {"resolved": false, "error": "..."}.
const fs = require('fs');
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, goFile] = process.argv.slice(2);

const kafka = new Kafka({
  clientId: 'kafkajs-leader-move',
  brokers: bootstrap.split(',').map((b) => b.replace(/^[A-Z_]+:\/\//, '')),
  logLevel: logLevel.WARN,
  retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
});

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  // As the soak's producer and most applications that care run it.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: 'warm-0' }, { partition: 1, value: 'warm-1' }] });
  console.log('WARM');
  while (!fs.existsSync(goFile)) {
    await pause(50);
  }
  try {
    const answers = await producer.send({
      topic, acks: -1, messages: [{ partition: 0, value: 'moved-0' }, { partition: 1, value: 'moved-1' }],
    });
    const offsets = {};
    for (const a of answers) {
      offsets[a.partition] = a.baseOffset;
    }
    console.log(JSON.stringify({ resolved: true, offsets }));
  } catch (e) {
    console.log(JSON.stringify({ resolved: false, error: `${e.name}: ${e.message}` }));
  }
  await producer.disconnect();
}

main().catch((e) => {
  console.log(JSON.stringify({ resolved: false, error: `fatal ${e.name}: ${e.message}` }));
  process.exit(1);
});
