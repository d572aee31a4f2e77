package io.wsvideo.relay.testing;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A rough, deterministic measure of the memory an object keeps reachable: what a relay component retains
 * between calls. It walks the object graph by reflection through the project's own classes, arrays,
 * strings, boxed values and the public views of collections and maps (no {@code --add-opens} needed), and
 * charges 16 bytes per object plus 8 per reference field, and the payload of arrays and buffers. Good for
 * "stays bounded" assertions, not for absolute sizes.
 */
public final class RetainedSize {

    private static final int OBJECT_HEADER = 16;
    private static final int REFERENCE = 8;

    private final Predicate<Object> stopAt;
    private final Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    private long bytes;

    private RetainedSize(Predicate<Object> stopAt) {
        this.stopAt = stopAt;
    }

    /** Bytes reachable from {@code root}, not following into objects {@code stopAt} accepts (e.g. listeners). */
    public static long of(Object root, Predicate<Object> stopAt) {
        RetainedSize r = new RetainedSize(stopAt);
        r.walk(root);
        return r.bytes;
    }

    public static long of(Object root) {
        return of(root, o -> false);
    }

    private void walk(Object root) {
        ArrayList<Object> todo = new ArrayList<>(); // a stack; unlike ArrayDeque it takes nulls
        todo.add(root);
        while (!todo.isEmpty()) {
            Object o = todo.remove(todo.size() - 1);
            if (o == null || stopAt.test(o) || !seen.add(o)) {
                continue;
            }
            Class<?> c = o.getClass();
            bytes += OBJECT_HEADER;
            if (c.isArray()) {
                int n = Array.getLength(o);
                Class<?> e = c.getComponentType();
                if (e.isPrimitive()) {
                    bytes += (long) n * primitiveSize(e);
                } else {
                    bytes += (long) n * REFERENCE;
                    for (int i = 0; i < n; i++) {
                        todo.add(Array.get(o, i));
                    }
                }
            } else if (o instanceof String s) {
                bytes += s.length();
            } else if (o instanceof ByteBuffer b) {
                bytes += b.capacity();
            } else if (o instanceof Collection<?> col) {
                bytes += (long) col.size() * REFERENCE;
                col.forEach(todo::add);
            } else if (o instanceof Map<?, ?> map) {
                bytes += (long) map.size() * 3 * REFERENCE;
                map.forEach((k, v) -> {
                    todo.add(k);
                    todo.add(v);
                });
            } else if (o instanceof Enum<?>) {
                continue;
            } else if (own(c)) {
                for (Class<?> k = c; k != null && own(k); k = k.getSuperclass()) {
                    for (Field f : k.getDeclaredFields()) {
                        if (Modifier.isStatic(f.getModifiers())) {
                            continue;
                        }
                        if (f.getType().isPrimitive()) {
                            bytes += primitiveSize(f.getType());
                            continue;
                        }
                        bytes += REFERENCE;
                        f.setAccessible(true);
                        try {
                            todo.add(f.get(o));
                        } catch (IllegalAccessException ex) {
                            throw new IllegalStateException(ex);
                        }
                    }
                }
            }
            // Anything else (enums, boxed values, JDK internals) counts as one small object.
        }
    }

    private static boolean own(Class<?> c) {
        return c.getName().startsWith("io.wsvideo.");
    }

    private static int primitiveSize(Class<?> t) {
        if (t == long.class || t == double.class) {
            return 8;
        }
        if (t == int.class || t == float.class) {
            return 4;
        }
        if (t == short.class || t == char.class) {
            return 2;
        }
        return 1;
    }
}
