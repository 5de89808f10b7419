//! What docx-rs cannot write, added to the package it wrote: the document's
//! properties (title, author, created: docx-rs writes "unknown" and
//! 1970-01-01), the `zh-CN` language of every run (without it LibreOffice
//! and Word pick Japanese glyph forms for CJK text), and repeated table
//! header rows (`w:tblHeader`, which the crate lacks). Every part is
//! rewritten with a fixed time, so the same model gives the same bytes.

use std::io::{Cursor, Read, Write};

use chrono::{DateTime, Utc};

/// The properties a document states about itself.
pub(crate) struct Properties<'a> {
    /// `dc:title`: the report's or the form's title.
    pub title: &'a str,
    /// `dc:creator`: the department.
    pub author: &'a str,
    /// `dcterms:created` and `modified`: the recorded time of the as-of
    /// point (never the time of printing).
    pub created: Option<DateTime<Utc>>,
}

/// Escapes text for an XML element.
fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn core_xml(props: &Properties<'_>) -> String {
    let created =
        props.created.map_or_else(|| "2000-01-01T00:00:00Z".to_owned(), |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" "#,
            r#"xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" "#,
            r#"xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            "<dc:title>{title}</dc:title><dc:creator>{author}</dc:creator>",
            "<cp:lastModifiedBy>{author}</cp:lastModifiedBy><dc:language>zh-CN</dc:language>",
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>"#,
            r#"<dcterms:modified xsi:type="dcterms:W3CDTF">{created}</dcterms:modified>"#,
            "<cp:revision>1</cp:revision></cp:coreProperties>"
        ),
        title = xml_text(props.title),
        author = xml_text(props.author),
        created = created,
    )
}

/// The paragraph id (`w14:paraId`, set by us, never by a text) of the
/// paragraph that marks where the 自评表's landscape pages begin; it becomes
/// the break that ends the portrait section before them. docx-rs numbers
/// its own paragraphs from 1, far below.
pub(crate) const LANDSCAPE_START: &str = "7FFFFF01";
/// Where they end: the break that ends the landscape section.
pub(crate) const LANDSCAPE_END: &str = "7FFFFF02";

/// A4 landscape with 15 mm margins, the footer 7.5 mm from the edge (as
/// `docx::landscape` sets them for a document of forms only).
const LANDSCAPE_PAGE: (&str, &str) = (
    r#"<w:pgSz w:w="16838" w:h="11906" w:orient="landscape" />"#,
    r#"<w:pgMar w:top="851" w:right="851" w:bottom="851" w:left="851" w:header="425" w:footer="425" w:gutter="0" />"#,
);

/// `sect` with its page size and margins replaced.
fn with_page(sect: &str, (size, margins): (&str, &str)) -> String {
    let replace = |text: &str, element: &str, by: &str| match text.find(element) {
        Some(at) => {
            let end = at + text[at..].find("/>").map_or(0, |e| e + 2);
            format!("{}{by}{}", &text[..at], &text[end..])
        }
        None => text.to_owned(),
    };
    replace(&replace(sect, "<w:pgSz ", size), "<w:pgMar ", margins)
}

/// Each marker paragraph replaced by a paragraph carrying a section's
/// properties: the body's own (its footers too) for the pages before the
/// forms, the same in landscape for the forms.
fn sections(document: &str) -> String {
    let Some(body) = document.rfind("<w:sectPr>").and_then(|at| {
        let end = document[at..].find("</w:sectPr>")? + at + "</w:sectPr>".len();
        Some(document[at..end].to_owned())
    }) else {
        return document.to_owned();
    };
    let mut out = document.to_owned();
    for (marker, sect) in [(LANDSCAPE_START, body.clone()), (LANDSCAPE_END, with_page(&body, LANDSCAPE_PAGE))] {
        let Some(start) = out.find(&format!("<w:p w14:paraId=\"{marker}\"")) else { continue };
        let Some(end) = out[start..].find("</w:p>").map(|e| start + e + "</w:p>".len()) else { continue };
        out.replace_range(start..end, &format!("<w:p><w:pPr>{sect}</w:pPr></w:p>"));
    }
    out
}

/// The language of every run: Chinese (PRC) for East Asian text.
const LANG: &str = r#"<w:lang w:val="zh-CN" w:eastAsia="zh-CN" w:bidi="ar-SA" />"#;

fn styles_xml(styles: &str) -> String {
    styles.replacen("</w:rPr></w:rPrDefault>", &format!("{LANG}</w:rPr></w:rPrDefault>"), 1)
}

/// The first row of every table repeats on each page it runs onto (the
/// header of a list, the 项目名称 row of a 自评表).
fn document_xml(document: &str) -> String {
    let mut out = String::with_capacity(document.len() + 1024);
    let mut rest = document;
    while let Some(at) = rest.find("<w:tbl>") {
        let (before, table) = rest.split_at(at);
        out.push_str(before);
        match table.find("<w:trPr>") {
            Some(row) if table[..row].matches("<w:tr>").count() == 1 => {
                let end = row + "<w:trPr>".len();
                out.push_str(&table[..end]);
                out.push_str("<w:tblHeader />");
                rest = &table[end..];
            }
            _ => {
                out.push_str("<w:tbl>");
                rest = &table["<w:tbl>".len()..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The package docx-rs wrote, finished.
pub(crate) fn finish(docx: &[u8], props: &Properties<'_>) -> Result<Vec<u8>, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(docx)).map_err(|e| e.to_string())?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| e.to_string())?;
        let name = entry.name().map_err(|e| e.to_string())?.into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
        let rewritten = match name.as_str() {
            "docProps/core.xml" => Some(core_xml(props)),
            "word/styles.xml" => Some(styles_xml(&String::from_utf8_lossy(&bytes))),
            "word/document.xml" => Some(sections(&document_xml(&String::from_utf8_lossy(&bytes)))),
            _ => None,
        };
        out.start_file(name, options).map_err(|e| e.to_string())?;
        out.write_all(rewritten.as_ref().map_or(&bytes[..], |t| t.as_bytes())).map_err(|e| e.to_string())?;
    }
    Ok(out.finish().map_err(|e| e.to_string())?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_each_tables_first_row_becomes_its_header() {
        let xml = "<w:body><w:tbl><w:tr><w:trPr><w:cantSplit /></w:trPr></w:tr><w:tr><w:trPr><w:cantSplit /></w:trPr></w:tr></w:tbl><w:p/><w:tbl><w:tr><w:trPr /></w:tr></w:tbl></w:body>";
        let done = document_xml(xml);
        assert_eq!(done.matches("<w:tblHeader />").count(), 1, "{done}");
        assert!(done.starts_with("<w:body><w:tbl><w:tr><w:trPr><w:tblHeader /><w:cantSplit />"), "{done}");
    }
}
