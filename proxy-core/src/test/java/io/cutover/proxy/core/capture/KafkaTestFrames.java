package io.cutover.proxy.core.capture;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.message.ApiMessageType;

/** Real Kafka frames (size prefix included), built with kafka-clients' generated message classes. */
final class KafkaTestFrames {
    static final short API_VERSIONS_VERSION = 3;
    static final short METADATA_VERSION = 12;

    private KafkaTestFrames() {
    }

    static byte[] request(ApiKeys api, short version, int correlationId, ApiMessage body) {
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(api.id).setRequestApiVersion(version)
            .setCorrelationId(correlationId).setClientId("capture-test");
        return encode(header, api.requestHeaderVersion(version), body, version);
    }

    static byte[] response(ApiKeys api, short version, int correlationId, ApiMessage body) {
        ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
        // ApiVersions responses always use header v0, so that any client can read them.
        short headerVersion = api == ApiKeys.API_VERSIONS ? 0 : api.responseHeaderVersion(version);
        return encode(header, headerVersion, body, version);
    }

    static byte[] apiVersionsRequest(int correlationId) {
        return request(ApiKeys.API_VERSIONS, API_VERSIONS_VERSION, correlationId,
            new ApiVersionsRequestData().setClientSoftwareName("capture-test").setClientSoftwareVersion("1.0"));
    }

    static byte[] apiVersionsResponse(int correlationId) {
        ApiVersionsResponseData data = new ApiVersionsResponseData().setErrorCode((short) 0)
            .setApiKeys(ApiVersionsResponse.filterApis(ApiMessageType.ListenerType.BROKER, true, true));
        return response(ApiKeys.API_VERSIONS, API_VERSIONS_VERSION, correlationId, data);
    }

    static byte[] metadataRequest(int correlationId, int topics) {
        return metadataRequest(correlationId, topics, METADATA_VERSION);
    }

    static byte[] metadataRequest(int correlationId, int topics, short version) {
        List<MetadataRequestData.MetadataRequestTopic> list = new ArrayList<>();
        for (int i = 0; i < topics; i++) {
            list.add(new MetadataRequestData.MetadataRequestTopic().setName("topic-" + i).setTopicId(Uuid.ZERO_UUID));
        }
        return request(ApiKeys.METADATA, version, correlationId, new MetadataRequestData().setTopics(list));
    }

    /** A Metadata response with {@code topics} topics of 8 partitions: about 250 bytes a topic. */
    static byte[] metadataResponse(int correlationId, int topics) {
        return metadataResponse(correlationId, topics, METADATA_VERSION);
    }

    static byte[] metadataResponse(int correlationId, int topics, short version) {
        MetadataResponseData data = new MetadataResponseData().setClusterId("capture-test-cluster").setControllerId(1);
        data.brokers().add(new MetadataResponseData.MetadataResponseBroker().setNodeId(1).setHost("broker-1").setPort(9092));
        for (int i = 0; i < topics; i++) {
            MetadataResponseData.MetadataResponseTopic t = new MetadataResponseData.MetadataResponseTopic()
                .setName("topic-" + i).setTopicId(version >= 10 ? Uuid.randomUuid() : Uuid.ZERO_UUID);
            for (int p = 0; p < 8; p++) {
                t.partitions().add(new MetadataResponseData.MetadataResponsePartition().setPartitionIndex(p).setLeaderId(1)
                    .setReplicaNodes(List.of(1)).setIsrNodes(List.of(1)));
            }
            data.topics().add(t);
        }
        return response(ApiKeys.METADATA, version, correlationId, data);
    }

    /** The frame without its size prefix, as {@link CapturedFrame#frame()} holds it. */
    static byte[] body(byte[] frame) {
        return Arrays.copyOfRange(frame, 4, frame.length);
    }

    private static byte[] encode(ApiMessage header, short headerVersion, ApiMessage body, short version) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int size = header.size(cache, headerVersion) + body.size(cache, version);
        ByteBuffer buf = ByteBuffer.allocate(4 + size);
        buf.putInt(size);
        ByteBufferAccessor out = new ByteBufferAccessor(buf);
        header.write(out, cache, headerVersion);
        body.write(out, cache, version);
        return buf.array();
    }
}
