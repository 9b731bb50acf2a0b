#!/usr/bin/python3
"""A librdkafka consumer group member (confluent-kafka) for the soak: reads one topic from the
beginning through the proxy only, committing every second, until a stop file appears.

Usage: soak_consumer.py BOOTSTRAP TOPIC GROUP NAME STOP_FILE EVENTS_FILE

EVENTS_FILE gets JSON lines: {"read": ["partition:value", ...]} per poll, in the order read (a
record read again after a rebalance is reported again), {"error": "..."} for a fatal error the
client reported or a message error other than the end of a partition, and {"done": true}.
"""
import json
import os
import sys

from confluent_kafka import Consumer, KafkaError

bootstrap, topic, group, name, stop_file, events_file = sys.argv[1:7]
events = open(events_file, "a", buffering=1)


def emit(obj):
    events.write(json.dumps(obj) + "\n")


consumer = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "client.id": name,
    "auto.offset.reset": "earliest",
    "enable.auto.commit": True,
    "auto.commit.interval.ms": 1000,
    "session.timeout.ms": 20000,
    "error_cb": lambda err: emit({"error": "client: %s" % err}) if err.fatal() else None,
})
consumer.subscribe([topic])
while not os.path.exists(stop_file):
    read = []
    for msg in consumer.consume(500, 0.2):
        if msg.error() is None:
            read.append("%d:%s" % (msg.partition(), msg.value().decode()))
        elif msg.error().code() != KafkaError._PARTITION_EOF:
            emit({"error": "message: %s" % msg.error()})
    if read:
        emit({"read": read})
consumer.close()
emit({"done": True})
