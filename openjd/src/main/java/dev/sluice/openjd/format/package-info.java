/**
 * OpenJD format strings: literal text with {@code {{ expression }}} interpolations, as environment
 * and job templates ({@code specificationVersion: environment-2023-09}) use them.
 *
 * <p>Entry points:
 * <ul>
 *   <li>{@link dev.sluice.openjd.format.FormatString#parse(String)} checks the syntax;</li>
 *   <li>{@link dev.sluice.openjd.format.FormatString#validate(Scope)} checks, before anything runs,
 *       that every variable exists where the string is used ({@link dev.sluice.openjd.format.Scope});</li>
 *   <li>{@link dev.sluice.openjd.format.FormatString#evaluate(Values)} and
 *       {@link dev.sluice.openjd.format.FormatString#evaluateArgs(java.util.List, Values)} resolve
 *       strings and argument lists;</li>
 *   <li>{@link dev.sluice.openjd.format.Shell} quotes for POSIX shells like Python's {@code shlex}.</li>
 * </ul>
 * The expression language is the OpenJD {@code EXPR} extension (RFC 0005) with the whole RFC 0006
 * function library (floats in {@code Floats}, range expressions in
 * {@code RangeExpr}, regular expressions in
 * {@code Regexes}); docs/user-guide/format-strings.md lists it.
 */
package dev.sluice.openjd.format;
