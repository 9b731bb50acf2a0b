package io.cutover.proxy.core.wave;

/**
 * Where a wave stands. PLANNED until its gates pass (READY); SWITCHED once its clients write to and
 * read from the target; from there ROLLED_BACK (back on the source, and may be checked and switched
 * again) or PROMOTED, the point of no return.
 */
public enum WaveState {
    PLANNED, READY, SWITCHED, PROMOTED, ROLLED_BACK
}
