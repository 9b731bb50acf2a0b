package io.cutover.proxy.server.wave;

/** A step of a switch (or of an instance's part in one) refused to go on; the switch aborts with this reason. */
final class SwitchAbort extends RuntimeException {
    SwitchAbort(String reason) {
        super(reason, null, false, false);
    }
}
