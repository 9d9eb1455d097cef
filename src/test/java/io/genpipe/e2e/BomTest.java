package io.genpipe.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** genpipe-bom says what genpipe-parent builds with: the same versions, every published genpipe artifact. */
class BomTest {

    private static final Path ROOT = Repo.root();

    @Test
    void theBomPinsTheVersionsTheBuildIsTestedWith() throws Exception {
        Document parent = read(ROOT.resolve("pom.xml"));
        Document bom = read(ROOT.resolve("bom/pom.xml"));
        Map<String, String> parentProps = properties(parent);
        Map<String, String> bomProps = properties(bom);
        assertEquals(text(parent.getDocumentElement(), "version"), text(bom.getDocumentElement(), "version"));
        assertEquals(text(parent.getDocumentElement(), "version"), bomProps.get("genpipe.version"));
        for (Map.Entry<String, String> e : bomProps.entrySet()) {
            if (!e.getKey().equals("genpipe.version")) {
                assertEquals(
                        parentProps.get(e.getKey()),
                        e.getValue(),
                        "bom/pom.xml's " + e.getKey() + " differs from the parent's, which the build is tested with");
            }
        }
        List<String> managed = new ArrayList<>();
        NodeList deps = bom.getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            managed.add(text((Element) deps.item(i), "artifactId"));
        }
        for (String artifact : List.of(
                "genpipe-api",
                "genpipe-runtime",
                "genpipe-serve",
                "genpipe-protocol",
                "genpipe-client",
                "genpipe-testkit",
                "genpipe-vae",
                "genpipe-classifier",
                "genpipe-gan",
                "genpipe-autoregressive",
                "genpipe-transformer",
                "onnxruntime",
                "onnxruntime_gpu",
                "guice",
                "guava",
                "commons-configuration2",
                "commons-beanutils",
                "snakeyaml",
                "jfreechart")) {
            assertTrue(managed.contains(artifact), "genpipe-bom does not manage " + artifact + ": " + managed);
        }
    }

    private static Document read(Path pom) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    }

    private static Map<String, String> properties(Document pom) {
        Map<String, String> out = new LinkedHashMap<>();
        Node props = pom.getDocumentElement().getElementsByTagName("properties").item(0);
        NodeList children = props.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (children.item(i) instanceof Element e) {
                out.put(e.getTagName(), e.getTextContent().trim());
            }
        }
        return out;
    }

    /** The text of {@code element}'s direct child {@code tag}. */
    private static String text(Element element, String tag) {
        NodeList children = element.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (children.item(i) instanceof Element e && e.getTagName().equals(tag)) {
                return e.getTextContent().trim();
            }
        }
        return null;
    }
}
