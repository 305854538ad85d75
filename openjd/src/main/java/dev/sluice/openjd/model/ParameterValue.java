package dev.sluice.openjd.model;

import java.util.Objects;

/**
 * The value an environment template's parameter has in one pipeline: the pipeline's value, else the
 * template's default. Already checked against the definition's constraints.
 *
 * @param name  the parameter's name; format strings use it as {@code Param.<name>}
 * @param type  its type
 * @param value its value as text (an INT's text is a valid whole number, a FLOAT's a finite decimal number as
 *              given, without spaces around it)
 */
public record ParameterValue(String name, ParameterType type, String value) {
    public ParameterValue {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
    }
}
