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
const { runAndExit } = require('./kafkajs_round_trip');

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
  // INFO (KAFKAJS_LOG_LEVEL to change it): a failed run's output then says what kafkajs saw, its group
  // assignment among it (the test prints it).
  logLevel: logLevel[process.env.KAFKAJS_LOG_LEVEL || 'INFO'],
  retry: { retries: 5 },
});

runAndExit(kafka, topic, count, 'kafkajs-sni', 2);
