//! The bad-input corpus (issue 15): one table of hostile or broken inputs
//! across every format tollgate reads (each coverage format, JUnit,
//! cargo-audit, the benchmark formats, policy, `tollgate.toml`, override
//! documents, `allowed_signers`), each run through the real binary with a
//! timeout. Every case states its outcome: an input error (exit 2) whose
//! message names the file and what is wrong, or, for a signed document
//! (which is judged, never fatal), a rejection that fails the gate (exit 1)
//! with the reason. Never a panic, a hang, a pass or unbounded memory (the
//! runner kills a case after 20 s; sizes stay far below the caps except
//! where a cap is the point).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A commit id for `override verify` (documents are judged against it).
const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

/// A gate every evidence kind can be given to, with a failing rule (no
/// coverage is given) so that nothing passes by accident, and signers.
const POLICY: &str = "schema = 1\nname = \"g\"\nversion = \"1.0.0\"\n[coverage]\nlines = 80.0\n[tests]\n[audit]\n[benchmarks]\nmax_regression = 10.0\n[overrides]\nsigners = \"allowed_signers\"\nmax_days = 36500\n";

/// A well-formed document for `o/r` at [`COMMIT`], gate `g`.
const DOC: &str = "tollgate-override: 1\nrepository: o/r\ncommit: 0123456789abcdef0123456789abcdef01234567\ngate: g\nrules: coverage.lines\nreason: generated code\nexpires: 2099-12-31T00:00:00Z\n";

/// What the file under test is.
enum Content {
    /// These bytes, in a regular file.
    Bytes(fn() -> Vec<u8>),
    /// A named pipe (nobody ever writes to it).
    Fifo,
    /// A symlink to a directory inside the repository.
    LinkToDir,
    /// A symlink to a file outside the repository (configured paths only).
    LinkOutside,
    /// A regular file with mode 000.
    Unreadable(fn() -> Vec<u8>),
}

/// What must happen.
enum Expect {
    /// Exit 2; standard error names the file and holds each fragment.
    InputError(&'static [&'static str]),
    /// Exit 1 (the gate fails, the document is not applied); the report
    /// holds each fragment.
    Rejected(&'static [&'static str]),
    /// Not bad after all, and read as what it is: `inspect` or `policy
    /// validate` exits 0 and its output holds each fragment (a hit count
    /// beyond u64 saturates: the line is hit whatever the number).
    Read(&'static [&'static str]),
}

struct Case {
    name: &'static str,
    /// The file's name; where the case writes it.
    file: &'static str,
    content: Content,
    /// The command; `{f}` is the file.
    args: &'static [&'static str],
    expect: Expect,
}

fn b(text: &'static str) -> Vec<u8> {
    text.as_bytes().to_vec()
}

fn utf16(text: &str, bom: bool) -> Vec<u8> {
    let mut out = if bom { vec![0xff, 0xfe] } else { Vec::new() };
    for unit in text.encode_utf16() {
        out.extend(unit.to_le_bytes());
    }
    out
}

fn binary() -> Vec<u8> {
    (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13).to_le_bytes()[0])
        .collect()
}

fn nested(open: &str, close: &str, depth: usize) -> Vec<u8> {
    format!("{}{}", open.repeat(depth), close.repeat(depth)).into_bytes()
}

const BILLION_LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
"#;

use Content::{Bytes, Fifo, LinkOutside, LinkToDir, Unreadable};
use Expect::{InputError, Read, Rejected};

const LCOV: &[&str] = &["inspect", "--coverage-format", "lcov", "{f}"];
const COB: &[&str] = &["inspect", "--coverage-format", "cobertura", "{f}"];
const CLOVER: &[&str] = &["inspect", "--coverage-format", "clover", "{f}"];
const SONAR: &[&str] = &["inspect", "--coverage-format", "sonar-generic", "{f}"];
const LLVM: &[&str] = &["inspect", "--coverage-format", "llvm-cov-json", "{f}"];
const PY: &[&str] = &["inspect", "--coverage-format", "coveragepy-json", "{f}"];
const GO: &[&str] = &["inspect", "--coverage-format", "go-cover", "{f}"];
const JACOCO: &[&str] = &["inspect", "--coverage-format", "jacoco", "{f}"];
const COVERAGE: &[&str] = &["check", "--gate", "g", "--coverage", "{f}"];
const JUNIT: &[&str] = &["check", "--gate", "g", "--tests", "{f}"];
const AUDIT: &[&str] = &["check", "--gate", "g", "--audit", "{f}"];
const BENCH: &[&str] = &["check", "--gate", "g", "--bench", "{f}"];
const POLICY_FILE: &[&str] = &["policy", "validate", "{f}"];
const CONFIG: &[&str] = &["check", "--config", "{f}", "--gate", "g"];
const VERIFY: &[&str] = &[
    "override",
    "verify",
    "{f}",
    "--repository",
    "o/r",
    "--commit",
    COMMIT,
    "--gate",
    "g",
];
const DETECT: &[&str] = &["inspect", "{f}"];

