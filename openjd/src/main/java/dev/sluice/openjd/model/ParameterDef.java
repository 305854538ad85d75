package dev.sluice.openjd.model;

import dev.sluice.yaml.Location;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of an environment template's {@code parameterDefinitions}, with the constraints sluice
 * checks values against. UI-only fields ({@code userInterface}, {@code objectType},
 * {@code dataFlow}, {@code description}) are accepted and not kept.
 *
 * @param name          the parameter's name, an identifier
 * @param type          its type
 * @param defaultValue  the value when the pipeline gives none; empty makes the parameter required
 * @param allowedValues the only values allowed, or empty for any
 * @param minLength     for STRING and PATH, the least length, if any
 * @param maxLength     for STRING and PATH, the greatest length, if any
 * @param minValue      for INT, the least value, if any
 * @param maxValue      for INT, the greatest value, if any
 * @param location      where it is defined
 */
public record ParameterDef(String name, ParameterType type, Optional<String> defaultValue, List<String> allowedValues,
        Optional<Integer> minLength, Optional<Integer> maxLength, Optional<Long> minValue, Optional<Long> maxValue,
        Location location) {

    /** OpenJD's limit on the length of a parameter value. */
    public static final int MAX_VALUE_LENGTH = 1024;

    public ParameterDef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(defaultValue, "defaultValue");
        allowedValues = List.copyOf(allowedValues);
        Objects.requireNonNull(location, "location");
    }

    /** Why {@code value} does not fit this definition, or empty when it fits. */
    public Optional<String> violation(String value) {
        if (type == ParameterType.INT) {
            long n;
            try {
                n = Long.parseLong(value.trim());
            } catch (NumberFormatException e) {
                return Optional.of("'" + value + "' is not a whole number, and parameter '" + name + "' is an INT");
            }
            if (minValue.isPresent() && n < minValue.get()) {
                return Optional.of(n + " is less than parameter '" + name + "''s minValue " + minValue.get());
            }
            if (maxValue.isPresent() && n > maxValue.get()) {
                return Optional.of(n + " is more than parameter '" + name + "''s maxValue " + maxValue.get());
            }
            if (!allowedValues.isEmpty() && allowedValues.stream().noneMatch(a -> parsesTo(a, n))) {
                return Optional.of(n + " is not one of parameter '" + name + "''s allowedValues "
                        + String.join(", ", allowedValues));
            }
            return Optional.empty();
        }
        int length = value.codePointCount(0, value.length());
        if (length > MAX_VALUE_LENGTH) {
            return Optional.of("the value has " + length + " characters, more than the " + MAX_VALUE_LENGTH
                    + " OpenJD allows");
        }
        if (minLength.isPresent() && length < minLength.get()) {
            return Optional.of("'" + value + "' is shorter than parameter '" + name + "''s minLength " + minLength.get());
        }
        if (maxLength.isPresent() && length > maxLength.get()) {
            return Optional.of("'" + value + "' is longer than parameter '" + name + "''s maxLength " + maxLength.get());
        }
        if (!allowedValues.isEmpty() && !allowedValues.contains(value)) {
            return Optional.of("'" + value + "' is not one of parameter '" + name + "''s allowedValues "
                    + String.join(", ", allowedValues));
        }
        return Optional.empty();
    }

    private static boolean parsesTo(String text, long n) {
        try {
            return Long.parseLong(text.trim()) == n;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
