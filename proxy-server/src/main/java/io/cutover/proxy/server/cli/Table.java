package io.cutover.proxy.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table for terminals: a header row and aligned columns separated by two spaces. The
 * last column is not padded, so long free text (a reason, a file path) does not drag trailing blanks.
 */
final class Table {
    static final String NONE = "-";

    private final List<String> headers;
    private final List<String[]> rows = new ArrayList<>();

    private Table(List<String> headers) {
        this.headers = headers;
    }

    static Table of(String... headers) {
        return new Table(List.of(headers));
    }

    /** Adds a row; a null or empty cell shows as "-" so columns never look shifted. */
    Table row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException("row has " + cells.length + " cells for " + headers.size() + " columns");
        }
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            String s = cells[i] == null ? "" : oneLine(cells[i].toString());
            r[i] = s.isEmpty() ? NONE : s;
        }
        rows.add(r);
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    String render() {
        int[] widths = widths();
        StringBuilder sb = new StringBuilder();
        line(sb, "", headers.toArray(String[]::new), widths);
        rows.forEach(r -> line(sb, "", r, widths));
        return sb.toString();
    }

    /** The rows alone, each line indented: for "key  value" blocks, where a header row would say nothing. */
    String renderRows(String indent) {
        int[] widths = widths();
        StringBuilder sb = new StringBuilder();
        rows.forEach(r -> line(sb, indent, r, widths));
        return sb.toString();
    }

    private int[] widths() {
        int[] widths = new int[headers.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = headers.get(i).length();
        }
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                widths[i] = Math.max(widths[i], r[i].length());
            }
        }
        return widths;
    }

    private static void line(StringBuilder sb, String indent, String[] cells, int[] widths) {
        StringBuilder l = new StringBuilder(indent);
        for (int i = 0; i < cells.length; i++) {
            l.append(cells[i]);
            if (i < cells.length - 1) {
                l.append(" ".repeat(widths[i] - cells[i].length() + 2));
            }
        }
        sb.append(l.toString().stripTrailing()).append('\n');
    }

    /** Cells are one line each; a server message with a newline in it would break the alignment. */
    static String oneLine(String s) {
        return s.replaceAll("\\s*\\R\\s*", " ");
    }

    /** A JSON array of names as {@link #list(List, int)} shows it. */
    static String list(JsonNode array, int max) {
        List<String> items = new ArrayList<>();
        array.forEach(n -> items.add(n.asText()));
        return list(items, max);
    }

    /** "a, b, c", or the first {@code max} and how many more, so a wide list does not push the other columns away. */
    static String list(List<String> items, int max) {
        if (items.size() <= max) {
            return String.join(", ", items);
        }
        return String.join(", ", items.subList(0, max)) + " +" + (items.size() - max) + " more";
    }
}
