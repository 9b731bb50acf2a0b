package io.cutover.proxy.core.wave.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.time.Instant;

/**
 * A {@link WaveReport} as JSON: its records as they are, each component a member under its own name
 * (so the sections come in the order of the HTML report), times as ISO-8601, and what a record does
 * not know (a null) left out.
 */
public final class WaveReportJson {
    private static final ObjectMapper JSON = JsonMapper.builder()
        .addModule(new SimpleModule().addSerializer(Instant.class, ToStringSerializer.instance))
        .serializationInclusion(JsonInclude.Include.NON_NULL)
        .build();

    private WaveReportJson() {
    }

    public static ObjectNode toJson(WaveReport r) {
        return JSON.valueToTree(r);
    }
}
