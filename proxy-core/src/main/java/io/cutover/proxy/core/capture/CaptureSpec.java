package io.cutover.proxy.core.capture;

import java.time.Duration;
import java.util.regex.Pattern;

/** What an operator asked to capture, and its bounds. */
public record CaptureSpec(String name, CaptureFilter filter, long maxBytes, Duration maxDuration) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    /** What {@link #isName} accepts, for error messages. */
    public static final String NAME_RULE = "1-100 letters, digits, '.', '_' or '-', starting with a letter or digit";

    public CaptureSpec {
        if (!isName(name)) {
            throw new IllegalArgumentException("name: \"" + name + "\" is not a capture name; use " + NAME_RULE);
        }
        if (filter == null) {
            filter = CaptureFilter.ALL;
        }
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes: must be positive, was " + maxBytes);
        }
        if (maxDuration == null || maxDuration.isNegative() || maxDuration.isZero()) {
            throw new IllegalArgumentException("maxDuration: must be positive, was " + maxDuration);
        }
    }

    /**
     * True for a name a capture may have. The rule keeps a name a plain file name ({@code name.pcapng}
     * in the captures directory): no separators, and no leading dot, so never ".." either.
     */
    public static boolean isName(String name) {
        return name != null && NAME.matcher(name).matches();
    }
}
