package io.cutover.proxy.core.service;

import io.cutover.proxy.core.routing.ClientSelector;
import java.util.List;

/** What a new wave moves: its topics and groups, for the clients {@code clients} selects. Checked when the wave is made. */
public record WaveSpec(String name, List<String> topics, List<String> groups, ClientSelector clients) {
}
