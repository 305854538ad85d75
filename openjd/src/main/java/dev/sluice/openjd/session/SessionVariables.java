package dev.sluice.openjd.session;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The variables a session defines at one point: those set (by {@code variables:} and
 * {@code openjd_env}) and those unset ({@code openjd_unset_env}), on top of the host's environment.
 * A name is in at most one of the two. Immutable.
 *
 * @param set   names and values set, in the order they were first set
 * @param unset names removed from the host's environment
 */
public record SessionVariables(Map<String, String> set, Set<String> unset) {
    /** Nothing set or unset. */
    public static final SessionVariables NONE = new SessionVariables(Map.of(), Set.of());

    public SessionVariables {
        set = Collections.unmodifiableMap(new LinkedHashMap<>(set));
        unset = Collections.unmodifiableSet(new LinkedHashSet<>(unset));
    }

    /** These variables with {@code name} set to {@code value}. */
    public SessionVariables with(String name, String value) {
        Map<String, String> newSet = new LinkedHashMap<>(set);
        newSet.put(name, value);
        Set<String> newUnset = new LinkedHashSet<>(unset);
        newUnset.remove(name);
        return new SessionVariables(newSet, newUnset);
    }

    /** These variables with {@code name} unset. */
    public SessionVariables without(String name) {
        Map<String, String> newSet = new LinkedHashMap<>(set);
        newSet.remove(name);
        Set<String> newUnset = new LinkedHashSet<>(unset);
        newUnset.add(name);
        return new SessionVariables(newSet, newUnset);
    }

    /** The set variables as {@code NAME=value}, as the wrap hooks' {@code WrappedAction.Environment} has them. */
    public List<String> asAssignments() {
        return set.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }
}
