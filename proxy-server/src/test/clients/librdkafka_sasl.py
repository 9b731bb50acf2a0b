#!/usr/bin/python3
"""A librdkafka (confluent-kafka) round trip through a proxy that terminates SASL (listener.sasl):
log in with the given mechanism, produce COUNT records to TOPIC, read them back, print one JSON line.

Usage: librdkafka_sasl.py BOOTSTRAP TOPIC MECHANISM USER PASSWORD COUNT
Exits 0 when every record came back, 1 otherwise.
"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer

bootstrap, topic, mechanism, user, password, count = sys.argv[1:7]
count = int(count)
common = {"bootstrap.servers": bootstrap, "security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": mechanism,
          "sasl.username": user, "sasl.password": password}
errors = []
producer = Producer(dict(common, **{"error_cb": lambda e: errors.append(str(e))}))
for i in range(count):
    producer.produce(topic, value=f"librdkafka-{i}".encode())
left = producer.flush(60)
consumer = Consumer(dict(common, **{"group.id": f"librdkafka-sasl-{time.time()}", "auto.offset.reset": "earliest",
                                    "error_cb": lambda e: errors.append(str(e))}))
consumer.subscribe([topic])
seen = set()
deadline = time.time() + 60
while len(seen) < count and time.time() < deadline:
    m = consumer.poll(0.5)
    if m is not None and m.error() is None:
        seen.add(m.value().decode())
consumer.close()
ok = left == 0 and len(seen) >= count
print(json.dumps({"ok": ok, "produced": count - left, "consumed": len(seen), "errors": errors[:3]}))
sys.exit(0 if ok else 1)
