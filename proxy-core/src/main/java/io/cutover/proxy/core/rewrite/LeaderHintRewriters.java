package io.cutover.proxy.core.rewrite;

import io.cutover.proxy.core.rewrite.LeaderHintRewriter.Endpoints;
import io.cutover.proxy.core.rewrite.LeaderHintRewriter.NodeIdField;
import io.cutover.proxy.core.rewrite.LeaderHintRewriter.Partitions;
import java.util.List;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ShareAcknowledgeResponseData;
import org.apache.kafka.common.message.ShareFetchResponseData;

/**
 * Where each response with KIP-951 leader hints keeps them. Fetch also names a KIP-392 preferred read
 * replica; Produce has no top-level error code. Records are never touched.
 */
public final class LeaderHintRewriters {
    private LeaderHintRewriters() {
    }

    /** On NOT_LEADER_OR_FOLLOWER a Produce v10+ response names the new leader and its address. */
    public static final ResponseRewriter<ProduceResponseData> PRODUCE = new LeaderHintRewriter<>(r -> 0,
        new Partitions<>(ProduceResponseData::responses, ProduceResponseData.TopicProduceResponse::partitionResponses,
            ProduceResponseData.PartitionProduceResponse::errorCode,
            List.of(new NodeIdField<>(p -> p.currentLeader().leaderId(), (p, id) -> p.currentLeader().setLeaderId(id)))),
        new Endpoints<>(ProduceResponseData::nodeEndpoints, ProduceResponseData::setNodeEndpoints, new NodeEndpoints.Shape<>(
            ProduceResponseData.NodeEndpointCollection::new, ProduceResponseData.NodeEndpoint::nodeId, ProduceResponseData.NodeEndpoint::host,
            ProduceResponseData.NodeEndpoint::port, ProduceResponseData.NodeEndpoint::rack,
            (id, host, port, rack) -> new ProduceResponseData.NodeEndpoint().setNodeId(id).setHost(host).setPort(port).setRack(rack))));

    /** Fetch v16+ leader hints, and the preferred read replica of follower fetching. */
    public static final ResponseRewriter<FetchResponseData> FETCH = new LeaderHintRewriter<>(FetchResponseData::errorCode,
        new Partitions<>(FetchResponseData::responses, FetchResponseData.FetchableTopicResponse::partitions,
            FetchResponseData.PartitionData::errorCode,
            List.of(new NodeIdField<>(p -> p.currentLeader().leaderId(), (p, id) -> p.currentLeader().setLeaderId(id)),
                new NodeIdField<>(FetchResponseData.PartitionData::preferredReadReplica, FetchResponseData.PartitionData::setPreferredReadReplica))),
        new Endpoints<>(FetchResponseData::nodeEndpoints, FetchResponseData::setNodeEndpoints, new NodeEndpoints.Shape<>(
            FetchResponseData.NodeEndpointCollection::new, FetchResponseData.NodeEndpoint::nodeId, FetchResponseData.NodeEndpoint::host,
            FetchResponseData.NodeEndpoint::port, FetchResponseData.NodeEndpoint::rack,
            (id, host, port, rack) -> new FetchResponseData.NodeEndpoint().setNodeId(id).setHost(host).setPort(port).setRack(rack))));

    /** Share groups (KIP-932) carry the same leader hints as Fetch. */
    public static final ResponseRewriter<ShareFetchResponseData> SHARE_FETCH = new LeaderHintRewriter<>(ShareFetchResponseData::errorCode,
        new Partitions<>(ShareFetchResponseData::responses, ShareFetchResponseData.ShareFetchableTopicResponse::partitions,
            ShareFetchResponseData.PartitionData::errorCode,
            List.of(new NodeIdField<>(p -> p.currentLeader().leaderId(), (p, id) -> p.currentLeader().setLeaderId(id)))),
        new Endpoints<>(ShareFetchResponseData::nodeEndpoints, ShareFetchResponseData::setNodeEndpoints, new NodeEndpoints.Shape<>(
            ShareFetchResponseData.NodeEndpointCollection::new, ShareFetchResponseData.NodeEndpoint::nodeId,
            ShareFetchResponseData.NodeEndpoint::host, ShareFetchResponseData.NodeEndpoint::port, ShareFetchResponseData.NodeEndpoint::rack,
            (id, host, port, rack) -> new ShareFetchResponseData.NodeEndpoint().setNodeId(id).setHost(host).setPort(port).setRack(rack))));

    /** Share acknowledgements carry the same leader hints as ShareFetch. */
    public static final ResponseRewriter<ShareAcknowledgeResponseData> SHARE_ACKNOWLEDGE = new LeaderHintRewriter<>(
        ShareAcknowledgeResponseData::errorCode,
        new Partitions<>(ShareAcknowledgeResponseData::responses, ShareAcknowledgeResponseData.ShareAcknowledgeTopicResponse::partitions,
            ShareAcknowledgeResponseData.PartitionData::errorCode,
            List.of(new NodeIdField<>(p -> p.currentLeader().leaderId(), (p, id) -> p.currentLeader().setLeaderId(id)))),
        new Endpoints<>(ShareAcknowledgeResponseData::nodeEndpoints, ShareAcknowledgeResponseData::setNodeEndpoints,
            new NodeEndpoints.Shape<>(ShareAcknowledgeResponseData.NodeEndpointCollection::new,
                ShareAcknowledgeResponseData.NodeEndpoint::nodeId, ShareAcknowledgeResponseData.NodeEndpoint::host,
                ShareAcknowledgeResponseData.NodeEndpoint::port, ShareAcknowledgeResponseData.NodeEndpoint::rack,
                (id, host, port, rack) -> new ShareAcknowledgeResponseData.NodeEndpoint().setNodeId(id).setHost(host).setPort(port)
                    .setRack(rack))));
}