#[allow(clippy::too_many_lines)]
fn cases() -> Vec<Case> {
    vec![
        // ---- LCOV
        Case {
            name: "lcov truncated mid-record",
            file: "t.info",
            content: Bytes(|| b("SF:src/a.rs\nDA:1,")),
            args: LCOV,
            expect: InputError(&[":2"]),
        },
        Case {
            name: "lcov binary",
            file: "bin.info",
            content: Bytes(binary),
            args: LCOV,
            expect: InputError(&[]),
        },
        Case {
            name: "lcov NUL bytes",
            file: "nul.info",
            content: Bytes(|| b("SF:src/a.rs\nDA:1,\0\0\nend_of_record\n")),
            args: LCOV,
            expect: InputError(&[":2"]),
        },
        Case {
            name: "lcov UTF-16 with BOM",
            file: "u16bom.info",
            content: Bytes(|| utf16("SF:src/a.rs\nDA:1,1\nend_of_record\n", true)),
            args: LCOV,
            expect: InputError(&[]),
        },
        Case {
            name: "lcov UTF-16 without BOM",
            file: "u16.info",
            content: Bytes(|| utf16("SF:src/a.rs\nDA:1,1\nend_of_record\n", false)),
            args: LCOV,
            expect: InputError(&[]),
        },
        Case {
            name: "lcov negative hit count",
            file: "neg.info",
            content: Bytes(|| b("SF:src/a.rs\nDA:1,-5\nend_of_record\n")),
            args: LCOV,
            expect: InputError(&[":2"]),
        },
        Case {
            name: "lcov huge hit count",
            file: "huge.info",
            content: Bytes(|| b("SF:src/a.rs\nDA:1,99999999999999999999999999\nend_of_record\n")),
            args: LCOV,
            expect: Read(&["lines 1/1"]),
        },
        Case {
            name: "lcov absurd line number",
            file: "line.info",
            content: Bytes(|| b("SF:src/a.rs\nDA:99999999999999999999,1\nend_of_record\n")),
            args: LCOV,
            expect: InputError(&[":2"]),
        },
        Case {
            name: "lcov line zero",
            file: "zero.info",
            content: Bytes(|| b("SF:src/a.rs\nDA:0,1\nend_of_record\n")),
            args: LCOV,
            expect: InputError(&[":2"]),
        },
        Case {
            name: "lcov 10k-character line",
            file: "long.info",
            content: Bytes(|| {
                format!("SF:src/{}.rs\nDA:1,1\nend_of_record\n", "a".repeat(10_000)).into_bytes()
            }),
            args: LCOV,
            expect: Read(&["aaaaaaaaaa.rs"]),
        },
        Case {
            name: "lcov empty",
            file: "empty.info",
            content: Bytes(Vec::new),
            args: LCOV,
            expect: InputError(&[]),
        },
        Case {
            name: "lcov FIFO",
            file: "pipe.info",
            content: Fifo,
            args: LCOV,
            expect: InputError(&["is a FIFO, not a regular file"]),
        },
        Case {
            name: "lcov symlink to a directory",
            file: "dir.info",
            content: LinkToDir,
            args: LCOV,
            expect: InputError(&["is a directory, not a regular file"]),
        },
        Case {
            name: "lcov unreadable",
            file: "locked.info",
            content: Unreadable(|| b("SF:a\nend_of_record\n")),
            args: LCOV,
            expect: InputError(&["ermission denied"]),
        },
        Case {
            name: "coverage configured path out of the repository",
            file: "out.info",
            content: LinkOutside,
            args: &["check", "--gate", "cfg"],
            expect: InputError(&["outside"]),
        },
        // ---- Cobertura
        Case {
            name: "cobertura truncated",
            file: "t.xml",
            content: Bytes(|| {
                b("<?xml version=\"1.0\"?>\n<coverage line-rate=\"1\"><packages><package name=\"a\"><classes><class filename=\"a.rs\"")
            }),
            args: COB,
            expect: InputError(&[]),
        },
        Case {
            name: "cobertura billion laughs",
            file: "lol.xml",
            content: Bytes(|| {
                format!("{BILLION_LAUGHS}<coverage><sources><source>&lol9;</source></sources></coverage>\n").into_bytes()
            }),
            args: COB,
            expect: InputError(&[]),
        },
        Case {
            name: "cobertura deep nesting",
            file: "deep.xml",
            content: Bytes(|| {
                let mut v = b("<coverage>");
                v.extend(nested("<x>", "</x>", 100_000));
                v.extend(b("</coverage>"));
                v
            }),
            args: COB,
            expect: InputError(&[]),
        },
        Case {
            name: "cobertura negative line number",
            file: "negline.xml",
            content: Bytes(|| {
                b("<coverage><packages><package name=\"p\"><classes><class name=\"c\" filename=\"a.rs\"><lines><line number=\"-3\" hits=\"1\"/></lines></class></classes></package></packages></coverage>\n")
            }),
            args: COB,
            expect: InputError(&[]),
        },
        Case {
            name: "cobertura huge hits",
            file: "hugehits.xml",
            content: Bytes(|| {
                b("<coverage><packages><package name=\"p\"><classes><class name=\"c\" filename=\"a.rs\"><lines><line number=\"1\" hits=\"999999999999999999999999\"/></lines></class></classes></package></packages></coverage>\n")
            }),
            args: COB,
            expect: Read(&["lines 1/1"]),
        },
        Case {
            name: "cobertura UTF-16 with BOM",
            file: "u16.xml",
            content: Bytes(|| {
                utf16(
                    "<?xml version=\"1.0\" encoding=\"UTF-16\"?><coverage></coverage>",
                    true,
                )
            }),
            args: COB,
            expect: InputError(&[]),
        },
        Case {
            name: "cobertura duplicate attributes",
            file: "dupattr.xml",
            content: Bytes(|| {
                b("<coverage><packages><package name=\"p\"><classes><class name=\"c\" filename=\"a.rs\" filename=\"b.rs\"><lines/></class></classes></package></packages></coverage>\n")
            }),
            args: COB,
            expect: InputError(&["dupattr.xml:1:", "duplicated attribute"]),
        },
        Case {
            name: "cobertura duplicate line attribute",
            file: "dupline.xml",
            content: Bytes(|| {
                b("<coverage><packages><package name=\"p\"><classes><class name=\"c\" filename=\"a.rs\"><lines>\n<line number=\"1\" hits=\"0\" hits=\"5\"/></lines></class></classes></package></packages></coverage>\n")
            }),
            args: COB,
            expect: InputError(&["dupline.xml:2:", "duplicated attribute"]),
        },
        Case {
            name: "cobertura empty",
            file: "empty.xml",
            content: Bytes(Vec::new),
            args: COB,
            expect: InputError(&[]),
        },
        // ---- Clover, Sonar, JaCoCo
        Case {
            name: "clover truncated",
            file: "clover.xml",
            content: Bytes(|| {
                b("<?xml version=\"1.0\"?><coverage generated=\"1\"><project><file name=\"a.rs\"><line num=\"1\"")
            }),
            args: CLOVER,
            expect: InputError(&[]),
        },
        Case {
            name: "clover absurd line number",
            file: "cl-line.xml",
            content: Bytes(|| {
                b("<coverage><project><file name=\"a.rs\" path=\"a.rs\"><line num=\"99999999999999999999\" type=\"stmt\" count=\"1\"/></file></project></coverage>\n")
            }),
            args: CLOVER,
            expect: InputError(&[]),
        },
        Case {
            name: "lcov NUL in a source path",
            file: "sfnul.info",
            content: Bytes(|| b("TN:\nSF:src/a\0.rs\nDA:1,1\nend_of_record\n")),
            args: LCOV,
            expect: InputError(&["sfnul.info:2", "NUL byte"]),
        },
        Case {
            name: "cobertura NUL in a class filename",
            file: "cobnul.xml",
            content: Bytes(|| {
                b("<coverage>\n<packages><package name=\"p\"><classes><class name=\"c\" filename=\"a\0.rs\"><lines><line number=\"1\" hits=\"1\"/></lines></class></classes></package></packages></coverage>\n")
            }),
            args: COB,
            expect: InputError(&["cobnul.xml:2", "NUL byte"]),
        },
        Case {
            name: "sonar NUL bytes",
            file: "sonar.xml",
            content: Bytes(|| {
                b("<coverage version=\"1\"><file path=\"a\0.rs\"><lineToCover lineNumber=\"1\" covered=\"true\"/></file></coverage>\n")
            }),
            args: SONAR,
            expect: InputError(&[":1", "NUL byte"]),
        },
        Case {
            name: "sonar path out of the repository",
            file: "sonarout.xml",
            content: Bytes(|| {
                b("<coverage version=\"1\">\n<file path=\"../../x.rs\"><lineToCover lineNumber=\"1\" covered=\"true\"/></file></coverage>\n")
            }),
            args: SONAR,
            expect: InputError(&[":2", "outside it"]),
        },
        Case {
            name: "clover path out of the repository",
            file: "cloverout.xml",
            content: Bytes(|| {
                b("<?xml version=\"1.0\"?>\n<coverage generated=\"1\" clover=\"4.4.1\"><project timestamp=\"1\">\n<file name=\"x.rs\" path=\"../../x.rs\"><line num=\"1\" count=\"1\" type=\"stmt\"/></file></project></coverage>\n")
            }),
            args: CLOVER,
            expect: InputError(&[":3", "outside it"]),
        },
        Case {
            name: "jacoco NUL in a source file name",
            file: "jnul.xml",
            content: Bytes(|| {
                b("<report name=\"r\"><package name=\"p\"><sourcefile name=\"A\0.java\"><line nr=\"1\" mi=\"0\" ci=\"1\" mb=\"0\" cb=\"0\"/></sourcefile></package></report>\n")
            }),
            args: JACOCO,
            expect: InputError(&["NUL byte"]),
        },
        Case {
            name: "sonar negative line",
            file: "sonar-neg.xml",
            content: Bytes(|| {
                b("<coverage version=\"1\"><file path=\"a.rs\"><lineToCover lineNumber=\"-1\" covered=\"true\"/></file></coverage>\n")
            }),
            args: SONAR,
            expect: InputError(&[]),
        },
        Case {
            name: "jacoco billion laughs",
            file: "jacoco.xml",
            content: Bytes(|| {
                format!("{BILLION_LAUGHS}<report name=\"&lol9;\"></report>\n").into_bytes()
            }),
            args: JACOCO,
            expect: InputError(&[]),
        },
        Case {
            name: "jacoco binary",
            file: "jacoco-bin.xml",
            content: Bytes(binary),
            args: JACOCO,
            expect: InputError(&[]),
        },
        // ---- llvm-cov JSON, coverage.py JSON
        Case {
            name: "llvm-cov JSON truncated",
            file: "llvm.json",
            content: Bytes(|| {
                b("{\"type\":\"llvm.coverage.json.export\",\"version\":\"2.0.1\",\"data\":[{\"files\":[")
            }),
            args: LLVM,
            expect: InputError(&[]),
        },
        Case {
            name: "llvm-cov JSON deep nesting",
            file: "llvm-deep.json",
            content: Bytes(|| nested("[", "]", 100_000)),
            args: LLVM,
            expect: InputError(&[]),
        },
        Case {
            name: "llvm-cov JSON negative count",
            file: "llvm-neg.json",
            content: Bytes(|| {
                b("{\"type\":\"llvm.coverage.json.export\",\"version\":\"2.0.1\",\"data\":[{\"files\":[{\"filename\":\"a.rs\",\"segments\":[[1,1,-7,true,true,false]],\"summary\":{}}],\"functions\":[]}]}")
            }),
            args: LLVM,
            expect: InputError(&[]),
        },
        Case {
            name: "coverage.py JSON duplicate keys",
            file: "py.json",
            content: Bytes(|| {
                b("{\"meta\":{\"version\":\"7.0\"},\"meta\":{\"version\":\"7.1\"},\"files\":{}}")
            }),
            args: PY,
            expect: InputError(&[]),
        },
        Case {
            name: "coverage.py JSON huge line number",
            file: "py-line.json",
            content: Bytes(|| {
                b("{\"meta\":{\"version\":\"7.0\",\"format\":2},\"files\":{\"a.py\":{\"executed_lines\":[1e400],\"missing_lines\":[]}}}")
            }),
            args: PY,
            expect: InputError(&[]),
        },
        Case {
            name: "coverage.py JSON UTF-16 without BOM",
            file: "py16.json",
            content: Bytes(|| utf16("{\"meta\":{},\"files\":{}}", false)),
            args: PY,
            expect: InputError(&[]),
        },
        // ---- Go cover
        Case {
            name: "go cover without mode line",
            file: "c.out",
            content: Bytes(|| b("a.go:1.1,2.2 1 1\n")),
            args: GO,
            expect: InputError(&[":1"]),
        },
        Case {
            name: "go cover negative count",
            file: "neg.out",
            content: Bytes(|| b("mode: set\na.go:1.1,2.2 1 -1\n")),
            args: GO,
            expect: InputError(&[":2"]),
        },
        Case {
            name: "go cover absurd line",
            file: "line.out",
            content: Bytes(|| b("mode: set\na.go:99999999999999999999.1,2.2 1 1\n")),
            args: GO,
            expect: InputError(&[":2"]),
        },
        Case {
            name: "go cover truncated",
            file: "trunc.out",
            content: Bytes(|| b("mode: set\na.go:1.1,2")),
            args: GO,
            expect: InputError(&[":2"]),
        },
        // ---- detection
        Case {
            name: "detect binary",
            file: "blob",
            content: Bytes(binary),
            args: DETECT,
            expect: InputError(&[]),
        },
        Case {
            name: "detect empty",
            file: "nothing",
            content: Bytes(Vec::new),
            args: DETECT,
            expect: InputError(&[]),
        },
        Case {
            name: "detect UTF-16 with BOM",
            file: "u16.any",
            content: Bytes(|| utf16("SF:a\nend_of_record\n", true)),
            args: DETECT,
            expect: InputError(&[]),
        },
        Case {
            name: "coverage through check: NUL-only file",
            file: "zeros.info",
            content: Bytes(|| vec![0; 1000]),
            args: COVERAGE,
            expect: InputError(&[]),
        },
        // ---- JUnit
        Case {
            name: "junit truncated",
            file: "j.xml",
            content: Bytes(|| b("<testsuite><testcase name=\"a\"")),
            args: JUNIT,
            expect: InputError(&[":1", "not well-formed XML"]),
        },
        Case {
            name: "junit billion laughs",
            file: "jlol.xml",
            content: Bytes(|| {
                format!("{BILLION_LAUGHS}<testsuite name=\"&lol9;\"><testcase name=\"a\"/></testsuite>\n").into_bytes()
            }),
            args: JUNIT,
            expect: InputError(&[]),
        },
        Case {
            name: "junit deep nesting",
            file: "jdeep.xml",
            content: Bytes(|| nested("<testsuite>", "</testsuite>", 100_000)),
            args: JUNIT,
            expect: InputError(&["jdeep.xml:1:", "nested more than 1024 elements deep"]),
        },
        Case {
            name: "junit duplicate suite counter",
            file: "jdup.xml",
            content: Bytes(|| {
                b("<testsuites>\n<testsuite name=\"s\" failures=\"1\" failures=\"0\"><testcase name=\"a\"/></testsuite></testsuites>\n")
            }),
            args: JUNIT,
            expect: InputError(&["jdup.xml:2:", "duplicated attribute"]),
        },
        Case {
            name: "junit duplicate testcase attribute",
            file: "jdup2.xml",
            content: Bytes(|| {
                b("<testsuites>\n<testsuite name=\"s\">\n<testcase name=\"a\" status=\"run\" status=\"disabled\"/></testsuite></testsuites>\n")
            }),
            args: JUNIT,
            expect: InputError(&["jdup2.xml:3:", "duplicated attribute"]),
        },
        Case {
            name: "junit invalid UTF-8",
            file: "jutf8.xml",
            content: Bytes(|| {
                b"<testsuites>\n<testsuite name=\"s\">\n<testcase name=\"\xff\"/></testsuite></testsuites>\n".to_vec()
            }),
            args: JUNIT,
            expect: InputError(&["jutf8.xml:3:", "not valid UTF-8"]),
        },
        Case {
            name: "junit negative counts",
            file: "jneg.xml",
            content: Bytes(|| b("<testsuite tests=\"-1\" failures=\"-1\"></testsuite>\n")),
            args: JUNIT,
            expect: InputError(&[]),
        },
        Case {
            name: "junit binary",
            file: "jbin.xml",
            content: Bytes(binary),
            args: JUNIT,
            expect: InputError(&[]),
        },
        Case {
            name: "junit UTF-16 without BOM",
            file: "j16.xml",
            content: Bytes(|| utf16("<testsuite><testcase name=\"a\"/></testsuite>", false)),
            args: JUNIT,
            expect: InputError(&[]),
        },
        Case {
            name: "junit empty",
            file: "jempty.xml",
            content: Bytes(Vec::new),
            args: JUNIT,
            expect: InputError(&[]),
        },
        Case {
            name: "junit /dev/zero",
            file: "/dev/zero",
            content: Bytes(Vec::new),
            args: JUNIT,
            expect: InputError(&["is a character device"]),
        },
        Case {
            name: "junit FIFO",
            file: "jpipe.xml",
            content: Fifo,
            args: JUNIT,
            expect: InputError(&["is a FIFO"]),
        },
        // ---- cargo-audit
        Case {
            name: "audit truncated",
            file: "a.json",
            content: Bytes(|| b("{\"database\":{\"advisory-count\":1")),
            args: AUDIT,
            expect: InputError(&[]),
        },
        Case {
            name: "audit deep nesting",
            file: "adeep.json",
            content: Bytes(|| nested("{\"a\":", "}", 100_000)),
            args: AUDIT,
            expect: InputError(&[]),
        },
        Case {
            name: "audit NUL bytes",
            file: "anul.json",
            content: Bytes(|| b("{\0\"database\":{}}")),
            args: AUDIT,
            expect: InputError(&[]),
        },
        Case {
            name: "audit UTF-16 with BOM",
            file: "a16.json",
            content: Bytes(|| utf16("{\"database\":{}}", true)),
            args: AUDIT,
            expect: InputError(&[]),
        },
        Case {
            name: "audit huge numbers",
            file: "ahuge.json",
            content: Bytes(|| {
                b("{\"database\":{\"advisory-count\":1e999},\"lockfile\":{\"dependency-count\":-1},\"vulnerabilities\":{\"found\":true,\"count\":-1,\"list\":[]},\"warnings\":{}}")
            }),
            args: AUDIT,
            expect: InputError(&[]),
        },
        Case {
            name: "audit empty",
            file: "aempty.json",
            content: Bytes(Vec::new),
            args: AUDIT,
            expect: InputError(&[]),
        },
        Case {
            name: "audit symlink to a directory",
            file: "adir.json",
            content: LinkToDir,
            args: AUDIT,
            expect: InputError(&["is a directory"]),
        },
        // ---- benchmarks
        Case {
            name: "bench JSON truncated",
            file: "b.json",
            content: Bytes(|| b("[{\"name\":\"x\",\"unit\":\"ns\",\"value\":")),
            args: BENCH,
            expect: InputError(&[]),
        },
        Case {
            name: "bench JSON negative and huge values",
            file: "bneg.json",
            content: Bytes(|| {
                b("[{\"name\":\"x\",\"unit\":\"ns\",\"value\":-5},{\"name\":\"y\",\"unit\":\"ns\",\"value\":1e400}]")
            }),
            args: BENCH,
            expect: InputError(&[]),
        },
        Case {
            name: "bench hyperfine deep nesting",
            file: "bdeep.json",
            content: Bytes(|| nested("{\"results\":", "}", 100_000)),
            args: BENCH,
            expect: InputError(&[]),
        },
        Case {
            name: "bench BMF duplicate keys",
            file: "bdup.json",
            content: Bytes(|| {
                b("{\"x\":{\"latency\":{\"value\":1.0}},\"x\":{\"latency\":{\"value\":2.0}}}")
            }),
            args: BENCH,
            expect: InputError(&[":1", "appears twice"]),
        },
        Case {
            name: "bench binary",
            file: "bbin.json",
            content: Bytes(binary),
            args: BENCH,
            expect: InputError(&[]),
        },
        Case {
            name: "bench unreadable",
            file: "block.json",
            content: Unreadable(|| b("[]")),
            args: BENCH,
            expect: InputError(&["ermission denied"]),
        },
        // ---- policy
        Case {
            name: "policy truncated",
            file: "p1.toml",
            content: Bytes(|| b("schema = 1\nname = \"g")),
            args: POLICY_FILE,
            expect: InputError(&[":2"]),
        },
        Case {
            name: "policy duplicate keys",
            file: "p2.toml",
            content: Bytes(|| b("schema = 1\nname = \"g\"\nname = \"h\"\nversion = \"1.0.0\"\n")),
            args: POLICY_FILE,
            expect: InputError(&[":3"]),
        },
        Case {
            name: "policy deep nesting",
            file: "p3.toml",
            content: Bytes(|| {
                let mut v = b("schema = 1\nx = ");
                v.extend(nested("[", "]", 100_000));
                v
            }),
            args: POLICY_FILE,
            expect: InputError(&[]),
        },
        Case {
            name: "policy huge number",
            file: "p4.toml",
            content: Bytes(|| {
                b("schema = 99999999999999999999999\nname = \"g\"\nversion = \"1.0.0\"\n")
            }),
            args: POLICY_FILE,
            expect: InputError(&[":1"]),
        },
        Case {
            name: "policy negative count",
            file: "p5.toml",
            content: Bytes(|| {
                b("schema = 1\nname = \"g\"\nversion = \"1.0.0\"\n[overrides]\nmin_signers = -1\nmax_days = -30\n")
            }),
            args: POLICY_FILE,
            expect: InputError(&[":5", ":6"]),
        },
        Case {
            name: "policy NUL bytes",
            file: "p6.toml",
            content: Bytes(|| b("schema = 1\nname = \"g\0\"\nversion = \"1.0.0\"\n")),
            args: POLICY_FILE,
            expect: InputError(&[":2"]),
        },
        Case {
            name: "policy UTF-16 with BOM",
            file: "p7.toml",
            content: Bytes(|| utf16("schema = 1\n", true)),
            args: POLICY_FILE,
            expect: InputError(&[]),
        },
        Case {
            name: "policy empty",
            file: "p8.toml",
            content: Bytes(Vec::new),
            args: POLICY_FILE,
            expect: InputError(&[]),
        },
        Case {
            name: "policy 10k-character line",
            file: "p9.toml",
            content: Bytes(|| {
                format!(
                    "schema = 1\nname = \"{}\"\nversion = \"1.0.0\"\n",
                    "g".repeat(10_000)
                )
                .into_bytes()
            }),
            args: POLICY_FILE,
            expect: Read(&["p9.toml: ok"]),
        },
        Case {
            name: "policy over the document cap",
            file: "p10.toml",
            content: Bytes(|| format!("schema = 1\n# {}\n", "x".repeat(2 << 20)).into_bytes()),
            args: POLICY_FILE,
            expect: InputError(&["cap"]),
        },
        Case {
            name: "policy FIFO",
            file: "p11.toml",
            content: Fifo,
            args: POLICY_FILE,
            expect: InputError(&["is a FIFO"]),
        },
        // ---- tollgate.toml
        Case {
            name: "config duplicate tables",
            file: "c1.toml",
            content: Bytes(|| b("policy_dir = \"policies\"\n[gates]\n[gates]\n")),
            args: CONFIG,
            expect: InputError(&[":3"]),
        },
        Case {
            name: "config binary",
            file: "c2.toml",
            content: Bytes(binary),
            args: CONFIG,
            expect: InputError(&[]),
        },
        Case {
            name: "config policy_dir out of the repository",
            file: "c3.toml",
            content: Bytes(|| b("policy_dir = \"../../etc\"\n")),
            args: CONFIG,
            expect: InputError(&["c3.toml:1", "leaves the repository"]),
        },
        Case {
            name: "config FIFO",
            file: "c4.toml",
            content: Fifo,
            args: CONFIG,
            expect: InputError(&["not a file"]),
        },
        // ---- override documents (judged: a bad one is rejected, the gate fails)
        Case {
            name: "override NUL bytes",
            file: "o1.txt",
            content: Bytes(|| DOC.replace("generated code", "gen\0erated").into_bytes()),
            args: VERIFY,
            expect: Rejected(&["control character U+0000"]),
        },
        Case {
            name: "override ESC in the reason",
            file: "o2.txt",
            content: Bytes(|| DOC.replace("generated code", "\u{1b}[2Jgone").into_bytes()),
            args: VERIFY,
            expect: Rejected(&["control character U+001B"]),
        },
        Case {
            name: "override UTF-16 with BOM",
            file: "o3.txt",
            content: Bytes(|| utf16(DOC, true)),
            args: VERIFY,
            expect: Rejected(&["not valid UTF-8"]),
        },
        Case {
            name: "override binary",
            file: "o4.txt",
            content: Bytes(binary),
            args: VERIFY,
            expect: Rejected(&["not valid UTF-8"]),
        },
        Case {
            name: "override duplicate key",
            file: "o5.txt",
            content: Bytes(|| DOC.replace("gate: g\n", "gate: g\ngate: h\n").into_bytes()),
            args: VERIFY,
            expect: Rejected(&["duplicate key `gate`"]),
        },
        Case {
            name: "override expires in year 9999",
            file: "o6.txt",
            content: Bytes(|| DOC.replace("2099-12-31", "9999-12-31").into_bytes()),
            args: VERIFY,
            expect: Rejected(&["too long-lived", "max_days = 36500"]),
        },
        Case {
            name: "override a second document after the signature",
            file: "o7.txt",
            content: Bytes(|| {
                format!("{DOC}-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n{DOC}").into_bytes()
            }),
            args: VERIFY,
            expect: Rejected(&["text after the signature at o7.txt:11"]),
        },
        Case {
            name: "override 10k-character reason",
            file: "o8.txt",
            content: Bytes(|| {
                DOC.replace("generated code", &"x".repeat(10_000))
                    .into_bytes()
            }),
            args: VERIFY,
            expect: Rejected(&["no signature"]),
        },
        Case {
            name: "override empty",
            file: "o9.txt",
            content: Bytes(Vec::new),
            args: VERIFY,
            expect: Rejected(&["the document is empty"]),
        },
        Case {
            name: "override FIFO",
            file: "o10.txt",
            content: Fifo,
            args: VERIFY,
            expect: InputError(&["is a FIFO"]),
        },
        Case {
            name: "override symlink to a directory",
            file: "o11.txt",
            content: LinkToDir,
            args: VERIFY,
            expect: InputError(&["is a directory"]),
        },
        Case {
            name: "override over the document cap",
            file: "o12.txt",
            content: Bytes(|| format!("{DOC}{}", " ".repeat(2 << 20)).into_bytes()),
            args: VERIFY,
            expect: InputError(&["cap"]),
        },
        // ---- allowed_signers (the trusted file: broken stops the run)
        Case {
            name: "allowed_signers binary",
            file: "policies/allowed_signers",
            content: Bytes(binary),
            args: &[
                "override",
                "verify",
                "doc.txt",
                "--repository",
                "o/r",
                "--commit",
                COMMIT,
                "--gate",
                "g",
            ],
            expect: InputError(&[]),
        },
        Case {
            name: "allowed_signers unterminated quote",
            file: "policies/allowed_signers",
            content: Bytes(|| b("alice@example.org namespaces=\"tollgate ssh-ed25519 AAAA\n")),
            args: &[
                "override",
                "verify",
                "doc.txt",
                "--repository",
                "o/r",
                "--commit",
                COMMIT,
                "--gate",
                "g",
            ],
            expect: InputError(&[":1"]),
        },
        Case {
            name: "allowed_signers 10k-character line",
            file: "policies/allowed_signers",
            content: Bytes(|| {
                format!("alice@example.org ssh-ed25519 {}\n", "A".repeat(10_000)).into_bytes()
            }),
            args: &[
                "override",
                "verify",
                "doc.txt",
                "--repository",
                "o/r",
                "--commit",
                COMMIT,
                "--gate",
                "g",
            ],
            expect: InputError(&[":1"]),
        },
        Case {
            name: "allowed_signers FIFO",
            file: "policies/allowed_signers",
            content: Fifo,
            args: &[
                "override",
                "verify",
                "doc.txt",
                "--repository",
                "o/r",
                "--commit",
                COMMIT,
                "--gate",
                "g",
            ],
            expect: InputError(&["is a FIFO"]),
        },
        Case {
            name: "allowed_signers absurd valid-before",
            file: "policies/allowed_signers",
            content: Bytes(|| {
                b("alice@example.org valid-before=\"99999999999999\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n")
            }),
            args: &[
                "override",
                "verify",
                "doc.txt",
                "--repository",
                "o/r",
                "--commit",
                COMMIT,
                "--gate",
                "g",
            ],
            expect: InputError(&[":1"]),
        },
    ]
}

