package dev.sluice.openjd.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The EXPR function library and expression forms of OpenJD RFC 0005/0006 that sluice implements, one
 * row per function or form; expected values are what the RFC (and Python, where it says so) gives.
 */
class ExprLibraryTest {

    private static final Values VALUES = Values.builder()
            .put("Param.File", Value.ofPath("/projects/shot01/render.exr"))
            .put("Param.Archive", Value.ofPath("/data/backup.tar.gz"))
            .put("Param.Uri", Value.ofPath("s3://bucket/dir/file.obj"))
            .put("Param.Out", Value.ofPath("/renders"))
            .put("RawParam.File", "/projects/shot01/render.exr")
            .put("Param.Name", "  Hello World  ")
            .put("Param.Files", "a.exr;b.exr;c.exr;d.exr;e.exr")
            .put("Param.Frame", 7)
            .put("Param.Start", 10)
            .put("Param.End", 12)
            .put("Job.Name", "nightly")
            .putStrings("Param.Args", List.of("-v", "x y"))
            .put("work", Value.ofPath("/renders/work"))
            .build();

    private static String eval(String expression) throws FormatStringException {
        return FormatString.parse("{{ " + expression + " }}").evaluate(VALUES);
    }

    private static FormatStringException evalError(String expression) {
        return catchThrowableOfType(FormatStringException.class, () -> eval(expression));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // General
        "`len(Param.File)`|27",
        "`bool('Yes') ;; bool('off') ;; bool(0) ;; bool(null)`|`true false false false`",
        "`int(' -42 ') + int('1_000')`|958",
        "`string(Param.File)`|/projects/shot01/render.exr",
        "`Job.Name`|nightly",
        // Math
        "`min(Param.Frame + 5, Param.End) - 1`|11",
        "`max(3, 9, 4)`|9",
        "`min([5, 2, 8])`|2",
        "`max([-1])`|-1",
        "`abs(-7)`|7",
        "`sum([1, 2, 3])`|6",
        "`sum([])`|0",
        "`2 ** 10`|1024",
        "`-2 ** 2`|-4",
        "`(-2) ** 3`|-8",
        // Lists
        "`range(3)`|`[0, 1, 2]`",
        "`range(1, 4)`|`[1, 2, 3]`",
        "`range(5, 0, -2)`|`[5, 3, 1]`",
        "`range(Param.Start, Param.End + 1)`|`[10, 11, 12]`",
        "`sorted(['b', 'a', 'C'])`|`[\"C\", \"a\", \"b\"]`",
        "`sorted([[2], [1, 5], [1]])`|`[[1], [1, 5], [2]]`",
        "`reversed([1, 2, 3])`|`[3, 2, 1]`",
        "`unique([3, 1, 3, 2, 1])`|`[3, 1, 2]`",
        "`any([false, true]) ;; all([]) ;; any([])`|`true true false`",
        "`[x * 2 for x in range(4) if x != 2]`|`[0, 2, 6]`",
        // Slices and indexes
        "`[1, 2, 3, 4, 5][1:4]`|`[2, 3, 4]`",
        "`[1, 2, 3, 4, 5][::-1]`|`[5, 4, 3, 2, 1]`",
        "`[1, 2, 3, 4, 5][4:1:-2]`|`[5, 3]`",
        "`[1, 2, 3][-10:10]`|`[1, 2, 3]`",
        "`[1, 2, 3][5:]`|`[]`",
        "`'hello'[1:4]`|ell",
        "`'h\u00e9llo'[::2]`|hlo",
        "`Param.Files.split(';')[:3].join(';')`|a.exr;b.exr;c.exr",
        "`Param.Files.split(';')[::2].join(';')`|a.exr;c.exr;e.exr",
        "`Param.Files.split(';')[-2:].join(';')`|d.exr;e.exr",
        "`Param.File.parts[1:]`|`[\"projects\", \"shot01\", \"render.exr\"]`",
        "`'abc'[null:2]`|ab",
        // Strings
        "`Param.Name.strip().upper()`|HELLO WORLD",
        "`Param.Name.strip().lower()`|hello world",
        "`'hELLO wORLD'.capitalize()`|Hello world",
        "`\"they're bill's friends\".title()`|They'Re Bill'S Friends",
        "`'\u00df'.upper()`|SS",
        "`'xxhixx'.strip('x') ;; 'xxhixx'.lstrip('x') ;; 'xxhixx'.rstrip('x')`|`hi hixx xxhi`",
        "`Param.Name.lstrip() + '#'`|`Hello World  #`",
        "`'render_v002'.removeprefix('render_') ;; 'a.tar.gz'.removesuffix('.gz') ;; 'a'.removesuffix('')`|`v002 a.tar a`",
        "`'abc'.startswith('ab') ;; 'abc'.endswith('bc') ;; 'abc'.startswith('c')`|`true true false`",
        "`'123'.isdigit() ;; '\u00b23'.isdigit() ;; ''.isdigit() ;; 'a1'.isdigit()`|`true true false false`",
        "`'abc'.isalpha() ;; 'ab1'.isalnum() ;; '\u00bd'.isalnum() ;; ' \\t\\n\u001c'.isspace()`|`true true true true`",
        "`'ABC1'.isupper() ;; '\u01c5'.isupper() ;; 'abc'.islower() ;; '123'.islower()`|`true false true false`",
        "`'abc'.isascii() ;; ''.isascii() ;; '\u00e9'.isascii()`|`true true false`",
        "`'aaa'.count('aa') ;; 'h\u00e9llo'.find('l') ;; 'h\u00e9llo'.rfind('l') ;; 'abc'.find('z')`|`1 2 3 -1`",
        "`'h\u00e9llo'.index('o') ;; 'abcabc'.rindex('b')`|`4 4`",
        "`'a-b-c'.replace('-', '+')`|a+b+c",
        "`Param.Name.split()`|`[\"Hello\", \"World\"]`",
        "`'a,b,,c'.split(',')`|`[\"a\", \"b\", \"\", \"c\"]`",
        "`''.split(',')`|`[\"\"]`",
        "`'a,b,c'.split(',', 1)`|`[\"a\", \"b,c\"]`",
        "`'a,b,c'.rsplit(',', 1)`|`[\"a,b\", \"c\"]`",
        "`'aaa'.rsplit('aa')`|`[\"a\", \"\"]`",
        "`' a b  c d '.split()`|`[\"a\", \"b\", \"c\", \"d\"]`",
        "`split('a b  c d', null, 1)`|`[\"a\", \"b  c d\"]`",
        "`rsplit('a b  c d ', null, 1)`|`[\"a b  c\", \"d\"]`",
        "`'x'.ljust(3) + '#' + 'x'.rjust(3) + '#' + 'ab'.center(5) + '#' + 'ab'.center(6) + '#'`|`x  #  x#  ab #  ab  #`",
        "`'frame_'.rjust(10) + zfill(Param.Frame, 4)`|`    frame_0007`",
        "`zfill(-1, 3) ;; zfill('-10', 4) ;; (42).zfill(5) ;; 'abc'.zfill(2)`|`-01 -010 00042 abc`",
        "`['a', 'b', 'c'].join(',')`|a,b,c",
        "`'a;b'.split(';').join(',')`|a,b",
        "`startswith(Param.File, '/projects')`|true",
        // Paths
        "`Param.File.name`|render.exr",
        "`Param.File.stem`|render",
        "`Param.File.suffix`|.exr",
        "`Param.File.parent`|/projects/shot01",
        "`Param.File.parent.parent.name`|projects",
        "`Param.File.parts`|`[\"/\", \"projects\", \"shot01\", \"render.exr\"]`",
        "`Param.Archive.suffix ;; Param.Archive.suffixes ;; Param.Archive.stem`|`.gz [\".tar\", \".gz\"] backup.tar`",
        "`Param.Archive.suffixes.join('')`|.tar.gz",
        "`Param.Archive.name.removesuffix(Param.Archive.suffixes.join(''))`|backup",
        "`Param.Out / 'renders' / Param.File.stem`|/renders/renders/render",
        "`Param.Out / Param.File.stem + '_converted.png'`|/renders/render_converted.png",
        "`(Param.Out / Param.File.name).with_suffix('.png')`|/renders/render.png",
        "`Param.Out / '/abs/x'`|/abs/x",
        "`Param.Out / Param.File`|/projects/shot01/render.exr",
        "`path('a//b/./c/') ;; path('') ;; path('//x/y') ;; path('///x')`|`a/b/c . //x/y /x`",
        "`path('/').parent ;; path('.').name ;; path('a/..').name ;; path('.hidden').suffix`|`/  .. `",
        "`path(['/a', 'b', 'c.txt'])`|/a/b/c.txt",
        "`path('/') / 'x' ;; path('//') / 'x'`|`/x //x`",
        "`path(Param.File.parts) == Param.File`|true",
        "`Param.File.with_name('output.png')`|/projects/shot01/output.png",
        "`Param.File.with_stem('final')`|/projects/shot01/final.exr",
        "`Param.File.with_suffix('')`|/projects/shot01/render",
        "`Param.File.as_posix() ;; Param.File.is_absolute() ;; path('a/b').is_absolute()`|`/projects/shot01/render.exr true false`",
        "`Param.File.relative_to('/projects') ;; Param.File.is_relative_to(path('/other'))`|`shot01/render.exr false`",
        "`path('/renders/shot_003.exr').with_number(72)`|/renders/shot_072.exr",
        "`path('/renders/shot_%04d.exr').with_number(72)`|/renders/shot_0072.exr",
        "`path('/renders/shot_%d.exr').with_number(72)`|/renders/shot_72.exr",
        "`path('/renders/shot01_####.exr').with_number(72)`|/renders/shot01_0072.exr",
        "`path('/renders/shot_######.exr').with_number(72)`|/renders/shot_000072.exr",
        "`path('/r/render.0001.exr').with_number(5)`|/r/render.0005.exr",
        "`path('/r/file_###.exr').with_number(10000)`|/r/file_10000.exr",
        "`path('/r/file_003.exr').with_number(-1)`|/r/file_-01.exr",
        "`path('/r/beauty.exr').with_number(3)`|/r/beauty_0003.exr",
        "`'shot_####.exr'.with_number(9)`|shot_0009.exr",
        "`Param.Uri.parts`|`[\"s3://bucket\", \"dir\", \"file.obj\"]`",
        "`Param.Uri.name ;; Param.Uri.parent ;; Param.Uri.is_absolute()`|`file.obj s3://bucket/dir true`",
        "`path('s3://bucket/a//b/c').parts`|`[\"s3://bucket\", \"a\", \"\", \"b\", \"c\"]`",
        "`path('s3://bucket/dir/') / 'file'`|s3://bucket/dir/file",
        "`Param.File == RawParam.File ;; '/projects' < Param.File`|`true true`",
        "`[Param.File, 'x']`|`[\"/projects/shot01/render.exr\", \"x\"]`",
        "`repr_sh(work / 'out dir')`|'/renders/work/out dir'",
        "`RawParam.File.apply_path_mapping().name`|render.exr",
        // Comparisons and membership with paths and lists
        "`[1, 2] < [1, 3] ;; [1] < [1, 0] ;; Param.File in [RawParam.File]`|`true true true`",
    })
    void evaluatesAsTheSpecificationSays(String expression, String expected) throws Exception {
        if (expected.equals("SKIP")) {
            return;
        }
        // Several expressions in one row are separated by ' ;; ', evaluated in turn, their texts joined by a space.
        String[] parts = expression.contains(" ;; ") ? expression.split(" ;; ") : new String[] {expression};
        StringBuilder out = new StringBuilder();
        for (String p : parts) {
            if (!out.isEmpty()) {
                out.append(' ');
            }
            out.append(eval(p));
        }
        assertThat(out.toString()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`1 // 0`|division by zero in '//'",
        "`'a' / 'b'`|'/' joins paths, and the left side is a string: make it a path first",
        "`0 ** -1`|0 ** -1 divides by zero",
        "`2 ** 64`|integer overflow",
        "`Param.File.upper()`|path has no method upper(); it is a string function; convert it first: string(p).upper(...)",
        "`RawParam.File.stem`|property '.stem' needs a path but got string; make it a path first: path(x).stem",
        "`Param.File.nope`|unknown property '.nope'",
        "`Param.File.upper`|'upper' is a function, not a property: call it, x.upper()",
        "`'abc'.with_suffix('.x')`|string has no method with_suffix(); it is a path function; make it a path first",
        "`Param.File.with_suffix('_converted.png')`|invalid suffix '_converted.png': a suffix starts with '.'",
        "`path('/').with_name('x')`|has an empty name",
        "`Param.File.relative_to('/other')`|is not inside '/other'",
        "`Param.File[0]`|index its parts instead, p.parts[i]",
        "`Param.File[1:]`|slice its parts instead, p.parts[a:b]",
        "`[1, 2][::0]`|a slice step must not be zero",
        "`[1, 2]['a':]`|a slice bound must be an int or null but got string",
        "`min([])`|min() requires a non-empty list",
        "`min('a', 'b')`|min() works on ints and floats but got string",
        "`min(1, 2, 3, 4)`|min() takes 1 to 3 arguments but got 4",
        "`sum([9223372036854775807, 1])`|integer overflow in sum()",
        "`range(0, 10, 0)`|range() step must not be zero",
        "`range(10000000)`|range() would build 10000000 items; the limit is 1000000",
        "`'x'.ljust(2000000)`|ljust() would build 2000000 characters",
        "`'a,b'.split('')`|split(): 'sep' must not be empty",
        "`'abc'.replace('', 'x')`|replace(): 'old' must not be empty",
        "`'abc'.count('')`|count(): 'sub' must not be empty",
        "`'abc'.index('z')`|index(): 'z' is not in the string; use find() to get -1 instead",
        "`bool('maybe')`|bool() cannot convert 'maybe'",
        "`bool([1])`|cannot convert list to bool",
        "`int('3.5')`|int() cannot convert '3.5'",
        "`any([1])`|any() needs a list of bools but got int items",
        "`Param.Frame > 0 and fail('Frame must be negative')`|fail(): Frame must be negative",
        "`sorted([1, 'a'])`|a list cannot mix int and string items",
        "`path('/r/x_%040d.exr').with_number(1)`|with_number(): the frame number pattern '%040d' is 40 wide; at most 32",
        "`undefined_name`|unknown name 'undefined_name': lowercase names are let bindings",
        "`upper(1, 2)`|upper() takes 1 argument but got 2: upper(string)",
    })
    void errorsSayWhatIsWrongAndHowToFixIt(String expression, String message) {
        FormatStringException e = evalError(expression);
        assertThat(e).as("error for %s", expression).isNotNull();
        assertThat(e.getMessage()).contains(message).doesNotContain("Exception");
    }

    @org.junit.jupiter.api.Test
    void validationAcceptsPropertiesAfterAVariableAndNamesTheVariableWhenItIsMissing() throws Exception {
        Scope scope = Scope.of("onEnter of environment 'E'", java.util.Set.of("Param.File", "Session.WorkingDirectory"));

        assertThat(FormatString.validate("{{ Param.File.parent.name }} {{ Session.WorkingDirectory.parts }}", scope))
                .isEmpty();
        assertThat(FormatString.validate("{{ Param.Nope.stem }}", scope)).singleElement()
                .extracting(FormatProblem::detail).asString()
                .startsWith("variable 'Param.Nope' is not defined in onEnter of environment 'E'; defined there: Param.File");
        assertThat(FormatString.validate("{{ work }}", scope)).singleElement()
                .extracting(FormatProblem::detail).asString().startsWith("unknown name 'work'");
        assertThat(FormatString.validate("{{ work }}", scope.withBindings(List.of("work")))).isEmpty();
        assertThat(FormatString.parse("{{ [x for x in work] + [y] }}").bindings())
                .containsExactly("work", "y");
    }
}
