package io.cutover.proxy.server.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The options every {@code ctl} command takes, wherever they stand on the line ({@code ctl waves show
 * w1 --json} and {@code ctl --json waves show w1} are the same), and what is left for the command.
 * "--opt=value" has been split into "--opt value" before this sees the line.
 *
 * @param tokenSource where the token came from, to say so when the proxy rejects it
 * @param rest        the command and its own arguments, in order
 * @param caFile      CAs to trust for an https:// admin endpoint (--ca-file or CUTOVER_ADMIN_CA), or null for the JVM's
 */
record CtlOptions(URI admin, String token, String tokenSource, boolean json, boolean help, Duration timeout, List<String> rest,
                  Path caFile) {
    static final String DEFAULT_ADMIN = "http://127.0.0.1:9190";
    static final String ADMIN_ENV = "CUTOVER_ADMIN";
    static final String TOKEN_ENV = "CUTOVER_TOKEN";
    /** Where the proxy writes the token it makes, relative to where it runs: the embedded default's first. */
    static final List<Path> TOKEN_FILES = List.of(Path.of("state", "embedded", "admin-token"), Path.of("state", "admin-token"));
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    static CtlOptions parse(List<String> args, Map<String, String> env) throws CtlFailure {
        String admin = null;
        String token = null;
        String tokenFile = null;
        String caFile = null;
        boolean json = false;
        boolean help = false;
        Duration timeout = DEFAULT_TIMEOUT;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--admin" -> admin = value(args, ++i, a);
                case "--token" -> token = value(args, ++i, a);
                case "--token-file" -> tokenFile = value(args, ++i, a);
                case "--ca-file" -> caFile = value(args, ++i, a);
                case "--timeout" -> timeout = seconds(value(args, ++i, a));
                case "--json" -> json = true;
                case "--help", "-h" -> help = true;
                default -> rest.add(a);
            }
        }
        if (token != null && tokenFile != null) {
            throw CtlFailure.usage("give --token or --token-file, not both", CtlCommand.USAGE);
        }
        URI adminUri = adminUri(admin != null ? admin : env.getOrDefault(ADMIN_ENV, DEFAULT_ADMIN),
            admin != null ? "--admin" : env.containsKey(ADMIN_ENV) ? ADMIN_ENV : "the default");
        String source;
        if (token != null) {
            source = "--token";
        } else if (tokenFile != null) {
            token = readToken(Path.of(tokenFile), true);
            source = "--token-file " + tokenFile;
        } else if (env.get(TOKEN_ENV) != null && !env.get(TOKEN_ENV).isBlank()) {
            token = env.get(TOKEN_ENV).trim();
            source = TOKEN_ENV;
        } else {
            source = "no token found: pass --token or --token-file, or set " + TOKEN_ENV;
            for (Path f : TOKEN_FILES) {
                if (Files.isRegularFile(f)) {
                    token = readToken(f, false);
                    source = f.toString();
                    break;
                }
            }
        }
        if (caFile == null && env.get(AdminTrust.CA_ENV) != null && !env.get(AdminTrust.CA_ENV).isBlank()) {
            caFile = env.get(AdminTrust.CA_ENV).trim();
        }
        return new CtlOptions(adminUri, token, source, json, help, timeout, List.copyOf(rest), caFile == null ? null : Path.of(caFile));
    }

    private static String value(List<String> args, int i, String option) throws CtlFailure {
        if (i >= args.size()) {
            throw CtlFailure.usage(option + " needs a value", CtlCommand.USAGE);
        }
        return args.get(i);
    }

    private static Duration seconds(String v) throws CtlFailure {
        try {
            long s = Long.parseLong(v);
            if (s > 0) {
                return Duration.ofSeconds(s);
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw CtlFailure.usage("--timeout takes a positive number of seconds, not " + v, CtlCommand.USAGE);
    }

    private static URI adminUri(String text, String from) throws CtlFailure {
        try {
            URI u = URI.create(text);
            if (("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null) {
                return u;
            }
        } catch (IllegalArgumentException ignored) {
            // reported below
        }
        throw CtlFailure.usage("the admin URL from " + from + " is not an http(s) URL with a host: " + text
            + " (e.g. " + DEFAULT_ADMIN + ")", CtlCommand.USAGE);
    }

    private static String readToken(Path file, boolean named) throws CtlFailure {
        try {
            String t = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (!t.isEmpty()) {
                return t;
            }
            throw CtlFailure.usage("the token file " + file + " is empty", CtlCommand.USAGE);
        } catch (IOException e) {
            // A file found by looking (state/admin-token) that cannot be read is the same mistake as one named.
            throw CtlFailure.usage("cannot read the token file " + file + (named ? "" : " (found in the working directory)")
                + ": " + e, CtlCommand.USAGE);
        }
    }
}
