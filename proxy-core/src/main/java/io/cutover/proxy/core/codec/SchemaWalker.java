package io.cutover.proxy.core.codec;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.protocol.types.BoundField;
import org.apache.kafka.common.protocol.types.Field;
import org.apache.kafka.common.protocol.types.Schema;
import org.apache.kafka.common.protocol.types.TaggedFields;
import org.apache.kafka.common.protocol.types.Type;

/**
 * Walks the bytes of a message by Kafka's own schema for its version (the generated classes'
 * {@code SCHEMAS}) and reports where chosen fields lie, without decoding the message: records and
 * everything else not watched are skipped by their length prefixes. This lets the proxy find a
 * topic id to patch, a record batch whose header to edit, or whether a leader hint is present, and
 * otherwise leave a Fetch or Produce frame as the bytes it is.
 *
 * <p>A compiled walker is immutable and shared; walking allocates nothing.
 */
public final class SchemaWalker {
    /** Receives each watched field: its watch index, and where its value lies in the buffer. */
    @FunctionalInterface
    public interface Visitor {
        void field(int watch, ByteBuf buf, int offset, int length);

        /**
         * A watched length-prefixed value (records, bytes, a string) begins at {@code valueOffset},
         * after its length prefix, and declares {@code length} bytes (0 for null). Told before the
         * walk checks that the value fits its frame, so that a frame still arriving can be walked
         * as far as it has come ({@link #field} follows once the whole value is there).
         */
        default void opened(int watch, ByteBuf buf, int valueOffset, long length) {
        }
    }

    private final Node root;

    private SchemaWalker(Node root) {
        this.root = root;
    }

    /**
     * @param watched field paths, names joined by dots through structs and arrays alike, tagged
     *     fields by their name: "responses.partitions.records", "node_endpoints". The index of a
     *     path in this list is the watch index the visitor gets.
     */
    public static SchemaWalker compile(Schema schema, List<String> watched) {
        return new SchemaWalker(compileType(schema, "", watched));
    }

    /** Walks a message that starts at {@code offset}; returns where it ends. */
    public int walk(ByteBuf buf, int offset, int end, Visitor visitor) {
        return root.walk(buf, offset, end, visitor);
    }

    private abstract static class Node {
        int watch = -1;
        /** This node, or something inside it, is watched. */
        boolean watchedWithin;

        /** Walks this value starting at {@code pos}; returns the position after it. */
        final int walk(ByteBuf buf, int pos, int end, Visitor v) {
            int after = skip(buf, pos, end, v);
            if (after > end || after < pos) {
                throw new MalformedFrameException("message runs past the end of its frame");
            }
            if (watch >= 0) {
                v.field(watch, buf, pos, after - pos);
            }
            return after;
        }

        abstract int skip(ByteBuf buf, int pos, int end, Visitor v);
    }

    private static final class Fixed extends Node {
        private final int size;

        Fixed(int size) {
            this.size = size;
        }

        @Override
        int skip(ByteBuf buf, int pos, int end, Visitor v) {
            return Bounds.advance(pos, size, end, "field");
        }
    }

    private static final class VarNumber extends Node {
        @Override
        int skip(ByteBuf buf, int pos, int end, Visitor v) {
            int limit = pos + Math.min(10, end - pos);
            for (int i = pos; i < limit; i++) {
                if ((buf.getByte(i) & 0x80) == 0) {
                    return i + 1;
                }
            }
            throw new MalformedFrameException("invalid varint at byte " + pos);
        }
    }

    /** A length-prefixed run of bytes (strings, bytes, records); -1 or a compact 0 is null. */
    private static final class Sized extends Node {
        private final int prefix; // 2 or 4 bytes, or 0 for a compact (varint length + 1)

        Sized(int prefix) {
            this.prefix = prefix;
        }

        @Override
        int skip(ByteBuf buf, int pos, int end, Visitor v) {
            long length;
            if (prefix == 2) {
                pos = Bounds.advance(pos, 2, end, "string length");
                length = buf.getShort(pos - 2);
            } else if (prefix == 4) {
                pos = Bounds.advance(pos, 4, end, "bytes length");
                length = buf.getInt(pos - 4);
            } else {
                length = Varints.readUnsignedVarint(buf, pos, end) - 1;
                pos = Varints.endOfUnsignedVarint(buf, pos, end);
            }
            if (length < -1) {
                throw new MalformedFrameException("negative length " + length + " at byte " + pos);
            }
            if (watch >= 0) {
                v.opened(watch, buf, pos, Math.max(0, length));
            }
            return Bounds.advance(pos, Math.max(0, length), end, "field");
        }
    }

    private static final class Array extends Node {
        private final boolean compact;
        private final Node element;

        Array(boolean compact, Node element) {
            this.compact = compact;
            this.element = element;
        }

