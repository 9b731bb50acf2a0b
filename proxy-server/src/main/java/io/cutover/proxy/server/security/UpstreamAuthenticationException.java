package io.cutover.proxy.server.security;

/** The proxy could not authenticate to a cluster: wrong credentials, a mechanism the broker lacks, no answer. */
public final class UpstreamAuthenticationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String brokerRefusal;

    UpstreamAuthenticationException(String message, Throwable cause, String brokerRefusal) {
        super(message, cause);
        this.brokerRefusal = brokerRefusal;
    }

    /**
     * The broker's own message when it refused the credentials (SASL_AUTHENTICATION_FAILED), which a
     * client whose login was passed through is told as the broker said it; null when the exchange
     * failed another way (no answer, a mechanism the broker lacks, a broken frame).
     */
    public String brokerRefusal() {
        return brokerRefusal;
    }
}
