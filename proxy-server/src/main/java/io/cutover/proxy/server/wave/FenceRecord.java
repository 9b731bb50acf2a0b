package io.cutover.proxy.server.wave;

/** The phases a fence and its acknowledgements go through on the {@link FenceBoard}. */
final class FenceRecord {
    /** The switching instance raised the wave's fence; every other instance raises it too. */
    static final String RAISE = "raise";
    /** The routes flipped; every instance releases once it routes by them. */
    static final String RELEASE = "release";
    /** The switch aborted; every instance releases at once. */
    static final String ABORT = "abort";
    /** An instance holds the wave's writes, its own drain done. */
    static final String HELD = "held";
    /** An instance could not hold them (another fence stands, its drain failed): the switch aborts. */
    static final String REFUSED = "refused";
    /** An instance lowered the fence. */
    static final String RELEASED = "released";

    private FenceRecord() {
    }
}
