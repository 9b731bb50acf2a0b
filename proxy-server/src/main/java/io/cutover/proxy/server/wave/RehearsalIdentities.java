package io.cutover.proxy.server.wave;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.server.config.SaslCredentials;
import io.cutover.proxy.server.replay.Dialer;
import io.cutover.proxy.server.replay.ReplayIdentity;
import io.cutover.proxy.server.replay.ReplayReport;
import io.cutover.proxy.server.security.ClusterSockets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;

/**
 * Whom a rehearsal replays each captured connection as on one cluster, as its identity mode says a
 * client reaches it once routed there: under {@code mapped}, the user identity.mapping-file gives
 * the principal the connection's client logged in as (the capture records it); under
 * {@code service}, the proxy's service user; under {@code passthrough}, also the service user, since
 * the proxy keeps no client's password or token once its connection has closed, which the
 * rehearsal's warnings say. A principal with no user on the cluster is not replayed there, and
 * neither is, under mapped, a connection the capture names no login for. The replay's own control
 * connection (versions, metadata, coordinators, producer ids) is the service user's.
 */
final class RehearsalIdentities {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String NO_LOGIN = "the capture names no login for the connection, and identity mode mapped replays a client only as "
        + "its principal's mapped user";

    private final ClusterSockets cluster;
    private final Map<Integer, String> principals;

    RehearsalIdentities(ClusterSockets cluster, Map<Integer, String> principals) {
        this.cluster = cluster;
        this.principals = principals;
    }

    String cluster() {
        return cluster.cluster();
    }

    /** The identity mode, or "none" on a cluster that does not authenticate (PLAINTEXT, SSL). */
    String mode() {
        return cluster.authenticates() ? cluster.security().identity().configName() : "none";
    }

    Dialer control() {
        return dialer(null);
    }

    ReplayIdentity of(int connection) {
        String principal = principals.get(connection);
        if (!cluster.authenticates()) {
            return ReplayIdentity.as(principal, null, dialer(null));
        }
        SaslCredentials service = cluster.service();
        return switch (cluster.security().identity()) {
            case SERVICE, PASSTHROUGH -> ReplayIdentity.as(principal, service.username(), dialer(null));
            case MAPPED -> {
                if (principal == null) {
                    yield ReplayIdentity.refused(null, NO_LOGIN);
                }
                SaslCredentials mapped = cluster.security().mappedCredentials(principal);
                yield mapped == null
                    ? ReplayIdentity.refused(principal, "principal " + principal + " has no user on cluster " + cluster.cluster()
                        + " in identity.mapping-file (identity mode mapped)")
                    : ReplayIdentity.as(principal, mapped.username(), dialer(mapped));
            }
        };
    }

    private Dialer dialer(SaslCredentials as) {
        return (address, connectTimeoutMillis) -> cluster.open(address, connectTimeoutMillis, as);
    }

    /**
     * {@code principal} ("" for clients without a login) as a finding names it, with the user the
     * cluster saw and its client ids, e.g. {@code principal bob (as orders-b on the target, identity
     * mapped; client ids reader-b)}.
     */
    String describe(String principal, ReplayReport report, String side) {
        String who = principal.isEmpty() ? "clients without a login" : "principal " + principal;
        List<String> about = new ArrayList<>();
        String user = report.users().get(principal);
        if (user != null) {
            about.add("as " + user + " on the " + side + ", identity " + mode());
        }
        SortedSet<String> ids = report.clientIds().get(principal);
        if (ids != null && !ids.isEmpty()) {
            about.add("client ids " + String.join(", ", ids));
        }
        return about.isEmpty() ? who : who + " (" + String.join("; ", about) + ")";
    }

    /** What the rehearsal on this cluster could not do as the clients would: the identity it used instead, connections not replayed. */
    List<String> warnings(ReplayReport report) {
        List<String> warnings = new ArrayList<>();
        if (cluster.authenticates() && cluster.security().identity() == io.cutover.proxy.server.config.IdentityMode.PASSTHROUGH) {
            warnings.add("cluster " + cluster.cluster() + " is in identity mode passthrough: the proxy keeps no client's password or "
                + "token, so every client was replayed there as the service user " + cluster.service().username()
                + "; its authorizations were checked, not each client's own");
        }
        long noLogin = report.refusals().entrySet().stream().filter(e -> e.getKey().reason().equals(NO_LOGIN))
            .mapToLong(Map.Entry::getValue).sum();
        if (noLogin > 0) {
            warnings.add(noLogin + " requests were not replayed on cluster " + cluster.cluster() + ": " + NO_LOGIN
                + " (connections that closed before logging in, or a capture taken before captures recorded logins)");
        }
        return warnings;
    }

    /** The mode, the service user, and per principal the user its connections were replayed as, with their client ids. */
    ObjectNode json(ReplayReport report) {
        ObjectNode n = JSON.createObjectNode();
        n.put("cluster", cluster.cluster());
        n.put("mode", mode());
        if (cluster.authenticates()) {
            n.put("serviceUser", cluster.service().username());
        }
        ArrayNode list = n.putArray("principals");
        report.clientIds().forEach((principal, ids) -> {
            ObjectNode p = list.addObject();
            if (principal.isEmpty()) {
                p.putNull("principal");
            } else {
                p.put("principal", principal);
            }
            String user = report.users().get(principal);
            if (user == null) {
                p.putNull("user");
            } else {
                p.put("user", user);
            }
            ids.forEach(p.putArray("clientIds")::add);
        });
        return n;
    }
}
