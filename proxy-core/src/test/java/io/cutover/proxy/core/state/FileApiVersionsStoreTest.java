package io.cutover.proxy.core.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.FinalizedFeatureKey;
import org.apache.kafka.common.message.ApiVersionsResponseData.SupportedFeatureKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileApiVersionsStoreTest {
    @TempDir
    Path dir;

    private static ApiVersionsResponseData answer(short produceMax) {
        ApiVersionsResponseData v = new ApiVersionsResponseData().setThrottleTimeMs(7).setFinalizedFeaturesEpoch(12);
        v.apiKeys().add(new ApiVersion().setApiKey((short) 0).setMinVersion((short) 3).setMaxVersion(produceMax));
        v.apiKeys().add(new ApiVersion().setApiKey((short) 18).setMinVersion((short) 0).setMaxVersion((short) 4));
        v.supportedFeatures().add(new SupportedFeatureKey().setName("metadata.version").setMinVersion((short) 7).setMaxVersion((short) 31));
        v.finalizedFeatures().add(new FinalizedFeatureKey().setName("group.version").setMinVersionLevel((short) 1).setMaxVersionLevel((short) 1));
        return v;
    }

    @Test
    void keepsEachClustersRangesAndFeaturesAcrossARestart() {
        FileApiVersionsStore store = new FileApiVersionsStore(dir);
        assertTrue(store.load().isEmpty(), "nothing kept yet");
        store.save(Map.of("source", FileApiVersionsStore.ranges(answer((short) 11)),
            "target", FileApiVersionsStore.ranges(answer((short) 9))));
        Map<String, ApiVersionsResponseData> loaded = new FileApiVersionsStore(dir).load();
        assertEquals(FileApiVersionsStore.ranges(answer((short) 11)), loaded.get("source"));
        assertEquals(FileApiVersionsStore.ranges(answer((short) 9)), loaded.get("target"));
        assertEquals(9, loaded.get("target").apiKeys().find((short) 0).maxVersion());
        assertEquals(0, loaded.get("source").throttleTimeMs(), "only ranges and features are kept");
    }

    @Test
    void aDamagedFileIsRefusedNamingIt() throws Exception {
        Files.write(dir.resolve(FileApiVersionsStore.FILE_NAME),
            "{\"clusters\":{\"target\":{\"apiKeys\":[{\"apiKey\":0,\"minVersion\":3}]}}}".getBytes(StandardCharsets.UTF_8));
        CorruptStateException e = assertThrows(CorruptStateException.class, () -> new FileApiVersionsStore(dir).load());
        assertTrue(e.getMessage().contains(FileApiVersionsStore.FILE_NAME) && e.getMessage().contains("maxVersion"), e.getMessage());
    }
}
