// A kafkajs round trip through a proxy that terminates SASL (listener.sasl): log in with the given
// mechanism, produce COUNT records to TOPIC, read them back with a consumer group, print one JSON line.
//
//   node kafkajs_sasl.js BOOTSTRAP TOPIC MECHANISM USER PASSWORD COUNT
//
// Exits 0 when every record came back, 1 otherwise (the JSON line says what happened).
const { Kafka, logLevel } = require('kafkajs');
const { runAndExit } = require('./kafkajs_round_trip');

const [bootstrap, topic, mechanism, username, password, countText] = process.argv.slice(2);
const count = Number(countText);
const kafka = new Kafka({
  clientId: 'kafkajs-sasl',
  brokers: [bootstrap],
  sasl: { mechanism: mechanism.toLowerCase(), username, password },
  logLevel: logLevel.NOTHING,
  retry: { retries: 3 },
});

runAndExit(kafka, topic, count, 'kafkajs-sasl', 0);
