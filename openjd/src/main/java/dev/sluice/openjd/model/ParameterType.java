package dev.sluice.openjd.model;

/** The OpenJD parameter types sluice supports in an environment template's {@code parameterDefinitions}. */
public enum ParameterType {
    /** Text. */
    STRING,
    /** A whole number. */
    INT,
    /**
     * A number, whole or not, written in decimal ({@code 2.5}, {@code -1e-3}, {@code 7}); a float in
     * expressions, shown as written until computed on (RFC 0005's float pass-through).
     */
    FLOAT,
    /** A file or directory path; {@code Param.X} may be path-mapped, {@code RawParam.X} is as given. */
    PATH
}
