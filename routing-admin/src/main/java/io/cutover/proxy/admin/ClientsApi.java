package io.cutover.proxy.admin;

import io.cutover.proxy.core.inventory.ClientInventory;
import java.util.concurrent.CompletableFuture;

/** GET /clients: the client inventory, as JSON or (?format=text, Accept: text/plain) a table. */
public final class ClientsApi {
    private final ClientInventory inventory;

    public ClientsApi(ClientInventory inventory) {
        this.inventory = inventory;
    }

    public void register(AdminRouter router, AdminAuth auth) {
        router.get("/clients", auth.require((req, who) -> {
            String accept = req.header("accept");
            boolean text = "text".equals(req.queryParam("format")) || (accept != null && accept.contains("text/plain"));
            return CompletableFuture.completedFuture(text
                ? AdminResponse.text(200, "text/plain; charset=utf-8", inventory.toText())
                : AdminResponse.json(200, inventory.toJson()));
        }));
    }
}
