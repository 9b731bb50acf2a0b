package io.cutover.proxy.admin;

import io.cutover.proxy.core.service.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line for each route or wave request a service refused, naming the token's name (never the
 * token) and the reason, so the proxy's log tells what operators were refused without the audit log.
 * Only authenticated requests get this far, so the lines grow with operators' calls, not clients'.
 */
final class RefusalLog {
    private static final Logger LOG = LoggerFactory.getLogger(RefusalLog.class);

    private RefusalLog() {
    }

    static void note(AdminRequest req, String who, Outcome<?> outcome) {
        if (!(outcome instanceof Outcome.Accepted)) {
            LOG.info("admin {} {} by {} refused ({}): {}", req.method(), req.path(), who, OutcomeStatus.of(outcome, 200),
                OutcomeStatus.reason(outcome));
        }
    }
}
