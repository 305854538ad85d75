package dev.sluice.openjd.format;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The functions expressions may call, and the value-to-text conversions they share. */
final class Builtins {

    /** Why a call failed; the evaluator adds the location. */
    static final class CallError extends Exception {
        private static final long serialVersionUID = 1L;

        CallError(String message) {
            super(message);
        }
    }

    @FunctionalInterface
    private interface Function {
        Value apply(List<Value> args) throws CallError;
    }

    private record Spec(String signature, Function body) {}

    private static final Map<String, Spec> FUNCTIONS = new TreeMap<>(Map.of(
            "repr_sh", new Spec("repr_sh(string | list[string])", Builtins::reprSh),
            "repr_json", new Spec("repr_json(value)", args -> Value.of(json(args.getFirst()))),
            "flatten", new Spec("flatten(list)", Builtins::flatten),
            "len", new Spec("len(string | list)", Builtins::len),
            "string", new Spec("string(value)", args -> Value.of(
                    args.getFirst() instanceof Value.Null ? "null" : text(args.getFirst()))),
            "join", new Spec("join(list[string], separator)", Builtins::join)));

    private static final Map<String, Integer> ARITY = Map.of(
            "repr_sh", 1, "repr_json", 1, "flatten", 1, "len", 1, "string", 1, "join", 2);

    private Builtins() {}

    static boolean exists(String name) {
        return FUNCTIONS.containsKey(name);
    }

    /** Function names in alphabetical order, for error messages. */
    static List<String> names() {
        return List.copyOf(FUNCTIONS.keySet());
    }

    static Value call(String name, List<Value> args) throws CallError {
        Spec spec = FUNCTIONS.get(name);
        int arity = ARITY.get(name);
        if (args.size() != arity) {
            throw new CallError(name + "() takes " + arity + " argument" + (arity == 1 ? "" : "s")
                    + " but got " + args.size() + ": " + spec.signature());
        }
        return spec.body().apply(args);
    }

    private static Value reprSh(List<Value> args) throws CallError {
        Value v = args.getFirst();
        if (v instanceof Value.ListValue list) {
            List<String> words = new ArrayList<>();
            for (Value item : list.items()) {
                if (item instanceof Value.ListValue) {
                    throw new CallError("repr_sh() got a list of lists; flatten it first: repr_sh(flatten(x))");
                }
                words.add(text(item));
            }
            return Value.of(Shell.reprSh(words));
        }
        if (v instanceof Value.Null) {
            throw new CallError("repr_sh() got null; supply a fallback, e.g. repr_sh(x or '')");
        }
        return Value.of(Shell.reprSh(text(v)));
    }

    private static Value flatten(List<Value> args) throws CallError {
        if (!(args.getFirst() instanceof Value.ListValue list)) {
            throw new CallError("flatten() needs a list but got " + args.getFirst().typeName());
        }
        List<Value> out = new ArrayList<>();
        for (Value item : list.items()) {
            if (item instanceof Value.ListValue inner) {
                out.addAll(inner.items());
            } else {
                out.add(item);
            }
        }
        return new Value.ListValue(out);
    }

    private static Value len(List<Value> args) throws CallError {
        return switch (args.getFirst()) {
            case Value.Str s -> Value.of(s.value().codePointCount(0, s.value().length()));
            case Value.ListValue l -> Value.of(l.items().size());
            default -> throw new CallError("len() needs a string or list but got " + args.getFirst().typeName());
        };
    }

    private static Value join(List<Value> args) throws CallError {
        if (!(args.get(0) instanceof Value.ListValue list)) {
            throw new CallError("join() needs a list first (list.join(sep)) but got " + args.get(0).typeName());
        }
        if (!(args.get(1) instanceof Value.Str sep)) {
            throw new CallError("join() needs a string separator but got " + args.get(1).typeName());
        }
        List<String> parts = new ArrayList<>();
        for (Value item : list.items()) {
            if (item instanceof Value.ListValue) {
                throw new CallError("join() got a list of lists; flatten it first");
            }
            parts.add(text(item));
        }
        return Value.of(String.join(sep.value(), parts));
    }

    /**
     * The text of a value inside a format string: strings as they are, integers in decimal,
     * booleans as true/false, null as the empty string, lists as JSON.
     */
    static String text(Value v) {
        return switch (v) {
            case Value.Str s -> s.value();
            case Value.Int i -> Long.toString(i.value());
            case Value.Bool b -> Boolean.toString(b.value());
            case Value.Null n -> "";
            case Value.ListValue l -> json(l);
        };
    }

    /** JSON text: items separated by ", " (as Python's json.dumps), non-ASCII written as is. */
    static String json(Value v) {
        StringBuilder b = new StringBuilder();
        appendJson(v, b);
        return b.toString();
    }

    private static void appendJson(Value v, StringBuilder b) {
        switch (v) {
            case Value.Str s -> appendJsonString(s.value(), b);
            case Value.Int i -> b.append(i.value());
            case Value.Bool bool -> b.append(bool.value());
            case Value.Null n -> b.append("null");
            case Value.ListValue l -> {
                b.append('[');
                for (int k = 0; k < l.items().size(); k++) {
                    if (k > 0) {
                        b.append(", ");
                    }
                    appendJson(l.items().get(k), b);
                }
                b.append(']');
            }
        }
    }

    private static void appendJsonString(String s, StringBuilder b) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
