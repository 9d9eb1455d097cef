package io.genpipe.runtime.io;

import io.genpipe.api.GenpipeException;
import io.genpipe.runtime.step.PartedSink;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.yaml.snakeyaml.Yaml;

/**
 * Files written in parts (one per partition, on Spark): a folder named like the file holding {@code
 * part-00000.EXT}, {@code part-00001.EXT}, ..., and the run's {@code _SUCCESS} manifest listing each part with its
 * rows and sha256. The parts concatenated in order are the file the local runner writes; {@link #merge} writes it.
 */
public final class PartFiles {

    /** The manifest's name: written last, when the job succeeded. */
    public static final String SUCCESS = "_SUCCESS";

    private PartFiles() {}

    /**
     * One part.
     *
     * @param name its file name in the file's folder
     * @param rows rows it holds
     * @param sha256 its bytes' sha256
     */
    public record Part(String name, long rows, String sha256) implements Serializable {}

    /**
     * One file written in parts.
     *
     * @param file its path relative to the output folder (the folder holding the parts)
     * @param parts its parts, in order
     * @param joining how the parts make the file
     */
    public record PartedFile(String file, List<Part> parts, PartedSink.Joining joining) {
        public PartedFile(String file, List<Part> parts) {
            this(file, parts, PartedSink.Joining.CONCAT);
        }

        public long rows() {
            return parts.stream().mapToLong(Part::rows).sum();
        }
    }

    /** Part {@code index}'s file name for {@code file}: {@code part-00003.jsonl} for {@code out.jsonl}. */
    public static String partName(String file, int index) {
        String name = file.substring(file.lastIndexOf('/') + 1);
        int dot = name.indexOf('.');
        return String.format("part-%05d%s", index, dot < 0 ? "" : name.substring(dot));
    }

