package io.cutover.proxy.core.inventory;

/** What kind of application a client belongs to, as told by its client id, group protocol and topics. */
public enum ApplicationKind {
    /** A Kafka Streams application: its StreamThread clients, named after its application.id. */
    KAFKA_STREAMS("kafka-streams"),
    /** A Kafka Connect cluster: its workers (group protocol "connect") and its connectors' tasks. */
    KAFKA_CONNECT("kafka-connect"),
    /** MirrorMaker 2: its replication and checkpoint clients, or clients of its internal topics. */
    MIRRORMAKER2("mirrormaker2"),
    /** A consumer (in a group or assigning its partitions itself), producing or not. */
    CONSUMER("consumer"),
    /** A producer that reads nothing. */
    PRODUCER("producer"),
    /** Neither writes nor reads records: an admin client, a tool, or one not seen doing so yet. */
    OTHER("other");

    private final String label;

    ApplicationKind(String label) {
        this.label = label;
    }

    /** The name used in JSON, tables and the status page. */
    public String label() {
        return label;
    }
}
