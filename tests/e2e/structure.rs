//! The tree's shape, checked: no `use` cycle between the modules of any crate of the
//! workspace (the host, the contract, the SDK and every component).
//!
//! Each source file is a node; a path that starts with `crate::`, `super::` or `self::`
//! (in a `use` or in code) is an edge from the file it is written in to the file of the
//! deepest module it names. `mod x;` declarations are not edges: a parent may contain
//! its children and use them, but a child that reaches back into its parent (or any
//! longer loop) is a cycle and fails the test with the files that form it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use lee_e2e::repo_root;

/// A module path inside a crate (`["capabilities", "http"]`), `[]` for the crate root.
type ModPath = Vec<String>;

struct Crate {
    /// Module path -> the file that holds it.
    files: BTreeMap<ModPath, PathBuf>,
}

/// The tree to check: this checkout, or `LEE_TREE` (to see the checker find the
/// cycles of another checkout).
fn tree_root() -> PathBuf {
    std::env::var_os("LEE_TREE").map_or_else(repo_root, PathBuf::from)
}

fn crate_dirs() -> Vec<PathBuf> {
    let root = tree_root();
    let mut dirs: Vec<PathBuf> = [
        root.join("host"),
        root.join("wit/contract"),
        root.join("tests"),
    ]
    .into_iter()
    .filter(|d| d.join("Cargo.toml").is_file())
    .collect();
    for parent in ["components", "tests/components"] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(root.join(parent))
            .expect("read components dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join("Cargo.toml").is_file())
            .collect();
        found.sort();
        dirs.extend(found);
    }
    dirs
}

/// The crate's root source file (`src/lib.rs`, or the test crate's `support/lib.rs`).
fn root_file(dir: &Path) -> PathBuf {
    ["src/lib.rs", "support/lib.rs", "src/main.rs"]
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("no root source file in {}", dir.display()))
}

