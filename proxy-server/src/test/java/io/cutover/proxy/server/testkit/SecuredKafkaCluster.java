package io.cutover.proxy.server.testkit;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;

/**
 * A real single-broker cluster whose only client listener is SASL_SSL, with certificates from
 * {@link TestCertificates}: SCRAM-SHA-512 for the proxy's user (created through the Admin API, as an
 * operator would) and PLAIN for the broker's own admin user, which the broker also uses to talk to
 * itself. Started through {@link EmbeddedKafkaCluster}, like every other test cluster.
 */
public final class SecuredKafkaCluster implements AutoCloseable {
    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "admin-plain-secret";
    public static final String PROXY_USER = "cutover-proxy";
    public static final String PROXY_PASSWORD = "proxy-scram-secret";
    public static final String PLAIN_PROXY_USER = "plain-proxy";
    public static final String PLAIN_PROXY_PASSWORD = "proxy-plain-secret";

    private final EmbeddedKafkaCluster cluster;
    private final TestCertificates pki;

    private SecuredKafkaCluster(EmbeddedKafkaCluster cluster, TestCertificates pki) {
        this.cluster = cluster;
        this.pki = pki;
    }

    public static SecuredKafkaCluster start(String name) throws Exception {
        return start(name, Map.of(), false, null);
    }

    /**
     * As {@link #start}, with Kafka's StandardAuthorizer: only {@link #ADMIN} (and the controller
     * listener, which the broker uses to reach its own controller) is a super user, every other user
     * gets what ACLs ({@link #allow}) grant and nothing else. {@code plainUsers} (name to password) are
     * further PLAIN users the broker knows.
     */
    public static SecuredKafkaCluster startAuthorizing(String name, Map<String, String> plainUsers) throws Exception {
        return start(name, plainUsers, true, null);
    }

    /** Who signs the JWTs an OAUTHBEARER login to the broker must carry, and what they must say. */
    public record BearerTokens(String jwksUrl, String issuer, String audience) {
        public BearerTokens(Path jwksFile, String issuer, String audience) {
            this(jwksFile.toUri().toString(), issuer, audience);
        }
    }

    /** As above, with OAUTHBEARER too: Kafka's own JWT validator, checking tokens against {@code tokens}' keys. */
    public static SecuredKafkaCluster startAuthorizing(String name, Map<String, String> plainUsers, BearerTokens tokens) throws Exception {
        return start(name, plainUsers, true, tokens);
    }

