package io.cutover.proxy.server.net;

import io.cutover.proxy.core.routing.data.RequestScope;

/** What the routers share: the scope a request is routed in. */
final class RoutedRequests {
    private RoutedRequests() {
    }

    /** Where a request on this connection is going, with the routes as its client sees them now. */
    static RequestScope scope(ClientSession session) {
        var routing = session.proxy().routing();
        return new RequestScope(session.cluster(), session.routes(), session.rewriteContext().topicIds(), true,
            routing.producers(), routing.realProducerIds(), routing.transactionalProducers(), routing.adopter());
    }
}
