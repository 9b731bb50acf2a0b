#!/usr/bin/python3
"""A librdkafka client (confluent-kafka) for the flip tests: an idempotent producer and a consumer
group, talking only to the proxy, running until a stop file appears.

Usage: librdkafka_flip.py BOOTSTRAP TOPIC PARTITIONS EPOCH_FILE STOP_FILE EVENTS_FILE

Each record's value is "epoch:partition:seq", the epoch read from EPOCH_FILE when it is sent.
EVENTS_FILE gets one JSON object per line: {"acked": n} totals, {"consumed_epoch": e} the first
time an epoch is consumed, and {"error": "..."} for anything a callback or poll reported.
"""
import json
import os
import sys
import threading
import time

from confluent_kafka import Consumer, KafkaException, Producer

bootstrap, topic, partitions, epoch_file, stop_file, events_file = sys.argv[1:7]
partitions = int(partitions)
events = open(events_file, "a", buffering=1)
lock = threading.Lock()


def emit(obj):
    with lock:
        events.write(json.dumps(obj) + "\n")


def epoch():
    with open(epoch_file) as f:
        return int(f.read().strip() or "0")


def stopped():
    return os.path.exists(stop_file)


acked = [0]


def delivered(err, msg):
    if err is not None:
        emit({"error": "delivery: " + str(err)})
    else:
        acked[0] += 1


def produce():
    p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all",
                  "linger.ms": 2, "client.id": "librdkafka-flip-producer"})
    seq = [0] * partitions
    try:
        while not stopped():
            e = epoch()
            for part in range(partitions):
                p.produce(topic, value="%d:%d:%d" % (e, part, seq[part]), partition=part, on_delivery=delivered)
                seq[part] += 1
            p.poll(0)
            if seq[0] % 20 == 0:
                p.flush(30)
        p.flush(60)
    except Exception as ex:  # anything raised is a failure the test must see
        emit({"error": "producer: " + repr(ex)})
    emit({"acked": acked[0]})


def consume():
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "librdkafka-flip-" + str(os.getpid()),
                  "auto.offset.reset": "earliest", "client.id": "librdkafka-flip-consumer",
                  "error_cb": lambda err: emit({"error": "consumer error_cb: " + str(err)}) if err.fatal() else None})
    c.subscribe([topic])
    seen = set()
    try:
        while not stopped():
            msg = c.poll(0.1)
            if msg is None:
                continue
            if msg.error():
                if msg.error().fatal():
                    emit({"error": "consumer: " + str(msg.error())})
                continue
            e = int(msg.value().decode().split(":")[0])
            if e not in seen:
                seen.add(e)
                emit({"consumed_epoch": e})
    except KafkaException as ex:
        emit({"error": "consumer: " + repr(ex)})
    finally:
        c.close()


threads = [threading.Thread(target=produce), threading.Thread(target=consume)]
for t in threads:
    t.start()
for t in threads:
    t.join()
emit({"done": True})