    private static SecuredKafkaCluster start(String name, Map<String, String> plainUsers, boolean authorizer, BearerTokens tokens)
        throws Exception {
        TestCertificates pki = TestCertificates.shared();
        TestCertificates.Leaf broker = pki.leaf(name + "-broker");
        Map<String, String> c = new HashMap<>();
        // The test kit only builds PLAINTEXT listeners; its listener (EXTERNAL) is made SASL_SSL here.
        c.put("listener.security.protocol.map", "EXTERNAL:SASL_SSL,CONTROLLER:PLAINTEXT");
        c.put("sasl.enabled.mechanisms", "SCRAM-SHA-512,PLAIN");
        c.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        c.put("listener.name.external.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"" + ADMIN + "\" password=\"" + ADMIN_PASSWORD + "\" user_" + ADMIN + "=\"" + ADMIN_PASSWORD + "\" user_"
            + PLAIN_PROXY_USER + "=\"" + PLAIN_PROXY_PASSWORD + "\"" + morePlainUsers(plainUsers) + ";");
        if (tokens != null) {
            c.put("sasl.enabled.mechanisms", "SCRAM-SHA-512,PLAIN,OAUTHBEARER");
            c.put("listener.name.external.oauthbearer.sasl.jaas.config",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;");
            c.put("listener.name.external.oauthbearer.sasl.server.callback.handler.class",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler");
            c.put("sasl.oauthbearer.jwks.endpoint.url", tokens.jwksUrl());
            c.put("sasl.oauthbearer.expected.issuer", tokens.issuer());
            c.put("sasl.oauthbearer.expected.audience", tokens.audience());
            // No grace for an expired token: a test that a client logs in with a fresh one must not pass on a stale one.
            c.put("sasl.oauthbearer.clock.skew.seconds", "0");
            // Kafka 4 reads a JWKS URL only when the JVM allows it by name (a process-wide setting, harmless to other tests);
            // added to what earlier clusters of this JVM allowed.
            allow("org.apache.kafka.sasl.oauthbearer.allowed.urls", tokens.jwksUrl());
            if (tokens.jwksUrl().startsWith("file:")) {
                allow("org.apache.kafka.sasl.oauthbearer.allowed.files", Path.of(java.net.URI.create(tokens.jwksUrl())).toString());
            }
        }
        if (authorizer) {
            c.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
            c.put("super.users", "User:" + ADMIN + ";User:ANONYMOUS");
        }
        c.put("listener.name.external.scram-sha-512.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        c.put("ssl.keystore.type", "PKCS12");
        c.put("ssl.keystore.location", broker.keyStore().toString());
        c.put("ssl.keystore.password", TestCertificates.PASSWORD);
        c.put("ssl.key.password", TestCertificates.PASSWORD);
        c.put("ssl.truststore.type", "PKCS12");
        c.put("ssl.truststore.location", pki.trustStore().toString());
        c.put("ssl.truststore.password", TestCertificates.PASSWORD);
        SecuredKafkaCluster secured = new SecuredKafkaCluster(EmbeddedKafkaCluster.start(name, 1, c), pki);
        try {
            secured.createProxyUser();
        } catch (Exception e) {
            secured.close();
            throw e;
        }
        return secured;
    }

    private static synchronized void allow(String property, String value) {
        String before = System.getProperty(property);
        System.setProperty(property, before == null || before.isEmpty() ? value : before + "," + value);
    }

    private static String morePlainUsers(Map<String, String> users) {
        StringBuilder sb = new StringBuilder();
        users.forEach((user, password) -> sb.append(" user_").append(user).append("=\"").append(password).append('"'));
        return sb.toString();
    }

    private void createProxyUser() throws Exception {
        addScramUser(PROXY_USER, PROXY_PASSWORD);
    }

    /** Creates a SCRAM-SHA-512 user through the Admin API, as an operator would, and waits until the broker accepts its logins. */
    public void addScramUser(String user, String password) throws Exception {
        try (Admin admin = adminClient()) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password))).all().get(30, TimeUnit.SECONDS);
        }
        // The credential travels through the metadata log; wait until the broker accepts it.
        Await.until("the broker accepts SCRAM-SHA-512 logins as " + user, Duration.ofSeconds(30), () -> {
            try (Admin admin = Clients.admin(bootstrapServers(), clientConfig("SCRAM-SHA-512", user, password))) {
                admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
                return true;
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** An Admin client of the broker's super user. */
    public Admin adminClient() {
        return Clients.admin(bootstrapServers(), clientConfig("PLAIN", ADMIN, ADMIN_PASSWORD));
    }

    /**
     * Grants {@code user} the operations on the resources whose names start with {@code prefix}, and
     * waits until the broker's authorizer has them (ACLs travel through the metadata log too).
     */
    public void allow(String user, ResourceType type, String prefix, AclOperation... operations) throws Exception {
        List<AclBinding> acls = new java.util.ArrayList<>();
        for (AclOperation op : operations) {
            acls.add(new AclBinding(new ResourcePattern(type, prefix, prefix.equals(ResourcePattern.WILDCARD_RESOURCE)
                || type == ResourceType.CLUSTER ? PatternType.LITERAL : PatternType.PREFIXED), new AccessControlEntry("User:" + user, "*", op, AclPermissionType.ALLOW)));
        }
        try (Admin admin = adminClient()) {
            admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
            Await.until("the broker knows " + user + "'s ACLs on " + type + " " + prefix, Duration.ofSeconds(30), () -> {
                try {
                    return admin.describeAcls(new AclBindingFilter(new ResourcePatternFilter(type, prefix, PatternType.ANY),
                        new AccessControlEntryFilter("User:" + user, null, AclOperation.ANY, AclPermissionType.ANY))).values()
                        .get(10, TimeUnit.SECONDS).size() >= operations.length;
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    public TestCertificates pki() {
        return pki;
    }

    /** Settings for a Kafka client talking to this cluster directly. */
    public Map<String, Object> clientConfig(String mechanism, String user, String password) {
        Map<String, Object> p = new HashMap<>();
        p.put("security.protocol", "SASL_SSL");
        p.put("ssl.truststore.type", "PEM");
        p.put("ssl.truststore.location", pki.caPem().toString());
        p.put("sasl.mechanism", mechanism);
        String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
            : "org.apache.kafka.common.security.scram.ScramLoginModule";
        p.put("sasl.jaas.config", module + " required username=\"" + user + "\" password=\"" + password + "\";");
        p.put("default.api.timeout.ms", 30_000);
        return p;
    }

    /**
     * The proxy's clusters.{@code cluster}.security settings for this cluster (as RunningProxy
     * overrides), the password written to a file in {@code dir} as an operator would mount it.
     */
    public Map<String, Object> proxySecurity(String cluster, String mechanism, String user, String password, Path dir) {
        Path file = dir.resolve(cluster + "-" + user + ".password");
        try {
            Files.writeString(file, password + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String base = "clusters." + cluster + ".security.";
        return Map.of(base + "protocol", "SASL_SSL", base + "tls.ca-file", pki.caPem().toString(), base + "sasl.mechanism", mechanism,
            base + "sasl.username", user, base + "sasl.password-file", file.toString());
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
