package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RawKafkaClient;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A capture holds no credentials and only its owner can read it: SaslAuthenticate frames are left
 * out (and counted) while the rest of the conversation is kept, the file is rw------- and the
 * captures directory rwx------.
 */
@ExtendWith(KafkaClusterExtension.class)
class CaptureSecretsTest {
    private static final String SECRET = "s3cret-password-in-a-capture";

    @Test
    void saslAuthenticateIsLeftOutAndTheFileIsTheOwnersOnly(EmbeddedKafkaCluster cluster) throws Exception {
        try (RunningProxy proxy = RunningProxy.in(cluster)) {
            var start = proxy.send("POST", "/captures", "{\"name\":\"sasl\"}", Map.of());
            assertEquals(201, start.statusCode(), start.body());
            Path file = Path.of(WaveSwitchTest.json(start).get("file").asText());

            try (RawKafkaClient raw = RawKafkaClient.connect(proxy.bootstrapServers())) {
                // The test brokers listen without SASL, so they refuse both; what matters is what the capture keeps.
                raw.send(ApiKeys.SASL_HANDSHAKE, (short) 1, new SaslHandshakeRequestData().setMechanism("PLAIN"));
                assertEquals(Errors.ILLEGAL_SASL_STATE.code(),
                    raw.receive(ApiKeys.SASL_HANDSHAKE, (short) 1).as(SaslHandshakeResponseData.class).errorCode());
                raw.send(ApiKeys.SASL_AUTHENTICATE, (short) 2, new SaslAuthenticateRequestData()
                    .setAuthBytes(("\0alice\0" + SECRET).getBytes(StandardCharsets.UTF_8)));
                raw.receive(ApiKeys.SASL_AUTHENTICATE, (short) 2).as(SaslAuthenticateResponseData.class);
                raw.send(ApiKeys.METADATA, (short) 12, new MetadataRequestData().setTopics(null));
                assertFalse(raw.receive(ApiKeys.METADATA, (short) 12).as(MetadataResponseData.class).brokers().isEmpty());
            }
            var stop = proxy.send("POST", "/captures/sasl/stop", null, Map.of());
            assertEquals(200, stop.statusCode(), stop.body());
            JsonNode status = WaveSwitchTest.json(stop);

            String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
            assertFalse(bytes.contains(SECRET), "the password is not in the capture");
            assertTrue(bytes.contains("PLAIN"), "the SaslHandshake (the mechanism only) is kept");
            assertEquals(4, status.get("framesWritten").asLong(), "SaslHandshake and Metadata, each request and response: " + status);
            assertEquals(1, status.get("saslAuthenticateOmitted").asLong(), status.toString());

            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        }
    }

    @Test
    void aCapturesDirectoryOthersCanReadIsMadeTheOwnersOnlyAtStart(EmbeddedKafkaCluster cluster, @TempDir Path stateDir) throws Exception {
        Path captures = Files.createDirectories(stateDir.resolve("captures"));
        Files.writeString(captures.resolve("older.pcapng"), "a capture an older version left readable");
        Files.setPosixFilePermissions(captures, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (RunningProxy proxy = RunningProxy.start(cluster.bootstrapServers(), Map.of(), stateDir)) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(captures)),
                "older captures are out of others' reach from the start, before any new capture");
        }
    }
}