    /**
     * One gzipped IDX file from parts that are each one (of the same kind and, where they have rows, the same
     * dimensions): one header counting every part's rows, then their bodies — the bytes the sink writes whole.
     */
    private static void joinIdx(String name, List<Path> parts, Path target) throws IOException {
        Path body = target.resolveSibling(target.getFileName() + ".body");
        try {
            int magic = -1;
            long rows = 0;
            long[] dims = null;
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(body), 1 << 16)) {
                for (Path one : parts) {
                    try (DataInputStream in = new DataInputStream(
                            new BufferedInputStream(new GZIPInputStream(Files.newInputStream(one), 1 << 16)))) {
                        int m = in.readInt();
                        if ((m & 0xFFFF0000) != 0 || (m & 0xFF) < 1 || (m & 0xFF) > 4) {
                            throw new GenpipeException(
                                    name + ": part " + one + " is not an IDX file (magic " + m + ")");
                        }
                        if (magic >= 0 && m != magic) {
                            throw new GenpipeException(name + ": part " + one + " has magic number " + m
                                    + ", the parts before it " + magic);
                        }
                        magic = m;
                        long count = in.readInt() & 0xFFFFFFFFL;
                        long[] d = new long[(m & 0xFF) - 1];
                        for (int k = 0; k < d.length; k++) {
                            d[k] = in.readInt() & 0xFFFFFFFFL;
                        }
                        if (count > 0) {
                            if (dims != null && !Arrays.equals(dims, d)) {
                                throw new GenpipeException(name + ": part " + one + " holds rows of "
                                        + Arrays.toString(d) + ", the parts before it " + Arrays.toString(dims));
                            }
                            dims = d;
                        }
                        rows += count;
                        in.transferTo(out);
                    }
                }
            }
            if (magic < 0) {
                throw new GenpipeException(name + " has no parts");
            }
            try (OutputStream out = Files.newOutputStream(target)) {
                IdxFile.writeGzipped(out, magic, rows, dims != null ? dims : new long[(magic & 0xFF) - 1], body);
            }
        } finally {
            Files.deleteIfExists(body);
        }
    }

    /** The manifest's JSON. */
    public static String manifest(List<PartedFile> files, Map<String, Object> about) {
        Map<String, Object> m = new LinkedHashMap<>(about);
        List<Object> listed = new ArrayList<>();
        for (PartedFile f : files) {
            List<Object> parts = new ArrayList<>();
            for (Part p : f.parts()) {
                Map<String, Object> part = new LinkedHashMap<>();
                part.put("name", p.name());
                part.put("rows", p.rows());
                part.put("sha256", p.sha256());
                parts.add(part);
            }
            Map<String, Object> file = new LinkedHashMap<>();
            file.put("file", f.file());
            file.put("rows", f.rows());
            if (f.joining() != PartedSink.Joining.CONCAT) {
                file.put("joining", f.joining().name().toLowerCase(Locale.ROOT));
            }
            file.put("parts", parts);
            listed.add(file);
        }
        m.put("files", listed);
        return Json.write(m) + "\n";
    }

    /**
     * Replaces each file written in parts in {@code folder} (a copy of a run's output folder) by the single file:
     * every part checked against the manifest's sha256, then the parts concatenated in order.
     *
     * @return the files written
     * @throws GenpipeException naming the folder, file or part when there is no manifest, a part is missing or its
     *     bytes differ from the manifest's
     */
    public static List<String> merge(Path folder) {
        Path manifest = folder.resolve(SUCCESS);
        if (!Files.isRegularFile(manifest)) {
            throw new GenpipeException(folder + " has no " + SUCCESS + " manifest: it is not the output folder of a"
                    + " finished run that wrote files in parts (a failed run leaves none)");
        }
        Object parsed;
        try {
            parsed = new Yaml().load(Files.readString(manifest, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            throw new GenpipeException(manifest + " cannot be read as genpipe's manifest: " + e.getMessage(), e);
        }
        if (!(parsed instanceof Map<?, ?> m) || !(m.get("files") instanceof List<?> files)) {
            throw new GenpipeException(manifest + " is not genpipe's manifest (no files: list)");
        }
        List<String> merged = new ArrayList<>();
        for (Object f : files) {
            Map<?, ?> file = (Map<?, ?>) f;
            String name = String.valueOf(file.get("file"));
            Path parts = folder.resolve(name).normalize();
            if (!parts.startsWith(folder.normalize())) {
                throw new GenpipeException(manifest + " names " + name + ", outside its folder");
            }
            if (Files.isRegularFile(parts)) {
                continue; // merged before
            }
            Path temp = parts.resolveSibling("." + parts.getFileName() + ".merging");
            List<Path> checked = new ArrayList<>();
            try {
                for (Object p : (List<?>) file.get("parts")) {
                    Map<?, ?> part = (Map<?, ?>) p;
                    Path one = parts.resolve(String.valueOf(part.get("name")));
                    if (!Files.isRegularFile(one)) {
                        throw new GenpipeException(name + ": part " + part.get("name") + " is missing from " + parts);
                    }
                    MessageDigest sha = MessageDigest.getInstance("SHA-256");
                    try (InputStream in = new DigestInputStream(Files.newInputStream(one), sha)) {
                        in.transferTo(OutputStream.nullOutputStream());
                    }
                    String found = HexFormat.of().formatHex(sha.digest());
                    if (!found.equals(part.get("sha256"))) {
                        throw new GenpipeException(
                                name + ": part " + one + " has sha256 " + found + ", the manifest says "
                                        + part.get("sha256") + " (copied incompletely, or changed since)");
                    }
                    checked.add(one);
                }
                if ("idx".equals(file.get("joining"))) {
                    joinIdx(name, checked, temp);
                } else {
                    try (OutputStream out = Files.newOutputStream(temp)) {
                        for (Path one : checked) {
                            Files.copy(one, out);
                        }
                    }
                }
            } catch (IOException | NoSuchAlgorithmException | RuntimeException e) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // the error below is the one to tell
                }
                throw e instanceof GenpipeException g
                        ? g
                        : new GenpipeException("cannot merge " + parts + ": " + e.getMessage(), e);
            }
            try {
                try (Stream<Path> listed = Files.list(parts)) {
                    for (Path one : listed.toList()) {
                        Files.delete(one);
                    }
                }
                Files.delete(parts);
                Files.move(temp, parts, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new GenpipeException("cannot replace " + parts + " by its merged file: " + e.getMessage(), e);
            }
            merged.add(name);
        }
        return merged;
    }
}
