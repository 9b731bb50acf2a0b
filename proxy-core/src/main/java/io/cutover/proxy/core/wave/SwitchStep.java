package io.cutover.proxy.core.wave;

/**
 * The steps of a wave switch or rollback, in order. Each is written to the switch journal before it
 * is carried out, so that after a crash the journal says how far the switch may have gone.
 * {@link #FLIPPED} is the line: before it the routes cannot have changed, from it on they may have.
 */
public enum SwitchStep {
    /** The switch is about to start: nothing has been held or changed yet. */
    INTENT,
    /** The wave's writes and commits are about to be held at the proxy. */
    FENCED,
    /** The writes already sent were answered; the destination is about to be checked for what the origin holds. */
    SYNCED,
    /** The destination holds the data; the groups' committed offsets are about to be carried there. */
    GROUPS_CARRIED,
    /** The routes are about to point the wave at the destination. */
    FLIPPED,
    /** The routes point at the destination; the held requests are about to be released there. */
    RELEASED;

    /** The name used in failpoints, reports and the journal file: lower case with dashes. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
