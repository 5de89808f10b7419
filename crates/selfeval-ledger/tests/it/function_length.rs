//! No function in `crates/*/src` is longer than a reader can hold in mind:
//! 150 lines, from its `fn` to its closing brace.

use std::path::{Path, PathBuf};

const LIMIT: usize = 150;

/// The code of a Rust file with comments, strings and character literals
/// blanked (their line breaks kept, so line numbers stay), so that no brace
/// or `fn` inside them is read as code.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    // Everything from `from` up to `to` (exclusive) as blanks, line breaks kept.
    let blank = |out: &mut String, from: usize, to: usize| {
        out.extend(chars[from..to.min(chars.len())].iter().map(|&c| if c == '\n' { '\n' } else { ' ' }));
    };
    let word_before = |i: usize| i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            let end = chars[i..].iter().position(|&c| c == '\n').map_or(chars.len(), |p| i + p);
            blank(&mut out, i, end);
            i = end;
        } else if c == '/' && next == Some('*') {
            let end = (i + 2..chars.len().saturating_sub(1))
                .find(|&j| chars[j] == '*' && chars[j + 1] == '/')
                .map_or(chars.len(), |j| j + 2);
            blank(&mut out, i, end);
            i = end;
        } else if (c == 'r' || c == 'b') && !word_before(i) && raw_string_at(&chars, i).is_some() {
            let end = raw_string_at(&chars, i).unwrap_or(chars.len());
            out.push_str("\"\"");
            blank(&mut out, i + 2, end);
            i = end;
        } else if c == '"' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            out.push_str("\"\"");
            blank(&mut out, i + 2, j + 1);
            i = j + 1;
        } else if c == '\'' && next == Some('\\') {
            // An escaped character literal: '\n', '\'', '\u{4e00}'.
            let end = (i + 3..chars.len()).find(|&j| chars[j] == '\'').map_or(chars.len(), |j| j + 1);
            blank(&mut out, i, end);
            i = end;
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            blank(&mut out, i, i + 3);
            i += 3;
        } else {
            // A lifetime's quote, or code.
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Where a raw (or byte) string starting at `i` ends: `r"…"`, `r#"…"#`,
/// `br"…"`, `b"…"`.
fn raw_string_at(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    if chars.get(j) == Some(&'b') {
        j += 1;
    }
    let raw = chars.get(j) == Some(&'r');
    if raw {
        j += 1;
    }
    let hashes = chars[j.min(chars.len())..].iter().take_while(|&&c| c == '#').count();
    j += hashes;
    if chars.get(j) != Some(&'"') || (!raw && j == i) {
        return None;
    }
    if !raw {
        // b"…": an ordinary string with escapes.
        let mut k = j + 1;
        while k < chars.len() && chars[k] != '"' {
            k += if chars[k] == '\\' { 2 } else { 1 };
        }
        return Some(k + 1);
    }
    let close: Vec<char> = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
    (j + 1..chars.len()).find(|&k| chars[k..].starts_with(&close)).map(|k| k + close.len())
}

/// Each function with a body in `text`: its name, first line and length in
/// lines (from the line of `fn` to the line of its closing brace).
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let code = code_only(text);
    let chars: Vec<char> = code.chars().collect();
    let line_at = |i: usize| chars[..i].iter().filter(|&&c| c == '\n').count() + 1;
    let mut found = Vec::new();
    let mut i = 0;
    while i + 2 < chars.len() {
        let starts_fn = chars[i] == 'f'
            && chars[i + 1] == 'n'
            && chars[i + 2].is_whitespace()
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'));
        if !starts_fn {
            i += 1;
            continue;
        }
        let name: String = chars[i + 3..]
            .iter()
            .skip_while(|c| c.is_whitespace())
            .take_while(|c| c.is_alphanumeric() || **c == '_')
            .collect();
        // The body's brace: the first `{` before any `;` outside brackets
        // (`[u8; 32]` in a signature is not the end of a declaration).
        let mut depth = 0i32;
        let mut j = i + 3;
        let mut open = None;
        while j < chars.len() {
            match chars[j] {
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                ';' if depth == 0 => break,
                '{' => {
                    open = Some(j);
                    break;
                }
                _ => {}
            }
            j += 1;
        }
        let Some(open) = open else {
            i = j;
            continue;
        };
        let mut braces = 0;
        let mut close = open;
        for (k, &c) in chars.iter().enumerate().skip(open) {
            match c {
                '{' => braces += 1,
                '}' => {
                    braces -= 1;
                    if braces == 0 {
                        close = k;
                        break;
                    }
                }
                _ => {}
            }
        }
        let (first, last) = (line_at(i), line_at(close));
        found.push((name, first, last - first + 1));
        // Nested functions are measured too: go on inside the body.
        i = open + 1;
    }
    found
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_function_in_the_crates_is_over_150_lines() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(crates).unwrap() {
        let src = entry.unwrap().path().join("src");
        if src.is_dir() {
            sources(&src, &mut files);
        }
    }
    assert!(files.len() > 50, "the crates' sources are found ({} files)", files.len());
    let mut long = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for (name, line, length) in functions(&text) {
            if length > LIMIT {
                long.push(format!("{}:{line} fn {name}: {length} lines", path.display()));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over {LIMIT} lines; split each by subject into functions a reader can hold in mind:\n{}",
        long.join("\n")
    );
}

/// The reader: bodies by braces, not by braces in strings, comments or
/// character literals; declarations without a body are not functions;
/// lifetimes are not character literals.
#[test]
fn the_function_reader_counts_lines_from_fn_to_its_closing_brace() {
    let text = "fn a() {\n    let s = \"}\";\n    // }\n    let c = '}';\n}\ntrait T { fn b(&self); }\nfn c<'x>(v: &'x [u8; 2]) -> &'x str {\n    let r = r#\"{\"#;\n    /* { */\n    \"\"\n}\n";
    let found = functions(text);
    assert_eq!(found, vec![("a".to_owned(), 1, 5), ("c".to_owned(), 7, 5)]);
    let nested = "fn outer() {\n    fn inner() {\n    }\n}\n";
    assert_eq!(functions(nested), vec![("outer".to_owned(), 1, 4), ("inner".to_owned(), 2, 2)]);
    assert_eq!(code_only("let x = '\\'';\nfn y() {}"), "let x =     ;\nfn y() {}");
}
