package io.cutover.proxy.core.capture;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.codec.RequestFrames;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * The topics a request names, for a capture's topic filter. Only the data-path APIs are looked at;
 * for any other request, and for topic ids nobody can name, the answer is "none known", which the
 * filter keeps: a capture with a topic filter errs on keeping context rather than losing it.
 * Decoding happens only while a capture with a topic filter runs.
 */
public final class RequestTopics {
    private RequestTopics() {
    }

    public static List<String> of(ByteBuf frame, Function<Uuid, String> nameOfId) {
        ApiKeys api;
        try {
            api = ApiKeys.forId(RequestFrames.apiKey(frame));
        } catch (IllegalArgumentException e) {
            return List.of();
        }
        if (!named(api)) {
            return List.of();
        }
        ApiMessage m;
        try {
            m = MessageCodec.decodeRequest(frame, api, RequestFrames.apiVersion(frame));
        } catch (RuntimeException e) {
            return List.of();
        }
        List<String> topics = new ArrayList<>();
        switch (api) {
            case PRODUCE -> ((ProduceRequestData) m).topicData().forEach(t -> add(topics, t.name(), t.topicId(), nameOfId));
            case FETCH -> ((FetchRequestData) m).topics().forEach(t -> add(topics, t.topic(), t.topicId(), nameOfId));
            case LIST_OFFSETS -> ((ListOffsetsRequestData) m).topics().forEach(t -> topics.add(t.name()));
            case METADATA -> {
                MetadataRequestData md = (MetadataRequestData) m;
                if (md.topics() != null) {
                    md.topics().forEach(t -> add(topics, t.name(), t.topicId(), nameOfId));
                }
            }
            case OFFSET_COMMIT -> ((OffsetCommitRequestData) m).topics().forEach(t -> add(topics, t.name(), t.topicId(), nameOfId));
            case OFFSET_FETCH -> {
                OffsetFetchRequestData of = (OffsetFetchRequestData) m;
                if (of.topics() != null) {
                    of.topics().forEach(t -> topics.add(t.name()));
                }
                of.groups().forEach(g -> {
                    if (g.topics() != null) {
                        g.topics().forEach(t -> add(topics, t.name(), t.topicId(), nameOfId));
                    }
                });
            }
            case TXN_OFFSET_COMMIT -> ((TxnOffsetCommitRequestData) m).topics().forEach(t -> topics.add(t.name()));
            case OFFSET_FOR_LEADER_EPOCH -> ((OffsetForLeaderEpochRequestData) m).topics().forEach(t -> topics.add(t.topic()));
            case DELETE_RECORDS -> ((DeleteRecordsRequestData) m).topics().forEach(t -> topics.add(t.name()));
            default -> {
            }
        }
        return topics;
    }

    private static boolean named(ApiKeys api) {
        return switch (api) {
            case PRODUCE, FETCH, LIST_OFFSETS, METADATA, OFFSET_COMMIT, OFFSET_FETCH, TXN_OFFSET_COMMIT, OFFSET_FOR_LEADER_EPOCH,
                 DELETE_RECORDS -> true;
            default -> false;
        };
    }

    private static void add(List<String> topics, String name, Uuid id, Function<Uuid, String> nameOfId) {
        if (name != null && !name.isEmpty()) {
            topics.add(name);
        } else if (id != null && !Uuid.ZERO_UUID.equals(id)) {
            String resolved = nameOfId.apply(id);
            if (resolved != null) {
                topics.add(resolved);
            }
        }
    }
}
