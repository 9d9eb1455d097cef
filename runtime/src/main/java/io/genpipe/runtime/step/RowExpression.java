package io.genpipe.runtime.step;

import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.data.Tensor;
import io.genpipe.runtime.component.DidYouMean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A predicate over a row, written in a pipeline file: {@code label == 7 && score > 2.5}, {@code label in [5, 7, 9]},
 * {@code tags.flagged == "true"}, {@code scores.vae > 1.5 || !(source == "test")}.
 *
 * <p>Names: {@code id}, {@code source} (text), {@code label}, {@code score} (numbers; the latest scorer's score),
 * {@code tags.NAME} (a tag's text), {@code scores.STEP} (the score column scorer step STEP wrote), and any scalar
 * column (float32/float64/int32/int64 of shape [batch] or [batch,1]) by its name. Literals: numbers, "text" (or
 * 'text'), true, false, null. Operators: {@code == != < <= > >=}, {@code in [..]}, {@code && || !}, parentheses.
 * A missing label, score or tag is null: it equals only null, and every ordering with it is false.
 *
 * <p>Parsed when the pipeline is read ({@link #parse}), checked against the columns its input carries while the
 * pipeline is validated ({@link #check}), evaluated per row ({@link #bind}).
 */
public final class RowExpression {

    /** What a name or a value is, for checking. */
    enum Type {
        NUMBER("a number"),
        TEXT("text"),
        BOOLEAN("true or false"),
        NULL("null");

        final String words;

        Type(String words) {
            this.words = words;
        }
    }

    /** A problem with an expression: where (0-based offset into its text) and what. */
    public static final class ExpressionException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        ExpressionException(String text, int at, String message) {
            super(message + " (at column " + (at + 1) + " of \"" + text + "\")");
        }
    }

    private final String text;
    private final Node root;

    private RowExpression(String text, Node root) {
        this.text = text;
        this.root = root;
    }

    /**
     * Parses {@code text}.
     *
     * @throws ExpressionException naming the column of the first syntax error and what was expected
     */
    public static RowExpression parse(String text) {
        Parser p = new Parser(text);
        Node root = p.or();
        p.skipSpace();
        if (p.pos < text.length()) {
            throw new ExpressionException(text, p.pos, "unexpected '" + text.substring(p.pos) + "'");
        }
        return new RowExpression(text, root);
    }

    /** The text as written. */
    public String text() {
        return text;
    }

    /** The columns the expression reads (for runners that hand steps only what they read). */
    public Set<String> columns() {
        Set<String> out = new LinkedHashSet<>();
        root.columns(out);
        return out;
    }

    /**
     * Checks every name against what rows carry ({@code columns}: the input's columns) and every operator against
     * its operands' types.
     *
     * @throws ExpressionException naming the unknown name (with a did-you-mean and what rows carry) or the type
     *     mismatch
     */
    public void check(List<PortSpec> columns) {
        Map<String, PortSpec> scalars = new HashMap<>();
        for (PortSpec p : columns) {
            if (scalar(p)) {
                scalars.put(p.name(), p);
            }
        }
        Type t = root.type(new Scope(text, scalars, columns));
        if (t != Type.BOOLEAN) {
            throw new ExpressionException(
                    text, 0, "the expression is " + t.words + ", not true or false; compare it, e.g. label == 7");
        }
    }

    private static boolean scalar(PortSpec p) {
        boolean numeric = p.dtype() == DType.FLOAT32
                || p.dtype() == DType.FLOAT64
                || p.dtype() == DType.INT32
                || p.dtype() == DType.INT64;
        return numeric
                && (p.rank() == 1
                        || (p.rank() == 2
                                && p.shape().get(1).isFixed()
                                && p.shape().get(1).size() == 1));
    }

    /** The expression over the rows of {@code batch}: its columns read once. */
    public RowTest bind(Batch batch) {
        Map<String, double[]> values = new HashMap<>();
        for (String c : columns()) {
            values.put(c, numbers(batch.column(c)));
        }
        return row -> Boolean.TRUE.equals(root.eval(batch.meta(row), row, values));
    }

    /** A scalar column's values as doubles, one per row. */
    private static double[] numbers(Tensor t) {
        double[] out = new double[(int) t.shape()[0]];
        switch (t.dtype()) {
            case FLOAT64 -> System.arraycopy(t.toDoubleArray(), 0, out, 0, out.length);
            case FLOAT32 -> {
                float[] v = t.toFloatArray();
                for (int i = 0; i < out.length; i++) {
                    out[i] = v[i];
                }
            }
            case INT64 -> {
                long[] v = t.toLongArray();
                for (int i = 0; i < out.length; i++) {
                    out[i] = v[i];
                }
            }
            case INT32 -> {
                int[] v = t.toIntArray();
                for (int i = 0; i < out.length; i++) {
                    out[i] = v[i];
                }
            }
            default -> throw new IllegalStateException("column of " + t.dtype() + " is not a number per row");
        }
        return out;
    }

    /** The expression bound to one batch's rows. */
    @FunctionalInterface
    public interface RowTest {
        boolean test(int row);
    }

    @Override
    public String toString() {
        return text;
    }

    /** What names mean while checking. */
    private record Scope(String text, Map<String, PortSpec> scalars, List<PortSpec> columns) {

        Type resolve(Name n) {
            String name = n.name;
            if (name.equals("id") || name.equals("source")) {
                return Type.TEXT;
            }
            if (name.equals("label") || name.equals("score")) {
                return Type.NUMBER;
            }
            if (name.startsWith("tags.") && name.length() > 5) {
                return Type.TEXT;
            }
            String column = n.column();
            if (scalars.containsKey(column)) {
                return Type.NUMBER;
            }
            List<String> known = new ArrayList<>(List.of("id", "source", "label", "score"));
            scalars.keySet().stream().sorted().forEach(known::add);
            scalars.keySet().stream().sorted().forEach(c -> known.add("scores." + c));
            String what = name.startsWith("scores.")
                    ? "no score column '" + column + "' (scores.STEP is the column scorer step STEP wrote)"
                    : columns.stream().anyMatch(p -> p.name().equals(name))
                            ? "column '" + name + "' is not a scalar (a number per row)"
                            : "unknown name '" + name + "'";
            throw new ExpressionException(
                    text,
                    n.at,
                    what + DidYouMean.hint(name, known) + "; rows carry id, source, label, score, tags.NAME"
                            + (scalars.isEmpty()
                                    ? ""
                                    : ", and the scalar columns "
                                            + String.join(
                                                    ", ",
                                                    scalars.keySet().stream()
                                                            .sorted()
                                                            .toList())));
        }
    }

    /** A node of the parsed expression. */
    private abstract static class Node {
        final int at;

        Node(int at) {
            this.at = at;
        }

        abstract Type type(Scope scope);

        abstract Object eval(RowMeta meta, int row, Map<String, double[]> columns);

        void columns(Set<String> out) {}
    }

    private static final class Literal extends Node {
        final Object value;

        Literal(int at, Object value) {
            super(at);
            this.value = value;
        }

        @Override
        Type type(Scope scope) {
            return typeOf(value);
        }

        @Override
        Object eval(RowMeta meta, int row, Map<String, double[]> columns) {
            return value;
        }

        @Override
        public String toString() {
            if (value instanceof Double d) {
                return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString(d.longValue()) : d.toString();
            }
            return value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
        }
    }

    private static Type typeOf(Object v) {
        if (v == null) {
            return Type.NULL;
        }
        if (v instanceof Double) {
            return Type.NUMBER;
        }
        if (v instanceof Boolean) {
            return Type.BOOLEAN;
        }
        return Type.TEXT;
    }

    private static final class Name extends Node {
        final String name;

        Name(int at, String name) {
            super(at);
            this.name = name;
        }

        String column() {
            return name.startsWith("scores.") ? name.substring(7) : name;
        }

        @Override
        Type type(Scope scope) {
            return scope.resolve(this);
        }

        @Override
        void columns(Set<String> out) {
            if (!List.of("id", "source", "label", "score").contains(name) && !name.startsWith("tags.")) {
                out.add(column());
            }
        }

        @Override
        Object eval(RowMeta meta, int row, Map<String, double[]> columns) {
            Object known = switch (name) {
                case "id" -> meta.id();
                case "source" -> meta.source();
                case "label" -> meta.label() == null ? null : (Object) (double) meta.label();
                case "score" -> meta.score();
                default -> this;
            };
            if (known != this) {
                return known;
            }
            if (name.startsWith("tags.")) {
                return meta.tags().get(name.substring(5));
            }
            double[] v = columns.get(column());
            return v == null ? null : v[row];
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static final class Not extends Node {
        final Node operand;

        Not(int at, Node operand) {
            super(at);
            this.operand = operand;
        }

        @Override
        Type type(Scope scope) {
            Type t = operand.type(scope);
            if (t != Type.BOOLEAN) {
                throw new ExpressionException(scope.text(), at, "! needs true or false, not " + t.words);
            }
            return Type.BOOLEAN;
        }

        @Override
        void columns(Set<String> out) {
            operand.columns(out);
        }

        @Override
        Object eval(RowMeta meta, int row, Map<String, double[]> columns) {
            return !Boolean.TRUE.equals(operand.eval(meta, row, columns));
        }
    }

    private static final class Logical extends Node {
        final boolean and;
        final Node left;
        final Node right;

        Logical(int at, boolean and, Node left, Node right) {
            super(at);
            this.and = and;
            this.left = left;
            this.right = right;
        }

        @Override
        Type type(Scope scope) {
            for (Node n : List.of(left, right)) {
                Type t = n.type(scope);
                if (t != Type.BOOLEAN) {
                    throw new ExpressionException(
                            scope.text(), n.at, (and ? "&&" : "||") + " joins true-or-false tests, not " + t.words);
                }
            }
            return Type.BOOLEAN;
        }

        @Override
        void columns(Set<String> out) {
            left.columns(out);
            right.columns(out);
        }

        @Override
        Object eval(RowMeta meta, int row, Map<String, double[]> columns) {
            boolean l = Boolean.TRUE.equals(left.eval(meta, row, columns));
            if (and ? !l : l) {
                return l;
            }
            return Boolean.TRUE.equals(right.eval(meta, row, columns));
        }
    }

    private static final class Compare extends Node {
        final String op;
        final Node left;
        final Node right;

        Compare(int at, String op, Node left, Node right) {
            super(at);
            this.op = op;
            this.left = left;
            this.right = right;
        }

        @Override
        Type type(Scope scope) {
            Type l = left.type(scope);
            Type r = right.type(scope);
            boolean equality = op.equals("==") || op.equals("!=");
            if (l == Type.NULL || r == Type.NULL) {
                if (!equality) {
                    throw new ExpressionException(scope.text(), at, op + " cannot compare with null; use == or !=");
                }
                return Type.BOOLEAN;
            }
            if (l != r) {
                throw new ExpressionException(
                        scope.text(),
                        at,
                        left + " is " + l.words + " but " + right + " is " + r.words + "; compare like with like"
                                + (l == Type.NUMBER && r == Type.TEXT ? ", e.g. " + left + " " + op + " 7" : ""));
            }
            if (!equality && l != Type.NUMBER) {
                throw new ExpressionException(
                        scope.text(), at, op + " orders numbers only; " + left + " is " + l.words);
            }
            return Type.BOOLEAN;
        }

        @Override
        void columns(Set<String> out) {
            left.columns(out);
            right.columns(out);
        }

        @Override
        Object eval(RowMeta meta, int row, Map<String, double[]> columns) {
            Object l = left.eval(meta, row, columns);
            Object r = right.eval(meta, row, columns);
            return switch (op) {
                case "==" -> Objects.equals(l, r);
                case "!=" -> !Objects.equals(l, r);
                default -> {
                    if (!(l instanceof Double a) || !(r instanceof Double b)) {
                        yield false;
                    }
                    yield switch (op) {
                        case "<" -> a < b;
                        case "<=" -> a <= b;
                        case ">" -> a > b;
                        default -> a >= b;
                    };
                }
            };
        }

        @Override
        public String toString() {
            return left + " " + op + " " + right;
        }
    }

    private static final class In extends Node {
        final Node left;
        final List<Object> values;

        In(int at, Node left, List<Object> values) {
            super(at);
            this.left = left;
            this.values = values;
        }

        @Override
        Type type(Scope scope) {
            Type l = left.type(scope);
            for (Object v : values) {
                if (typeOf(v) != l && v != null) {
                    throw new ExpressionException(
                            scope.text(), at, left + " is " + l.words + " but the list holds " + typeOf(v).words);
                }
            }
            return Type.BOOLEAN;
        }

        @Override
        void columns(Set<String> out) {
            left.columns(out);
        }

        @Override
        Object eval(RowMeta meta, int row, Map<String, double[]> columns) {
            return values.contains(left.eval(meta, row, columns));
        }
    }

    /** Recursive descent over the text. */
    private static final class Parser {
        final String text;
        int pos;

        Parser(String text) {
            this.text = text;
        }

        void skipSpace() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
        }

        boolean take(String token) {
            skipSpace();
            if (text.startsWith(token, pos)) {
                pos += token.length();
                return true;
            }
            return false;
        }

        ExpressionException error(String expected) {
            skipSpace();
            String found = pos < text.length() ? "'" + text.charAt(pos) + "'" : "the end";
            return new ExpressionException(text, pos, "expected " + expected + ", found " + found);
        }

        Node or() {
            Node left = and();
            while (true) {
                int at = pos;
                if (!take("||")) {
                    return left;
                }
                left = new Logical(at, false, left, and());
            }
        }

        Node and() {
            Node left = not();
            while (true) {
                int at = pos;
                if (!take("&&")) {
                    return left;
                }
                left = new Logical(at, true, left, not());
            }
        }

        Node not() {
            skipSpace();
            int at = pos;
            if (text.startsWith("!", pos) && !text.startsWith("!=", pos)) {
                pos++;
                return new Not(at, not());
            }
            return comparison();
        }

        Node comparison() {
            Node left = term();
            skipSpace();
            int at = pos;
            for (String op : List.of("==", "!=", "<=", ">=", "<", ">")) {
                if (take(op)) {
                    return new Compare(at, op, left, term());
                }
            }
            if (keyword("in")) {
                return new In(at, left, list());
            }
            if (take("=")) {
                throw new ExpressionException(text, at, "= compares nothing; write == to test equality");
            }
            return left;
        }

        boolean keyword(String word) {
            skipSpace();
            int end = pos + word.length();
            if (text.startsWith(word, pos) && (end == text.length() || !identifierPart(text.charAt(end)))) {
                pos = end;
                return true;
            }
            return false;
        }

        List<Object> list() {
            if (!take("[")) {
                throw error("[ after in, e.g. label in [5, 7]");
            }
            List<Object> values = new ArrayList<>();
            if (take("]")) {
                return values;
            }
            do {
                Node n = term();
                if (!(n instanceof Literal l)) {
                    throw new ExpressionException(text, n.at, "a list after in holds literal values, not names");
                }
                values.add(l.value);
            } while (take(","));
            if (!take("]")) {
                throw error("] or ,");
            }
            return values;
        }

        Node term() {
            skipSpace();
            int at = pos;
            if (pos >= text.length()) {
                throw error("a name, a number or a text");
            }
            char c = text.charAt(pos);
            if (c == '(') {
                pos++;
                Node inner = or();
                if (!take(")")) {
                    throw error(")");
                }
                return inner;
            }
            if (c == '"' || c == '\'') {
                int end = text.indexOf(c, pos + 1);
                if (end < 0) {
                    throw new ExpressionException(text, pos, "the text starting here is not closed with " + c);
                }
                String value = text.substring(pos + 1, end);
                pos = end + 1;
                return new Literal(at, value);
            }
            if (Character.isDigit(c) || c == '-' || c == '.') {
                int end = pos + 1;
                while (end < text.length() && "0123456789.eE+-".indexOf(text.charAt(end)) >= 0) {
                    if ((text.charAt(end) == '+' || text.charAt(end) == '-')
                            && Character.toLowerCase(text.charAt(end - 1)) != 'e') {
                        break;
                    }
                    end++;
                }
                try {
                    double v = Double.parseDouble(text.substring(pos, end));
                    pos = end;
                    return new Literal(at, v);
                } catch (NumberFormatException e) {
                    throw new ExpressionException(text, pos, "'" + text.substring(pos, end) + "' is not a number");
                }
            }
            if (identifierStart(c)) {
                int end = pos + 1;
                while (end < text.length() && (identifierPart(text.charAt(end)) || text.charAt(end) == '.')) {
                    end++;
                }
                String word = text.substring(pos, end);
                pos = end;
                return switch (word.toLowerCase(Locale.ROOT)) {
                    case "true" -> new Literal(at, true);
                    case "false" -> new Literal(at, false);
                    case "null" -> new Literal(at, null);
                    default -> new Name(at, word);
                };
            }
            throw error("a name, a number or a text");
        }

        private static boolean identifierStart(char c) {
            return Character.isLetter(c) || c == '_';
        }

        private static boolean identifierPart(char c) {
            return Character.isLetterOrDigit(c) || c == '_' || c == '-';
        }
    }
}
