package dev.sluice.yaml;

import dev.sluice.yaml.InvalidInputException;
import dev.sluice.yaml.Location;
import dev.sluice.yaml.Problem;
import java.util.ArrayList;
import java.util.List;

/** Collects the problems of one file so that all are reported together. */
public final class Problems {
    private final List<Problem> problems = new ArrayList<>();

    public void add(Location location, String field, String message) {
        problems.add(new Problem(location, field, message));
    }

    public void add(YamlNode node, String field, String message) {
        add(node == null ? null : node.location(), field, message);
    }

    public boolean isEmpty() {
        return problems.isEmpty();
    }

    public int size() {
        return problems.size();
    }

    public List<Problem> list() {
        return List.copyOf(problems);
    }

    /** Throws an {@link InvalidInputException} with every problem collected, if there is any. */
    public void throwIfAny() throws InvalidInputException {
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
    }
}
