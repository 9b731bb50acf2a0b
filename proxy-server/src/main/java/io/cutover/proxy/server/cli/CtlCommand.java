package io.cutover.proxy.server.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code cutover-proxy ctl ...}: a terminal client of a running proxy's admin HTTP API. Tables for
 * people, {@code --json} for scripts, and exit codes a script can branch on: 0 done, 1 the proxy
 * refused or failed, 2 bad usage (nothing was sent), 3 the admin endpoint did not answer.
 */
final class CtlCommand {
    static final String PREFIX = "cutover-proxy ctl: ";
    /** The last line of each command's help, so that it need not repeat the global options. */
    static final String GLOBAL_LINE = "\n  with any command: --admin URL, --ca-file FILE, --token TOKEN | --token-file FILE, --json, --timeout SECONDS"
        + " (cutover-proxy ctl --help)";
    static final String USAGE = String.join("\n",
        "usage: cutover-proxy ctl [--admin URL] [--token TOKEN | --token-file FILE] [--json] COMMAND [ARGS]",
        "",
        "Commands:",
        "  routes                                     the route table",
        "  routes flip RESOURCE PATTERN CLUSTER       set one rule [--match exact|prefix|regex] [--client-id-prefix P] [--force]",
        "  waves                                      every wave: state, topics, groups, last write pause, rollback",
        "  waves show|check|scorecard NAME            one wave; run its gates now; its readiness table",
        "  waves create NAME --topics a,b             [--groups g1,g2] [--client-id-prefix P]",
        "  waves switch|rollback NAME                 fenced move to the target; back to the source [--force]",
        "  waves promote NAME --yes                   the point of no return",
        "  waves rehearse NAME [--produce]",
        "  clients                                    clients seen through the proxy",
        "  fleet                                      the instances sharing this proxy's state (fleet.enabled)",
        "  drain --yes                                take this instance out of rotation; it exits once drained (POST /drain)",
        "  captures                                   running and recent captures",
        "  captures start NAME                        [--topics a,b] [--client-id-prefix P] [--max-seconds N]",
        "  captures stop NAME",
        "  (cutover-proxy ctl COMMAND --help shows one command's help)",
        "",
        "Options (anywhere on the line):",
        "  --admin URL        the admin endpoint; default $" + CtlOptions.ADMIN_ENV + ", else " + CtlOptions.DEFAULT_ADMIN,
        "  --ca-file FILE     for an https:// endpoint (admin.tls): the CAs to trust, PEM; default $" + AdminTrust.CA_ENV,
        "  --token TOKEN      bearer token; default $" + CtlOptions.TOKEN_ENV + ", else the file state/embedded/admin-token,",
        "                     else state/admin-token (relative to the working directory)",
        "  --token-file FILE  read the token from FILE",
        "  --json             print the proxy's JSON as it sent it (on a refusal too, before exit 1)",
        "  --timeout SECONDS  how long to wait for an answer (default " + CtlOptions.DEFAULT_TIMEOUT.toSeconds() + ")",
        "",
        "Exit codes: 0 done; 1 the proxy refused or failed (its error on stderr); 2 bad usage, or promote without --yes;",
        "3 the admin endpoint cannot be reached.");

    private CtlCommand() {
    }

    static int run(String[] args, int from, PrintStream out, PrintStream err) {
        return run(args, from, out, err, System.getenv());
    }

    static int run(String[] args, int from, PrintStream out, PrintStream err, Map<String, String> env) {
        try {
            CtlOptions options = CtlOptions.parse(splitEquals(args, from), env);
            String command = options.rest().isEmpty() ? null : options.rest().get(0);
            if (options.help() || "help".equals(command)) {
                out.println(usageOf("help".equals(command) && options.rest().size() > 1 ? options.rest().get(1) : command));
                return 0;
            }
            if (command == null) {
                throw CtlFailure.usage("which command?", USAGE);
            }
            CtlSession session = new CtlSession(new AdminClient(options.admin(), options.token(), options.timeout(),
                options.caFile() == null ? null : AdminTrust.fromPem(options.caFile())), out,
                options.json(), options.tokenSource());
            List<String> rest = options.rest().subList(1, options.rest().size());
            switch (command) {
                case "routes" -> RoutesCtl.run(session, rest);
                case "waves" -> WavesCtl.run(session, rest);
                case "clients" -> ClientsCtl.run(session, rest);
                case "fleet" -> FleetCtl.run(session, rest);
                case "drain" -> DrainCtl.run(session, rest);
                case "captures" -> CapturesCtl.run(session, rest);
                default -> throw CtlFailure.usage("unknown command " + command, USAGE);
            }
            out.flush();
            return 0;
        } catch (CtlFailure f) {
            out.flush();
            err.println(PREFIX + f.getMessage());
            if (f.usageText() != null) {
                err.println();
                err.println(f.usageText());
            }
            err.flush();
            return f.exitCode();
        }
    }

    private static String usageOf(String command) {
        if (command == null) {
            return USAGE;
        }
        return switch (command) {
            case "routes" -> RoutesCtl.USAGE;
            case "waves" -> WavesCtl.USAGE;
            case "clients" -> ClientsCtl.USAGE;
            case "fleet" -> FleetCtl.USAGE;
            case "drain" -> DrainCtl.USAGE;
            case "captures" -> CapturesCtl.USAGE;
            default -> USAGE;
        };
    }

    /** "--opt=value" as "--opt value", so every parser after this sees one form. */
    private static List<String> splitEquals(String[] args, int from) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 2) {
                out.add(a.substring(0, eq));
                out.add(a.substring(eq + 1));
            } else {
                out.add(a);
            }
        }
        return out;
    }
}
