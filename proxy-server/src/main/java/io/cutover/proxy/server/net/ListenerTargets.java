package io.cutover.proxy.server.net;

/** Creates the upstream target for each new connection on one listener. */
final class ListenerTargets {
    private ListenerTargets() {
    }

    @FunctionalInterface
    interface Factory {
        UpstreamTarget create();
    }
}
