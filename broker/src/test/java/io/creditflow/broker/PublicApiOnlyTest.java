package io.creditflow.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The embedders we ship (the broker, the CLI, examples/embedded) compile against the public API only: no
 * {@code io.creditflow.transport.internal}, no {@code io.creditflow.proto.codec} or {@code .wire}, and from
 * {@code io.creditflow.proto.core} only the types the transport's API names. The internal packages are
 * {@code public} for the client and server artifacts (see their package-info), so this rule is what keeps
 * the README's "built on the public API only" true. It reads the sources, imports and inline qualified names.
 */
class PublicApiOnlyTest {
    private static final Set<String> CORE_API =
            Set.of("MemoryBudget", "NanoClock", "StallReason", "StreamState", "WindowReason", "Credits");
    private static final Pattern REFERENCE = Pattern.compile(
            "io\\.creditflow\\.(transport\\.internal|proto\\.codec|proto\\.wire|proto\\.core)\\.([A-Za-z]+)");

    static List<String> violations(Path root) {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                Matcher m = REFERENCE.matcher(source);
                while (m.find()) {
                    if (!(m.group(1).equals("proto.core") && CORE_API.contains(m.group(2)))) {
                        found.add(root.relativize(file) + ": " + m.group());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    @Test
    void brokerCliAndTheEmbeddingExampleUseThePublicApiOnly() {
        Path repo = Path.of("").toAbsolutePath().getParent();
        for (String module : List.of("broker/src/main/java", "cli/src/main/java", "examples/embedded/src/main/java")) {
            Path root = repo.resolve(module);
            assertThat(root).as(module).isDirectory();
            assertThat(violations(root)).as(module).isEmpty();
        }
    }

    @Test
    void theRuleSeesAnInternalImport() throws IOException {
        Path dir = Files.createTempDirectory("api-rule");
        try {
            Files.writeString(
                    dir.resolve("A.java"),
                    "import io.creditflow.transport.internal.ConnectionHandler;\n"
                            + "import io.creditflow.proto.core.MemoryBudget;\nclass A { io.creditflow.proto.wire.Frame f; }\n");
            assertThat(violations(dir))
                    .containsExactly(
                            "A.java: io.creditflow.transport.internal.ConnectionHandler",
                            "A.java: io.creditflow.proto.wire.Frame");
        } finally {
            Files.delete(dir.resolve("A.java"));
            Files.delete(dir);
        }
    }
}
