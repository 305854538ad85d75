package dev.sluice.openjd.model;

import dev.sluice.openjd.format.Value;
import dev.sluice.yaml.Location;
import java.math.BigDecimal;
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
 * @param minValue      for INT and FLOAT, the least value, if any (a whole number for INT)
 * @param maxValue      for INT and FLOAT, the greatest value, if any (a whole number for INT)
 * @param location      where it is defined
 */
public record ParameterDef(String name, ParameterType type, Optional<String> defaultValue, List<String> allowedValues,
        Optional<Integer> minLength, Optional<Integer> maxLength, Optional<BigDecimal> minValue,
        Optional<BigDecimal> maxValue, Location location) {

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
            return outOfRange(Long.toString(n), BigDecimal.valueOf(n));
        }
        if (type == ParameterType.FLOAT) {
            Optional<String> why = floatProblem(value);
            if (why.isPresent()) {
                return Optional.of("'" + value + "' " + why.get() + ", and parameter '" + name + "' is a FLOAT");
            }
            return outOfRange(value.strip(), decimal(value));
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

    /**
     * Why a number (INT or FLOAT) is outside minValue/maxValue or allowedValues. Numbers compare by
     * their exact decimal value, as the reference's {@code Decimal} does: {@code 1.0} is the allowed
     * value {@code 1}, and {@code 0.30000000000000001} is more than a maxValue of {@code 0.3} although
     * both are the same double.
     */
    private Optional<String> outOfRange(String shown, BigDecimal x) {
        if (minValue.isPresent() && x.compareTo(minValue.get()) < 0) {
            return Optional.of(shown + " is less than parameter '" + name + "''s minValue " + show(minValue.get()));
        }
        if (maxValue.isPresent() && x.compareTo(maxValue.get()) > 0) {
            return Optional.of(shown + " is more than parameter '" + name + "''s maxValue " + show(maxValue.get()));
        }
        if (!allowedValues.isEmpty() && allowedValues.stream().noneMatch(a -> sameNumber(a, x))) {
            return Optional.of(shown + " is not one of parameter '" + name + "''s allowedValues "
                    + String.join(", ", allowedValues));
        }
        return Optional.empty();
    }

    /** Whether {@code text}, an allowed value of this parameter's type, is the number {@code x}. */
    private boolean sameNumber(String text, BigDecimal x) {
        if (type == ParameterType.INT) {
            try {
                return BigDecimal.valueOf(Long.parseLong(text.trim())).compareTo(x) == 0;
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return floatProblem(text).isEmpty() && decimal(text).compareTo(x) == 0;
    }

    /**
     * Why {@code text} is not a FLOAT value (a finite decimal number, as {@code {{ Param.X }}} can hold),
     * said of it without naming it ({@code is not a decimal number ...}); empty when it is one.
     */
    static Optional<String> floatProblem(String text) {
        try {
            Value.ofFloatText(text);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** The exact decimal value of {@code text}, which {@link #floatProblem} accepts. */
    static BigDecimal decimal(String text) {
        String t = text.strip().replace("_", "");
        try {
            return new BigDecimal(t);
        } catch (NumberFormatException e) {
            // An exponent beyond BigDecimal's (1e-9999999999) on a number a double still holds (as 0.0).
            return new BigDecimal(Value.ofFloatText(text).value());
        }
    }

    /**
     * A bound as a person writes it: {@code 0.5}, {@code 1000} for {@code 1e3}; {@code 1E-300} where the
     * plain form would be long (a bound of {@code 1e-999999999} is a float, 0.0, and its plain form a
     * billion characters).
     */
    private static String show(BigDecimal b) {
        return Math.abs(b.scale()) <= 32 && b.precision() <= 32 ? b.toPlainString() : b.toString();
    }
}
