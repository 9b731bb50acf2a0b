package io.cutover.proxy.server.metrics;

import io.cutover.proxy.server.config.ClusterConfig;
import io.cutover.proxy.server.config.ProxyConfig;
import io.cutover.proxy.server.security.ListenerTls;
import io.cutover.proxy.server.security.TlsEngine;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * cutover_proxy_tls_engine: 1 for each place the proxy uses TLS, labelled with the engine it uses
 * there, so a fleet on mixed machines shows which instances fell back to the JDK's engine.
 */
public final class TlsEngineGauges {
    private TlsEngineGauges() {
    }

    /** place: "listener", "admin", or a cluster's name for the proxy's connections to it. */
    public static void register(MeterRegistry registry, ProxyConfig config) {
        for (ListenerTls tls : new ListenerTls[] {config.listener().tls(), config.admin().tls()}) {
            if (tls != null) {
                register(registry, tls.place(), tls.engine());
            }
        }
        for (ClusterConfig c : config.clusters().values()) {
            if (c.security().engine() != null) {
                register(registry, c.name(), c.security().engine());
            }
        }
    }

    private static void register(MeterRegistry registry, String place, TlsEngine engine) {
        Gauge.builder("cutover.proxy.tls.engine", () -> 1)
            .description("1 for each place TLS is used (listener, admin, a cluster), labelled with its engine (openssl or jdk)")
            .tag("place", place).tag("engine", engine.label()).register(registry);
    }
}
