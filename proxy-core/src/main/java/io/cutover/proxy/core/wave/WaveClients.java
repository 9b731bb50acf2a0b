package io.cutover.proxy.core.wave;

import io.cutover.proxy.core.inventory.ClientRecord;
import io.cutover.proxy.core.routing.ClientSelector;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Which clients of the inventory a wave concerns: those using its topics or groups, and of those, the ones its selector moves. */
public final class WaveClients {
    private WaveClients() {
    }

    /** The client wrote or read one of the wave's topics, or is a member of one of its groups. */
    public static boolean uses(Wave wave, ClientRecord.Snapshot c) {
        return c.produced().stream().anyMatch(wave.topics()::contains) || c.fetched().stream().anyMatch(wave.topics()::contains)
            || c.groups().stream().anyMatch(wave.groups()::contains);
    }

    /** The client is within the wave's clients selector (every client when the wave names none). */
    public static boolean selected(Wave wave, ClientRecord.Snapshot c) {
        if (wave.clients().isAny()) {
            return true;
        }
        InetAddress address = null;
        try {
            address = InetAddress.getByName(c.address());
        } catch (UnknownHostException e) {
            // an address the inventory could not keep as an IP matches no CIDR selector
        }
        return wave.clients().matches(new ClientSelector.ClientIdentity(c.clientId(), address));
    }

    /** The wave moves this client: it uses the wave's topics or groups and is selected. */
    public static boolean moves(Wave wave, ClientRecord.Snapshot c) {
        return uses(wave, c) && selected(wave, c);
    }
}
