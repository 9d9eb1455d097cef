package io.genpipe.spark;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;

/** Java serialization to bytes and back: a fresh copy of a stateful object for each task. */
final class Serialized {

    private Serialized() {}

    static byte[] bytes(Serializable value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(out)) {
            o.writeObject(value);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot serialize " + value.getClass().getName() + ": " + e, e);
        }
        return out.toByteArray();
    }

    static <T> T object(byte[] bytes, Class<T> type) {
        // the context class loader: a plugin's classes are found by the task's loader, as Spark's own closures are
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes)) {
            @Override
            protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
                try {
                    return Class.forName(desc.getName(), false, loader);
                } catch (ClassNotFoundException e) {
                    return super.resolveClass(desc);
                }
            }
        }) {
            return type.cast(in.readObject());
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException("cannot deserialize a " + type.getSimpleName() + ": " + e, e);
        }
    }
}
