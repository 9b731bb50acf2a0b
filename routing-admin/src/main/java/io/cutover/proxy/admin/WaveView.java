package io.cutover.proxy.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.service.WaveService;
import io.cutover.proxy.core.wave.Wave;
import io.cutover.proxy.core.wave.WaveJson;
import io.cutover.proxy.core.wave.WaveState;

/** A wave as the API shows it: its stored form, with what each next step means. */
final class WaveView {
    private WaveView() {
    }

    static ObjectNode json(Wave w) {
        ObjectNode n = WaveJson.toJson(w);
        n.put("rollbackAvailable", w.state() == WaveState.SWITCHED);
        if (w.state() == WaveState.SWITCHED) {
            n.put("promoteWarning", WaveService.NO_RETURN);
        }
        if (w.state() == WaveState.PROMOTED) {
            n.put("noReturn", "promoted: rollback is refused");
        }
        return n;
    }
}
