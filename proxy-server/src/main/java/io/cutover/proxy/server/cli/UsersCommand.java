package io.cutover.proxy.server.cli;

import io.cutover.proxy.server.security.SaslUsers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;

/**
 * {@code cutover-proxy users add NAME --file FILE}: adds or replaces a user clients log in to the
 * proxy as (listener.sasl.users-file), with salted SCRAM credentials; the password is read from an
 * environment variable or the first line of standard input, never from the command line (where
 * {@code ps} would show it), and is not written anywhere.
 */
final class UsersCommand {
    static final String USAGE = String.join("\n",
        "usage: cutover-proxy users add NAME --file FILE [--password-env VAR] [--mechanisms SCRAM-SHA-512,SCRAM-SHA-256]"
            + " [--iterations N]",
        "  adds or replaces NAME in FILE (listener.sasl.users-file; created owner-only) with salted SCRAM credentials;",
        "  the password comes from the environment variable VAR, else from the first line of standard input.",
        "  PLAIN logins are checked against the same credentials. The running proxy reads FILE at start.");

    private UsersCommand() {
    }

    static int run(String[] args, int from, InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
        List<String> a = List.of(args).subList(from, args.length);
        if (a.isEmpty() || a.contains("--help") || a.contains("-h")) {
            (a.isEmpty() ? err : out).println(USAGE);
            return a.isEmpty() ? 2 : 0;
        }
        if (!a.get(0).equals("add") || a.size() < 2 || a.get(1).startsWith("--")) {
            err.println("cutover-proxy users: expected: add NAME ...\n\n" + USAGE);
            return 2;
        }
        String user = a.get(1);
        String file = null;
        String passwordEnv = null;
        List<ScramMechanism> mechanisms = new ArrayList<>(List.of(ScramMechanism.SCRAM_SHA_512, ScramMechanism.SCRAM_SHA_256));
        int iterations = SaslUsers.DEFAULT_ITERATIONS;
        for (int i = 2; i < a.size(); i++) {
            String opt = a.get(i);
            if (i + 1 >= a.size()) {
                err.println("cutover-proxy users: " + opt + " needs a value\n\n" + USAGE);
                return 2;
            }
            String value = a.get(++i);
            switch (opt) {
                case "--file" -> file = value;
                case "--password-env" -> passwordEnv = value;
                case "--iterations" -> {
                    try {
                        iterations = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        iterations = -1;
                    }
                    if (iterations < ScramMechanism.SCRAM_SHA_512.minIterations()) {
                        err.println("cutover-proxy users: --iterations must be at least " + ScramMechanism.SCRAM_SHA_512.minIterations());
                        return 2;
                    }
                }
                case "--mechanisms" -> {
                    mechanisms.clear();
                    for (String m : value.split(",")) {
                        ScramMechanism mechanism = ScramMechanism.forMechanismName(m.trim());
                        if (mechanism == null) {
                            err.println("cutover-proxy users: " + m + " is not SCRAM-SHA-256 or SCRAM-SHA-512");
                            return 2;
                        }
                        mechanisms.add(mechanism);
                    }
                }
                default -> {
                    err.println("cutover-proxy users: unknown option " + opt + "\n\n" + USAGE);
                    return 2;
                }
            }
        }
        if (file == null) {
            err.println("cutover-proxy users: --file is required\n\n" + USAGE);
            return 2;
        }
        String password;
        if (passwordEnv != null) {
            password = env.get(passwordEnv);
            if (password == null || password.isEmpty()) {
                err.println("cutover-proxy users: the environment variable " + passwordEnv + " is not set");
                return 2;
            }
        } else {
            try {
                password = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
            } catch (IOException e) {
                password = null;
            }
            if (password == null || password.isEmpty()) {
                err.println("cutover-proxy users: no password: give --password-env VAR or one line on standard input");
                return 2;
            }
        }
        try {
            SaslUsers.add(Path.of(file), user, password, mechanisms, iterations);
        } catch (IOException | RuntimeException e) {
            err.println("cutover-proxy users: cannot write " + file + ": " + e.getMessage());
            return 1;
        }
        out.println("added " + user + " to " + file + " (" + mechanisms.stream().map(ScramMechanism::mechanismName).toList() + ", "
            + iterations + " iterations); restart the proxy to use it");
        return 0;
    }
}
