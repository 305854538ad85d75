package dev.sluice.openjd.model;

/** The OpenJD parameter types sluice supports in an environment template's {@code parameterDefinitions}. */
public enum ParameterType {
    /** Text. */
    STRING,
    /** A whole number. */
    INT,
    /** A file or directory path; {@code Param.X} may be path-mapped, {@code RawParam.X} is as given. */
    PATH
}
