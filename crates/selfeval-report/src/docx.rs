//! The 自评表 as a Word document (docx-rs): A4 with the 公文 margins of
//! GB/T 9704-2012 (`docs/spec/documents.md`), each project's form as a real
//! table drawn from [`crate::form`] (merged 一级 and 二级 cells, the funds
//! block), 仿宋_GB2312 for Chinese and Times New Roman for digits and Latin,
//! page numbers "— 1 —" in 宋体 四号, odd pages right and even pages left.

use docx_rs::{
    AlignmentType, Docx, Footer, LineSpacing, LineSpacingType, PageMargin, PageNum, Paragraph, Run, RunFonts, Table,
    TableCell, TableRow, VAlignType, VMergeType, WidthType,
};
use selfeval_core::report::ReportModel;

use crate::form::{self, Form, Style, COLUMNS};
use crate::markdown::ReportOptions;

/// A4 in twips.
const A4: (u32, u32) = (11906, 16838);
/// The text block is 156 mm wide: 8845 twips.
const TEXT_WIDTH: usize = 8845;
/// The 自评表 is set on A4 landscape (`docs/spec/documents.md`): margins of
/// 15 mm, a text block 267 × 180 mm.
const LANDSCAPE_MARGIN: i32 = 851;
/// The landscape text block's width in twips.
const FORM_WIDTH: usize = 16838 - 2 * LANDSCAPE_MARGIN as usize;
/// The columns of the national layout, in per cent of the width: the
/// labels and indicator names wide enough for a line, the figures narrow,
/// 偏差原因分析及改进措施 the widest (about 30 characters a line, so 60
/// characters take two), 三级指标 about 15.
const FORM_SHARES: [usize; COLUMNS] = [6, 11, 19, 8, 8, 4, 6, 38];
/// The form's text: 小五 (9 pt), on exact 11-point lines.
const FORM_SIZE: usize = 18;

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new().east_asia(east_asia).ascii("Times New Roman").hi_ansi("Times New Roman")
}

/// A run of text; `size` in half-points (32 = 三号, 28 = 四号, 24 = 小四).
fn run(text: &str, east_asia: &str, size: usize, bold: bool) -> Run {
    let run = Run::new().add_text(text).fonts(fonts(east_asia)).size(size);
    if bold {
        run.bold()
    } else {
        run
    }
}

/// Whether a cell holds a figure (an amount, a rate, a score, a count):
/// digits with at most a sign, separators, a decimal point and `%`.
fn is_figure(text: &str) -> bool {
    let text = text.trim();
    text.chars().any(|c| c.is_ascii_digit())
        && text.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '−' | '%' | '+'))
}

fn cell_paragraph(text: &str, style: Style) -> Paragraph {
    sized_cell_paragraph(text, style, 21)
}

/// A cell's paragraph in `size` half-points.
fn sized_cell_paragraph(text: &str, style: Style, size: usize) -> Paragraph {
    let (align, bold) = match style {
        Style::Title => (AlignmentType::Center, true),
        Style::Label => (AlignmentType::Center, true),
        // Figures right-aligned, so their digits line up down a column.
        Style::Value | Style::Text if is_figure(text) => (AlignmentType::Right, false),
        Style::Value => (AlignmentType::Center, false),
        Style::Text => (AlignmentType::Left, false),
    };
    let paragraph = Paragraph::new().align(align);
    let paragraph = if size < 21 {
        paragraph.line_spacing(LineSpacing::new().line_rule(LineSpacingType::Exact).line(220))
    } else {
        paragraph
    };
    lines(paragraph, text, "仿宋_GB2312", size, bold)
}

/// `text` as runs of `paragraph`, a line break before each line after the
/// first (Word drops a `\n` inside a text run).
fn lines(mut paragraph: Paragraph, text: &str, east_asia: &str, size: usize, bold: bool) -> Paragraph {
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            paragraph = paragraph.add_run(Run::new().add_break(docx_rs::BreakType::TextWrapping));
        }
        paragraph = paragraph.add_run(run(line, east_asia, size, bold));
    }
    paragraph
}

/// Column widths in characters shared out over `width` twips (the last
/// column takes what rounding leaves).
fn twips(widths: &[f64], width: usize) -> Vec<usize> {
    let total: f64 = widths.iter().sum::<f64>().max(1.0);
    let mut out: Vec<usize> = widths.iter().map(|w| (width as f64 * w / total).floor() as usize).collect();
    let left = width.saturating_sub(out.iter().sum());
    if let Some(last) = out.last_mut() {
        *last += left;
    }
    out
}

