//! `cargo xtask render`: the demo's documents through a real office suite.
//! The release binary writes the report (.docx) and every 自评表 (.xlsx);
//! headless LibreOffice converts both to PDF, pdftoppm to PNG pages for a
//! person to look at (left in `target/render/`), and pdftotext and pdfinfo
//! check what a reader would see: the page counts and the first pages' text.
//!
//! A second ledger, made here, holds the hardest 自评表 the layout promises
//! to fit on one page: 12 indicators, cell texts up to 60 characters, a name
//! with `**` in it. The checks read each page's text (and its words' boxes)
//! as a reader would: that form is one page; no page ends with a caption or
//! a table's header row; no page but the last is less than a third full
//! unless the next starts a section; `**` survives; every section heading is
//! followed by text; the 落款 closes the body; a font made for simplified
//! Chinese is embedded.
//!
//! The Chinese fonts the documents name (仿宋_GB2312, 黑体, …) are mapped to
//! free GB 2312 fonts and Noto CJK SC by `xtask/render/fonts.conf`. Without LibreOffice the check is
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
    page_text(pdf, 1)
}

fn page_text(pdf: &Path, page: u32) -> Result<String, String> {
    let n = page.to_string();
    run(Command::new("pdftotext").args(["-f", &n, "-l", &n, "-layout"]).arg(pdf).arg("-"))
}

/// A page's lines with text, blanks collapsed, the page number (— N —) left out.
fn page_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .filter(|l| !(l.starts_with('—') && l.ends_with('—')))
        .collect()
}

/// How far down its page the lowest word (the page number left out) sits,
/// as a share of the page's height.
fn fullness(pdf: &Path, page: u32) -> Result<f64, String> {
    let n = page.to_string();
    let html = run(Command::new("pdftotext").args(["-f", &n, "-l", &n, "-bbox"]).arg(pdf).arg("-"))?;
    let attr = |tag: &str, name: &str| -> Option<f64> {
        let at = tag.find(&format!("{name}=\""))? + name.len() + 2;
        tag[at..].split('"').next()?.parse().ok()
    };
    let height = html.split("<page ").nth(1).and_then(|t| attr(t, "height")).ok_or("pdftotext -bbox: no page")?;
    let lowest = html
        .split("<word ")
        .skip(1)
        .filter(|w| {
            let text = w.split('>').nth(1).unwrap_or_default().split('<').next().unwrap_or_default();
            !(text == "—" || text.chars().all(|c| c.is_ascii_digit()))
        })
        .filter_map(|w| attr(w, "yMax"))
        .fold(0.0, f64::max);
    Ok(lowest / height)
}

/// The level of a section heading line (一、 is 1, （一） is 2), if it is one.
fn heading_level(line: &str) -> Option<u8> {
    const NUMERALS: [&str; 6] = ["一", "二", "三", "四", "五", "六"];
    if NUMERALS.iter().any(|n| line.starts_with(&format!("{n}、"))) {
        return Some(1);
    }
    NUMERALS.iter().any(|n| line.starts_with(&format!("（{n}）"))).then_some(2)
}

/// The header rows of the report's tables, as pdftotext lays them out.
const HEADER_ROWS: &[&str] = &[
    "编号 项目 自评得分 等级",
    "编号 项目 全年预算数",
    "项目 指标 年度指标值 实际完成值",
    "问题 整改措施 责任人",
    "编号 项目 等级 结果应用",
    "规则 项目 说明 相关事件",
    "一级指标 二级指标 三级指标",
];

/// What a reader of the report would object to, page by page.
fn report_objections(pdf: &Path) -> Result<Vec<String>, String> {
    let count = pages(pdf)?;
    let mut texts = Vec::new();
    for page in 1..=count {
        texts.push(page_lines(&page_text(pdf, page)?));
    }
    let mut objections = Vec::new();
    let starts_section = |lines: &Vec<String>| {
        lines.first().is_some_and(|l| heading_level(l).is_some() || l.starts_with("附表") || l.contains("自评表"))
    };
    for (i, lines) in texts.iter().enumerate() {
        let page = i + 1;
        let Some(last) = lines.last() else {
            if page < texts.len() {
                objections.push(format!("page {page} is blank"));
            }
            continue;
        };
        if page < texts.len() {
            if last.ends_with('：') || heading_level(last).is_some() {
                objections.push(format!("page {page} ends with a caption or heading: {last}"));
            }
            if HEADER_ROWS.iter().any(|h| last.starts_with(h)) {
                objections.push(format!("page {page} ends with a table's header row: {last}"));
            }
            let full = fullness(pdf, page as u32)?;
            if full < 0.4 && !texts.get(i + 1).is_some_and(starts_section) {
                objections
                    .push(format!("page {page} is {:.0} % full and the next page starts no section", full * 100.0));
            }
        }
    }
    // Every heading is followed by text, not by a heading of its level or above.
    let all: Vec<&String> = texts.iter().flatten().collect();
    for (k, line) in all.iter().enumerate() {
        if let Some(level) = heading_level(line) {
            if all.get(k + 1).and_then(|n| heading_level(n)).is_some_and(|next| next <= level) {
                objections.push(format!("the heading 「{line}」 is followed by no text"));
            }
        }
    }
    // The 落款 closes the body: a date is the last line before 附表1.
    match texts.iter().position(|lines| lines.first().is_some_and(|l| l.replace(' ', "").starts_with("附表1"))) {
        Some(at) if at > 0 => {
            let last = texts[at - 1].last().cloned().unwrap_or_default();
            let dated = last.ends_with('日') && last.contains('年') && last.contains('月');
            if !dated {
                objections.push(format!("the body does not end with its 落款 (date): {last}"));
            }
        }
        _ => objections.push("附表1 does not start a page".to_owned()),
    }
    let fonts = run(Command::new("pdffonts").arg(pdf))?;
    if !fonts.lines().any(|l| l.split_whitespace().next().is_some_and(|name| name.contains("GB"))) {
        objections.push(format!("no font made for simplified Chinese (GB) is embedded:\n{fonts}"));
    }
    Ok(objections)
}

