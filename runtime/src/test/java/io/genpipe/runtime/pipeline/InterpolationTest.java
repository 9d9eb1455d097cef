package io.genpipe.runtime.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A pipeline file may interpolate ${env:..} and ${sys:..} only; no other lookup is ever evaluated. */
class InterpolationTest {

    @TempDir
    Path dir;

    private List<String> problems(String value) throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(
                file, "name: p\nsteps:\n  - id: t\n    use: text-source\n    with: {file: \"" + value + "\"}\n");
        PipelineReader.Result read = new PipelineReader().readAll(file);
        return read.problems().stream().map(Problem::toString).collect(Collectors.toList());
    }

    private String value(String value) throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(
                file, "name: p\nsteps:\n  - id: t\n    use: text-source\n    with: {file: \"" + value + "\"}\n");
        return (String) new PipelineReader()
                .readAll(file)
                .definition()
                .steps()
                .get(0)
                .with()
                .get("file");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "file:UTF-8:SECRET",
                "url:UTF-8:file://SECRET",
                "script:javascript:1+1",
                "dns:address|localhost",
                "base64Decoder:c2VjcmV0",
                "base64Encoder:secret",
                "const:java.io.File.separator",
                "java:version",
                "localhost:name",
                "properties:SECRET::key",
                "resourceBundle:sun.launcher.resources.launcher:java.launcher.opt.header",
                "xml:SECRET:/a",
                "urlDecoder:%41",
                "urlEncoder:a b",
                "date:yyyy",
                "expr:1+1"
            })
    void everyOtherLookupIsRefusedAtItsLine(String variable) throws Exception {
        Path secret = dir.resolve("secret.txt");
        Files.writeString(secret, "TOP-SECRET");
        String v = variable.replace("SECRET", secret.toString());
        String prefix = v.substring(0, v.indexOf(':'));
        assertEquals(
                List.of(dir.resolve("p.yaml") + ":5:18: step 't': ${" + prefix + ":...} is not allowed: a pipeline"
                        + " file may use only ${env:NAME} and ${sys:property} (allowed prefixes: env, sys)"),
                problems("${" + v + "}"));
        assertEquals("${" + v + "}", value("x${" + v + "}").substring(1), "the value was evaluated");
    }

    @Test
    void nestedLookupsAreRefusedToo() throws Exception {
        Path secret = dir.resolve("secret.txt");
        Files.writeString(secret, "TOP-SECRET");
        List<String> found = problems("${sys:${file:UTF-8:" + secret + "}}");
        assertEquals(1, found.size(), found.toString());
        assertFalse(found.get(0).contains("TOP-SECRET"));
    }

    @Test
    void envAndSysAreResolved() throws Exception {
        System.setProperty("genpipe.test.interpolation", "from-sys");
        try {
            assertEquals(
                    "a-from-sys-" + System.getenv("PATH"), value("a-${sys:genpipe.test.interpolation}-${env:PATH}"));
        } finally {
            System.clearProperty("genpipe.test.interpolation");
        }
        assertEquals(
                List.of(dir.resolve("p.yaml") + ":5:18: step 't': cannot resolve ${sys:genpipe.no.such}: system"
                        + " property genpipe.no.such is not set"),
                problems("${sys:genpipe.no.such}"));
        assertEquals(
                List.of(dir.resolve("p.yaml") + ":5:18: step 't': cannot resolve ${plain}: unknown variable; use"
                        + " ${env:NAME} or ${sys:property}"),
                problems("${plain}"));
    }
}
