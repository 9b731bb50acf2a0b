package io.cutover.proxy.server.wave;

import io.cutover.proxy.core.inventory.ClientInventory;
import io.cutover.proxy.core.inventory.ClientRecord;
import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.server.route.OpenTransactions;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Transactions the switch must wait for that only the coordinators know of. The proxy learns
 * open transactions from the brokers' answers it forwards ({@link OpenTransactions}); one begun
 * before the proxy last started (its tracking is in memory), or through another instance of a
 * fleet, it has not seen. Without this, a switch right after a restart took the producer's next
 * write for the start of a new transaction, held it, and sent it to the other cluster once the wave
 * moved: the transaction was split, and the part left behind was aborted by its coordinator after
 * the producer had seen its commit succeed (the soak lost committed records this way).
 *
 * <p>Before the transaction boundary, each transactional id the wave moves that the coordinator on
 * the cluster left has in progress, and that the proxy does not know as open, is recorded as open,
 * under the client the inventory last saw with that id. Its writes then pass the boundary and the
 * switch waits for its EndTxn, as for any open transaction. While it waits, ids the coordinator
 * no longer has in progress (ended through another instance, or aborted at its timeout) are let go.
 */
final class CoordinatorTransactions {
    private final ClusterAdmins admins;
    private final OpenTransactions open;
    private final ClientInventory inventory;

    CoordinatorTransactions(ClusterAdmins admins, OpenTransactions open, ClientInventory inventory) {
        this.admins = admins;
        this.open = open;
        this.inventory = inventory;
    }

    /** Records as open the transactions of {@code ids} in progress on {@code cluster} that were not known; returns their ids. */
    Set<String> adopt(String cluster, WaveTransactionalIds ids) {
        Set<String> adopted = new TreeSet<>();
        if (ids.isEmpty()) {
            return adopted;
        }
        Map<String, Set<String>> inProgress = admins.transactionsInProgress(cluster, ids.exact(), ids.prefixes());
        inProgress.forEach((id, topics) -> {
            if (!open.isOpen(id) && open.added(id, cluster, topics, clientOf(id))) {
                adopted.add(id);
            }
        });
        return adopted;
    }

    /** Lets go of those of {@code adopted} still recorded as open that the coordinator on {@code cluster} no longer has in progress. */
    void settle(String cluster, Set<String> adopted) {
        Set<String> waiting = new TreeSet<>();
        adopted.stream().filter(open::isOpen).forEach(waiting::add);
        if (waiting.isEmpty()) {
            return;
        }
        Set<String> inProgress = admins.transactionsInProgress(cluster, waiting, Set.of()).keySet();
        waiting.stream().filter(id -> !inProgress.contains(id)).forEach(open::ended);
    }

    /** The client the inventory last saw with {@code transactionalId}: the route table may narrow the wave to its clients. */
    private ClientSelector.ClientIdentity clientOf(String transactionalId) {
        ClientRecord.Snapshot last = null;
        if (inventory != null) {
            for (ClientRecord.Snapshot s : inventory.snapshot()) {
                if (s.transactionalIds().contains(transactionalId) && (last == null || s.lastSeen().isAfter(last.lastSeen()))) {
                    last = s;
                }
            }
        }
        InetAddress address = InetAddress.getLoopbackAddress();
        if (last != null && last.address() != null) {
            try {
                address = InetAddress.getByName(last.address()); // an address literal: no lookup
            } catch (UnknownHostException e) {
                // keep the loopback: only a wave narrowed to addresses routes by it
            }
        }
        return new ClientSelector.ClientIdentity(last == null ? null : last.clientId(), address);
    }
}
