//! The languages the lexical highlighter knows ([`Lang`] tables), and the
//! names authors write for them. A language missing here is highlighted by
//! the TextMate grammars instead (see `mod.rs`).

use super::scan::{Escapes, Lang, Quote};

/// The table for a fence's language name (already lower case).
pub(super) fn lang(name: &str) -> Option<&'static Lang> {
    Some(match name {
        "rust" | "rs" => &RUST,
        "js" | "javascript" | "node" | "mjs" | "cjs" | "jsx" => &JS,
        "ts" | "typescript" | "tsx" => &TS,
        "python" | "py" | "python3" => &PYTHON,
        "bash" | "sh" | "shell" | "zsh" => &SHELL,
        "console" | "shell-session" => &CONSOLE,
        // Not MySQL: its strings take backslash escapes.
        "sql" | "postgresql" | "postgres" | "sqlite" => &SQL,
        "go" | "golang" => &GO,
        "c" | "h" | "cpp" | "c++" | "cc" | "hpp" => &C,
        "java" => &JAVA,
        "json" | "jsonc" => &JSON,
        "toml" => &TOML,
        _ => return None,
    })
}

const fn quote(open: &'static str, escapes: Escapes, multiline: bool) -> Quote {
    Quote {
        open,
        close: open,
        escapes,
        multiline,
        interpolates: false,
    }
}

/// Not `:`: a path separator, a type annotation or a slice far more often
/// than an operator.
const C_OPERATORS: &[u8] = b"+-*/%=<>!&|^~?";

/// What most languages share; each table below changes what differs.
const BASE: Lang = Lang {
    line_comments: &["//"],
    block_comment: Some(("/*", "*/")),
    nested_comments: false,
    quotes: &[
        quote("\"", Escapes::Backslash, false),
        quote("'", Escapes::Backslash, false),
    ],
    string_prefixes: &[],
    keywords: &[],
    constants: &[],
    builtins: &[],
    fold_case: false,
    definers: &[],
    calls: true,
    operators: C_OPERATORS,
    caps_constants: true,
    decorators: false,
    regexes: false,
    preprocessor: false,
    rust: false,
    shell: false,
};

const RUST: Lang = Lang {
    nested_comments: true,
    quotes: &[quote("\"", Escapes::Backslash, true)],
    string_prefixes: &["b"],
    keywords: RUST_KEYWORDS,
    constants: RUST_CONSTANTS,
    definers: &["fn"],
    rust: true,
    ..BASE
};

const JS: Lang = Lang {
    quotes: &[
        quote("\"", Escapes::Backslash, false),
        quote("'", Escapes::Backslash, false),
        quote("`", Escapes::Backslash, true),
    ],
    keywords: JS_KEYWORDS,
    constants: JS_CONSTANTS,
    definers: &["function"],
    regexes: true,
    ..BASE
};

const TS: Lang = Lang {
    keywords: TS_KEYWORDS,
    decorators: true,
    ..JS
};

const PYTHON: Lang = Lang {
    line_comments: &["#"],
    block_comment: None,
    quotes: &[
        quote("\"\"\"", Escapes::Backslash, true),
        quote("'''", Escapes::Backslash, true),
        quote("\"", Escapes::Backslash, false),
        quote("'", Escapes::Backslash, false),
    ],
    string_prefixes: &[
        "B", "BR", "Br", "F", "FR", "Fr", "R", "RB", "RF", "Rb", "Rf", "U", "b", "bR", "br", "f",
        "fR", "fr", "r", "rB", "rF", "rb", "rf", "u",
    ],
    keywords: PY_KEYWORDS,
    constants: PY_CONSTANTS,
    builtins: PY_BUILTINS,
    definers: &["def"],
    decorators: true,
    ..BASE
};

const SHELL: Lang = Lang {
    line_comments: &["#"],
    block_comment: None,
    quotes: &[
        Quote {
            interpolates: true,
            ..quote("\"", Escapes::Backslash, true)
        },
        quote("'", Escapes::Raw, true),
    ],
    keywords: SH_KEYWORDS,
    constants: SH_CONSTANTS,
    builtins: SH_BUILTINS,
    calls: false,
    operators: b"",
    caps_constants: false,
    shell: true,
    ..BASE
};

/// A terminal session: commands with their output, where an apostrophe in
/// the output (`can't`) must not open a string over the following lines.
const CONSOLE: Lang = Lang {
    quotes: &[
        Quote {
            interpolates: true,
            ..quote("\"", Escapes::Backslash, false)
        },
        quote("'", Escapes::Raw, false),
    ],
    ..SHELL
};

