package io.cutover.proxy.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;

/**
 * {@code ctl clients}: the clients the proxy has seen (GET /clients), to tell which applications a
 * wave would move and which still talk to the source. A proxy without the endpoint answers 404, which
 * {@link CtlSession#refusal} reports as such.
 */
final class ClientsCtl {
    static final String USAGE = String.join("\n",
        "usage: cutover-proxy ctl clients    the applications seen through the proxy (Kafka Streams, Kafka Connect, MirrorMaker 2,",
        "                                    consumer groups, producers), then their clients: software, cluster, APIs used,",
        "                                    topics produced and fetched, groups, when last seen",
        CtlCommand.GLOBAL_LINE);

    private ClientsCtl() {
    }

    /** "kind:name" of the client's application; "-" from a proxy older than applications. */
    private static String application(JsonNode c) {
        JsonNode a = c.path("application");
        return a.isMissingNode() ? Table.NONE : a.path("kind").asText() + ":" + a.path("name").asText();
    }

    static void run(CtlSession s, List<String> args) throws CtlFailure {
        CtlArgs.parse(args, Set.of(), Set.of(), USAGE).exactly();
        JsonNode body = s.answer(s.admin().get("/clients"));
        if (body == null) {
            return;
        }
        // Applications first (a Streams application, a Connect cluster, a consumer group), then their clients under them.
        Table apps = Table.of("KIND", "APPLICATION", "CLIENTS", "GROUPS", "TOPICS", "INTERNAL TOPICS");
        for (JsonNode a : body.path("applications")) {
            apps.row(a.path("kind").asText(), a.path("name").asText(), a.path("clients").size(), Table.list(a.path("groups"), 3),
                Table.list(a.path("topics"), 3), Table.list(a.path("internalTopics"), 3));
        }
        if (!apps.isEmpty()) {
            s.out().print(apps.render());
            s.out().println();
        }
        List<JsonNode> clients = new java.util.ArrayList<>();
        body.path("clients").forEach(clients::add);
        clients.sort(java.util.Comparator.comparing(ClientsCtl::application));
        Table t = Table.of("APPLICATION", "CLIENT ID", "SOFTWARE", "CLUSTER", "APIS", "PRODUCED", "FETCHED", "GROUPS", "LAST SEEN");
        for (JsonNode c : clients) {
            String software = (c.path("softwareName").asText("") + " " + c.path("softwareVersion").asText("")).trim();
            t.row(application(c), c.hasNonNull("clientId") ? c.get("clientId").asText() : "(none)", software, c.path("cluster").asText(),
                c.path("apis").size(), Table.list(c.path("produced"), 3), Table.list(c.path("fetched"), 3),
                Table.list(c.path("groups"), 3), c.path("lastSeen").asText());
        }
        int n = body.path("clients").size();
        s.out().print(t.isEmpty() ? "no clients seen yet\n" : t.render());
        long evicted = body.path("evicted").asLong();
        s.out().println(n + (n == 1 ? " client" : " clients")
            + (evicted > 0 ? "; " + evicted + " more were forgotten, least recently seen first, to stay within "
                + body.path("cap").asLong() + " entries" : ""));
    }
}
