package io.cutover.proxy.core.wave;

import io.cutover.proxy.core.inventory.PrincipalRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;

/**
 * What a principal must be allowed on the target once a wave moves, from what its clients did
 * through the proxy: WRITE and DESCRIBE on the wave's topics it produced to, READ and DESCRIBE on
 * those it fetched, READ and DESCRIBE on the wave's groups it used, WRITE and DESCRIBE on the
 * transactional ids the wave moves. DESCRIBE is asked for on its own, since a DENY of it stops a
 * client (Metadata, FindCoordinator) even where READ or WRITE is allowed.
 */
public final class PrincipalNeeds {
    private PrincipalNeeds() {
    }

    /** One operation on one resource, and what the principal did that needs it. */
    public record Need(ResourceType type, String name, AclOperation operation, String because) {
        public String resource() {
            return type.name() + " " + name;
        }
    }

    public static List<Need> of(PrincipalRecord.Snapshot p, Set<String> topics, Set<String> groups, Predicate<String> movedTransactionalId) {
        return of(p.produced(), p.fetched(), p.groups(), p.transactionalIds(), topics, groups, movedTransactionalId);
    }

    /** The same from what was produced, fetched, used and initialised, by whoever did it (the proxy's own user does it for all). */
    public static List<Need> of(Set<String> produced, Set<String> fetched, Set<String> used, Set<String> transactionalIds, Set<String> topics,
                                Set<String> groups, Predicate<String> movedTransactionalId) {
        List<Need> out = new ArrayList<>();
        for (String t : produced) {
            if (topics.contains(t)) {
                out.add(new Need(ResourceType.TOPIC, t, AclOperation.WRITE, "produced to it"));
                out.add(new Need(ResourceType.TOPIC, t, AclOperation.DESCRIBE, "produced to it"));
            }
        }
        for (String t : fetched) {
            if (topics.contains(t)) {
                out.add(new Need(ResourceType.TOPIC, t, AclOperation.READ, "fetched from it"));
                out.add(new Need(ResourceType.TOPIC, t, AclOperation.DESCRIBE, "fetched from it"));
            }
        }
        for (String g : used) {
            if (groups.contains(g)) {
                out.add(new Need(ResourceType.GROUP, g, AclOperation.READ, "joined or committed offsets for it"));
                out.add(new Need(ResourceType.GROUP, g, AclOperation.DESCRIBE, "joined or committed offsets for it"));
            }
        }
        for (String id : transactionalIds) {
            if (movedTransactionalId.test(id)) {
                out.add(new Need(ResourceType.TRANSACTIONAL_ID, id, AclOperation.WRITE, "initialised transactions with it"));
                out.add(new Need(ResourceType.TRANSACTIONAL_ID, id, AclOperation.DESCRIBE, "initialised transactions with it"));
            }
        }
        return out;
    }
}