/// A ledger with the hardest 自评表 the layout promises to fit one page:
/// 12 indicators, cell texts up to 60 characters, a `**` in a name.
fn hardest_form(selfeval: &dyn Fn(&[&str]) -> Result<String, String>) -> Result<(), String> {
    selfeval(&["init", "--department", "某市应急管理局", "--year", "2024"])?;
    selfeval(&[
        "project",
        "add",
        "P01",
        "--name",
        "全市安全生产及危险化学品应急救援装备训练演练经费",
        "--section",
        "应急救援科",
    ])?;
    selfeval(&["budget", "set", "P01", "--amount", "120", "--reason", "年初批复"])?;
    selfeval(&["spend", "P01", "--amount", "96.5", "--date", "2024-06-30"])?;
    let levels =
        [("产出指标", "数量指标", 8), ("效益指标", "社会效益指标", 3), ("满意度指标", "服务对象满意度指标", 1)];
    let mut n = 0;
    for (level1, level2, count) in levels {
        let weight = match level1 {
            "产出指标" => 50 / 8,
            "效益指标" => 10,
            _ => 10,
        };
        for _ in 0..count {
            n += 1;
            let code = format!("I{n}");
            let name = if n == 1 {
                "应急救援队伍培训人数(≥**人)及其考核合格情况".to_owned()
            } else {
                format!("第{n}项应急救援装备训练演练与维护保养工作完成数量")
            };
            let weight = if n == 8 { (50 - 7 * weight).to_string() } else { weight.to_string() };
            selfeval(&[
                "indicator",
                "add",
                "P01",
                &code,
                "--level1",
                level1,
                "--level2",
                level2,
                "--name",
                &name,
                "--target",
                "≥100次",
                "--weight",
                &weight,
            ])?;
            selfeval(&[
                "indicator",
                "actual",
                "P01",
                &code,
                "--value",
                "60次",
                "--deviation",
                "受汛期持续降雨及山区道路中断影响，部分演练推迟至下年度完成。",
                "--measure",
                "提前编制备用场地方案，汛前完成全部训练演练任务。",
            ])?;
        }
    }
    Ok(())
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
    let hard = out.join("自评表-12项指标.docx");
    let hard_store = std::env::temp_dir().join(format!("selfeval-render-hard-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&hard_store);
    let in_hard = |args: &[&str]| {
        run(Command::new("target/release/selfeval")
            .args(args)
            .env("SELFEVAL_STORE", &hard_store)
            .env("SELFEVAL_ACTOR", "张三@应急救援科"))
    };
    hardest_form(&in_hard)?;
    in_hard(&["table", "P01", "--output", hard.to_str().unwrap_or_default()])?;
    let hard_report = out.join("报告-12项指标.docx");
    in_hard(&["report", "--output", hard_report.to_str().unwrap_or_default()])?;
    let _ = std::fs::remove_dir_all(&hard_store);
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
        .arg(&hard)
        .arg(&hard_report)
        .env("FONTCONFIG_FILE", &fonts))?;
    let _ = std::fs::remove_dir_all(&profile);
    let (report_pdf, tables_pdf) = (out.join("报告.pdf"), out.join("自评表.pdf"));
    let report_pages = pages(&report_pdf)?;
    let table_pages = pages(&tables_pdf)?;
    let hard_pdf = out.join("自评表-12项指标.pdf");
    let hard_pages = pages(&hard_pdf)?;
    let hard_text = page_text(&hard_pdf, 1)?;
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
        (hard_pages == 1, format!("the 自评表 of 12 indicators runs to {hard_pages} pages, expected one")),
        (hard_text.contains("(≥**人)"), format!("`**` did not survive in the 自评表: {hard_text}")),
        (
            run(Command::new("pdftotext").arg(out.join("报告-12项指标.pdf")).arg("-"))?.matches("(≥**人)").count() >= 2,
            "`**` did not survive in the report's body and 附表1".to_owned(),
        ),
        (
            table_pages == 5,
            format!("the workbook prints on {table_pages} pages, expected the summary and one per form"),
        ),
    ];
    if let Some((_, why)) = checks.iter().find(|(ok, _)| !ok) {
        return Err(format!("render: {why}"));
    }
    // The demo's report, and one with nothing written in its text-only
    // sections (where bare headings would show).
    let mut objections = report_objections(&report_pdf)?;
    objections
        .extend(report_objections(&out.join("报告-12项指标.pdf"))?.into_iter().map(|o| format!("(12 indicators) {o}")));
    if !objections.is_empty() {
        return Err(format!("render: the report as printed:\n- {}", objections.join("\n- ")));
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
