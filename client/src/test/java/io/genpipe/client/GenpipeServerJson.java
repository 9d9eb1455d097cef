package io.genpipe.client;

import com.fasterxml.jackson.databind.ObjectMapper;

/** Reads one text field of a JSON answer. */
final class GenpipeServerJson {

    private GenpipeServerJson() {}

    static String field(String json, String name) throws Exception {
        return new ObjectMapper().readTree(json).path(name).asText();
    }
}