/// The repository every case runs in: a config, the gate, a document.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::create_dir_all(root.join("adir")).unwrap();
    std::fs::write(root.join("tollgate.toml"), "policy_dir = \"policies\"\n").unwrap();
    std::fs::write(root.join("policies/g.toml"), POLICY).unwrap();
    std::fs::write(
        root.join("policies/cfg.toml"),
        "schema = 1\nname = \"cfg\"\nversion = \"1.0.0\"\n[coverage]\nlines = 80.0\n",
    )
    .unwrap();
    std::fs::write(root.join("policies/allowed_signers"), "").unwrap();
    std::fs::write(root.join("doc.txt"), DOC).unwrap();
    dir
}

/// Whether this process may read a file whatever its mode (root can).
fn reads_anything(dir: &Path) -> bool {
    let probe = dir.join("probe");
    std::fs::write(&probe, "x").unwrap();
    set_mode(&probe, 0o000);
    let readable = std::fs::read(&probe).is_ok();
    set_mode(&probe, 0o644);
    readable
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs `args` in `dir`, killed after 20 s so a hang fails the case.
fn run(dir: &Path, args: &[String]) -> Result<Output, String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .env_clear()
        .envs(crate::support::coverage::profile_env())
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", dir)
        .env("RUST_BACKTRACE", "0")
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            child.wait().unwrap();
            return Err("hung (killed after 20 s)".to_owned());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(child.wait_with_output().unwrap())
}

