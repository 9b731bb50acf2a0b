// The round trip the kafkajs test clients share: produce COUNT records to TOPIC, read them back with
// a new consumer group, print one JSON line and exit 0 when every record came back (1 otherwise).
//
// partitions: spread the records over that many partitions (record i to partition i % partitions);
// 0 leaves the choice to kafkajs.

async function roundTrip(kafka, topic, count, groupPrefix, partitions) {
  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = 0; i < count; i++) {
    const value = `${groupPrefix}-${i}`;
    messages.push(partitions > 0 ? { partition: i % partitions, value } : { value });
  }
  await producer.send({ topic, messages });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `${groupPrefix}-${Date.now()}` });
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

function runAndExit(kafka, topic, count, groupPrefix, partitions) {
  roundTrip(kafka, topic, count, groupPrefix, partitions).then((consumed) => {
    console.log(JSON.stringify({ ok: consumed >= count, produced: count, consumed }));
    process.exit(consumed >= count ? 0 : 1);
  }).catch((e) => {
    console.log(JSON.stringify({ ok: false, error: `${e.name}: ${e.message}` }));
    process.exit(1);
  });
}

module.exports = { runAndExit };