const SQL: Lang = Lang {
    line_comments: &["--"],
    quotes: &[quote("'", Escapes::Doubled, true)],
    keywords: SQL_KEYWORDS,
    builtins: SQL_BUILTINS,
    fold_case: true,
    calls: false,
    caps_constants: false,
    operators: b"=<>+-*/%|!",
    ..BASE
};

const GO: Lang = Lang {
    quotes: &[
        quote("\"", Escapes::Backslash, false),
        quote("'", Escapes::Backslash, false),
        quote("`", Escapes::Raw, true),
    ],
    keywords: GO_KEYWORDS,
    constants: GO_CONSTANTS,
    definers: &["func"],
    ..BASE
};

const C: Lang = Lang {
    keywords: C_KEYWORDS,
    constants: C_CONSTANTS,
    preprocessor: true,
    ..BASE
};

const JAVA: Lang = Lang {
    keywords: JAVA_KEYWORDS,
    constants: JAVA_CONSTANTS,
    decorators: true,
    ..BASE
};

const JSON: Lang = Lang {
    quotes: &[quote("\"", Escapes::Backslash, false)],
    constants: JSON_CONSTANTS,
    calls: false,
    operators: b"",
    caps_constants: false,
    ..BASE
};

const TOML: Lang = Lang {
    line_comments: &["#"],
    block_comment: None,
    quotes: &[
        quote("\"\"\"", Escapes::Backslash, true),
        quote("'''", Escapes::Raw, true),
        quote("\"", Escapes::Backslash, false),
        quote("'", Escapes::Raw, false),
    ],
    constants: JSON_CONSTANTS,
    calls: false,
    operators: b"=",
    caps_constants: false,
    ..BASE
};

// Word lists: sorted, for binary search (a test checks); SQL's lower case.
const RUST_KEYWORDS: &[&str] = &[
    "Self", "as", "async", "await", "bool", "break", "char", "const", "continue", "crate", "dyn",
    "else", "enum", "extern", "f32", "f64", "fn", "for", "i128", "i16", "i32", "i64", "i8", "if",
    "impl", "in", "isize", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "static", "str", "struct", "super", "trait", "type", "u128", "u16", "u32", "u64", "u8",
    "unsafe", "use", "usize", "where", "while", "yield",
];
const RUST_CONSTANTS: &[&str] = &["Err", "None", "Ok", "Some", "false", "true"];
const JS_KEYWORDS: &[&str] = &[
    "async",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "export",
    "extends",
    "finally",
    "for",
    "from",
    "function",
    "get",
    "if",
    "import",
    "in",
    "instanceof",
    "let",
    "new",
    "of",
    "return",
    "set",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
];
const TS_KEYWORDS: &[&str] = &[
    "abstract",
    "any",
    "as",
    "async",
    "await",
    "boolean",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "declare",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "finally",
    "for",
    "from",
    "function",
    "get",
    "if",
    "implements",
    "import",
    "in",
    "infer",
    "instanceof",
    "interface",
    "keyof",
    "let",
    "namespace",
    "never",
    "new",
    "number",
    "object",
    "of",
    "private",
    "protected",
    "public",
    "readonly",
    "return",
    "set",
    "static",
    "string",
    "super",
    "switch",
    "symbol",
    "this",
    "throw",
    "try",
    "type",
    "typeof",
    "unknown",
    "var",
    "void",
    "while",
    "with",
    "yield",
];
const JS_CONSTANTS: &[&str] = &["Infinity", "NaN", "false", "null", "true", "undefined"];
const PY_KEYWORDS: &[&str] = &[
    "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
    "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
    "match", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];
