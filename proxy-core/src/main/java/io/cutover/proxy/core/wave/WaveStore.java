package io.cutover.proxy.core.wave;

import java.util.List;

/**
 * Where the waves are kept: {@code waves.json} for one instance, the fleet's state topic for
 * several. A transition is saved before it is answered.
 */
public interface WaveStore {
    List<Wave> load();

    /**
     * Saves {@code changed}; {@code all} is every wave once the change is made.
     *
     * @throws StaleWaveException when another instance changed the wave since this one last saw it
     */
    void save(Wave changed, List<Wave> all);

    /** Another instance changed the wave first; nothing was saved. */
    final class StaleWaveException extends RuntimeException {
        public StaleWaveException(String message) {
            super(message);
        }
    }
}
