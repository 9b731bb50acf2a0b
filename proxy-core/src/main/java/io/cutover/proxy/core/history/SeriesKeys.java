package io.cutover.proxy.core.history;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Bounds one series' cardinality: the first {@code max} keys seen (waves, error codes) keep their
 * own line, later ones are summed under {@link #OTHER}, so the history stays bounded whatever
 * operators name and clients cause.
 */
public final class SeriesKeys {
    public static final String OTHER = "other";

    private final int max;
    private final Set<String> admitted = new HashSet<>();

    public SeriesKeys(int max) {
        this.max = max;
    }

    /** {@code values} with every key past the first {@code max} folded into "other". */
    public synchronized Map<String, Double> fold(Map<String, Double> values) {
        Map<String, Double> out = new TreeMap<>();
        values.forEach((key, value) -> out.merge(keyFor(key), value, Double::sum));
        return out;
    }

    private String keyFor(String key) {
        if (admitted.contains(key)) {
            return key;
        }
        if (admitted.size() < max) {
            admitted.add(key);
            return key;
        }
        return OTHER;
    }
}
