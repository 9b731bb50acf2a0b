package io.cutover.proxy.core.node;

import java.util.Locale;

/**
 * The name of each broker under SNI routing, such as {@code broker-$(nodeId).kafka.example.com}: the
 * virtual node id in place of {@code $(nodeId)}. Both ways are plain string work on a fixed prefix and
 * suffix: {@link #hostFor} names a node in the answers clients get, {@link #nodeIdOf} reads the node
 * back from the server name a client asked for in its TLS handshake. Names compare without case, as
 * DNS names do; a node id is written in its one decimal form (no sign, no leading zero), so each
 * name stands for at most one node.
 */
public final class BrokerHostPattern {
    public static final String NODE_ID = "$(nodeId)";
    /** The longest a node id can be written, to check that the longest name is still a DNS name. */
    private static final String LONGEST_ID = Integer.toString(Integer.MAX_VALUE);

    private final String pattern;
    private final String prefix;
    private final String suffix;

    private BrokerHostPattern(String pattern, String prefix, String suffix) {
        this.pattern = pattern;
        this.prefix = prefix;
        this.suffix = suffix;
    }

    /**
     * Reads a pattern: {@code $(nodeId)} exactly once, and a valid DNS name around it.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static BrokerHostPattern parse(String pattern) {
        int at = pattern.indexOf(NODE_ID);
        if (at < 0) {
            throw new IllegalArgumentException("\"" + pattern + "\" does not contain " + NODE_ID + ", where each broker's node id goes");
        }
        if (pattern.indexOf(NODE_ID, at + 1) >= 0) {
            throw new IllegalArgumentException("\"" + pattern + "\" contains " + NODE_ID + " more than once; write it exactly once");
        }
        String lower = pattern.toLowerCase(Locale.ROOT);
        String prefix = lower.substring(0, at);
        String suffix = lower.substring(at + NODE_ID.length());
        for (String id : new String[] {"0", LONGEST_ID}) {
            String problem = dnsNameProblem(prefix + id + suffix);
            if (problem != null) {
                throw new IllegalArgumentException("\"" + pattern + "\" does not make valid DNS names (with node id " + id + ": "
                    + problem + ")");
            }
        }
        return new BrokerHostPattern(pattern, prefix, suffix);
    }

    /** The name of virtual node {@code nodeId}. */
    public String hostFor(int nodeId) {
        return prefix + nodeId + suffix;
    }

    /** The node id {@code serverName} stands for; -1 when it is not a name of this pattern. */
    public int nodeIdOf(String serverName) {
        if (serverName == null) {
            return -1;
        }
        int digits = serverName.length() - prefix.length() - suffix.length();
        if (digits < 1 || digits > LONGEST_ID.length()
            || !serverName.regionMatches(true, 0, prefix, 0, prefix.length())
            || !serverName.regionMatches(true, serverName.length() - suffix.length(), suffix, 0, suffix.length())) {
            return -1;
        }
        int start = prefix.length();
        if (digits > 1 && serverName.charAt(start) == '0') {
            return -1;
        }
        long id = 0;
        for (int i = start; i < start + digits; i++) {
            char c = serverName.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            id = id * 10 + (c - '0');
        }
        return id > Integer.MAX_VALUE ? -1 : (int) id;
    }

    /**
     * What keeps {@code name} from being a DNS host name (RFC 1123: dot-separated labels of 1 to 63
     * letters, digits and hyphens, no hyphen first or last, 253 characters at most, the last label
     * not all digits, so that it is no IP address), or null when nothing does.
     */
    public static String dnsNameProblem(String name) {
        if (name.isEmpty()) {
            return "it is empty";
        }
        if (name.length() > 253) {
            return "it is longer than 253 characters";
        }
        String[] labels = name.split("\\.", -1);
        if (labels[labels.length - 1].chars().allMatch(c -> c >= '0' && c <= '9')) {
            return "it is an IP address or ends in a numeric label; clients send no server name for an address";
        }
        for (String label : labels) {
            if (label.isEmpty()) {
                return "it has an empty label (two dots in a row, or a dot first or last)";
            }
            if (label.length() > 63) {
                return "label \"" + label + "\" is longer than 63 characters";
            }
            if (label.startsWith("-") || label.endsWith("-")) {
                return "label \"" + label + "\" begins or ends with a hyphen";
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-';
                if (!ok) {
                    return "label \"" + label + "\" holds '" + c + "'; use letters, digits and hyphens";
                }
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return pattern;
    }
}
