package io.cutover.proxy.server.security;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerExtensionsValidatorCallback;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallback;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwx.JsonWebStructure;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.jose4j.keys.resolvers.VerificationKeyResolver;
import org.jose4j.lang.UnresolvableKeyException;

/**
 * SASL/OAUTHBEARER logins at the proxy: the client's JWT must be signed by a key of the configured
 * JWKS (a file or a URL, see {@link JwksKeys}), come from the configured issuer for the configured
 * audience, and not have expired (30 s of clock skew allowed). The user is its {@code sub} claim.
 * Serves Kafka's own OAUTHBEARER SASL server as its validator callback handler.
 */
public final class JwtLogins implements AuthenticateCallbackHandler {
    private final JwtConsumer consumer;
    private final JwksKeys keys;

    private JwtLogins(JwtConsumer consumer, JwksKeys keys) {
        this.consumer = consumer;
        this.keys = keys;
    }

    public static JwtLogins create(JwksKeys keys, String issuer, String audience) {
        return new JwtLogins(new JwtConsumerBuilder()
            .setRequireExpirationTime()
            .setRequireSubject()
            .setAllowedClockSkewInSeconds(30)
            .setExpectedIssuer(issuer)
            .setExpectedAudience(audience)
            .setVerificationKeyResolver(new HeldKeys(keys))
            .build(), keys);
    }

    /**
     * Resolves a token's key among the keys held at that moment; a key id they lack asks for the
     * JWKS again (the provider may have rotated its keys), without waiting for it.
     */
    private record HeldKeys(JwksKeys keys) implements VerificationKeyResolver {
        @Override
        public java.security.Key resolveKey(JsonWebSignature jws, List<JsonWebStructure> nesting) throws UnresolvableKeyException {
            try {
                return new JwksVerificationKeyResolver(keys.current()).resolveKey(jws, nesting);
            } catch (UnresolvableKeyException e) {
                keys.unknownKey();
                throw new UnknownKey(jws.getKeyIdHeaderValue(), e);
            }
        }
    }

    /** A token's key id the JWKS held does not have. */
    private static final class UnknownKey extends UnresolvableKeyException {
        UnknownKey(String keyId, UnresolvableKeyException cause) {
            super("no key of the configured JWKS has key id " + keyId, cause);
        }
    }

    @Override
    public void configure(Map<String, ?> configs, String saslMechanism, List<AppConfigurationEntry> jaasConfigEntries) {
        // configured once, from listener.sasl.oauthbearer, when created
    }

    @Override
    public void close() {
        keys.close();
    }

    /** The callbacks of Kafka's OAUTHBEARER SASL server: validate the token, accept no extensions. */
    @Override
    public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
        for (Callback c : callbacks) {
            if (c instanceof OAuthBearerValidatorCallback v) {
                validate(v);
            } else if (c instanceof OAuthBearerExtensionsValidatorCallback e) {
                e.inputExtensions().map().keySet().forEach(name -> e.error(name, "no SASL extensions are accepted here"));
            } else {
                throw new UnsupportedCallbackException(c);
            }
        }
    }

    private void validate(OAuthBearerValidatorCallback callback) {
        String jwt = callback.tokenValue();
        try {
            JwtClaims claims = consumer.processToClaims(jwt);
            String subject = claims.getSubject();
            long expires = claims.getExpirationTime().getValueInMillis();
            Long issued = claims.getIssuedAt() == null ? null : claims.getIssuedAt().getValueInMillis();
            callback.token(new Token(jwt, subject, expires, issued));
        } catch (InvalidJwtException e) {
            // RFC 6750's "invalid_token" with why, for the client's error and the proxy's log; never the token or its claims.
            callback.error("invalid_token: " + why(e, keys.origin()), null, null);
        } catch (MalformedClaimException e) {
            callback.error("invalid_token: a claim has the wrong type", null, null);
        }
    }

    private static String why(InvalidJwtException e, String origin) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnknownKey) {
                return "signed with a key id the configured JWKS " + origin + " does not hold (it is read again; a retry may pass)";
            }
        }
        if (e.hasExpired()) {
            return "expired";
        }
        if (e.hasErrorCode(ErrorCodes.ISSUER_INVALID) || e.hasErrorCode(ErrorCodes.ISSUER_MISSING)) {
            return "not from the configured issuer";
        }
        if (e.hasErrorCode(ErrorCodes.AUDIENCE_INVALID) || e.hasErrorCode(ErrorCodes.AUDIENCE_MISSING)) {
            return "not for the configured audience";
        }
        if (e.hasErrorCode(ErrorCodes.SIGNATURE_INVALID) || e.hasErrorCode(ErrorCodes.SIGNATURE_MISSING)) {
            return "not signed by a key of the configured JWKS " + origin.substring(0, origin.indexOf(' '));
        }
        if (e.hasErrorCode(ErrorCodes.SUBJECT_MISSING) || e.hasErrorCode(ErrorCodes.EXPIRATION_MISSING)) {
            return "no sub or exp claim";
        }
        return "not a JWT this proxy accepts";
    }

    private record Token(String value, String principalName, long lifetimeMs, Long startTimeMs) implements OAuthBearerToken {
        @Override
        public Set<String> scope() {
            return new LinkedHashSet<>();
        }
    }
}
