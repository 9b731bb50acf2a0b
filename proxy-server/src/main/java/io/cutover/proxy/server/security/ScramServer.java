package io.cutover.proxy.server.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ClientFinalMessage;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ClientFirstMessage;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ServerFinalMessage;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ServerFirstMessage;

/**
 * The server side of one SCRAM-SHA-256/512 login (RFC 5802), checked against a user's stored
 * credential with Kafka's own SCRAM message and key classes. One difference from a Kafka 4.x broker,
 * on by default and switchable (listener.sasl.accept-old-librdkafka-nonce): librdkafka before 2.6.1
 * puts its own nonce once more in front of the combined nonce of its final message, so a broker
 * that checks the nonce strictly refuses it ("invalid credentials") although its proof is right.
 * Kafka 3.9 brokers accepted it; here it is accepted the same way (the combined nonce must still end
 * the message's, and the proof is checked over exactly what the client sent), and told apart.
 */
final class ScramServer implements SaslServer {
    private enum State { FIRST, FINAL, COMPLETE, FAILED }

    private final ScramMechanism mechanism;
    private final ScramFormatter formatter;
    private final SaslUsers users;
    private final boolean acceptOldLibrdkafkaNonce;
    private State state = State.FIRST;
    private ClientFirstMessage clientFirst;
    private ServerFirstMessage serverFirst;
    private ScramCredential credential;
    private String user;
    private boolean oldLibrdkafkaNonce;

    ScramServer(ScramMechanism mechanism, SaslUsers users, boolean acceptOldLibrdkafkaNonce) throws GeneralSecurityException {
        this.mechanism = mechanism;
        this.formatter = new ScramFormatter(mechanism);
        this.users = users;
        this.acceptOldLibrdkafkaNonce = acceptOldLibrdkafkaNonce;
    }

    @Override
    public String getMechanismName() {
        return mechanism.mechanismName();
    }

    @Override
    public byte[] evaluateResponse(byte[] response) throws SaslException {
        try {
            switch (state) {
                case FIRST -> {
                    return first(response);
                }
                case FINAL -> {
                    return last(response);
                }
                default -> throw new SaslException("Unexpected SCRAM message after the login " + (state == State.COMPLETE ? "completed"
                    : "failed"));
            }
        } catch (SaslException e) {
            state = State.FAILED;
            throw e;
        }
    }

    private byte[] first(byte[] response) throws SaslException {
        clientFirst = new ClientFirstMessage(response);
        if (!clientFirst.extensions().map().isEmpty()) {
            throw new SaslException("Authentication failed: SCRAM extensions (delegation tokens) are not served here");
        }
        user = ScramFormatter.username(clientFirst.saslName());
        String authzid = clientFirst.authorizationId();
        if (authzid != null && !authzid.isEmpty() && !authzid.equals(user)) {
            throw new SaslException("Authentication failed: authorization id " + authzid + " is not the user " + user);
        }
        credential = users.credential(user, mechanism);
        if (credential == null) {
            throw new SaslException("Authentication failed: Invalid user credentials (no " + mechanism.mechanismName()
                + " credential for user " + user + ")");
        }
        serverFirst = new ServerFirstMessage(clientFirst.nonce(), formatter.secureRandomString(), credential.salt(),
            credential.iterations());
        state = State.FINAL;
        return serverFirst.toBytes();
    }

    private byte[] last(byte[] response) throws SaslException {
        ClientFinalMessage clientFinal = new ClientFinalMessage(response);
        String expected = serverFirst.nonce();
        if (!clientFinal.nonce().equals(expected)) {
            if (acceptOldLibrdkafkaNonce && clientFinal.nonce().equals(clientFirst.nonce() + expected)) {
                oldLibrdkafkaNonce = true;
            } else {
                throw new SaslException("Authentication failed: the nonce of the final message is not the one agreed");
            }
        }
        if (!MessageDigest.isEqual(clientFinal.channelBinding(), clientFirst.gs2Header().getBytes(StandardCharsets.UTF_8))) {
            throw new SaslException("Authentication failed: unexpected channel binding");
        }
        try {
            byte[] signature = formatter.clientSignature(credential.storedKey(), clientFirst, serverFirst, clientFinal);
            byte[] clientKey = ScramFormatter.xor(signature, clientFinal.proof());
            if (!MessageDigest.isEqual(formatter.hash(clientKey), credential.storedKey())) {
                throw new SaslException("Authentication failed: Invalid user credentials for user " + user);
            }
            byte[] serverSignature = formatter.serverSignature(credential.serverKey(), clientFirst, serverFirst, clientFinal);
            state = State.COMPLETE;
            return new ServerFinalMessage(null, serverSignature).toBytes();
        } catch (java.security.InvalidKeyException | IllegalArgumentException e) {
            throw new SaslException("Authentication failed: " + e.getMessage(), e);
        }
    }

    /** True when the client's final message had librdkafka's repeated nonce (accepted by listener.sasl.accept-old-librdkafka-nonce). */
    boolean oldLibrdkafkaNonce() {
        return oldLibrdkafkaNonce;
    }

    @Override
    public boolean isComplete() {
        return state == State.COMPLETE;
    }

    @Override
    public String getAuthorizationID() {
        if (!isComplete()) {
            throw new IllegalStateException("the login is not complete");
        }
        return user;
    }

    @Override
    public byte[] unwrap(byte[] incoming, int offset, int len) {
        throw new IllegalStateException("SCRAM has no security layer");
    }

    @Override
    public byte[] wrap(byte[] outgoing, int offset, int len) {
        throw new IllegalStateException("SCRAM has no security layer");
    }

    @Override
    public Object getNegotiatedProperty(String propName) {
        return null;
    }

    @Override
    public void dispose() {
    }
}
