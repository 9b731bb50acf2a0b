package io.cutover.proxy.server.wave;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.server.replay.ReplayReport;
import io.cutover.proxy.server.replay.ReplayReport.ResourceError;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.protocol.Errors;

/**
 * The rehearsal's access findings: an authorization error the target gave a principal's replayed
 * requests on a resource more often than the source gave the same principal's (each replayed as
 * the user its cluster would see), and a principal the target would not let in at all (no mapped
 * user, or a login the target refused). Named by principal, user, client ids, API, resource and
 * error, so the fix is plain: grant that user that operation on that resource on the target.
 */
final class RehearsalFindings {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Comparator<ResourceError> ORDER = Comparator.comparing(ResourceError::principal)
        .thenComparing(ResourceError::api).thenComparing(ResourceError::resourceType).thenComparing(ResourceError::resource)
        .thenComparing(ResourceError::error);

    private final RehearsalIdentities target;
    private final ReplayReport onTarget;
    private final ReplayReport onSource;

    RehearsalFindings(RehearsalIdentities target, ReplayReport onTarget, ReplayReport onSource) {
        this.target = target;
        this.onTarget = onTarget;
        this.onSource = onSource;
    }

    /** Whether the error named {@code code} is an authorization refusal (TOPIC_, GROUP_, CLUSTER_, TRANSACTIONAL_ID_AUTHORIZATION_FAILED ...). */
    static boolean isAuthorization(String code) {
        try {
            return Errors.valueOf(code).exception() instanceof AuthorizationException;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private List<Map.Entry<ResourceError, Long>> refusedOnlyOnTarget() {
        Map<ResourceError, Long> onSrc = onSource.resourceErrors();
        List<Map.Entry<ResourceError, Long>> out = new ArrayList<>();
        onTarget.resourceErrors().entrySet().stream().filter(e -> isAuthorization(e.getKey().error()))
            .filter(e -> e.getValue() > onSrc.getOrDefault(e.getKey(), 0L))
            .sorted(Map.Entry.comparingByKey(ORDER)).forEach(out::add);
        return out;
    }

    List<String> findings() {
        List<String> findings = new ArrayList<>();
        Map<ResourceError, Long> onSrc = onSource.resourceErrors();
        for (Map.Entry<ResourceError, Long> e : refusedOnlyOnTarget()) {
            ResourceError k = e.getKey();
            findings.add(target.describe(k.principal(), onTarget, "target") + ": " + k.api() + " " + k.error()
                + (k.resource().isEmpty() ? "" : " on " + k.resourceType() + " " + k.resource()) + " x" + e.getValue()
                + " on the target, x" + onSrc.getOrDefault(k, 0L) + " on the source");
        }
        onTarget.refusals().entrySet().stream().filter(e -> !e.getKey().reason().equals(RehearsalIdentities.NO_LOGIN))
            .sorted(Map.Entry.comparingByKey(Comparator.comparing(ReplayReport.Refusal::principal)))
            .forEach(e -> findings.add(target.describe(e.getKey().principal(), onTarget, "target") + " was not replayed on the target ("
                + e.getValue() + " requests): " + e.getKey().reason()));
        return findings;
    }

    /** Principals the source would not let in as the rehearsal replayed them: their requests were compared with nothing. */
    List<String> sourceRefusals() {
        List<String> warnings = new ArrayList<>();
        onSource.refusals().forEach((k, n) -> {
            if (!k.reason().equals(RehearsalIdentities.NO_LOGIN)) {
                warnings.add((k.principal().isEmpty() ? "clients without a login" : "principal " + k.principal())
                    + " was not replayed on the source (" + n + " requests): " + k.reason());
            }
        });
        warnings.sort(null);
        return warnings;
    }

    /** The authorization findings as data: principal, user, client ids, API, resource, error and the counts on both sides. */
    ArrayNode json() {
        ArrayNode list = JSON.createArrayNode();
        Map<ResourceError, Long> onSrc = onSource.resourceErrors();
        for (Map.Entry<ResourceError, Long> e : refusedOnlyOnTarget()) {
            ResourceError k = e.getKey();
            ObjectNode f = list.addObject();
            if (k.principal().isEmpty()) {
                f.putNull("principal");
            } else {
                f.put("principal", k.principal());
            }
            String user = onTarget.users().get(k.principal());
            if (user == null) {
                f.putNull("targetUser");
            } else {
                f.put("targetUser", user);
            }
            f.put("identity", target.mode());
            ArrayNode ids = f.putArray("clientIds");
            onTarget.clientIds().getOrDefault(k.principal(), new java.util.TreeSet<>()).forEach(ids::add);
            f.put("api", k.api());
            f.put("resourceType", k.resourceType());
            f.put("resource", k.resource());
            f.put("error", k.error());
            f.put("onTarget", e.getValue());
            f.put("onSource", onSrc.getOrDefault(k, 0L));
        }
        return list;
    }
}