        @Override
        int skip(ByteBuf buf, int pos, int end, Visitor v) {
            long count;
            if (compact) {
                count = Varints.readUnsignedVarint(buf, pos, end) - 1;
                pos = Varints.endOfUnsignedVarint(buf, pos, end);
            } else {
                pos = Bounds.advance(pos, 4, end, "array length");
                count = buf.getInt(pos - 4);
            }
            if (count < -1) {
                throw new MalformedFrameException("negative array length " + count + " at byte " + pos);
            }
            if (count > end - pos) {
                // Every element takes at least one byte: a count beyond the bytes left is a lie, and
                // walking it would spin through up to 2^32 elements.
                throw new MalformedFrameException("array of " + count + " elements at byte " + pos + " exceeds the bytes left in the frame");
            }
            for (long i = 0; i < count; i++) {
                pos = element.walk(buf, pos, end, v);
            }
            return pos;
        }
    }

    private static final class Struct extends Node {
        private final Node[] fields;

        Struct(Node[] fields) {
            this.fields = fields;
        }

        @Override
        int skip(ByteBuf buf, int pos, int end, Visitor v) {
            for (Node f : fields) {
                pos = f.walk(buf, pos, end, v);
            }
            return pos;
        }
    }

    private static final class Tagged extends Node implements io.cutover.proxy.core.codec.TaggedFields.FieldAction<Visitor> {
        private final Map<Integer, Node> known;

        Tagged(Map<Integer, Node> known) {
            this.known = known;
        }

        @Override
        int skip(ByteBuf buf, int pos, int end, Visitor v) {
            return io.cutover.proxy.core.codec.TaggedFields.walk(buf, pos, end, this, v);
        }

        @Override
        public void field(long tag, ByteBuf buf, int start, int end, Visitor v) {
            Node field = tag > Integer.MAX_VALUE ? null : known.get((int) tag);
            if (field != null && field.watchedWithin) {
                // Only watched tagged fields are walked; the size already says where they end.
                field.walk(buf, start, end, v);
            }
        }
    }

    private static Node compileType(Type type, String path, List<String> watched) {
        Node node;
        boolean within = false;
        if (type instanceof Schema schema) {
            List<Node> fields = new ArrayList<>();
            for (BoundField f : schema.fields()) {
                Node child = compileType(f.def.type, child(path, f.def.name), watched);
                within |= child.watchedWithin;
                fields.add(child);
            }
            node = new Struct(fields.toArray(new Node[0]));
        } else if (type instanceof TaggedFields tagged) {
            Map<Integer, Node> known = new java.util.HashMap<>();
            for (Map.Entry<Integer, Field> e : tagged.fields().entrySet()) {
                Node child = compileType(e.getValue().type, child(parent(path), e.getValue().name), watched);
                within |= child.watchedWithin;
                known.put(e.getKey(), child);
            }
            node = new Tagged(Map.copyOf(known));
        } else if (type.isArray()) {
            boolean compact = type.getClass().getSimpleName().startsWith("Compact");
            Node element = compileType(type.arrayElementType().orElseThrow(), path, watched);
            within = element.watchedWithin;
            node = new Array(compact, element);
        } else if (type == Type.BOOLEAN || type == Type.INT8) {
            node = new Fixed(1);
        } else if (type == Type.INT16 || type == Type.UINT16) {
            node = new Fixed(2);
        } else if (type == Type.INT32 || type == Type.UNSIGNED_INT32) {
            node = new Fixed(4);
        } else if (type == Type.INT64 || type == Type.FLOAT64) {
            node = new Fixed(8);
        } else if (type == Type.UUID) {
            node = new Fixed(16);
        } else if (type == Type.VARINT || type == Type.VARLONG) {
            node = new VarNumber();
        } else if (type == Type.STRING || type == Type.NULLABLE_STRING) {
            node = new Sized(2);
        } else if (type == Type.BYTES || type == Type.NULLABLE_BYTES || type == Type.RECORDS || type == Type.NULLABLE_RECORDS) {
            node = new Sized(4);
        } else if (type == Type.COMPACT_STRING || type == Type.COMPACT_NULLABLE_STRING || type == Type.COMPACT_BYTES
            || type == Type.COMPACT_NULLABLE_BYTES || type == Type.COMPACT_RECORDS || type == Type.COMPACT_NULLABLE_RECORDS) {
            node = new Sized(0);
        } else {
            throw new IllegalArgumentException("schema type " + type + " at " + path + " is not supported by the walker");
        }
        node.watch = watched.indexOf(path);
        node.watchedWithin = within || node.watch >= 0;
        return node;
    }

    private static String child(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    /** Tagged fields belong to the struct that holds the "_tagged_fields" field. */
    private static String parent(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? "" : path.substring(0, dot);
    }
}
