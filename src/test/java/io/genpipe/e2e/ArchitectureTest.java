package io.genpipe.e2e;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.BuiltinSteps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering the build keeps (docs: the architecture's "arrows point down"): genpipe-api depends on nothing of
 * genpipe or its libraries; the pipeline engine does not know a step implementation; the engines built on top of
 * it (serve, spark) do not know a built-in step's class; family plugins see only genpipe-api. Each rule reads the
 * main classes of every module (genpipe-spark is on this module's test class path for that).
 */
class ArchitectureTest {

    /** Where the built-in steps' implementations live: one class per step. */
    private static final String[] STEP_IMPLEMENTATIONS = {
        "io.genpipe.runtime.step.source..",
        "io.genpipe.runtime.step.transform..",
        "io.genpipe.runtime.step.eval..",
        "io.genpipe.runtime.step.sink.."
    };

    private static final String[] FAMILIES = {
        "io.genpipe.vae..",
        "io.genpipe.gan..",
        "io.genpipe.classifier..",
        "io.genpipe.autoregressive..",
        "io.genpipe.transformer..",
        "io.genpipe.wavenet.."
    };

    private static JavaClasses main;
    private static JavaClasses wavenet;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar")) // the runtime's test helpers
                .importPackages("io.genpipe");
        // the WaveNet family is a third party's plugin: not on the class path, read from its module's build
        Path classes = Repo.root().resolve("plugins/wavenet/target/classes");
        if (!Files.isDirectory(classes)) {
            throw new AssertionError(classes + " is missing: build the whole reactor (./mvnw verify)");
        }
        wavenet = new ClassFileImporter().importPath(classes);
        // a rule over packages that are not there would pass without checking anything
        for (String pkg : new String[] {"io.genpipe.api", "io.genpipe.runtime.pipeline", "io.genpipe.serve"}) {
            if (main.stream().noneMatch(c -> c.getPackageName().startsWith(pkg))) {
                throw new AssertionError("no classes of " + pkg + " were found to check");
            }
        }
    }

    @Test
    void theApiDependsOnNothingButTheJdk() {
        ArchRule rule = classes()
                .that()
                .resideInAPackage("io.genpipe.api..")
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage("io.genpipe.api..", "java..")
                .because("genpipe-api is all a plugin compiles against: no ONNX Runtime, Guice or configuration types");
        rule.check(main);
    }

    @Test
    void thePipelineEngineKnowsNoStepImplementation() {
        noClasses()
                .that()
                .resideInAPackage("io.genpipe.runtime.pipeline..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(STEP_IMPLEMENTATIONS)
                .because("runners execute what steps declare (io.genpipe.runtime.step), never a particular step")
                .check(main);
    }

    @Test
    void serveAndSparkKnowNoBuiltInStepClass() {
        noClasses()
                .that()
                .resideInAnyPackage("io.genpipe.serve..", "io.genpipe.spark..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(STEP_IMPLEMENTATIONS)
                .because("the server and the Spark engine run pipelines through the step contract")
                .check(main);
    }

    @Test
    void theSparkEngineNamesNoBuiltInStep() throws Exception {
        // it executes what steps declare; a step's name written in its sources means it knows that step
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Repo.root().resolve("spark/src/main/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                for (BuiltinStep step : BuiltinSteps.definitions()) {
                    if (source.contains("\"" + step.name() + "\"")) {
                        found.add(Repo.root().relativize(file) + ": \"" + step.name() + "\"");
                    }
                }
            }
        }
        assertEquals(List.of(), found);
    }

    @Test
    void familyPluginsSeeOnlyTheApi() {
        for (String family : FAMILIES) {
            classes()
                    .that()
                    .resideInAPackage(family)
                    .should()
                    .onlyDependOnClassesThat()
                    .resideInAnyPackage(family, "io.genpipe.api..", "java..")
                    .because("a plugin is loaded in a class loader that shows it genpipe-api and the JDK only")
                    .check(family.equals("io.genpipe.wavenet..") ? wavenet : main);
        }
    }
}
