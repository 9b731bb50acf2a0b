package io.cutover.proxy.server.testkit;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Injects real KRaft clusters into tests. Clusters are started once per test JVM and shared by every
 * test that asks for the same size (tests use their own topics and groups), then closed when the
 * run ends. This is the one place tests get brokers from.
 */
public final class KafkaClusterExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(KafkaClusterExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext ctx) {
        return p.getParameter().getType() == EmbeddedKafkaCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext ctx) {
        int brokers = p.findAnnotation(Brokers.class).map(Brokers::value).orElse(1);
        String name = p.findAnnotation(Brokers.class).map(Brokers::name).orElse("source");
        boolean authorizer = p.findAnnotation(Brokers.class).map(Brokers::authorizer).orElse(false);
        ExtensionContext.Store store = ctx.getRoot().getStore(NS);
        return store.getOrComputeIfAbsent("cluster-" + name + "-" + brokers + (authorizer ? "-authorizer" : ""),
            k -> SharedCluster.start(name, brokers, authorizer), SharedCluster.class).cluster;
    }

    /** Holds a cluster in the root store; JUnit closes it when the whole run ends. */
    static final class SharedCluster implements AutoCloseable {
        final EmbeddedKafkaCluster cluster;

        private SharedCluster(EmbeddedKafkaCluster cluster) {
            this.cluster = cluster;
        }

        static SharedCluster start(String name, int brokers, boolean authorizer) {
            Map<String, String> config = authorizer
                ? Map.of("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer", "super.users", "User:ANONYMOUS")
                : Map.of();
            try {
                return new SharedCluster(EmbeddedKafkaCluster.start(name + "-" + brokers, brokers, config));
            } catch (Exception e) {
                throw new IllegalStateException("cannot start a " + brokers + "-broker test cluster", e);
            }
        }

        @Override
        public void close() throws Exception {
            cluster.close();
        }
    }
}
