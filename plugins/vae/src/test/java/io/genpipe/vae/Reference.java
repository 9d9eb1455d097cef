package io.genpipe.vae;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genpipe.api.data.BufferTensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Inputs and outputs torch computed at export (plugins/vae/train/train_vae.py): 8 test images,
 * the encoder's mu and logvar, and decode(mu).
 */
record Reference(
        int rows, int latent, float[] images, float[] mu, float[] logvar, float[] decodedMu, double tolerance) {

    static Reference load(String name) {
        try (InputStream in = Reference.class.getResourceAsStream("/reference/" + name + ".json")) {
            if (in == null) {
                throw new IllegalStateException("no reference outputs for " + name);
            }
            JsonNode json = new ObjectMapper().readTree(in);
            int rows = json.get("images").size();
            float[] images = flat(json.get("images"));
            for (int i = 0; i < images.length; i++) {
                images[i] /= 255f;
            }
            float[] mu = flat(json.get("mu"));
            return new Reference(
                    rows,
                    mu.length / rows,
                    images,
                    mu,
                    flat(json.get("logvar")),
                    flat(json.get("decoded_mu")),
                    json.get("tolerance").asDouble());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static float[] flat(JsonNode rows) {
        int width = rows.get(0).size();
        float[] out = new float[rows.size() * width];
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < width; c++) {
                out[r * width + c] = (float) rows.get(r).get(c).asDouble();
            }
        }
        return out;
    }

    BufferTensor imageTensor() {
        return BufferTensor.ofFloats(images, rows, 1, 28, 28);
    }
}
