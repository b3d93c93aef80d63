//! Generates the rule registry from the rule files, so a rule is added in one source file.
//!
//! Every `src/rules/<category>/<rule>.rs` that declares a rule (`crate::declare_rule!`) becomes
//! a module of its category (`$OUT_DIR/rules/<category>.rs`, included by the category's
//! `mod.rs`), and an entry of the registry (`$OUT_DIR/registry.rs`, included by
//! `src/rules/registry.rs`), in code order.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

struct Declared {
    category: String,
    module: String,
    ty: String,
    code: String,
    path: PathBuf,
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let rules = root.join("src/rules");
    println!("cargo:rerun-if-changed=build.rs");
    // A directory: cargo looks at every file under it.
    println!("cargo:rerun-if-changed=src/rules");

    let mut declared = Vec::new();
    let mut categories = Vec::new();
    for dir in sorted(&rules) {
        if !dir.is_dir() {
            continue;
        }
        let category = name_of(&dir);
        let mut modules = String::new();
        for file in sorted(&dir) {
            let module = name_of(&file).trim_end_matches(".rs").to_string();
            if file.extension().is_none_or(|e| e != "rs") || module == "mod" {
                continue;
            }
            let text = fs::read_to_string(&file).expect("read a rule file");
            let Some(d) = declaration(&text, &category, &module, &file) else {
                continue;
            };
            writeln!(
                modules,
                "#[path = {:?}]\npub mod {module};",
                file.display().to_string()
            )
            .unwrap();
            declared.push(d);
        }
        fs::create_dir_all(out.join("rules")).expect("create OUT_DIR/rules");
        fs::write(out.join("rules").join(format!("{category}.rs")), modules)
            .expect("write a category's modules");
        categories.push(category);
    }
    declared.sort_by(|a, b| a.code.cmp(&b.code));
    for w in declared.windows(2) {
        if w[0].code == w[1].code {
            panic!(
                "{} and {} both declare code {}",
                w[0].path.display(),
                w[1].path.display(),
                w[0].code
            );
        }
    }

    let mut reg = String::new();
    for d in &declared {
        writeln!(
            reg,
            "pub use super::{}::{}::META as {};",
            d.category,
            d.module,
            d.module.to_uppercase()
        )
        .unwrap();
    }
    reg.push_str("\n/// Every rule, in code order.\npub static RULES: &[Registered] = &[\n");
    for d in &declared {
        writeln!(
            reg,
            "    Registered {{ meta: &super::{c}::{m}::META, rule: &super::{c}::{m}::{t} }},",
            c = d.category,
            m = d.module,
            t = d.ty
        )
        .unwrap();
    }
    reg.push_str(
        "];\n\n/// Every rule's metadata, in code order.\npub static ALL: &[&RuleMeta] = &[\n",
    );
    for d in &declared {
        writeln!(reg, "    &super::{}::{}::META,", d.category, d.module).unwrap();
    }
    reg.push_str("];\n");
    fs::write(out.join("registry.rs"), reg).expect("write the registry");
}

/// The rule a file declares: `crate::declare_rule! { Type { ..., code: "HY101", category:
/// "policy", ... } }`. Files without a declaration are helpers of their category.
fn declaration(text: &str, category: &str, module: &str, path: &Path) -> Option<Declared> {
    let start = text.find("declare_rule! {")? + "declare_rule! {".len();
    let body = &text[start..];
    let ty: String = body
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let field = |key: &str| -> String {
        let at = body
            .find(&format!("{key}: \""))
            .unwrap_or_else(|| panic!("{}: declare_rule! has no `{key}`", path.display()));
        let rest = &body[at + key.len() + 3..];
        rest[..rest.find('"').expect("a closing quote")].to_string()
    };
    let (code, declared_category) = (field("code"), field("category"));
    assert!(
        !ty.is_empty(),
        "{}: declare_rule! starts with the rule's type name",
        path.display()
    );
    assert_eq!(
        declared_category,
        category,
        "{}: the rule's category is the folder it is in",
        path.display()
    );
    Some(Declared {
        category: category.to_string(),
        module: module.to_string(),
        ty,
        code,
        path: path.to_path_buf(),
    })
}

fn sorted(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    v.sort();
    v
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}