/// Sets the case's file up in `root`; `false` when it cannot be (an
/// unreadable file for a process that reads anything).
fn set_up(case: &Case, root: &Path, root_reads_anything: bool) -> bool {
    if case.file.starts_with('/') {
        return true;
    }
    let path = root.join(case.file);
    let _ = std::fs::remove_file(&path);
    match &case.content {
        Bytes(make) => std::fs::write(&path, make()).unwrap(),
        Fifo => {
            assert!(Command::new("mkfifo")
                .arg(&path)
                .status()
                .unwrap()
                .success());
        }
        LinkToDir => std::os::unix::fs::symlink(root.join("adir"), &path).unwrap(),
        LinkOutside => {
            let outside = tempfile::NamedTempFile::new()
                .unwrap()
                .into_temp_path()
                .keep()
                .unwrap();
            std::fs::write(&outside, "SF:src/a.rs\nDA:1,1\nend_of_record\n").unwrap();
            std::os::unix::fs::symlink(&outside, &path).unwrap();
            std::fs::write(
                root.join("tollgate.toml"),
                format!(
                    "policy_dir = \"policies\"\n[evidence]\ncoverage = [\"{}\"]\n",
                    case.file
                ),
            )
            .unwrap();
        }
        Unreadable(make) => {
            if root_reads_anything {
                return false;
            }
            std::fs::write(&path, make()).unwrap();
            set_mode(&path, 0o000);
        }
    }
    true
}

