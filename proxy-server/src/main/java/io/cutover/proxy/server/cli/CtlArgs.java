package io.cutover.proxy.server.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One {@code ctl} command's own arguments: its positionals in order and its options, checked against
 * what that command accepts, so a typo is a usage error (exit 2) before anything is sent to the proxy.
 */
final class CtlArgs {
    private final List<String> positionals;
    private final Map<String, String> values;
    private final Set<String> switches;
    private final String usage;

    private CtlArgs(List<String> positionals, Map<String, String> values, Set<String> switches, String usage) {
        this.positionals = positionals;
        this.values = values;
        this.switches = switches;
        this.usage = usage;
    }

    /**
     * @param valued   options that take a value, e.g. "--topics"
     * @param switches options that stand alone, e.g. "--force"
     * @param usage    the command's help, printed with any usage error
     */
    static CtlArgs parse(List<String> args, Set<String> valued, Set<String> switches, String usage) throws CtlFailure {
        List<String> positionals = new ArrayList<>();
        Map<String, String> values = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (valued.contains(a)) {
                if (i + 1 >= args.size()) {
                    throw CtlFailure.usage(a + " needs a value", usage);
                }
                values.put(a, args.get(++i));
            } else if (switches.contains(a)) {
                seen.add(a);
            } else if (a.startsWith("-") && a.length() > 1) {
                throw CtlFailure.usage("unknown option " + a, usage);
            } else {
                positionals.add(a);
            }
        }
        return new CtlArgs(positionals, values, seen, usage);
    }

    /** The first argument when it names a subcommand ("flip", "show"), or null when there is none. */
    static String subcommand(List<String> args) {
        return args.isEmpty() || args.get(0).startsWith("-") ? null : args.get(0);
    }

    /**
     * The positionals, which must be exactly {@code names} (e.g. "NAME"), each non-empty.
     */
    List<String> exactly(String... names) throws CtlFailure {
        if (positionals.size() < names.length) {
            throw CtlFailure.usage("missing " + String.join(" ", List.of(names).subList(positionals.size(), names.length)), usage);
        }
        if (positionals.size() > names.length) {
            throw CtlFailure.usage("unexpected argument " + positionals.get(names.length), usage);
        }
        for (int i = 0; i < names.length; i++) {
            if (positionals.get(i).isEmpty()) {
                throw CtlFailure.usage(names[i] + " must not be empty", usage);
            }
        }
        return positionals;
    }

    /** The option's value, or null when it was not given. */
    String option(String name) {
        return values.get(name);
    }

    boolean has(String name) {
        return switches.contains(name);
    }

    /** "a,b, c" as [a, b, c]; empty when the option was not given. An empty item is a usage error. */
    List<String> list(String name) throws CtlFailure {
        String v = values.get(name);
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        for (String item : v.split(",", -1)) {
            String t = item.trim();
            if (t.isEmpty()) {
                throw CtlFailure.usage(name + " takes a comma-separated list of names, not \"" + v + "\"", usage);
            }
            out.add(t);
        }
        return out;
    }

    /** A positive whole number, or null when the option was not given. */
    Long positive(String name) throws CtlFailure {
        String v = values.get(name);
        if (v == null) {
            return null;
        }
        try {
            long n = Long.parseLong(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw CtlFailure.usage(name + " takes a positive whole number, not " + v, usage);
    }

    CtlFailure usageError(String message) {
        return CtlFailure.usage(message, usage);
    }
}
