package io.cutover.proxy.admin;

import java.util.concurrent.CompletionStage;

/** Handles one admin endpoint. Slow work belongs off the HTTP event loop: return a pending stage. */
@FunctionalInterface
public interface AdminRoute {
    CompletionStage<AdminResponse> handle(AdminRequest request) throws Exception;
}
