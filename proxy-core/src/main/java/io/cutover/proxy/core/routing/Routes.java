package io.cutover.proxy.core.routing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The live route table. Readers take the current snapshot with one volatile read; a change is a
 * compare-and-set on the version, so two operators cannot overwrite each other, and it is persisted
 * before it becomes visible, so a restart never reverts a flip.
 */
public final class Routes {
    private final RouteStore store;
    private final List<String> clusters;
    private final List<Consumer<RouteTable>> listeners = new CopyOnWriteArrayList<>();
    private volatile RouteTable current;

    public Routes(RouteStore store, List<String> clusters) {
        this.store = store;
        this.clusters = List.copyOf(clusters);
        RouteTable loaded = store.load();
        this.current = (loaded == null ? RouteTable.initial() : loaded).validate(clusters);
    }

    public RouteTable current() {
        return current;
    }

    public List<String> clusters() {
        return clusters;
    }

    /**
     * Replaces the table if its version is still {@code expectedVersion}.
     *
     * @throws VersionConflictException when someone else changed it first
     */
    public synchronized RouteTable replace(long expectedVersion, RouteTable next) {
        RouteTable now = current;
        if (now.version() != expectedVersion) {
            throw new VersionConflictException(expectedVersion, now.version());
        }
        if (next.version() != now.version() + 1) {
            throw new IllegalArgumentException("next table must have version " + (now.version() + 1));
        }
        next.validate(clusters);
        store.save(next);
        current = next;
        for (Consumer<RouteTable> l : listeners) {
            l.accept(next);
        }
        return next;
    }

    /**
     * Takes a table another instance of a fleet already stored, when it is newer than the live one;
     * listeners run as for a local change. Older or equal versions (this instance's own write read
     * back) are ignored.
     */
    public synchronized boolean adopt(RouteTable stored) {
        if (stored.version() <= current.version()) {
            return false;
        }
        stored.validate(clusters);
        current = stored;
        for (Consumer<RouteTable> l : listeners) {
            l.accept(stored);
        }
        return true;
    }

    /** Called after every change, on the thread that made it. */
    public void onChange(Consumer<RouteTable> listener) {
        listeners.add(listener);
    }

    /** The store could not be written (a full disk, a fleet's state cluster that did not answer): nothing changed here. */
    public static final class StoreUnavailableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public StoreUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The table changed between an operator's read and write. */
    public static final class VersionConflictException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final long current;

        public VersionConflictException(long expected, long current) {
            super("route table is at version " + current + ", not " + expected + "; re-read the route table and retry");
            this.current = current;
        }

        public long currentVersion() {
            return current;
        }
    }
}
