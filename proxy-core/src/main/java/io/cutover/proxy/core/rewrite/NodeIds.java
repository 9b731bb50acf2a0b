package io.cutover.proxy.core.rewrite;

import java.util.List;

/** Translation of node-id lists (replicas, ISR, offline replicas) in place. */
final class NodeIds {
    private NodeIds() {
    }

    static void translate(List<Integer> ids, NodeMapper nodes) {
        for (int i = 0; i < ids.size(); i++) {
            int id = ids.get(i);
            int virtual = nodes.virtualId(id);
            if (virtual != id) {
                ids.set(i, virtual);
            }
        }
    }
}
