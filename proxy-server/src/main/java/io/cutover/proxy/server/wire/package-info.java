/**
 * The Kafka wire as bytes on a socket, shared by the client side ({@code net}) and the proxy's own
 * links ({@code upstream}): the transport (epoll or NIO), frame cutting, and buffer bounds.
 * Depends on nothing else in the server.
 */
package io.cutover.proxy.server.wire;
