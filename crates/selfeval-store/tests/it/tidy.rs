//! Tidy: the engines (sled, the PostgreSQL client) stay behind the store's own API.

#[test]
fn no_public_item_names_an_engine_type() {
    // Every source file, those of a module's own directory too (sled_store/).
    let mut pending = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    let mut files = Vec::new();
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    assert!(files.iter().any(|f| f.ends_with("sled_store/import.rs")), "the walk reaches module directories");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap();
            let public = code.trim_start().starts_with("pub ") || code.trim_start().starts_with("pub(crate) use");
            let names_sled = code.contains("sled::") || code.contains("postgres::");
            assert!(
                !(public && names_sled),
                "{}:{}: a public item names an engine: {line}",
                path.display(),
                number + 1
            );
            assert!(
                !code.contains("From<sled") && !code.contains("From<postgres"),
                "{}:{}: a public From impl names an engine: {line}",
                path.display(),
                number + 1
            );
        }
    }
}