const PY_CONSTANTS: &[&str] = &["False", "None", "True"];
const PY_BUILTINS: &[&str] = &[
    "abs",
    "all",
    "any",
    "enumerate",
    "filter",
    "getattr",
    "hasattr",
    "input",
    "isinstance",
    "len",
    "map",
    "max",
    "min",
    "open",
    "print",
    "range",
    "repr",
    "reversed",
    "sorted",
    "sum",
    "super",
    "zip",
];
const SH_KEYWORDS: &[&str] = &[
    "case", "do", "done", "elif", "else", "esac", "export", "fi", "for", "function", "if", "in",
    "local", "readonly", "return", "select", "then", "until", "while",
];
const SH_CONSTANTS: &[&str] = &["false", "true"];
const SH_BUILTINS: &[&str] = &[
    "alias", "bg", "cd", "command", "echo", "eval", "exec", "exit", "fg", "getopts", "hash",
    "jobs", "kill", "printf", "pwd", "read", "set", "shift", "source", "test", "trap", "type",
    "ulimit", "umask", "unalias", "unset", "wait",
];
const SQL_KEYWORDS: &[&str] = &[
    "add",
    "all",
    "alter",
    "and",
    "as",
    "asc",
    "begin",
    "between",
    "bigint",
    "boolean",
    "by",
    "cascade",
    "case",
    "check",
    "column",
    "commit",
    "constraint",
    "create",
    "cross",
    "current_date",
    "current_timestamp",
    "database",
    "date",
    "decimal",
    "default",
    "delete",
    "desc",
    "distinct",
    "drop",
    "else",
    "end",
    "exists",
    "false",
    "foreign",
    "from",
    "full",
    "group",
    "having",
    "if",
    "in",
    "index",
    "inner",
    "insert",
    "int",
    "integer",
    "intersect",
    "into",
    "is",
    "join",
    "key",
    "left",
    "like",
    "limit",
    "not",
    "null",
    "numeric",
    "offset",
    "on",
    "or",
    "order",
    "outer",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "rollback",
    "select",
    "serial",
    "set",
    "smallint",
    "table",
    "text",
    "then",
    "timestamp",
    "transaction",
    "true",
    "union",
    "unique",
    "update",
    "using",
    "values",
    "varchar",
    "view",
    "when",
    "where",
    "with",
];
const SQL_BUILTINS: &[&str] = &[
    "avg",
    "coalesce",
    "count",
    "length",
    "lower",
    "max",
    "min",
    "now",
    "nullif",
    "round",
    "substr",
    "substring",
    "sum",
    "upper",
];
const GO_KEYWORDS: &[&str] = &[
    "bool",
    "break",
    "byte",
    "case",
    "chan",
    "const",
    "continue",
    "default",
    "defer",
    "else",
    "error",
    "fallthrough",
    "float32",
    "float64",
    "for",
    "func",
    "go",
    "goto",
    "if",
    "import",
    "int",
    "int16",
    "int32",
    "int64",
    "int8",
    "interface",
    "map",
    "package",
    "range",
    "return",
    "rune",
    "select",
    "string",
    "struct",
    "switch",
    "type",
    "uint",
    "uint16",
    "uint32",
    "uint64",
    "uint8",
    "uintptr",
    "var",
];
const GO_CONSTANTS: &[&str] = &["false", "iota", "nil", "true"];
const C_KEYWORDS: &[&str] = &[
    "auto",
    "bool",
    "break",
    "case",
    "catch",
    "char",
    "class",
    "const",
    "constexpr",
    "continue",
    "default",
    "delete",
    "do",
    "double",
    "else",
    "enum",
    "explicit",
    "extern",
    "float",
    "for",
    "friend",
    "goto",
    "if",
    "inline",
    "int",
    "long",
    "namespace",
    "new",
    "noexcept",
    "operator",
    "private",
    "protected",
    "public",
    "register",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "struct",
    "switch",
    "template",
    "this",
    "throw",
    "try",
    "typedef",
    "typename",
    "union",
    "unsigned",
    "using",
    "virtual",
    "void",
    "volatile",
    "while",
];
const C_CONSTANTS: &[&str] = &["NULL", "false", "nullptr", "true"];
const JAVA_KEYWORDS: &[&str] = &[
    "abstract",
    "assert",
    "boolean",
    "break",
    "byte",
    "case",
    "catch",
    "char",
    "class",
    "const",
    "continue",
    "default",
    "do",
    "double",
    "else",
    "enum",
    "extends",
    "final",
    "finally",
    "float",
    "for",
    "if",
    "implements",
    "import",
    "instanceof",
    "int",
    "interface",
    "long",
    "native",
    "new",
    "package",
    "private",
    "protected",
    "public",
    "record",
    "return",
    "short",
    "static",
    "super",
    "switch",
    "synchronized",
    "this",
    "throw",
    "throws",
    "transient",
    "try",
    "var",
    "void",
    "volatile",
    "while",
];
const JAVA_CONSTANTS: &[&str] = &["false", "null", "true"];
const JSON_CONSTANTS: &[&str] = &["false", "null", "true"];

/// Every table, by one of its names (for tests and the fuzzer).
#[cfg(any(test, feature = "fuzzing"))]
pub(super) const ALL: &[(&str, &Lang)] = &[
    ("rust", &RUST),
    ("js", &JS),
    ("ts", &TS),
    ("python", &PYTHON),
    ("bash", &SHELL),
    ("console", &CONSOLE),
    ("sql", &SQL),
    ("go", &GO),
    ("c", &C),
    ("java", &JAVA),
    ("json", &JSON),
    ("toml", &TOML),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_lists_are_sorted_for_binary_search() {
        for (name, lang) in ALL {
            for list in [lang.keywords, lang.constants, lang.builtins] {
                assert!(list.is_sorted(), "{name}: {list:?}");
                if lang.fold_case {
                    assert!(list.iter().all(|w| *w == w.to_ascii_lowercase()), "{name}");
                }
            }
        }
    }
}
