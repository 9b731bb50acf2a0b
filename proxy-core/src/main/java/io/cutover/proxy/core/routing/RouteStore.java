package io.cutover.proxy.core.routing;

/**
 * Where the route table survives restarts. One small interface, so a store shared by a fleet of
 * proxies can replace the file later.
 */
public interface RouteStore {
    /** The saved table, or null when none was ever saved. A corrupt store throws. */
    RouteTable load();

    void save(RouteTable table);

    static RouteStore inMemory() {
        return new RouteStore() {
            private volatile RouteTable saved;

            @Override
            public RouteTable load() {
                return saved;
            }

            @Override
            public void save(RouteTable table) {
                saved = table;
            }
        };
    }
}
