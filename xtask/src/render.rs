//! `cargo xtask render`: the demo's documents through a real office suite.
//! The release binary writes the report (.docx) and every 自评表 (.xlsx);
//! headless LibreOffice converts both to PDF, pdftoppm to PNG pages for a
//! person to look at (left in `target/render/`), and pdftotext and pdfinfo
//! check what a reader would see: the page counts and the first pages' text.
//!
//! The Chinese fonts the documents name (仿宋_GB2312, 黑体, …) are mapped to
//! Noto CJK by `xtask/render/fonts.conf`. Without LibreOffice the check is
//! skipped with a note, unless `SELFEVAL_RENDER_REQUIRED` is set (`.ci/run`
//! sets it after installing the packages).

use std::path::{Path, PathBuf};
use std::process::Command;

fn tool(name: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {name}")]).output().is_ok_and(|o| o.status.success())
}

fn run(command: &mut Command) -> Result<String, String> {
    let shown = format!("{command:?}");
    let output = command.output().map_err(|e| format!("cannot run {shown}: {e}"))?;
    if !output.status.success() {
        return Err(format!("{shown} failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn pages(pdf: &Path) -> Result<u32, String> {
    let info = run(Command::new("pdfinfo").arg(pdf))?;
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().parse::<u32>()))
        .and_then(Result::ok)
        .ok_or_else(|| format!("pdfinfo says no page count for {}", pdf.display()))
}

fn first_page_text(pdf: &Path) -> Result<String, String> {
    run(Command::new("pdftotext").args(["-f", "1", "-l", "1", "-layout"]).arg(pdf).arg("-"))
}

/// Renders and checks; `Ok` with a note when LibreOffice is not installed
/// and rendering is not required.
pub fn render() -> Result<(), String> {
    let required = std::env::var_os("SELFEVAL_RENDER_REQUIRED").is_some();
    let missing: Vec<&str> = ["soffice", "pdftoppm", "pdftotext", "pdfinfo"].into_iter().filter(|t| !tool(t)).collect();
    if !missing.is_empty() {
        let note = format!(
            "render: {} not installed (apt-get install libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils fonts-noto-cjk; .ci/run does)",
            missing.join(", ")
        );
        if required {
            return Err(note);
        }
        eprintln!("{note}: skipped");
        return Ok(());
    }
    let out = PathBuf::from("target/render");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let store = std::env::temp_dir().join(format!("selfeval-render-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&store);
    let selfeval =
        |args: &[&str]| run(Command::new("target/release/selfeval").args(args).env("SELFEVAL_STORE", &store));
    selfeval(&["demo"])?;
    let report = out.join("报告.docx");
    let tables = out.join("自评表.xlsx");
    selfeval(&["report", "--output", report.to_str().unwrap_or_default()])?;
    selfeval(&["table", "--all", "--output", tables.to_str().unwrap_or_default()])?;
    let _ = std::fs::remove_dir_all(&store);
    let profile = std::env::temp_dir().join(format!("selfeval-lo-{}", std::process::id()));
    let fonts =
        std::fs::canonicalize("xtask/render/fonts.conf").map_err(|e| format!("xtask/render/fonts.conf: {e}"))?;
    run(Command::new("soffice")
        .arg("--headless")
        .arg(format!("-env:UserInstallation=file://{}", profile.display()))
        .args(["--convert-to", "pdf", "--outdir"])
        .arg(&out)
        .arg(&report)
        .arg(&tables)
        .env("FONTCONFIG_FILE", &fonts))?;
    let _ = std::fs::remove_dir_all(&profile);
    let (report_pdf, tables_pdf) = (out.join("报告.pdf"), out.join("自评表.pdf"));
    let report_pages = pages(&report_pdf)?;
    let table_pages = pages(&tables_pdf)?;
    let report_text = first_page_text(&report_pdf)?;
    let tables_text = first_page_text(&tables_pdf)?;
    let checks = [
        (report_pages >= 10, format!("the report has {report_pages} pages, expected at least 10")),
        (table_pages >= 5, format!("the workbook has {table_pages} pages, expected a summary and four forms")),
        (
            report_text.contains("项目支出绩效自评") && report_text.contains("一、项目支出基本情况"),
            format!("the report's first page reads: {report_text}"),
        ),
        (
            report_text.split_whitespace().collect::<String>().contains("—1—"),
            "the report's first page has no page number — 1 —".to_owned(),
        ),
        (tables_text.contains("自评汇总表"), format!("the workbook's first page reads: {tables_text}")),
    ];
    if let Some((_, why)) = checks.iter().find(|(ok, _)| !ok) {
        return Err(format!("render: {why}"));
    }
    for pdf in [&report_pdf, &tables_pdf] {
        let stem = pdf.with_extension("");
        run(Command::new("pdftoppm").args(["-r", "60", "-png"]).arg(pdf).arg(&stem))?;
    }
    eprintln!(
        "render: report {report_pages} pages, 自评表 {table_pages} pages; PNG pages in {} for a person to look at",
        out.display()
    );
    Ok(())
}