/// The form as a table on the landscape page: every row has one cell per
/// grid position it starts, a vertically merged cell continued below where
/// it spans; the columns of the national layout at fixed widths.
pub fn form_table(form: &Form) -> Table {
    let shares = FORM_SHARES.map(|s| s as f64);
    let grid = twips(&shares, FORM_WIDTH);
    let span_width = |col: usize, cols: usize| grid[col..col + cols].iter().sum::<usize>();
    let mut rows = Vec::new();
    // The title is a paragraph above the table, not a row.
    let cells: Vec<_> = form.cells.iter().filter(|c| c.style != Style::Title).collect();
    for row in 1..form.rows {
        let mut out = Vec::new();
        let mut col = 0;
        while col < COLUMNS {
            let starts = cells.iter().find(|c| c.row == row && c.col == col);
            let continues = cells.iter().find(|c| c.col == col && c.row < row && row < c.row + c.rows);
            let (cell, cols) = match (starts, continues) {
                (Some(c), _) => {
                    let mut cell = TableCell::new()
                        .add_paragraph(sized_cell_paragraph(&c.value.text(), c.style, FORM_SIZE))
                        .vertical_align(VAlignType::Center);
                    if c.rows > 1 {
                        cell = cell.vertical_merge(VMergeType::Restart);
                    }
                    (cell, c.cols)
                }
                (None, Some(c)) => {
                    (TableCell::new().add_paragraph(Paragraph::new()).vertical_merge(VMergeType::Continue), c.cols)
                }
                (None, None) => (TableCell::new().add_paragraph(Paragraph::new()), 1),
            };
            let cell = if cols > 1 { cell.grid_span(cols) } else { cell };
            out.push(cell.width(span_width(col, cols), WidthType::Dxa));
            col += cols;
        }
        rows.push(TableRow::new(out).cant_split());
    }
    // Cells padded 1 mm left and right (LibreOffice's default is 1.9 mm).
    Table::new(rows)
        .set_grid(grid)
        .width(FORM_WIDTH, WidthType::Dxa)
        .margins(docx_rs::TableCellMargins::new().margin(0, 57, 0, 57))
}

/// Page numbers "— N —" in 宋体 四号: right on odd pages, left on even ones.
fn page_number(align: AlignmentType) -> Footer {
    let dash = |text: &str| run(text, "宋体", 28, false);
    Footer::new().add_paragraph(
        Paragraph::new().align(align).add_run(dash("— ")).add_page_num(PageNum::new()).add_run(dash(" —")),
    )
}

fn page_break() -> Paragraph {
    Paragraph::new().add_run(Run::new().add_break(docx_rs::BreakType::Page))
}

/// An A4 document with the 公文 margins and page numbers.
pub fn gongwen() -> Docx {
    // Top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (in twips).
    let margin = PageMargin::new().top(2098).bottom(1984).left(1587).right(1474).header(851).footer(992);
    // The document's default run is the page number's: 四号, Times New
    // Roman for the digits (宋体 for any Chinese), as the field's own run
    // carries no properties.
    Docx::new()
        .default_fonts(fonts("宋体"))
        .default_size(28)
        .page_size(A4.0, A4.1)
        .page_margin(margin)
        .footer(page_number(AlignmentType::Right))
        .even_footer(page_number(AlignmentType::Left))
}

/// A document of 自评表 only: A4 landscape with the form's margins.
fn landscape(docx: Docx) -> Docx {
    let m = LANDSCAPE_MARGIN;
    docx.page_size(A4.1, A4.0)
        .page_orient(docx_rs::PageOrientationType::Landscape)
        .page_margin(PageMargin::new().top(m).bottom(m).left(m).right(m).header(425).footer(425))
}

/// An empty paragraph [`crate::package`] turns into a section break: the pages
/// before it end a section of the body's kind (`Start`: portrait), or of
/// the form's (`End`: landscape).
fn section_break(marker: &str) -> Paragraph {
    // Found by its paragraph id, never by text: a recorded text cannot forge it.
    Paragraph::new().id(marker)
}

