package io.cutover.proxy.core.state;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One place an audit record is kept. {@link AuditLog} hands every record to each of its sinks in
 * turn, and the change it describes is acknowledged only once all of them have it.
 */
public interface AuditSink {
    /**
     * Returns once the record is durable here. The record is shared with the other sinks: copy it
     * before adding to it.
     *
     * @throws java.io.UncheckedIOException when it is not, so the change is answered as failed
     */
    void append(ObjectNode record);
}