/// Source without comments and string/char literal contents (so neither can fake a
/// path or a brace).
fn strip(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').map_or(text.len(), |n| i + n);
            i = end;
        } else if rest.starts_with("/*") {
            let end = rest.find("*/").map_or(text.len(), |n| i + n + 2);
            out.extend(text[i..end].chars().filter(|c| *c == '\n'));
            i = end;
        } else if rest.starts_with("r#\"") || rest.starts_with("r\"") {
            let hashes = rest[1..].chars().take_while(|c| *c == '#').count();
            let close = format!("\"{}", "#".repeat(hashes));
            let body = i + 2 + hashes;
            let end = text[body..]
                .find(&close)
                .map_or(text.len(), |n| body + n + close.len());
            out.push_str("\"\"");
            out.extend(text[i..end].chars().filter(|c| *c == '\n'));
            i = end;
        } else if bytes[i] == b'"' {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != b'"' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            out.push_str("\"\"");
            out.extend(text[i..j.min(text.len())].chars().filter(|c| *c == '\n'));
            i = (j + 1).min(text.len());
        } else if bytes[i] == b'\'' && is_char_literal(rest) {
            let len = rest[1..].find('\'').map_or(1, |n| n + 2);
            out.push_str("' '");
            i += len;
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// `'a'`, `'\n'`, `'{'` are char literals; `'a` (a lifetime) is not.
fn is_char_literal(rest: &str) -> bool {
    let mut chars = rest.chars().skip(1);
    matches!(
        (chars.next(), chars.next()),
        (Some('\\'), _) | (Some(_), Some('\''))
    )
}

fn ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Expands a `use` tree (`crate::{a::X, b::{Y, Z}}`) into its paths.
fn expand_use(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out = Vec::new();
    expand_into("", &tree, &mut out);
    out
}

fn expand_into(prefix: &str, tree: &str, out: &mut Vec<String>) {
    match tree.find('{') {
        None => out.push(format!("{prefix}{tree}")),
        Some(open) => {
            let head = &tree[..open];
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        expand_into(&format!("{prefix}{head}"), &inner[start..i], out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            if start < inner.len() {
                expand_into(&format!("{prefix}{head}"), &inner[start..], out);
            }
        }
    }
}

/// Every path a `use` statement of `code` names, with the statement's byte offset.
fn use_paths(code: &str) -> Vec<(usize, Vec<String>)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(pos) = find_word(&code[from..], "use") {
        let at = from + pos;
        let after = &code[at + 3..];
        let end = after.find(';').unwrap_or(after.len());
        for path in expand_use(&after[..end]) {
            found.push((at, path.split("::").map(str::to_string).collect()));
        }
        from = at + 3 + end;
    }
    found
}

/// Paths written in code (`crate::a::b::f()`, `super::x`) on one line.
fn code_paths(line: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // `$crate::` in a macro body names the crate the macro expands in: not an edge.
        let starts_word = i == 0 || !ident_char(chars[i - 1]) && !matches!(chars[i - 1], ':' | '$');
        if ident_start(chars[i]) && starts_word {
            let mut segments = Vec::new();
            let mut j = i;
            loop {
                let start = j;
                while j < chars.len() && ident_char(chars[j]) {
                    j += 1;
                }
                segments.push(chars[start..j].iter().collect::<String>());
                let more = j + 2 < chars.len()
                    && chars[j] == ':'
                    && chars[j + 1] == ':'
                    && ident_start(chars[j + 2]);
                if !more {
                    break;
                }
                j += 2;
            }
            if segments.len() > 1 {
                found.push(segments);
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    found
}

/// Position of `word` as a whole word followed by whitespace.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(pos) = text[from..].find(word) {
        let at = from + pos;
        let before_ok = at == 0 || !text[..at].chars().next_back().is_some_and(ident_char);
        let after_ok = text[at + word.len()..].starts_with(char::is_whitespace);
        if before_ok && after_ok {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// Walks `mod x;` declarations from the root file (honouring `#[path = "..."]`).
fn discover(dir: &Path) -> Crate {
    let mut files = BTreeMap::new();
    let mut queue = vec![(Vec::<String>::new(), root_file(dir))];
    while let Some((module, file)) = queue.pop() {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let here = file.parent().expect("file has a dir").to_path_buf();
        let is_dir_owner = matches!(
            file.file_name().and_then(|n| n.to_str()),
            Some("lib.rs" | "main.rs" | "mod.rs")
        );
        let child_dir = if is_dir_owner {
            here.clone()
        } else {
            here.join(file.file_stem().expect("stem"))
        };
        let mut pending_path: Option<String> = None;
        for line in text.lines() {
            let line = line.trim();
            if let Some(p) = line
                .strip_prefix("#[path = \"")
                .and_then(|r| r.strip_suffix("\"]"))
            {
                pending_path = Some(p.to_string());
                continue;
            }
            let decl = line
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub ");
            if let Some(name) = decl.strip_prefix("mod ").and_then(|r| r.strip_suffix(';')) {
                let mut child = module.clone();
                child.push(name.to_string());
                let path = match pending_path.take() {
                    Some(p) => here.join(p),
                    None if child_dir.join(format!("{name}.rs")).is_file() => {
                        child_dir.join(format!("{name}.rs"))
                    }
                    None => child_dir.join(name).join("mod.rs"),
                };
                if path.is_file() {
                    queue.push((child, path));
                }
            } else if !line.starts_with("#[") {
                pending_path = None;
            }
        }
        files.insert(module, file);
    }
    Crate { files }
}

/// Inline `mod x {` blocks: the module path of every byte offset's line.
fn inline_modules(code: &str, base: &ModPath) -> Vec<(usize, ModPath)> {
    let mut stack: Vec<(String, i32)> = Vec::new();
    let mut depth = 0;
    let mut spans = Vec::new();
    let mut offset = 0;
    for line in code.split_inclusive('\n') {
        let trimmed = line
            .trim()
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub ");
        if let Some(name) = trimmed
            .strip_prefix("mod ")
            .and_then(|r| r.strip_suffix('{'))
        {
            stack.push((name.trim().to_string(), depth));
        }
        let mut module = base.clone();
        module.extend(stack.iter().map(|(n, _)| n.clone()));
        spans.push((offset, module));
        for c in line.chars() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if stack.last().is_some_and(|(_, d)| *d == depth) {
                        stack.pop();
                    }
                }
                _ => {}
            }
        }
        offset += line.len();
    }
    spans
}

/// The file holding the deepest module `path` (resolved from `module`) names.
fn target(krate: &Crate, module: &ModPath, path: &[String]) -> Option<PathBuf> {
    let (mut resolved, mut rest): (ModPath, &[String]) = match path.first()?.as_str() {
        "crate" => (Vec::new(), &path[1..]),
        "self" => (module.clone(), &path[1..]),
        "super" => (module.clone(), path),
        // A path starting with a child module's name (`cache::X` in the parent).
        child
            if krate
                .files
                .contains_key(&[module.as_slice(), &[child.to_string()]].concat()) =>
        {
            (module.clone(), path)
        }
        _ => return None,
    };
    while rest.first().is_some_and(|s| s == "super") {
        resolved.pop();
        rest = &rest[1..];
    }
    resolved.extend(rest.iter().cloned());
    (0..=resolved.len())
        .rev()
        .find_map(|n| krate.files.get(&resolved[..n]).cloned())
}

fn edges(krate: &Crate) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let mut graph: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for (module, file) in &krate.files {
        let code = strip(&std::fs::read_to_string(file).unwrap_or_default());
        let spans = inline_modules(&code, module);
        let module_at = |offset: usize| {
            spans
                .iter()
                .rev()
                .find(|(start, _)| *start <= offset)
                .map(|(_, m)| m.clone())
                .unwrap_or_else(|| module.clone())
        };
        let mut paths: Vec<(ModPath, Vec<String>)> = use_paths(&code)
            .into_iter()
            .map(|(offset, path)| (module_at(offset), path))
            .collect();
        let mut offset = 0;
        for line in code.split_inclusive('\n') {
            let here = module_at(offset);
            paths.extend(code_paths(line).into_iter().map(|p| (here.clone(), p)));
            offset += line.len();
        }
        let out = graph.entry(file.clone()).or_default();
        for (here, path) in paths {
            if let Some(to) = target(krate, &here, &path)
                && &to != file
            {
                out.insert(to);
            }
        }
    }
    graph
}

