package io.cutover.proxy.core.capture;

import java.util.Collection;
import java.util.Set;

/**
 * Which traffic a capture keeps. Each part is optional; a capture with none keeps everything.
 *
 * <ul>
 *   <li>{@code listeners}: "bootstrap", "brokers" (every broker port), or virtual node ids ("0", "100001").</li>
 *   <li>{@code clientIdPrefix}: connections whose client.id starts with it.</li>
 *   <li>{@code topics}: requests that name one of these topics, plus requests that name no topic at
 *       all (ApiVersions, Metadata for all topics, group and producer-id requests), which a replay
 *       needs for context. Requests that only name other topics are left out, and so are their responses.</li>
 * </ul>
 */
public record CaptureFilter(Set<String> listeners, String clientIdPrefix, Set<String> topics) {
    public static final CaptureFilter ALL = new CaptureFilter(Set.of(), null, Set.of());

    public CaptureFilter {
        listeners = listeners == null ? Set.of() : Set.copyOf(listeners);
        topics = topics == null ? Set.of() : Set.copyOf(topics);
        clientIdPrefix = clientIdPrefix == null || clientIdPrefix.isEmpty() ? null : clientIdPrefix;
        for (String l : listeners) {
            if (!l.equals("bootstrap") && !l.equals("brokers") && !l.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("filter.listeners: \"" + l
                    + "\" is not a listener; use \"bootstrap\", \"brokers\" or a virtual node id such as \"0\"");
            }
        }
    }

    /** Whether a connection on this listener, from this client, is captured at all. */
    public boolean matchesConnection(boolean bootstrapListener, int virtualNodeId, String clientId) {
        if (!listeners.isEmpty()) {
            boolean listenerMatches = bootstrapListener
                ? listeners.contains("bootstrap")
                : listeners.contains("brokers") || listeners.contains(Integer.toString(virtualNodeId));
            if (!listenerMatches) {
                return false;
            }
        }
        return clientIdPrefix == null || (clientId != null && clientId.startsWith(clientIdPrefix));
    }

    public boolean filtersTopics() {
        return !topics.isEmpty();
    }

    /** Whether a request naming {@code named} topics is kept; {@code null} means it could not be told, so it is kept. */
    public boolean matchesTopics(Collection<String> named) {
        if (topics.isEmpty() || named == null || named.isEmpty()) {
            return true;
        }
        for (String t : named) {
            if (topics.contains(t)) {
                return true;
            }
        }
        return false;
    }
}