/// The form's title, 方正小标宋简体 小二 (the landscape page is short), and
/// its table.
fn add_form(docx: Docx, form: &Form) -> Docx {
    let title = Paragraph::new()
        .align(AlignmentType::Center)
        .line_spacing(LineSpacing::new().line_rule(LineSpacingType::Exact).line(480))
        .keep_next(true)
        .add_run(run(&form.title, "方正小标宋简体", 36, false));
    let unit = Paragraph::new().align(AlignmentType::Right).keep_next(true).add_run(run(
        &format!("项目：{} {}　金额单位：{}", form.code, form.name, form.unit.label()),
        "仿宋_GB2312",
        21,
        false,
    ));
    docx.add_paragraph(title).add_paragraph(unit).add_table(form_table(form))
}

/// The given projects' 自评表, one after another (a page break between),
/// as the bytes of a .docx file.
pub fn tables_docx(model: &ReportModel, codes: &[&str]) -> Result<Vec<u8>, String> {
    let mut docx = landscape(gongwen());
    let mut first = true;
    for p in model.projects.iter().filter(|p| codes.contains(&p.code.as_str())) {
        if !first {
            docx = docx.add_paragraph(page_break());
        }
        first = false;
        docx = add_form(docx, &form::form(model, p));
    }
    let title = format!("{}{}年度项目支出绩效自评表", model.department, model.year);
    pack(docx, model, &title)
}

/// The document's bytes, finished with what docx-rs cannot write
/// ([`crate::package`]): its properties, the zh-CN language, header rows.
fn pack(docx: Docx, model: &ReportModel, title: &str) -> Result<Vec<u8>, String> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    docx.build().pack(&mut bytes).map_err(|e| e.to_string())?;
    let properties = crate::package::Properties { title, author: &model.department, created: model.basis.recorded_at };
    crate::package::finish(&bytes.into_inner(), &properties)
}

/// Body text, 仿宋_GB2312 三号, exact 28 pt lines, the first line indented
/// two characters.
fn body(text: &str) -> Paragraph {
    prose(text, "仿宋_GB2312")
}

/// A heading: 一、 in 黑体, （一） in 楷体_GB2312, both 三号, set like the
/// body (first line indented two characters, fixed 28-point lines).
fn heading(text: &str, east_asia: &str) -> Paragraph {
    prose(text, east_asia).keep_next(true)
}

/// A paragraph set like the body.
fn prose(text: &str, east_asia: &str) -> Paragraph {
    Paragraph::new()
        .line_spacing(LineSpacing::new().line_rule(LineSpacingType::Exact).line(560))
        .indent(None, Some(docx_rs::SpecialIndentType::FirstLine(640)), None, None)
        .add_run(run(text, east_asia, 32, false))
}

/// Markdown's inline marks of the report taken off: escapes (an escaped
/// character is text, whatever it is), code spans, strong emphasis and
/// `<br>` in table cells. Text from the ledger arrives escaped, so it is
/// never read as a mark.
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(|n| n.is_ascii_punctuation()) => out.extend(chars.next()),
            '`' => {}
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
            }
            '<' if chars.clone().take(3).collect::<String>() == "br>" => {
                chars.nth(2);
                out.push('\n');
            }
            _ => out.push(c),
        }
    }
    out
}

/// The cells of a Markdown table line, `\|` kept as a bar.
fn table_cells(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut current = String::new();
    let mut chars = line.trim().trim_start_matches('|').chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                current.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    if !current.trim().is_empty() {
        cells.push(current);
    }
    cells.into_iter().map(|c| plain(c.trim())).collect()
}

/// A Markdown table of the report as a Word table, the header row bold.
fn markdown_table(lines: &[&str]) -> Table {
    let rows: Vec<Vec<String>> = lines
        .iter()
        .filter(|l| !l.trim_start_matches('|').trim_start().starts_with('-'))
        .map(|l| table_cells(l))
        .collect();
    let columns = rows.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let cells: Vec<form::Cell> = rows
        .iter()
        .enumerate()
        .flat_map(|(r, row)| {
            row.iter().enumerate().map(move |(c, text)| form::Cell {
                row: r,
                col: c,
                rows: 1,
                cols: 1,
                value: form::Value::Text(text.clone()),
                style: Style::Text,
            })
        })
        .collect();
    let grid = twips(&form::content_widths(&cells, columns), TEXT_WIDTH);
    let table_rows = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let style = if i == 0 { Style::Label } else { Style::Text };
            let cells = (0..columns)
                .map(|c| {
                    let text = row.get(c).map_or("", String::as_str);
                    // The header row stays with the first row below it.
                    let paragraph = cell_paragraph(text, style).keep_next(i == 0);
                    TableCell::new().add_paragraph(paragraph).width(grid[c], WidthType::Dxa)
                })
                .collect();
            TableRow::new(cells).cant_split()
        })
        .collect();
    Table::new(table_rows).set_grid(grid).width(TEXT_WIDTH, WidthType::Dxa)
}

