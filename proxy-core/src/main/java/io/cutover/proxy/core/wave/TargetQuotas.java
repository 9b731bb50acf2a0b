package io.cutover.proxy.core.wave;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.quota.ClientQuotaEntity;

/**
 * A cluster's client quotas and which one applies to a user and client id, as a broker resolves them:
 * each quota ({@code producer_byte_rate}, {@code consumer_byte_rate}) on its own, from the most
 * specific entity that sets it, in Kafka's order: user and client id, user and default client id,
 * user, default user and client id, default user and default client id, default user, client id,
 * default client id. Pure: the gate reads every quota once and asks this per principal and client id.
 */
public final class TargetQuotas {
    public static final String PRODUCE = "producer_byte_rate";
    public static final String FETCH = "consumer_byte_rate";
    /** How ClientQuotaEntity marks a default entity: the type present, its name null. */
    private static final String DEFAULT = null;

    private final Map<Map<String, String>, Map<String, Double>> byEntity = new HashMap<>();

    public TargetQuotas(Map<ClientQuotaEntity, Map<String, Double>> quotas) {
        quotas.forEach((entity, values) -> byEntity.put(entity.entries(), values));
    }

    /** The quota {@code key} that applies to {@code user} with {@code clientId}; empty when none does (no limit). */
    public Optional<Applied> resolve(String user, String clientId, String key) {
        for (Level level : Level.ORDER) {
            Map<String, String> entity = level.entity(user, clientId);
            Double value = byEntity.getOrDefault(entity, Map.of()).get(key);
            if (value != null) {
                return Optional.of(new Applied(level.describe(entity), level.bucket(user, clientId), value));
            }
        }
        return Optional.empty();
    }

    /**
     * A quota that applies: the entity that set it ({@code user=alice, client-id=<default>}), the
     * bucket the broker measures it over (clients that share a bucket share the quota: a default user
     * quota is still per user), and its value.
     */
    public record Applied(String entity, String bucket, double value) {
    }

    private enum Level {
        USER_CLIENT(true, false, true, false),
        USER_DEFAULT_CLIENT(true, false, true, true),
        USER(true, false, false, false),
        DEFAULT_USER_CLIENT(true, true, true, false),
        DEFAULT_USER_DEFAULT_CLIENT(true, true, true, true),
        DEFAULT_USER(true, true, false, false),
        CLIENT(false, false, true, false),
        DEFAULT_CLIENT(false, false, true, true);

        static final List<Level> ORDER = List.of(values());

        private final boolean user;
        private final boolean defaultUser;
        private final boolean client;
        private final boolean defaultClient;

        Level(boolean user, boolean defaultUser, boolean client, boolean defaultClient) {
            this.user = user;
            this.defaultUser = defaultUser;
            this.client = client;
            this.defaultClient = defaultClient;
        }

        Map<String, String> entity(String userName, String clientId) {
            Map<String, String> e = new HashMap<>();
            if (user) {
                e.put(ClientQuotaEntity.USER, defaultUser ? DEFAULT : userName);
            }
            if (client) {
                e.put(ClientQuotaEntity.CLIENT_ID, defaultClient ? DEFAULT : clientId);
            }
            return e;
        }

        /** The broker's metric tags for the quota: the user if the entity has a user part, the client id if it has a client part. */
        String bucket(String userName, String clientId) {
            return (user ? "user=" + userName : "") + (user && client ? ", " : "") + (client ? "client-id=" + clientId : "");
        }

        String describe(Map<String, String> entity) {
            StringBuilder sb = new StringBuilder();
            if (user) {
                sb.append("user=").append(defaultUser ? "<default>" : entity.get(ClientQuotaEntity.USER));
            }
            if (client) {
                sb.append(user ? ", " : "").append("client-id=").append(defaultClient ? "<default>" : entity.get(ClientQuotaEntity.CLIENT_ID));
            }
            return sb.toString();
        }
    }
}
