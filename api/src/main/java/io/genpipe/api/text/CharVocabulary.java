package io.genpipe.api.text;

import io.genpipe.api.GenpipeException;
import java.util.Arrays;

/**
 * A character vocabulary: id 0 is end of text, id 1 is newline, ids 2..96 are printable ASCII
 * {@code ' '..'~'} (97 ids). Tabs encode as four spaces and carriage returns are dropped, as the
 * training corpus was prepared; any other character is an error, never silently replaced.
 */
public final class CharVocabulary implements Vocabulary {

    private static final CharVocabulary PRINTABLE_ASCII = new CharVocabulary();

    private CharVocabulary() {}

    /** The 97-symbol vocabulary genpipe's character models (LSTM, GPT) are trained with. */
    public static CharVocabulary printableAscii() {
        return PRINTABLE_ASCII;
    }

    @Override
    public String name() {
        return "printable-ascii-97";
    }

    @Override
    public int size() {
        return 97;
    }

    @Override
    public int endOfText() {
        return 0;
    }

    @Override
    public int[] encode(String text) {
        int[] out = new int[text.length() * 4];
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch == '\t') {
                for (int k = 0; k < 4; k++) {
                    out[n++] = 2;
                }
            } else if (ch == '\r') {

            } else if (ch == '\n') {
                out[n++] = 1;
            } else if (ch >= ' ' && ch <= '~') {
                out[n++] = ch - ' ' + 2;
            } else {
                throw new GenpipeException(String.format(
                        "character '%s' (U+%04X) at position %d cannot be encoded: vocabulary %s holds newline, tab and"
                                + " printable ASCII ' '..'~'",
                        new String(Character.toChars(text.codePointAt(i))), text.codePointAt(i), i, name()));
            }
        }
        return Arrays.copyOf(out, n);
    }

    @Override
    public String decode(int token) {
        if (token == 0) {
            return "";
        }
        if (token == 1) {
            return "\n";
        }
        if (token >= 2 && token < 97) {
            return String.valueOf((char) (token - 2 + ' '));
        }
        throw new IllegalArgumentException("token " + token + " is outside vocabulary " + name() + " (0..96)");
    }
}
