package io.cutover.proxy.core.capture;

import java.time.Duration;
import java.util.regex.Pattern;

/** What an operator asked to capture, and its bounds. */
public record CaptureSpec(String name, CaptureFilter filter, long maxBytes, Duration maxDuration) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    public CaptureSpec {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name: \"" + name
                + "\" is not a capture name; use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit");
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
}
