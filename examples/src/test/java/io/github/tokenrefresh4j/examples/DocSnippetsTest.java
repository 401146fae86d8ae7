package io.github.tokenrefresh4j.examples;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * Every {@code ```java} block of README.md and docs/*.md compiles as written: each is a complete compilation unit,
 * compiled on its own against the published modules (this module's test classpath without its own main classes,
 * which are not published) and {@code docs.Fixture}, the stand-ins a snippet imports by name.
 */
class DocSnippetsTest {

    private static final Pattern FENCE = Pattern.compile("^```(\\S*)\\s*$");
    private static final Pattern TYPE = Pattern.compile(
        "^(?:public\\s+|final\\s+|abstract\\s+)*(?:class|interface|record|enum)\\s+(\\w+)", Pattern.MULTILINE);
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+);", Pattern.MULTILINE);

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final JavaCompiler COMPILER = ToolProvider.getSystemJavaCompiler();
    private static final StandardJavaFileManager FILES =
        COMPILER.getStandardFileManager(null, null, StandardCharsets.UTF_8);
    private static final List<String> OPTIONS = List.of("-classpath", classpath(), "-proc:none", "-Xlint:none",
        "--release", "17");

    record Snippet(String file, int block, int line, String source) {
        @Override
        public String toString() {
            return file + " java block " + block + " (line " + line + ")";
        }
    }

    @TestFactory
    Stream<DynamicTest> everyJavaSnippetCompiles() {
        return snippets().stream().map(s -> DynamicTest.dynamicTest(s.toString(), () -> compile(s)));
    }

    @Test
    void snippetsAreFound() {
        assertThat(snippets()).extracting(Snippet::file).contains("README.md", "docs/getting-started.md");
    }

    @Test
    void aFailingSnippetIsReportedByFileBlockAndLine() {
        Snippet fragment = new Snippet("docs/example.md", 2, 40, "TokenRefreshDecorator tokens = null;\n");
        assertThatThrownBy(() -> compile(fragment)).hasMessageContaining("docs/example.md java block 2 (line 40)")
            .hasMessageContaining("not a complete compilation unit");

        Snippet broken = new Snippet("docs/example.md", 3, 50, "class Broken {\n    int x = \"text\";\n}\n");
        assertThatThrownBy(() -> compile(broken)).hasMessageContaining("docs/example.md java block 3 (line 50)")
            .hasMessageContaining("line 52 of docs/example.md");
    }

    static List<Snippet> snippets() {
        List<Path> files = new ArrayList<>();
        files.add(ROOT.resolve("README.md"));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Snippet> snippets = new ArrayList<>();
        for (Path file : files) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String name = ROOT.relativize(file).toString().replace(File.separatorChar, '/');
            int block = 0;
            for (int i = 0; i < lines.size(); i++) {
                Matcher open = FENCE.matcher(lines.get(i));
                if (!open.matches() || open.group(1).isEmpty()) {
                    continue;
                }
                int start = i;
                StringBuilder body = new StringBuilder();
                for (i++; i < lines.size() && !lines.get(i).startsWith("```"); i++) {
                    body.append(lines.get(i)).append('\n');
                }
                if (open.group(1).equals("java")) {
                    snippets.add(new Snippet(name, ++block, start + 1, body.toString()));
                }
            }
        }
        return snippets;
    }

    private static void compile(Snippet snippet) {
        Matcher type = TYPE.matcher(snippet.source());
        if (!type.find()) {
            fail(snippet + " is not a complete compilation unit: it declares no top-level class, interface, "
                + "record or enum. Write it as one, or make it a ```text block.\n" + snippet.source());
        }
        Matcher pkg = PACKAGE.matcher(snippet.source());
        String path = (pkg.find() ? pkg.group(1).replace('.', '/') + "/" : "") + type.group(1) + ".java";
        JavaFileObject source = new SimpleJavaFileObject(URI.create("string:///" + path), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return snippet.source();
            }
        };
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        boolean ok = COMPILER.getTask(null, new DiscardingOutput(FILES), diagnostics, OPTIONS, null, List.of(source))
            .call();
        if (!ok) {
            String errors = diagnostics.getDiagnostics().stream()
                .filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                .map(d -> "  line " + (snippet.line() + d.getLineNumber()) + " of " + snippet.file() + ": "
                    + d.getMessage(null))
                .collect(Collectors.joining("\n"));
            fail(snippet + " does not compile:\n" + errors);
        }
    }

    /** The test classpath without this module's main classes: snippets may use only the published modules. */
    private static String classpath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path mainClasses = ROOT.resolve("examples/target/classes").toAbsolutePath().normalize();
        return Arrays.stream(cp.split(File.pathSeparator))
            .filter(entry -> !Path.of(entry).toAbsolutePath().normalize().equals(mainClasses))
            .collect(Collectors.joining(File.pathSeparator));
    }

    /** Class files go nowhere: only whether the snippet compiles matters. */
    private static final class DiscardingOutput extends ForwardingJavaFileManager<JavaFileManager> {
        DiscardingOutput(JavaFileManager delegate) {
            super(delegate);
        }

        @Override
        public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind,
                                                   javax.tools.FileObject sibling) {
            return new SimpleJavaFileObject(URI.create("mem:///" + className.replace('.', '/') + kind.extension),
                kind) {
                @Override
                public OutputStream openOutputStream() {
                    return new ByteArrayOutputStream();
                }
            };
        }
    }
}
