//! Dependencies point one way. Reads the crate's own sources and fails if a top-level module
//! depends on one that depends back on it (at any distance), or if two files of one folder
//! import each other. A name re-exported by a `mod.rs` (`pub use child::Name`) counts as the
//! child's, so a folder's namespace file is not mistaken for a dependency.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module as its path below `crate` (`["net", "realtime", "polling"]`).
type Module = Vec<String>;

struct Source {
    module: Module,
    is_mod_file: bool,
    text: String,
}

fn sources(root: &Path) -> Vec<Source> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path: PathBuf = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(root).unwrap();
            let mut module: Module = relative
                .iter()
                .map(|part| part.to_string_lossy().trim_end_matches(".rs").to_owned())
                .collect();
            let is_mod_file = matches!(module.last().map(String::as_str), Some("mod" | "lib"));
            if is_mod_file || module.last().is_some_and(|m| m == "main") {
                module.pop();
            }
            let text = without_comments(&std::fs::read_to_string(&path).unwrap());
            found.push(Source {
                module,
                is_mod_file,
                text,
            });
        }
    }
    found
}

/// The code without `//` comments (doc comments name modules they do not import).
fn without_comments(text: &str) -> String {
    let code = text.lines().map(|line| match line.find("//") {
        Some(at) if !line[..at].contains('"') => &line[..at],
        _ => line,
    });
    code.collect::<Vec<_>>().join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The paths after each `crate::` and `super::` in `text`, braces expanded one level deep:
/// `use super::{a, b::C}` gives `super::a` and `super::b::C`.
fn paths(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for start in ["crate::", "super::"] {
        let mut rest = text;
        while let Some(at) = rest.find(start) {
            let before = rest[..at].chars().next_back();
            rest = &rest[at..];
            let head = start.trim_end_matches("::").to_owned();
            let end = rest.find([';', ')', '\n', '=']).unwrap_or(rest.len());
            let mut full = &rest[..end];
            if full.contains('{') {
                let close = rest.find('}').unwrap_or(rest.len());
                full = &rest[..close];
            }
            rest = &rest[start.len()..];
            if before.is_some_and(is_ident) {
                continue;
            }
            let (prefix, group) = match full.split_once('{') {
                Some((prefix, group)) => (prefix, Some(group)),
                None => (full, None),
            };
            let segments = |s: &str| -> Vec<String> {
                s.split("::")
                    .map(|seg| seg.chars().take_while(|c| is_ident(*c)).collect::<String>())
                    .take_while(|seg| !seg.is_empty())
                    .collect()
            };
            let base = segments(prefix);
            match group {
                Some(group) => {
                    for item in group.split(',') {
                        let mut path = base.clone();
                        path.extend(segments(item.trim()));
                        out.push(path);
                    }
                }
                None => {
                    let mut path = vec![head.clone()];
                    path.extend(segments(&prefix[start.len()..]));
                    out.push(path);
                }
            }
        }
    }
    out
}

/// The module a path points into: `super` and `crate` resolved against `from`, then the
/// longest prefix that is a module, then a name re-exported by that module's `mod.rs`
/// followed to the child that defines it.
fn target(
    from: &Source,
    path: &[String],
    modules: &BTreeSet<Module>,
    reexports: &BTreeMap<(Module, String), Module>,
) -> Option<Module> {
    let mut resolved: Module = match path.first()?.as_str() {
        "crate" => Vec::new(),
        "super" => {
            let mut parent = from.module.clone();
            if !from.is_mod_file {
                parent.pop();
            }
            let mut supers = path.iter().take_while(|s| *s == "super").count();
            while supers > 1 {
                parent.pop();
                supers -= 1;
            }
            parent
        }
        _ => return None,
    };
    let rest: Vec<&String> = path
        .iter()
        .skip_while(|s| *s == "crate" || *s == "super")
        .collect();
    let mut names = rest.into_iter();
    for name in names.by_ref() {
        let mut deeper = resolved.clone();
        deeper.push(name.clone());
        if modules.contains(&deeper) {
            resolved = deeper;
            continue;
        }
        if let Some(child) = reexports.get(&(resolved.clone(), name.clone())) {
            resolved = child.clone();
        }
        break;
    }
    Some(resolved)
}

/// `pub use child::{A, B}` in a `mod.rs`: A and B are the child's.
fn reexports(sources: &[Source]) -> BTreeMap<(Module, String), Module> {
    let mut found = BTreeMap::new();
    for source in sources.iter().filter(|s| s.is_mod_file) {
        for line in source.text.lines() {
            let line = line.trim();
            let Some(rest) = line
                .strip_prefix("pub use ")
                .or_else(|| line.strip_prefix("pub(crate) use "))
                .or_else(|| line.strip_prefix("pub(super) use "))
            else {
                continue;
            };
            let Some((child, items)) = rest.split_once("::") else {
                continue;
            };
            let mut module = source.module.clone();
            module.push(child.to_owned());
            let items = items.trim_end_matches(';').trim_matches(['{', '}']);
            for item in items.split(',') {
                let name = item.split("::").last().unwrap_or("").trim();
                let name = name.split(" as ").last().unwrap_or(name).trim();
                if !name.is_empty() {
                    found.insert((source.module.clone(), name.to_owned()), module.clone());
                }
            }
        }
    }
    found
}

fn edges(sources: &[Source]) -> BTreeSet<(Module, Module)> {
    let modules: BTreeSet<Module> = sources.iter().map(|s| s.module.clone()).collect();
    let reexports = reexports(sources);
    let mut edges = BTreeSet::new();
    for source in sources {
        for path in paths(&source.text) {
            if let Some(to) = target(source, &path, &modules, &reexports)
                && to != source.module
            {
                edges.insert((source.module.clone(), to));
            }
        }
    }
    edges
}

fn name(module: &Module) -> String {
    if module.is_empty() {
        "crate".into()
    } else {
        module.join("::")
    }
}

#[test]
fn top_level_modules_form_a_one_way_graph() {
    let sources = sources(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")));
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in edges(&sources) {
        let (Some(a), Some(b)) = (from.first(), to.first()) else {
            continue;
        };
        if a != b {
            graph.entry(a.clone()).or_default().insert(b.clone());
        }
    }
    // Depth-first search for a cycle, reported as its path.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if !done.insert(node.to_owned()) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        let cycle = visit(node, &graph, &mut Vec::new(), &mut done);
        assert!(
            cycle.is_none(),
            "a dependency cycle: {}",
            cycle.unwrap().join(" -> ")
        );
    }
    assert!(
        graph.get("net").is_some_and(|deps| deps.contains("app")),
        "the scan found nothing: net uses app ({graph:?})"
    );
}

#[test]
fn no_two_files_import_each_other() {
    let sources = sources(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")));
    let edges = edges(&sources);
    let mutual: Vec<String> = edges
        .iter()
        .filter(|(a, b)| a < b && edges.contains(&(b.clone(), a.clone())))
        .map(|(a, b)| format!("{} <-> {}", name(a), name(b)))
        .collect();
    assert!(
        mutual.is_empty(),
        "modules importing each other: {mutual:#?}"
    );
}

#[test]
fn the_scan_sees_a_mutual_import() {
    let a = Source {
        module: vec!["app".into(), "hub".into()],
        is_mod_file: false,
        text: "use super::persist;\nfn f() { persist::spawn(); }".into(),
    };
    let b = Source {
        module: vec!["app".into(), "persist".into()],
        is_mod_file: false,
        text: "use super::{hub::apply, outlet};".into(),
    };
    let parent = Source {
        module: vec!["app".into()],
        is_mod_file: true,
        text: "mod hub;\nmod persist;\nmod outlet;\n".into(),
    };
    let outlet = Source {
        module: vec!["app".into(), "outlet".into()],
        is_mod_file: false,
        text: String::new(),
    };
    let edges = edges(&[a, b, parent, outlet]);
    let hub = vec!["app".to_owned(), "hub".to_owned()];
    let persist = vec!["app".to_owned(), "persist".to_owned()];
    assert!(edges.contains(&(hub.clone(), persist.clone())), "{edges:?}");
    assert!(edges.contains(&(persist, hub)), "{edges:?}");
}
