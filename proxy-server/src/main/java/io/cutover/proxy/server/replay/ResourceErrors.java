package io.cutover.proxy.server.replay;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;

/**
 * Which resource each error of a response is about: the topic of a partition's error, the group of
 * a group's, the key of a coordinator lookup. The responses that carry errors per topic or group
 * are read field by field; any other error is put on the topic or group the request was routed by.
 * Each (resource, error) counts once per response, however many partitions carried it.
 */
final class ResourceErrors {
    /** One error on one resource; {@code type} and {@code name} are "" when the error names none. */
    record Found(String type, String name, Errors error) {
    }

    static final String TOPIC = "TOPIC";
    static final String GROUP = "GROUP";
    static final String TRANSACTIONAL_ID = "TRANSACTIONAL_ID";

    private ResourceErrors() {
    }

    /**
     * The errors of {@code response} to {@code request}; {@code topicNames} names a topic the
     * response gives by id only (null when unknown).
     */
    static Set<Found> of(ReplayConnection.Scheduled request, AbstractResponse response, Function<Uuid, String> topicNames) {
        Set<Found> found = new LinkedHashSet<>();
        ApiMessage data = response.data();
        switch (request.api()) {
            case METADATA -> {
                for (MetadataResponseData.MetadataResponseTopic t : ((MetadataResponseData) data).topics()) {
                    add(found, TOPIC, topic(t.name(), t.topicId(), topicNames), t.errorCode());
                }
            }
            case FETCH -> {
                FetchResponseData f = (FetchResponseData) data;
                add(found, "", "", f.errorCode());
                for (FetchResponseData.FetchableTopicResponse t : f.responses()) {
                    String name = topic(t.topic(), t.topicId(), topicNames);
                    t.partitions().forEach(p -> add(found, TOPIC, name, p.errorCode()));
                }
            }
            case LIST_OFFSETS -> {
                for (ListOffsetsResponseData.ListOffsetsTopicResponse t : ((ListOffsetsResponseData) data).topics()) {
                    t.partitions().forEach(p -> add(found, TOPIC, t.name(), p.errorCode()));
                }
            }
            case PRODUCE -> {
                for (ProduceResponseData.TopicProduceResponse t : ((ProduceResponseData) data).responses()) {
                    String name = topic(t.name(), t.topicId(), topicNames);
                    t.partitionResponses().forEach(p -> add(found, TOPIC, name, p.errorCode()));
                }
            }
            case OFFSET_FETCH -> {
                OffsetFetchResponseData o = (OffsetFetchResponseData) data;
                add(found, GROUP, request.routingGroup(), o.errorCode());
                o.topics().forEach(t -> t.partitions().forEach(p -> add(found, TOPIC, t.name(), p.errorCode())));
                for (OffsetFetchResponseData.OffsetFetchResponseGroup g : o.groups()) {
                    add(found, GROUP, g.groupId(), g.errorCode());
                    g.topics().forEach(t -> t.partitions().forEach(p -> add(found, TOPIC, topic(t.name(), t.topicId(), topicNames),
                        p.errorCode())));
                }
            }
            case OFFSET_COMMIT -> {
                for (OffsetCommitResponseData.OffsetCommitResponseTopic t : ((OffsetCommitResponseData) data).topics()) {
                    String name = topic(t.name(), t.topicId(), topicNames);
                    t.partitions().forEach(p -> add(found, TOPIC, name, p.errorCode()));
                }
            }
            case FIND_COORDINATOR -> {
                FindCoordinatorResponseData c = (FindCoordinatorResponseData) data;
                FindCoordinatorRequestData asked = (FindCoordinatorRequestData) request.body();
                String type = asked.keyType() == 1 ? TRANSACTIONAL_ID : GROUP;
                String key = asked.coordinatorKeys().isEmpty() ? asked.key() : asked.coordinatorKeys().get(0);
                add(found, type, key, c.errorCode());
                c.coordinators().forEach(k -> add(found, type, k.key(), k.errorCode()));
            }
            case DESCRIBE_GROUPS -> {
                for (DescribeGroupsResponseData.DescribedGroup g : ((DescribeGroupsResponseData) data).groups()) {
                    add(found, GROUP, g.groupId(), g.errorCode());
                }
            }
            default -> {
            }
        }
        if (found.isEmpty()) {
            // Errors of a response not read field by field: on what the request was routed by.
            String type = request.routingGroup() != null ? GROUP : request.routingTopic() != null ? TOPIC : "";
            String name = request.routingGroup() != null ? request.routingGroup() : request.routingTopic() != null ? request.routingTopic()
                : "";
            for (Map.Entry<Errors, Integer> e : response.errorCounts().entrySet()) {
                add(found, type, name, e.getKey().code());
            }
        }
        return found;
    }

    private static String topic(String name, Uuid id, Function<Uuid, String> topicNames) {
        if (name != null && !name.isEmpty()) {
            return name;
        }
        String known = id == null ? null : topicNames.apply(id);
        return known != null ? known : String.valueOf(id);
    }

    private static void add(Set<Found> found, String type, String name, short code) {
        if (code != Errors.NONE.code()) {
            found.add(new Found(name == null ? "" : type, name == null ? "" : name, Errors.forCode(code)));
        }
    }
}
