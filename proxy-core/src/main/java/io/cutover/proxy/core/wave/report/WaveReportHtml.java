package io.cutover.proxy.core.wave.report;

import io.cutover.proxy.core.wave.Wave;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * A {@link WaveReport} as one self-contained HTML page: inline CSS and SVG, nothing loaded from
 * elsewhere, printable to PDF. Every text from the report is escaped ({@link Html#escape}): wave,
 * group and topic names come from operators, client ids from clients.
 */
public final class WaveReportHtml {
    /** The pause's steps, in order, as the bar draws them (persist overlaps them, so it is listed only). */
    private static final List<String> PAUSE_STEPS = List.of("fence", "drain", "sync", "carry", "flip", "release");
    private static final String[] COLOURS = {"#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626", "#0891b2"};
    private static final String CSS = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2937;margin:2rem auto;max-width:1100px;padding:0 1rem}
        h1{font-size:1.6rem;margin:0 0 .2rem}h2{font-size:1.2rem;border-bottom:2px solid #e5e7eb;padding-bottom:.2rem;margin-top:2rem}
        h3{font-size:1rem;margin:1.2rem 0 .4rem}.muted{color:#6b7280}table{border-collapse:collapse;width:100%;margin:.4rem 0}
        th,td{border-bottom:1px solid #e5e7eb;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f9fafb}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
        dt{color:#6b7280}dd{margin:0}code,pre{font:12px/1.4 ui-monospace,monospace}pre{white-space:pre-wrap;word-break:break-all;
        background:#f9fafb;padding:.4rem;margin:0;max-height:16rem;overflow:auto}.PASS{color:#15803d}.PASS_WITH_WARNINGS{color:#b45309}
        .FAIL{color:#b91c1c}.switched{color:#15803d}.aborted{color:#b91c1c}.note{background:#f3f4f6;padding:.5rem .75rem;border-radius:4px}
        section{break-inside:avoid-page}svg{max-width:100%;height:auto}
        @media print{body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}pre{max-height:none;overflow:visible}
        table,svg,.switch{break-inside:avoid}a{color:inherit;text-decoration:none}}
        """;

    private final StringBuilder out = new StringBuilder(16_384);

    private WaveReportHtml() {
    }

    public static String render(WaveReport r) {
        return new WaveReportHtml().page(r);
    }

    private String page(WaveReport r) {
        WaveReport.Definition d = r.definition();
        out.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .append("<title>Cutover report · wave ").append(e(d.name())).append("</title><style>").append(CSS).append("</style></head><body>\n")
            .append("<header><h1>Cutover report: wave ").append(e(d.name())).append("</h1><p class=\"muted\">State ")
            .append(e(d.state().name())).append(" · generated ").append(time(r.generatedAt())).append(" by Cutover Proxy</p></header>\n");
        definition(d);
        timeline(r.timeline());
        gates(r.gates());
        rehearsal(r.rehearsal());
        switches(r.switches());
        clients(r.clientsMoved());
        traffic(r.traffic());
        promote(r.promote());
        out.append("</body></html>\n");
        return out.toString();
    }

    private void definition(WaveReport.Definition d) {
        open("definition", "Definition");
        out.append("<dl>");
        fact("Wave", e(d.name()));
        fact("State", e(d.state().name()));
        fact("Topics", e(String.join(", ", d.topics())));
        fact("Consumer groups", d.groups().isEmpty() ? "none" : e(String.join(", ", d.groups())));
        fact("Clients", e(d.clients()));
        fact("Created", time(d.createdAt()));
        out.append("</dl>");
        close();
    }

    private void timeline(List<Wave.Transition> timeline) {
        open("timeline", "Timeline");
        out.append("<table><thead><tr><th>When (UTC)</th><th>Who</th><th>From</th><th>To</th><th>Why</th></tr></thead><tbody>");
        for (Wave.Transition t : timeline) {
            out.append("<tr data-to=\"").append(e(t.to().name())).append("\"><td>").append(time(t.at())).append("</td><td>").append(e(t.who()))
                .append("</td><td>").append(t.from() == null ? "–" : e(t.from().name())).append("</td><td>").append(e(t.to().name()))
                .append("</td><td>").append(e(t.reason())).append("</td></tr>");
        }
        out.append("</tbody></table>");
        close();
    }

    private void gates(List<WaveReport.Gate> gates) {
        open("gates", "Gates at the last check");
        if (gates.isEmpty()) {
            out.append("<p class=\"muted\">The wave's gates were never checked.</p>");
        } else {
            out.append("<table><thead><tr><th>Status</th><th>Gate</th><th>Evidence</th></tr></thead><tbody>");
            for (WaveReport.Gate g : gates) {
                out.append("<tr data-gate=\"").append(e(g.gate())).append("\"><td class=\"").append(e(g.status())).append("\">")
                    .append(e(g.status())).append("</td><td><strong>").append(e(g.gate())).append("</strong><br><span class=\"muted\">")
                    .append(e(g.title())).append("</span></td><td>");
                for (String w : g.warnings()) {
                    out.append("<p class=\"PASS_WITH_WARNINGS\">").append(e(w)).append("</p>");
                }
                if (g.remedy() != null && !g.remedy().isEmpty() && "FAIL".equals(g.status())) {
                    out.append("<p>What to do: ").append(e(g.remedy())).append("</p>");
                }
                out.append("<pre>").append(e(g.evidence() == null ? "" : g.evidence().toPrettyString())).append("</pre></td></tr>");
            }
            out.append("</tbody></table>");
        }
        close();
    }

    private void rehearsal(WaveReport.Rehearsal r) {
        open("rehearsal", "Rehearsal");
        if (!r.done()) {
            out.append("<p class=\"muted\">The wave was never rehearsed against the target.</p>");
        } else {
            out.append("<p>").append(r.passed() ? "<span class=\"PASS\">Passed</span>" : "<span class=\"FAIL\">Found problems</span>")
                .append(", ").append(time(r.at())).append(", replaying capture <code>").append(e(r.capture())).append("</code>.</p>");
            if (r.findings().isEmpty()) {
                out.append("<p class=\"muted\">No findings: the target answered as the source did.</p>");
            } else {
                out.append("<ul>");
                r.findings().forEach(f -> out.append("<li>").append(e(f)).append("</li>"));
                out.append("</ul>");
            }
        }
        close();
    }

    private void switches(List<WaveReport.SwitchRecord> switches) {
        open("switches", "Switches and rollbacks");
        if (switches.isEmpty()) {
            out.append("<p class=\"muted\">Never switched.</p>");
        }
        int i = 0;
        for (WaveReport.SwitchRecord s : switches) {
            i++;
            out.append("<div class=\"switch\" data-switch=\"").append(i).append("\"><h3>").append(i).append(". ").append(e(s.direction()))
                .append(", <span class=\"").append(e(s.outcome())).append("\">").append(e(s.outcome())).append("</span>, ")
                .append(time(s.startedAt())).append("</h3>");
            if (s.reason() != null) {
                out.append("<p class=\"note\">").append(e(s.reason())).append("</p>");
            }
            if (s.warning() != null) {
                out.append("<p class=\"note\">").append(e(s.warning())).append("</p>");
            }
            out.append("<dl>");
            fact("Write pause", s.writePauseMs() == null ? "–" : ms(s.writePauseMs()));
            fact("Held", s.heldRequests() + " requests, " + s.heldBytes() + " bytes, " + s.heldConnections() + " connections");
            out.append("</dl>");
            pauseBar(s.stepsMs());
            out.append("<table class=\"steps\"><thead><tr>");
            s.stepsMs().keySet().forEach(k -> out.append("<th class=\"num\">").append(e(k)).append("</th>"));
            out.append("</tr></thead><tbody><tr>");
            s.stepsMs().values().forEach(v -> out.append("<td class=\"num\">").append(ms(v)).append("</td>"));
            out.append("</tr></tbody></table>");
            groups(s.groups());
            out.append("</div>");
        }
        close();
    }

    /** The write pause as one bar, a segment per step, to scale. */
    private void pauseBar(Map<String, Double> steps) {
        double total = PAUSE_STEPS.stream().mapToDouble(k -> steps.getOrDefault(k, 0.0)).sum();
        if (total <= 0) {
            return;
        }
        int width = 700;
        out.append("<svg class=\"pause\" viewBox=\"0 0 ").append(width).append(" 46\" width=\"").append(width)
            .append("\" height=\"46\" role=\"img\" aria-label=\"write pause by step\">");
        double x = 0;
        int c = 0;
        for (String k : PAUSE_STEPS) {
            double v = steps.getOrDefault(k, 0.0);
            double w = v / total * width;
            out.append("<rect x=\"").append(num(x)).append("\" y=\"0\" width=\"").append(num(w)).append("\" height=\"20\" fill=\"")
                .append(COLOURS[c % COLOURS.length]).append("\"><title>").append(k).append(' ').append(ms(v)).append("</title></rect>");
            out.append("<rect x=\"").append(c * 115).append("\" y=\"30\" width=\"10\" height=\"10\" fill=\"").append(COLOURS[c % COLOURS.length])
                .append("\"/><text x=\"").append(c * 115 + 14).append("\" y=\"39\" font-size=\"11\">").append(k).append(' ').append(ms(v))
                .append("</text>");
            x += w;
            c++;
        }
        out.append("</svg>");
    }

    private void groups(List<WaveReport.CarriedGroup> groups) {
        if (groups.isEmpty()) {
            out.append("<p class=\"muted\">No consumer groups carried.</p>");
            return;
        }
        out.append("<table class=\"groups\"><thead><tr><th>Group</th><th>Partition</th><th class=\"num\">Committed</th>")
            .append("<th class=\"num\">Carried</th><th class=\"num\">Translation slack</th><th class=\"num\">Uncommitted at switch</th>")
            .append("</tr></thead><tbody>");
        for (WaveReport.CarriedGroup g : groups) {
            out.append("<tr data-group=\"").append(e(g.group())).append("\"><td><strong>").append(e(g.group()))
                .append("</strong></td><td colspan=\"5\">may re-deliver at most ").append(g.maxRedelivery()).append(" records (slack ")
                .append(g.translationSlack()).append(" + uncommitted ").append(g.uncommittedAtSwitch()).append(")</td></tr>");
            for (WaveReport.CarriedPartition p : g.partitions()) {
                out.append("<tr><td></td><td>").append(e(p.partition())).append("</td><td class=\"num\">").append(p.committed())
                    .append("</td><td class=\"num\">").append(p.notOnDestination() ? "not on destination" : String.valueOf(p.carried()))
                    .append("</td><td class=\"num\">").append(p.translationSlack()).append("</td><td class=\"num\">")
                    .append(p.uncommittedAtSwitch()).append("</td></tr>");
            }
        }
        out.append("</tbody></table>");
    }

    private void clients(List<WaveReport.MovedApplication> apps) {
        open("clients", "Clients moved");
        if (apps.isEmpty()) {
            out.append("<p class=\"muted\">The client inventory knows no client that the wave moves.</p>");
        }
        for (WaveReport.MovedApplication a : apps) {
            out.append("<h3 data-application=\"").append(e(a.kind() + ":" + a.application())).append("\">").append(e(a.application()))
                .append(" <span class=\"muted\">(").append(e(a.kind())).append(", ").append(a.clients().size()).append(" clients)</span></h3>")
                .append("<table><thead><tr><th>Client id</th><th>Address</th><th>Software</th><th>Cluster now</th><th>Last seen</th>")
                .append("</tr></thead><tbody>");
            for (WaveReport.MovedClient c : a.clients()) {
                out.append("<tr><td>").append(e(c.clientId())).append("</td><td>").append(e(c.address())).append("</td><td>")
                    .append(e(c.software())).append("</td><td>").append(e(c.cluster())).append("</td><td>").append(time(c.lastSeen()))
                    .append("</td></tr>");
            }
            out.append("</tbody></table>");
        }
        close();
    }

    private void traffic(List<WaveReport.TrafficAround> traffic) {
        open("traffic", "Traffic per cluster before and after");
        out.append("<p class=\"muted\">Requests per second the proxy forwarded to each cluster, averaged over ")
            .append(WaveReports.TRAFFIC_WINDOW.toSeconds()).append(" s before each switch and after it (cut at the switch before and after it).</p>");
        if (traffic.isEmpty()) {
            out.append("<p class=\"muted\">No switch went through.</p>");
        }
        for (WaveReport.TrafficAround t : traffic) {
            out.append("<h3>").append(e(t.direction())).append(", ").append(time(t.at())).append("</h3>");
            if (!t.history()) {
                out.append("<p class=\"note\">No history: the proxy restarted since this switch, or it is older than the history kept.</p>");
                continue;
            }
            TreeSet<String> clusters = new TreeSet<>(t.requestsPerSecondBefore().keySet());
            clusters.addAll(t.requestsPerSecondAfter().keySet());
            trafficBars(clusters, t.requestsPerSecondBefore(), t.requestsPerSecondAfter());
            out.append("<table><thead><tr><th>Cluster</th><th class=\"num\">Before (req/s)</th><th class=\"num\">After (req/s)</th></tr>")
                .append("</thead><tbody>");
            for (String c : clusters) {
                out.append("<tr><td>").append(e(c)).append("</td><td class=\"num\">").append(rate(t.requestsPerSecondBefore().get(c)))
                    .append("</td><td class=\"num\">").append(rate(t.requestsPerSecondAfter().get(c))).append("</td></tr>");
            }
            out.append("</tbody></table>");
        }
        close();
    }

    /** Before and after, side by side per cluster, to one scale. */
    private void trafficBars(TreeSet<String> clusters, Map<String, Double> before, Map<String, Double> after) {
        double max = 0;
        for (String c : clusters) {
            max = Math.max(max, Math.max(before.getOrDefault(c, 0.0), after.getOrDefault(c, 0.0)));
        }
        if (max <= 0 || clusters.isEmpty()) {
            return;
        }
        int rowHeight = 44;
        int height = clusters.size() * rowHeight + 10;
        out.append("<svg class=\"traffic\" viewBox=\"0 0 700 ").append(height).append("\" width=\"700\" height=\"").append(height)
            .append("\" role=\"img\" aria-label=\"requests per second before and after\">");
        int y = 4;
        for (String c : clusters) {
            double b = before.getOrDefault(c, 0.0);
            double a = after.getOrDefault(c, 0.0);
            out.append("<text x=\"0\" y=\"").append(y + 24).append("\" font-size=\"12\">").append(e(c)).append("</text>");
            bar(y, b / max * 480, "#9ca3af", "before " + rate(b));
            bar(y + 18, a / max * 480, "#2563eb", "after " + rate(a));
            y += rowHeight;
        }
        out.append("</svg>");
    }

    private void bar(int y, double w, String colour, String label) {
        out.append("<rect x=\"90\" y=\"").append(y).append("\" width=\"").append(num(Math.max(w, 1))).append("\" height=\"14\" fill=\"")
            .append(colour).append("\"/><text x=\"").append(num(96 + w)).append("\" y=\"").append(y + 11).append("\" font-size=\"11\">")
            .append(label).append(" req/s</text>");
    }

    private void promote(WaveReport.PromoteDecision p) {
        open("promote", "Promote decision");
        if (p.promoted()) {
            out.append("<p><strong>Promoted</strong> ").append(time(p.at())).append(" by ").append(e(p.who()))
                .append(": the point of no return. ").append(e(p.note())).append("</p>");
        } else {
            out.append("<p>").append(e(p.note())).append("</p>");
        }
        close();
    }

    private void open(String id, String title) {
        out.append("<section id=\"").append(id).append("\" data-section=\"").append(id).append("\"><h2>").append(title).append("</h2>");
    }

    private void close() {
        out.append("</section>\n");
    }

    private void fact(String label, String html) {
        out.append("<dt>").append(label).append("</dt><dd>").append(html).append("</dd>");
    }

    private static String e(String text) {
        return Html.escape(text);
    }

    private static String time(Instant at) {
        return at == null ? "–" : e(at.truncatedTo(ChronoUnit.MILLIS).toString().replace('T', ' ').replace("Z", " UTC"));
    }

    private static String ms(double v) {
        return String.format(Locale.ROOT, v < 10 ? "%.2f ms" : "%.1f ms", v);
    }

    private static String rate(Double v) {
        return v == null ? "–" : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