/// Adds the report's Markdown, block by block, in the 公文 styles.
fn add_markdown(mut docx: Docx, markdown: &str) -> Docx {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.starts_with('|') {
            let end = i + lines[i..].iter().take_while(|l| l.starts_with('|')).count();
            docx = docx.add_table(markdown_table(&lines[i..end]));
            i = end;
            continue;
        }
        if let Some(inner) = line.strip_prefix("<div align=\"right\">").and_then(|l| l.strip_suffix("</div>")) {
            // The 落款: unit and date right-aligned, a blank line above.
            for (k, part) in inner.split("<br>").enumerate() {
                let spacing = LineSpacing::new().line_rule(LineSpacingType::Exact).line(560);
                let spacing = if k == 0 { spacing.before(560) } else { spacing };
                docx = docx.add_paragraph(Paragraph::new().align(AlignmentType::Right).line_spacing(spacing).add_run(
                    run(
                        &part.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"),
                        "仿宋_GB2312",
                        32,
                        false,
                    ),
                ));
            }
            i += 1;
            continue;
        }
        let paragraph = if let Some(text) = line.strip_prefix("# ") {
            Some(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .line_spacing(LineSpacing::new().line_rule(LineSpacingType::Exact).line(580).after(280))
                    .add_run(run(&plain(text), "方正小标宋简体", 44, false)),
            )
        } else if let Some(text) = line.strip_prefix("## ") {
            Some(heading(&plain(text), "黑体"))
        } else if let Some(text) = line.strip_prefix("### ") {
            Some(heading(&plain(text), "楷体_GB2312"))
        } else if line.trim().is_empty() {
            None
        } else {
            let text = line.strip_prefix("> ").or_else(|| line.strip_prefix("- ")).unwrap_or(line);
            Some(body(&plain(text)))
        };
        if let Some(paragraph) = paragraph {
            // A caption stays on the page of the table it introduces.
            let captions = lines[i + 1..].iter().find(|l| !l.trim().is_empty()).is_some_and(|l| l.starts_with('|'));
            docx = docx.add_paragraph(if captions { paragraph.keep_next(true) } else { paragraph });
        }
        i += 1;
    }
    docx
}

/// The whole report as a Word document in the 公文 layout: the six
/// sections, each project's 自评表 as a real table with its merges, and the
/// appendices.
pub fn report_docx(evaluation: &selfeval_core::Evaluation, options: &ReportOptions) -> Result<Vec<u8>, String> {
    let model = &evaluation.model;
    let markdown = crate::markdown::report_markdown(evaluation, options);
    let forms_at = markdown.find("\n## 附表1 ").map(|i| i + 1).ok_or("报告没有附表1")?;
    let rest_at = markdown.find("\n## 附表2 ").map_or(markdown.len(), |i| i + 1);
    let sources_at = markdown.find("\n## 附表3 ").map_or(markdown.len(), |i| i + 1);
    let mut docx = add_markdown(gongwen(), &markdown[..forms_at]);
    let appendix_title = markdown[forms_at..].lines().next().unwrap_or_default().trim_start_matches("## ");
    // Each appendix, and each project's form, starts a page; the forms on
    // landscape pages, a section of their own.
    docx = docx
        .add_paragraph(section_break(crate::package::LANDSCAPE_START))
        .add_paragraph(heading(appendix_title, "黑体"));
    for (i, p) in model.projects.iter().enumerate() {
        if i > 0 {
            docx = docx.add_paragraph(page_break());
        }
        docx = add_form(docx, &form::form(model, p));
    }
    docx = docx.add_paragraph(section_break(crate::package::LANDSCAPE_END));
    if rest_at < markdown.len() {
        docx = add_markdown(docx, &markdown[rest_at..sources_at]);
    }
    if sources_at < markdown.len() {
        docx = add_markdown(docx.add_paragraph(page_break()), &markdown[sources_at..]);
    }
    let title = format!("{}{}年度项目支出绩效自评报告", model.department, model.year);
    pack(docx, model, &title)
}
