package io.cutover.proxy.server.wave;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.inventory.Application;
import io.cutover.proxy.core.inventory.ApplicationKind;
import io.cutover.proxy.core.inventory.Applications;
import io.cutover.proxy.core.wave.Wave;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The applications a wave touches, and those it would split: an application that uses some of the
 * wave's topics and others the wave leaves on the source. A Kafka Streams application moved without
 * its changelog and repartition topics would restore its state from, and repartition through, the
 * source while reading its input on the target; a warning names those internal topics.
 */
final class ApplicationSplits {
    private ApplicationSplits() {
    }

    /**
     * Adds {@code applications} to {@code evidence} and a warning per split application.
     *
     * @param sourceTopics the source's topic names, asked for only when a Streams application is
     *                     involved (its internal topics exist even when the inventory has not seen them used yet)
     */
    static void check(Wave wave, Applications apps, Supplier<Set<String>> sourceTopics, ObjectNode evidence, List<String> warnings) {
        Set<String> waveTopics = new TreeSet<>(wave.topics());
        ArrayNode rows = evidence.putArray("applications");
        Set<String> listed = null;
        for (Application a : apps.all()) {
            Set<String> inWave = new TreeSet<>(a.topics());
            inWave.retainAll(waveTopics);
            if (inWave.isEmpty() || a.kind() == ApplicationKind.MIRRORMAKER2) {
                // MM2 copies topics between the clusters; it is not moved by a wave.
                continue;
            }
            Set<String> internal = new TreeSet<>(a.internalTopics());
            if (a.kind() == ApplicationKind.KAFKA_STREAMS) {
                if (listed == null) {
                    listed = sourceTopics.get();
                }
                listed.stream().filter(t -> Applications.isStreamsInternal(a.name(), t)).forEach(internal::add);
            }
            Set<String> internalLeft = new TreeSet<>(internal);
            internalLeft.removeAll(waveTopics);
            Set<String> otherLeft = new TreeSet<>(a.topics());
            otherLeft.removeAll(waveTopics);
            otherLeft.removeAll(internal);
            ObjectNode row = rows.addObject();
            row.put("kind", a.kind().label());
            row.put("name", a.name());
            inWave.forEach(row.putArray("topicsInWave")::add);
            // A Connect cluster's own config, offset and status topics are not what its connectors move.
            boolean internalMatters = a.kind() != ApplicationKind.KAFKA_CONNECT;
            if (internalMatters) {
                internalLeft.forEach(row.putArray("internalTopicsLeftOut")::add);
            }
            otherLeft.forEach(row.putArray("otherTopicsLeftOut")::add);
            if (a.kind() == ApplicationKind.KAFKA_STREAMS && !internalLeft.isEmpty()) {
                warnings.add("Kafka Streams application " + a.name() + " uses the wave's topics " + inWave
                    + " but the wave leaves out its internal topics " + internalLeft
                    + (otherLeft.isEmpty() ? "" : " and its other topics " + otherLeft)
                    + ": its state and repartitioned records would stay on the source; add them to the wave");
            } else if (!otherLeft.isEmpty() || (internalMatters && !internalLeft.isEmpty())) {
                Set<String> left = new TreeSet<>(otherLeft);
                if (internalMatters) {
                    left.addAll(internalLeft);
                }
                warnings.add(a.kind().label() + " application " + a.name() + " uses the wave's topics " + inWave + " and also "
                    + left + ", which the wave leaves on the source: the application is split between the clusters");
            }
        }
    }
}
