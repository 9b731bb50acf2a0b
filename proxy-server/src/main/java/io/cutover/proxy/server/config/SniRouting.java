package io.cutover.proxy.server.config;

import io.cutover.proxy.core.node.BrokerHostPattern;

/**
 * listener.tls.sni: the bootstrap port is the only client port, and the TLS server name each client
 * asks for picks where its connection goes: {@code bootstrapHost} to the bootstrap servers, a name of
 * {@code brokerHosts} to that virtual node's broker. Clients are told each broker by its name, on that
 * one port. {@code bootstrapHost} is lower case and no name of the pattern.
 */
public record SniRouting(BrokerHostPattern brokerHosts, String bootstrapHost) {
}
