package io.creditflow.bench.harness;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A hand-written SVG bar chart: one panel per scenario, each with its own scale and unit, one bar per
 * system (or policy). Bars without a value are shown as text ("n/a", "error").
 */
public final class SvgChart {
    private static final int PANEL_W = 300;
    private static final int PANEL_H = 250;
    private static final int COLUMNS = 3;
    private static final int TOP = 50;
    private static final Map<String, String> COLORS = Map.of(
            "creditflow", "#2a6fdb",
            "netty-batched", "#2e7d32",
            "netty-naive", "#8bc34a",
            "grpc", "#e07b39",
            "grpc-tuned", "#b5541a");

    private SvgChart() {}

    /** One bar: a label, a value or null, and what to print instead of a missing value. */
    public record Bar(String label, Double value, String missing) {}

    /** One panel: a title, the unit of its values, its bars. */
    public record Panel(String title, String unit, List<Bar> bars) {}

    public static String render(String title, String subtitle, List<Panel> panels) {
        int rows = Math.max(1, (panels.size() + COLUMNS - 1) / COLUMNS);
        int width = COLUMNS * PANEL_W + 20;
        int height = TOP + rows * PANEL_H + 20;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                        + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">%n",
                width,
                height,
                width,
                height));
        sb.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        sb.append(String.format(
                Locale.ROOT, "<text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">%s</text>%n", esc(title)));
        sb.append(String.format(
                Locale.ROOT, "<text x=\"10\" y=\"40\" font-size=\"11\" fill=\"#555\">%s</text>%n", esc(subtitle)));
        for (int k = 0; k < panels.size(); k++) {
            int x = 10 + (k % COLUMNS) * PANEL_W;
            int y = TOP + (k / COLUMNS) * PANEL_H;
            panel(sb, panels.get(k), x, y);
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static void panel(StringBuilder sb, Panel p, int x, int y) {
        List<String> title = wrap(p.title(), 40, 2);
        List<String> unit = wrap(p.unit(), 54, 2);
        sb.append("<g>\n");
        int ty = y + 16;
        for (String line : title) {
            sb.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%d\" y=\"%d\" font-size=\"12\" font-weight=\"bold\">%s" + "</text>%n",
                    x + 10,
                    ty,
                    esc(line)));
            ty += 15;
        }
        for (String line : unit) {
            sb.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"#555\">%s</text>%n",
                    x + 10,
                    ty - 2,
                    esc(line)));
            ty += 12;
        }
        int plotX = x + 10;
        int plotY = ty + 10;
        int plotW = PANEL_W - 30;
        int plotH = y + PANEL_H - 30 - plotY;
        sb.append(String.format(
                Locale.ROOT,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>%n",
                plotX,
                plotY + plotH,
                plotX + plotW,
                plotY + plotH));
        double max = 0;
        for (Bar b : p.bars()) {
            if (b.value() != null && Double.isFinite(b.value())) {
                max = Math.max(max, b.value());
            }
        }
        int n = Math.max(1, p.bars().size());
        double slot = (double) plotW / n;
        double barW = Math.min(60, slot * 0.7);
        for (int i = 0; i < p.bars().size(); i++) {
            Bar b = p.bars().get(i);
            double cx = plotX + slot * (i + 0.5);
            String color = COLORS.getOrDefault(b.label(), "#777");
            if (b.value() != null && Double.isFinite(b.value())) {
                double h = max > 0 ? Math.max(0, b.value()) / max * (plotH - 14) : 0; // room for the label
                sb.append(String.format(
                        Locale.ROOT,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                                + "fill=\"%s\"><title>%s: %s</title></rect>%n",
                        cx - barW / 2,
                        plotY + plotH - h,
                        barW,
                        h,
                        color,
                        esc(b.label()),
                        esc(number(b.value()))));
                sb.append(String.format(
                        Locale.ROOT,
                        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" " + "text-anchor=\"middle\">%s</text>%n",
                        cx,
                        plotY + plotH - h - 4,
                        esc(number(b.value()))));
            } else {
                sb.append(String.format(
                        Locale.ROOT,
                        "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"#999\" "
                                + "text-anchor=\"middle\">%s</text>%n",
                        cx,
                        plotY + plotH - 6,
                        esc(b.missing())));
            }
            sb.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">" + "%s</text>%n",
                    cx,
                    plotY + plotH + 14,
                    esc(b.label())));
        }
        sb.append("</g>\n");
    }

    /** Splits {@code text} into at most {@code maxLines} lines of about {@code width} characters. */
    static List<String> wrap(String text, int width, int maxLines) {
        List<String> lines = new java.util.ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : (text == null ? "" : text).split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            line.append(line.length() > 0 ? " " : "").append(word);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        if (lines.size() > maxLines) {
            List<String> kept = new java.util.ArrayList<>(lines.subList(0, maxLines));
            String last = kept.get(maxLines - 1);
            kept.set(maxLines - 1, (last.length() > width - 3 ? last.substring(0, width - 3) : last) + "...");
            return kept;
        }
        return lines;
    }

    /** 1234567 as "1.23M", 0.5 as "0.50". */
    static String number(double v) {
        double a = Math.abs(v);
        if (a >= 1e9) {
            return String.format(Locale.ROOT, "%.2fG", v / 1e9);
        }
        if (a >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        }
        if (a >= 1e4) {
            return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&apos;");
                default -> {
                    if (c >= 0x20 || c == '\t' || c == '\n') {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }
}
