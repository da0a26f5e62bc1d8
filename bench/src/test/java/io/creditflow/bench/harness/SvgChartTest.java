package io.creditflow.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class SvgChartTest {
    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void isWellFormedSvgWithABarPerValueAndTextForMissingOnes() throws Exception {
        List<SvgChart.Panel> panels = List.of(
                new SvgChart.Panel(
                        "S1: <one> & \"only\" stream",
                        "messages/s",
                        List.of(
                                new SvgChart.Bar("creditflow", 450_000.0, "n/a"),
                                new SvgChart.Bar("grpc", 28_000.0, "n/a"),
                                new SvgChart.Bar("netty-naive", 755_000.0, "n/a"))),
                new SvgChart.Panel(
                        "S7-streams",
                        "bytes",
                        List.of(
                                new SvgChart.Bar("creditflow", 900.0, "n/a"),
                                new SvgChart.Bar("grpc", null, "error"),
                                new SvgChart.Bar("netty-naive", null, "n/a"))));
        String svg = SvgChart.render("title", "sub & title", panels);
        Document d = parse(svg);
        assertThat(d.getDocumentElement().getLocalName()).isEqualTo("svg");
        assertThat(d.getDocumentElement().getNamespaceURI()).isEqualTo("http://www.w3.org/2000/svg");
        // one background rect plus one per bar with a value
        assertThat(d.getElementsByTagName("rect").getLength()).isEqualTo(1 + 4);
        assertThat(svg).contains("&lt;one&gt; &amp; &quot;only&quot;", ">error<", ">n/a<", "755.0k");
    }

    @Test
    void theTallestBarFillsThePlotAndOthersScale() throws Exception {
        String svg = SvgChart.render(
                "t",
                "s",
                List.of(new SvgChart.Panel(
                        "p", "u", List.of(new SvgChart.Bar("a", 100.0, ""), new SvgChart.Bar("b", 50.0, "")))));
        var rects = parse(svg).getElementsByTagName("rect");
        List<Double> heights = new ArrayList<>();
        for (int i = 1; i < rects.getLength(); i++) {
            heights.add(Double.parseDouble(
                    rects.item(i).getAttributes().getNamedItem("height").getNodeValue()));
        }
        assertThat(heights).hasSize(2);
        assertThat(heights.get(1) * 2).isCloseTo(heights.get(0), org.assertj.core.data.Offset.offset(0.2));
    }

    @Test
    void longTitlesWrapIntoAtMostTwoLines() {
        assertThat(SvgChart.wrap("a b c", 10, 2)).containsExactly("a b c");
        assertThat(SvgChart.wrap("aaaa bbbb cccc", 9, 2)).containsExactly("aaaa bbbb", "cccc");
        assertThat(SvgChart.wrap("aaaa bbbb cccc dddd eeee", 9, 2)).containsExactly("aaaa bbbb", "cccc d...");
    }

    @Test
    void anEmptyChartIsStillValid() throws Exception {
        assertThat(parse(SvgChart.render("t", "s", List.of()))
                        .getDocumentElement()
                        .getLocalName())
                .isEqualTo("svg");
    }

    @Test
    void reportPanelsCoverEveryScenarioWithRows() throws Exception {
        List<Scenario> scenarios = BenchOptions.parse().selected();
        List<Row> rows = new ArrayList<>();
        for (Scenario sc : scenarios) {
            for (SystemKind s : SystemKind.values()) {
                rows.add(
                        sc.appliesTo(s)
                                ? Row.of(sc, s, null).set("msgs_per_s", 1000.0).set("p99_us", 10.0)
                                : Row.notApplicable(sc, s, null));
            }
        }
        List<SvgChart.Panel> panels = Report.panels(scenarios, rows);
        // S1..S7-conns one each (S6 and S6-equal separately), S11-catch-up, S8's five runs in one, S11's four in one
        assertThat(panels).hasSize(12);
        parse(SvgChart.render("t", "s", panels));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        Report.table(scenarios, rows, new java.io.PrintStream(out, true));
        assertThat(out.toString())
                .contains(
                        "S1  one stream",
                        "S8  broker",
                        "n/a: no streams",
                        "S11  broker producer",
                        "S11-log-1k",
                        "S11-catch-up  broker, 1 consumer from earliest");
    }
}
