#!/usr/bin/python3
"""A librdkafka idempotent producer (confluent-kafka) for the soak: numbered records through the
proxy only, until a stop file appears.

Usage: soak_producer.py BOOTSTRAP TOPIC PARTITIONS NAME STOP_FILE EVENTS_FILE

Values are "NAME-n"; record n goes to partition n % PARTITIONS. EVENTS_FILE gets JSON lines:
{"acked": ["partition:value"]} per acknowledged record, {"error": "..."} for a record not delivered
or an error the client reported, and {"done": true}.
"""
import json
import os
import sys
import threading
import time

from confluent_kafka import Producer

bootstrap, topic, partitions, name, stop_file, events_file = sys.argv[1:7]
partitions = int(partitions)
events = open(events_file, "a", buffering=1)
lock = threading.Lock()


def emit(obj):
    with lock:
        events.write(json.dumps(obj) + "\n")


def delivered(err, msg):
    if err is not None:
        emit({"error": "delivery: %s" % err})
    else:
        emit({"acked": ["%d:%s" % (msg.partition(), msg.value().decode())]})


producer = Producer({
    "bootstrap.servers": bootstrap,
    "client.id": name,
    "enable.idempotence": True,
    "acks": "all",
    "linger.ms": 5,
    # As the Java producers: a switch or a cut-off target holds writes for seconds.
    "message.timeout.ms": 120000,
    "error_cb": lambda err: emit({"error": "client: %s" % err}) if err.fatal() else None,
})

n = 0
while not os.path.exists(stop_file):
    producer.produce(topic, value=("%s-%d" % (name, n)).encode(), partition=n % partitions, on_delivery=delivered)
    n += 1
    producer.poll(0)
    time.sleep(0.005)
left = producer.flush(150)
if left:
    emit({"error": "%d records still undelivered at the end" % left})
emit({"done": True})
