//! The 自评表 as an Excel workbook (rust_xlsxwriter): one sheet per project
//! in the layout of [`crate::form`], merged cells, column widths measured
//! for CJK text, A4 print setup with the header rows repeated, amounts as
//! numbers with two-decimal formats in the department's unit; with several
//! projects, a summary sheet first.

use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use selfeval_core::report::ReportModel;
use unicode_width::UnicodeWidthStr;

use crate::form::{self, Cell, Form, Style, Value, COLUMNS};

/// The body font of the form, as Chinese finance offices print it.
const FONT: &str = "宋体";

fn format_of(style: Style, value: &Value) -> Format {
    let base = Format::new()
        .set_font_name(FONT)
        .set_font_size(11)
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let styled = match style {
        Style::Title => Format::new().set_font_name(FONT).set_font_size(16).set_bold().set_align(FormatAlign::Center),
        Style::Label => base.set_bold().set_align(FormatAlign::Center),
        Style::Value => base.set_align(FormatAlign::Center),
        Style::Text => base.set_align(FormatAlign::Left),
    };
    match value {
        Value::Amount(_) | Value::Score(_) => styled.set_num_format("#,##0.00"),
        Value::Percent(_) => styled.set_num_format("0.00%"),
        Value::Points(_) => styled.set_num_format("General"),
        Value::Text(_) => styled,
    }
}

/// The number Excel stores for a value (xlsx keeps IEEE doubles); a rate
/// is its ratio, which Excel's `%` format shows as a percentage.
fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Amount(v) | Value::Score(v) | Value::Points(v) | Value::Percent(v) => v.to_f64(),
        Value::Text(_) => None,
    }
}

fn write_cell(sheet: &mut Worksheet, cell: &Cell) -> Result<(), XlsxError> {
    let format = format_of(cell.style, &cell.value);
    let (row, col) = (cell.row as u32, cell.col as u16);
    if cell.rows > 1 || cell.cols > 1 {
        let (last_row, last_col) = ((cell.row + cell.rows - 1) as u32, (cell.col + cell.cols - 1) as u16);
        sheet.merge_range(row, col, last_row, last_col, "", &format)?;
    }
    match number(&cell.value) {
        Some(n) => sheet.write_number_with_format(row, col, n, &format)?,
        None => sheet.write_string_with_format(row, col, cell.value.text(), &format)?,
    };
    Ok(())
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(form: &Form) -> String {
    let clean: String =
        format!("{} {}", form.code, form.name).chars().map(|c| if "[]:*?/\\".contains(c) { '_' } else { c }).collect();
    clean.chars().take(31).collect()
}

/// A4, centred, page numbers; a 自评表 on one landscape page (its columns
/// are sized for it, so the scale stays legible), the summary portrait as
/// many pages tall as it needs.
fn print_setup(sheet: &mut Worksheet, repeat_rows: u32, form: bool) -> Result<(), XlsxError> {
    sheet.set_paper_size(9); // A4
    if form {
        sheet.set_landscape();
        sheet.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
        sheet.set_print_fit_to_pages(1, 1);
    } else {
        sheet.set_portrait();
        sheet.set_print_fit_to_pages(1, 0);
    }
    sheet.set_print_center_horizontally(true);
    sheet.set_footer("&C第 &P 页，共 &N 页");
    if repeat_rows > 0 {
        sheet.set_repeat_rows(0, repeat_rows - 1)?;
    }
    Ok(())
}

fn add_form(workbook: &mut Workbook, form: &Form) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name(form))?;
    for cell in &form.cells {
        write_cell(sheet, cell)?;
    }
    let widths = crate::form::content_widths(&form.cells, COLUMNS);
    for (col, width) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    // Excel does not grow a row for wrapped text in merged cells: each row
    // is made as tall as its longest text needs.
    let mut lines = vec![1usize; form.rows];
    for cell in form.cells.iter().filter(|c| c.rows == 1) {
        let room: f64 = widths[cell.col..cell.col + cell.cols].iter().sum::<f64>().max(1.0);
        let needed: usize =
            cell.value.text().lines().map(|l| (UnicodeWidthStr::width(l) as f64 / room).ceil().max(1.0) as usize).sum();
        lines[cell.row] = lines[cell.row].max(needed);
    }
    for (row, n) in lines.iter().enumerate().skip(1) {
        if *n > 1 {
            sheet.set_row_height(row as u32, 15.0 * *n as f64)?;
        }
    }
    sheet.set_row_height(0, 30)?;
    print_setup(sheet, form.header_rows as u32, true)
}

fn add_summary(workbook: &mut Workbook, model: &ReportModel) -> Result<(), XlsxError> {
    let (head, rows) = form::summary(model);
    let sheet = workbook.add_worksheet();
    sheet.set_name("汇总")?;
    let mut cells = vec![Cell {
        row: 0,
        col: 0,
        rows: 1,
        cols: head.len(),
        value: Value::Text(format!(
            "{}{}年度项目支出绩效自评汇总表（{}）",
            model.department,
            model.year,
            model.unit.label()
        )),
        style: Style::Title,
    }];
    for (col, text) in head.iter().enumerate() {
        cells.push(Cell { row: 1, col, rows: 1, cols: 1, value: Value::Text((*text).to_owned()), style: Style::Label });
    }
    for (r, row) in rows.into_iter().enumerate() {
        for (col, value) in row.into_iter().enumerate() {
            let style = match col {
                0 if value.text() == "合计" => Style::Label,
                1 => Style::Text,
                _ => Style::Value,
            };
            cells.push(Cell { row: r + 2, col, rows: 1, cols: 1, value, style });
        }
    }
    for cell in &cells {
        write_cell(sheet, cell)?;
    }
    for (col, width) in crate::form::content_widths(&cells, head.len()).into_iter().enumerate() {
        sheet.set_column_width(col as u16, width)?;
    }
    sheet.set_row_height(0, 30)?;
    print_setup(sheet, 2, false)
}

/// The workbook of the given projects' 自评表 (a summary sheet first when
/// there are several), as the bytes of an .xlsx file.
pub fn tables_xlsx(model: &ReportModel, codes: &[&str]) -> Result<Vec<u8>, String> {
    let mut workbook = Workbook::new();
    // The as-of point's recorded time, never the time of writing: the same
    // head gives the same bytes.
    let created = model.basis.recorded_at.map_or(946_684_800, |t| t.timestamp());
    let title = format!("{}{}年度项目支出绩效自评表", model.department, model.year);
    let properties = rust_xlsxwriter::DocProperties::new()
        .set_title(&title)
        .set_author(&model.department)
        .set_creation_datetime(&rust_xlsxwriter::ExcelDateTime::from_timestamp(created).map_err(|e| e.to_string())?);
    workbook.set_properties(&properties);
    let build = |workbook: &mut Workbook| -> Result<(), XlsxError> {
        if codes.len() > 1 {
            add_summary(workbook, model)?;
        }
        for p in model.projects.iter().filter(|p| codes.contains(&p.code.as_str())) {
            add_form(workbook, &form::form(model, p))?;
        }
        Ok(())
    };
    build(&mut workbook).map_err(|e| e.to_string())?;
    workbook.save_to_buffer().map_err(|e| e.to_string())
}
