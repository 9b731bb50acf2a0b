package io.cutover.proxy.core.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.proxy.core.routing.RouteStore;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.routing.RouteTableException;
import io.cutover.proxy.core.routing.RouteTableJson;
import io.cutover.proxy.core.routing.Routes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** {@link RouteStore} as {@code routes.json} in the state directory, written atomically. */
public final class FileRouteStore implements RouteStore {
    public static final String FILE_NAME = "routes.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;

    public FileRouteStore(Path stateDir) {
        this.file = stateDir.resolve(FILE_NAME);
    }

    @Override
    public RouteTable load() {
        byte[] bytes = AtomicFiles.readIfPresent(file);
        if (bytes == null) {
            return null;
        }
        try {
            return RouteTableJson.tableFromJson(JSON.readTree(bytes));
        } catch (IOException | RouteTableException e) {
            throw new CorruptStateException(file, e.getMessage(), e);
        }
    }

    @Override
    public void save(RouteTable table) {
        try {
            AtomicFiles.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(RouteTableJson.toJson(table)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } catch (UncheckedIOException e) {
            // A full or failing disk: the change is refused, and the table in use stays the one on disk.
            throw new Routes.StoreUnavailableException(e.getMessage(), e);
        }
    }
}