/// Cycles as lists of files (Tarjan's strongly connected components of size > 1).
fn cycles(graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Vec<Vec<PathBuf>> {
    struct Walk<'a> {
        graph: &'a BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        index: BTreeMap<&'a PathBuf, usize>,
        low: BTreeMap<&'a PathBuf, usize>,
        stack: Vec<&'a PathBuf>,
        on_stack: BTreeSet<&'a PathBuf>,
        next: usize,
        found: Vec<Vec<PathBuf>>,
    }
    fn visit<'a>(w: &mut Walk<'a>, node: &'a PathBuf) {
        w.index.insert(node, w.next);
        w.low.insert(node, w.next);
        w.next += 1;
        w.stack.push(node);
        w.on_stack.insert(node);
        for to in w.graph.get(node).into_iter().flatten() {
            if !w.index.contains_key(to) {
                visit(w, to);
                let low = w.low[node].min(w.low[to]);
                w.low.insert(node, low);
            } else if w.on_stack.contains(to) {
                let low = w.low[node].min(w.index[to]);
                w.low.insert(node, low);
            }
        }
        if w.low[node] == w.index[node] {
            let mut component = Vec::new();
            while let Some(top) = w.stack.pop() {
                w.on_stack.remove(top);
                component.push(top.clone());
                if top == node {
                    break;
                }
            }
            if component.len() > 1 {
                w.found.push(component);
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !walk.index.contains_key(node) {
            visit(&mut walk, node);
        }
    }
    walk.found
}

#[test]
fn no_module_imports_in_a_cycle() {
    let root = tree_root();
    let mut problems = Vec::new();
    let mut checked = 0;
    for dir in crate_dirs() {
        let krate = discover(&dir);
        checked += krate.files.len();
        for cycle in cycles(&edges(&krate)) {
            let files: Vec<String> = cycle
                .iter()
                .map(|f| f.strip_prefix(&root).unwrap_or(f).display().to_string())
                .collect();
            problems.push(files.join(" <-> "));
        }
    }
    assert!(
        checked > 100,
        "only {checked} files found: the walk is broken"
    );
    assert!(problems.is_empty(), "use cycles:\n{}", problems.join("\n"));
}

#[test]
fn the_checker_sees_a_cycle_and_groups() {
    let code = strip(
        "use crate::{a::X, b::{c::Y, Z}};\n// crate::fake::path\nlet s = \"crate::no\";\nsuper::f();",
    );
    let mut paths: Vec<Vec<String>> = use_paths(&code).into_iter().map(|(_, p)| p).collect();
    paths.extend(code.lines().flat_map(code_paths));
    let as_text: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert!(as_text.contains(&"crate::a::X".to_string()), "{as_text:?}");
    assert!(
        as_text.contains(&"crate::b::c::Y".to_string()),
        "{as_text:?}"
    );
    assert!(as_text.contains(&"super::f".to_string()), "{as_text:?}");
    assert!(
        !as_text
            .iter()
            .any(|p| p.contains("fake") || p.contains("no")),
        "{as_text:?}"
    );
    let a = PathBuf::from("a.rs");
    let b = PathBuf::from("b.rs");
    let c = PathBuf::from("c.rs");
    let graph: BTreeMap<PathBuf, BTreeSet<PathBuf>> = [
        (a.clone(), [b.clone()].into()),
        (b.clone(), [c.clone()].into()),
        (c.clone(), [a.clone()].into()),
    ]
    .into();
    assert_eq!(cycles(&graph).len(), 1);
    let acyclic: BTreeMap<PathBuf, BTreeSet<PathBuf>> =
        [(a.clone(), [b.clone()].into()), (b, BTreeSet::new())].into();
    assert!(cycles(&acyclic).is_empty());
}