#[test]
fn every_bad_input_fails_closed_with_a_message_naming_the_file() {
    let cases = cases();
    assert!(cases.len() >= 60, "the corpus holds {} cases", cases.len());
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    for case in &cases {
        // A fresh repository per case: cases must not see each other's files.
        let dir = repo();
        let root = dir.path();
        let root_reads_anything = reads_anything(root);
        if !set_up(case, root, root_reads_anything) {
            skipped.push(case.name);
            continue;
        }
        let args: Vec<String> = case
            .args
            .iter()
            .map(|a| a.replace("{f}", case.file))
            .collect();
        let out = match run(root, &args) {
            Ok(out) => out,
            Err(why) => {
                failures.push(format!("{}: {why}", case.name));
                continue;
            }
        };
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let (code, text, fragments) = match &case.expect {
            InputError(f) => (2, stderr.to_string(), *f),
            Rejected(f) => (1, format!("{stdout}{stderr}"), *f),
            Read(f) => (0, stdout.to_string(), *f),
        };
        let file_name = Path::new(case.file).file_name().unwrap().to_string_lossy();
        let mut wrong = Vec::new();
        if out.status.code() != Some(code) {
            wrong.push(format!("exit {:?}, expected {code}", out.status.code()));
        }
        if stderr.contains("panicked") {
            wrong.push("panicked".to_owned());
        }
        if !text.contains(file_name.as_ref()) {
            wrong.push(format!("does not name {file_name}"));
        }
        for f in fragments {
            if !text.contains(f) {
                wrong.push(format!("lacks {f:?}"));
            }
        }
        // An input error says what was wrong, not only which file.
        if code == 2
            && stderr
                .trim()
                .lines()
                .all(|l| l.trim().len() <= file_name.len() + 10)
        {
            wrong.push("says nothing about what was wrong".to_owned());
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{} ({args:?}): {}\n    stderr: {}",
                case.name,
                wrong.join("; "),
                stderr
                    .trim()
                    .lines()
                    .take(3)
                    .collect::<Vec<_>>()
                    .join(" | ")
            ));
        }
    }
    if !skipped.is_empty() {
        // Root reads a mode-000 file: that case cannot be set up here, and
        // says so instead of passing as if it had been tried.
        eprintln!("note: running as a user that reads mode-000 files (root?): skipped {skipped:?}");
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Evidence holding ESC sequences, a carriage return, BEL and the 8-bit
/// CSI (U+009B) in file names and test names: `inspect` and `check` show
/// them escaped in human output, and JSON keeps the exact strings.
#[test]
fn control_characters_from_evidence_are_shown_not_obeyed() {
    let dir = repo();
    let root = dir.path();
    let hostile = "src/\u{1b}[31mred\r\u{7}\u{9b}2J.rs";
    std::fs::write(
        root.join("lcov.info"),
        format!("SF:{hostile}\nDA:1,0\nend_of_record\n"),
    )
    .unwrap();
    std::fs::write(
        root.join("t.xml"),
        "<testsuite name=\"s\u{1b}]0;title\u{7}\"><testcase name=\"t\u{1b}[2J\r\" classname=\"c\"><failure message=\"m\u{9b}\"/></testcase></testsuite>\n".replace('\u{1b}', "&#27;").replace('\u{7}', "&#7;").replace('\r', "&#13;"),
    )
    .unwrap();
    let controls = |s: &str| s.chars().any(|c| c.is_control() && c != '\n' && c != '\t');
    for args in [
        &["inspect", "--coverage-format", "lcov", "lcov.info"][..],
        &["inspect", "t.xml"][..],
        &[
            "check",
            "--gate",
            "g",
            "--coverage",
            "lcov.info",
            "--tests",
            "t.xml",
        ][..],
    ] {
        let args: Vec<String> = args.iter().map(ToString::to_string).collect();
        let out = run(root, &args).unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!controls(&text), "{args:?}: {text:?}");
        assert!(text.contains("\\u{1b}"), "{args:?}: {text}");
    }
    let out = run(
        root,
        &[
            "inspect",
            "--coverage-format",
            "lcov",
            "--format",
            "json",
            "lcov.info",
        ]
        .map(ToString::to_string),
    )
    .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["coverage"]["per_file"][0]["path"], hostile, "{json}");
}
