//! Reading a spreadsheet as a grid of cell texts, for `import-table`: an
//! .xlsx (calamine; merged cells read at their first cell) or a .csv in
//! UTF-8 or GB18030 (as Chinese Excel saves it). Numbers become their
//! shortest decimal text, so `6` stays `6` and `48.7912` stays `48.7912`.

use std::path::Path;

use calamine::{open_workbook, Data, Reader, StyleRange, Xlsx};
use rust_decimal::Decimal;

/// A sheet's name and its cells' texts, row by row.
pub type Grid = (String, Vec<Vec<String>>);

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => {
            // A double as the shortest text that reads back to it, at most
            // six decimals (what a 万元 amount or a quantity can carry).
            let rounded = format!("{f:.6}");
            rounded.trim_end_matches('0').trim_end_matches('.').to_owned()
        }
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// Whether an Excel number format shows a number as a percentage: a `%`
/// outside quoted text, escapes and `[…]` sections (`0.00%`, `0.0%;[Red]-0.0%`;
/// not `0"%"` nor `0\%`, which print a literal sign after the stored number).
fn is_percent_format(code: &str) -> bool {
    let mut chars = code.chars();
    let (mut quoted, mut bracket) = (false, false);
    while let Some(c) = chars.next() {
        match c {
            '"' if !bracket => quoted = !quoted,
            '\\' if !quoted && !bracket => {
                chars.next();
            }
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            '%' if !quoted && !bracket => return true,
            _ => {}
        }
    }
    false
}

/// A number stored as a fraction in a cell formatted as a percentage, as
/// Excel shows it: 0.972 → `97.2%` (the stored digits, never the display's
/// rounding, so `0.97215` shown as 97.22% reads as `97.215%`).
fn percent_text(f: f64) -> String {
    let stored = format!("{f:.8}");
    match stored.parse::<Decimal>() {
        Ok(d) => format!("{}%", (d * Decimal::ONE_HUNDRED).normalize()),
        Err(_) => format!("{}%", f * 100.0),
    }
}

/// A cell's text, as its number format shows it where that matters: a
/// percentage-formatted number reads as the percentage on screen.
fn styled_text(cell: &Data, styles: Option<&StyleRange>, pos: (u32, u32)) -> String {
    let percent = || {
        styles
            .and_then(|s| s.get(pos))
            .and_then(|style| style.number_format.as_ref())
            .is_some_and(|format| is_percent_format(&format.format_code))
    };
    match cell {
        Data::Float(f) if percent() => percent_text(*f),
        Data::Int(i) if percent() => percent_text(*i as f64),
        _ => cell_text(cell),
    }
}

/// Reads `sheet` of an .xlsx; without one, the sheet named after the
/// project (`P02 …`), else the first that is a 自评表 (项目名称, 年初预算数
/// and 一级指标 on it: not a summary sheet).
fn xlsx(path: &Path, sheet: Option<&str>, project: Option<&str>) -> Result<Grid, String> {
    let mut book: Xlsx<_> = open_workbook(path).map_err(|e| format!("无法读取 {}：{e}", path.display()))?;
    let names = book.sheet_names();
    let candidates: Vec<String> = match sheet {
        Some(name) => {
            if !names.iter().any(|n| n == name) {
                return Err(format!("没有名为「{name}」的工作表；可接受：{}", names.join("、")));
            }
            vec![name.to_owned()]
        }
        None => {
            let named = project.and_then(|code| names.iter().find(|n| n.split(' ').next() == Some(code)).cloned());
            named.map_or_else(|| names.clone(), |n| vec![n])
        }
    };
    for name in candidates {
        let range = book.worksheet_range(&name).map_err(|e| format!("无法读取工作表「{name}」：{e}"))?;
        // The styles only say how a number is shown; a workbook whose
        // styles cannot be read is read by its stored values.
        let styles = book.worksheet_style(&name).ok();
        let (top, left) = range.start().unwrap_or((0, 0));
        let mut rows = vec![Vec::new(); top as usize];
        for (r, row) in range.rows().enumerate() {
            let mut cells = vec![String::new(); left as usize];
            cells.extend(
                row.iter()
                    .enumerate()
                    .map(|(c, cell)| styled_text(cell, styles.as_ref(), (top + r as u32, left + c as u32))),
            );
            rows.push(cells);
        }
        let has =
            |label: &str| rows.iter().flatten().any(|c| c.split_whitespace().collect::<String>().starts_with(label));
        let is_form = has("项目名称") && has("年初预算数") && has("一级指标");
        if is_form || sheet.is_some() {
            return Ok((name, rows));
        }
    }
    Err(format!("{} 中没有工作表含「项目名称」：不是项目支出绩效自评表；可用 --sheet 指定", path.display()))
}

/// Reads a .csv in UTF-8 (with or without BOM) or GB18030.
fn csv(path: &Path) -> Result<Grid, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("无法读取 {}：{e}", path.display()))?;
    let text = match std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes)) {
        Ok(text) => text.to_owned(),
        Err(_) => {
            let (text, _, bad) = encoding_rs::GB18030.decode(&bytes);
            if bad {
                return Err(format!("{} 既不是 UTF-8 也不是 GB18030 编码的 CSV", path.display()));
            }
            text.into_owned()
        }
    };
    let mut reader = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("{} 不是有效的 CSV：{e}", path.display()))?;
        rows.push(record.iter().map(str::to_owned).collect());
    }
    let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    Ok((name, rows))
}

/// Reads a spreadsheet by its extension: .xlsx (the sheet as
/// [`xlsx`] picks it) or .csv.
pub fn read_grid(path: &Path, sheet: Option<&str>, project: Option<&str>) -> Result<Grid, String> {
    match path.extension().map(|e| e.to_string_lossy().to_lowercase()).as_deref() {
        Some("xlsx") => xlsx(path, sheet, project),
        Some("csv") => csv(path),
        _ => Err(format!("{} 不是 .xlsx 或 .csv 文件", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_percentage_format_is_told_from_a_literal_sign() {
        for code in ["0%", "0.00%", "0.0%;[Red]-0.0%", "#,##0.00%"] {
            assert!(is_percent_format(code), "{code}");
        }
        for code in ["General", "0.00", "0\"%\"", "0\\%", "[$%-804]0.00", "#,##0.00_ "] {
            assert!(!is_percent_format(code), "{code}");
        }
        assert_eq!(percent_text(0.972), "97.2%");
        assert_eq!(percent_text(1.0), "100%");
        assert_eq!(percent_text(0.97215), "97.215%");
    }
}
