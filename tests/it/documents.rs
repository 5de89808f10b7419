//! Documents to hand in: the 自评表 in Excel and Word and the report in
//! Word, read back (calamine for the workbook, the zip's XML for Word) and
//! compared with the JSON report's figures.

use std::io::Read;
use std::path::Path;

use calamine::{open_workbook, Data, Reader, Xlsx};

use crate::Env;

fn demo() -> Env {
    let env = Env::new();
    assert_eq!(env.run(&["demo"]).code(), 0);
    env
}

fn out(env: &Env, name: &str) -> std::path::PathBuf {
    env.dir.path().join(name)
}

/// The text of one part of an Office file (a zip), e.g. `word/document.xml`.
fn part(file: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(file).unwrap()).unwrap();
    let mut text = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut text).unwrap();
    text
}

fn text(cell: Option<&Data>) -> String {
    match cell {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => format!("{f}"),
        Some(Data::Int(i)) => i.to_string(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => format!("{other:?}"),
    }
}

fn number(cell: Option<&Data>) -> f64 {
    match cell {
        Some(Data::Float(f)) => *f,
        Some(Data::Int(i)) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

fn json_number(value: &serde_json::Value) -> f64 {
    value.as_str().unwrap().parse().unwrap()
}

#[test]
fn the_workbook_holds_a_summary_and_each_form_with_the_reports_figures() {
    let env = demo();
    let file = out(&env, "自评表.xlsx");
    let run = env.run(&["table", "--all", "--output", file.to_str().unwrap()]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let report = env.json(&["report", "--format", "json"]);
    let mut book: Xlsx<_> = open_workbook(&file).unwrap();
    let names = book.sheet_names();
    assert_eq!(names[0], "汇总");
    assert_eq!(names.len(), 5, "{names:?}");
    assert!(names[2].starts_with("P02 应急救援能力建设资金"), "{names:?}");
    let summary = book.worksheet_range("汇总").unwrap();
    for (i, p) in report["projects"].as_array().unwrap().iter().enumerate() {
        let row = (i + 2) as u32;
        assert_eq!(text(summary.get_value((row, 0))), p["code"].as_str().unwrap());
        assert!((number(summary.get_value((row, 3))) - json_number(&p["executed"])).abs() < 1e-9, "{p}");
        if let Some(score) = p["total_score"].as_str() {
            assert!((number(summary.get_value((row, 5))) - score.parse::<f64>().unwrap()).abs() < 1e-9);
        }
    }
    // The same head gives the same bytes (the properties carry the as-of
    // point's time, not the time of writing).
    let again = out(&env, "自评表2.xlsx");
    std::thread::sleep(std::time::Duration::from_millis(1100)); // another second on the clock
    assert_eq!(env.run(&["table", "--all", "--output", again.to_str().unwrap()]).code(), 0);
    assert_eq!(std::fs::read(&file).unwrap(), std::fs::read(&again).unwrap());
    // Issue 26 item 7: the 合计 row holds the report's totals.
    let total = (report["projects"].as_array().unwrap().len() + 2) as u32;
    assert_eq!(text(summary.get_value((total, 0))), "合计");
    assert_eq!(text(summary.get_value((total, 1))), "4个项目（自评得分为平均分）");
    assert!((number(summary.get_value((total, 2))) - json_number(&report["totals"]["budget"])).abs() < 1e-9);
    assert!((number(summary.get_value((total, 3))) - json_number(&report["totals"]["executed"])).abs() < 1e-9);
    assert!(
        (number(summary.get_value((total, 4))) * 100.0 - json_number(&report["totals"]["execution_rate"])).abs() < 1e-2
    );
    assert!((number(summary.get_value((total, 5))) - json_number(&report["average_score"])).abs() < 1e-9);
    assert_eq!(text(summary.get_value((total, 6))), "优3 良0 中0 差0");
    // Each 自评表 prints on one landscape page; the summary portrait.
    let sheet_xml = part(&file, "xl/worksheets/sheet3.xml");
    assert!(sheet_xml.contains("orientation=\"landscape\"") && sheet_xml.contains("fitToPage=\"1\""), "{sheet_xml}");
    assert!(!sheet_xml.contains("fitToHeight=\"0\""), "one page tall: {sheet_xml}");
    let p02 = &report["projects"][1];
    let sheet = book.worksheet_range(&names[2]).unwrap();
    assert_eq!(text(sheet.get_value((0, 0))), "2024年度项目支出绩效自评表");
    assert_eq!(text(sheet.get_value((1, 0))), "项目名称");
    assert_eq!(text(sheet.get_value((2, 4))), "实施单位");
    assert_eq!(text(sheet.get_value((2, 5))), "应急救援科");
    assert_eq!(text(sheet.get_value((4, 0))), "项目资金（万元）");
    assert_eq!(text(sheet.get_value((5, 1))), "年度资金总额");
    for (col, field) in [(2, "initial_budget"), (3, "budget"), (4, "executed")] {
        assert!((number(sheet.get_value((5, col))) - json_number(&p02[field])).abs() < 1e-9, "{field}");
    }
    let rate: f64 = p02["execution_rate"].as_str().unwrap().parse().unwrap();
    assert!((number(sheet.get_value((5, 6))) * 100.0 - rate).abs() < 0.005, "the rate is a ratio shown as %");
    // Indicators start below the goal block: rows 11 (heads) and 12…
    assert_eq!(text(sheet.get_value((11, 7))), "偏差原因分析及改进措施");
    assert_eq!(text(sheet.get_value((12, 0))), "产出指标（50分）");
    assert_eq!(text(sheet.get_value((12, 2))), "救援装备配备数量");
    let total_row = 12 + p02["indicators"].as_array().unwrap().len() as u32;
    assert_eq!(text(sheet.get_value((total_row, 0))), "总分");
    assert!((number(sheet.get_value((total_row, 6))) - json_number(&p02["total_score"])).abs() < 1e-9);
    assert_eq!(text(sheet.get_value((total_row, 7))), format!("自评等级：{}", p02["grade"].as_str().unwrap()));
    // Merged: the funds label down five rows, 产出指标 down its three rows.
    let merges: Vec<((u32, u32), (u32, u32))> =
        book.merge_cells_by_sheet_name(&names[2]).unwrap().iter().map(|d| (d.start, d.end)).collect();
    assert!(merges.contains(&((4, 0), (8, 0))), "{merges:?}");
    assert!(merges.contains(&((12, 0), (14, 0))), "{merges:?}");
    assert!(merges.contains(&((0, 0), (0, 7))), "{merges:?}");
    // Page setup: A4, repeated header rows.
    let sheet_xml = part(&file, "xl/worksheets/sheet3.xml");
    assert!(sheet_xml.contains("paperSize=\"9\""), "A4");
    let workbook_xml = part(&file, "xl/workbook.xml");
    assert!(workbook_xml.contains("_xlnm.Print_Titles"), "header rows repeat on every page");
    let styles = part(&file, "xl/styles.xml");
    assert!(styles.contains("#,##0.00") && styles.contains("宋体"));
}

#[test]
fn the_word_form_is_an_a4_gongwen_table_with_merged_cells() {
    let env = demo();
    let file = out(&env, "P03.docx");
    assert_eq!(env.run(&["table", "P03", "--output", file.to_str().unwrap()]).code(), 0);
    let xml = part(&file, "word/document.xml");
    // A4 landscape with 15 mm margins (documents.md): the form on one page.
    assert!(xml.contains("<w:pgSz w:w=\"16838\" w:h=\"11906\" w:orient=\"landscape\""), "A4 landscape");
    assert!(xml.contains("w:top=\"851\"") && xml.contains("w:left=\"851\""), "15 mm margins");
    // The national layout's columns at fixed widths, 偏差原因 the widest,
    // figures right-aligned, the text 小五.
    assert!(
        xml.contains("<w:tblGrid><w:gridCol w:w=\"908\" w:type=\"dxa\" /><w:gridCol w:w=\"1664\" w:type=\"dxa\" /><w:gridCol w:w=\"2875\" w:type=\"dxa\" />"),
        "{}",
        &xml[xml.find("<w:tblGrid>").unwrap()..][..400]
    );
    assert!(xml.contains("<w:jc w:val=\"right\" />") && xml.contains("<w:sz w:val=\"18\" />"));
    assert!(xml.contains("2024年度项目支出绩效自评表"));
    assert!(xml.contains("w:eastAsia=\"方正小标宋简体\"") && xml.contains("w:eastAsia=\"仿宋_GB2312\""));
    assert!(xml.contains("w:ascii=\"Times New Roman\""));
    assert!(
        xml.contains("<w:vMerge w:val=\"restart\" />") && xml.contains("<w:vMerge w:val=\"continue\" />"),
        "merged 一级/二级"
    );
    assert!(xml.contains("<w:gridSpan w:val=\"6\" />"), "项目名称 spans the row");
    for expected in ["项目资金（万元）", "产出指标（50分）", "偏差原因分析及改进措施", "自评等级："]
    {
        assert!(xml.contains(expected), "{expected}");
    }
    // Every row of the form spans the eight columns of its grid.
    for row in xml.split("<w:tr>").skip(1) {
        let row = &row[..row.find("</w:tr>").unwrap()];
        let spans: usize = row
            .split("<w:tc>")
            .skip(1)
            .map(|cell| {
                cell.find("<w:gridSpan w:val=\"")
                    .map_or(1, |at| cell[at + 19..].split('"').next().unwrap().parse().unwrap())
            })
            .sum();
        assert_eq!(spans, 8, "a row of {spans} columns: {row}");
    }
    let styles = part(&file, "word/styles.xml");
    assert!(
        styles.contains("w:eastAsia=\"宋体\"") && styles.contains("<w:sz w:val=\"28\" />"),
        "the page number's 四号"
    );
    let footer = part(&file, "word/footer1.xml");
    assert!(footer.contains("— ") && footer.contains("PAGE"), "page numbers — N —");
    let settings = part(&file, "word/settings.xml");
    assert!(settings.contains("evenAndOddHeaders"), "odd right, even left");
}

#[test]
fn the_report_in_word_has_the_sections_and_the_forms_as_tables() {
    let env = demo();
    let file = out(&env, "报告.docx");
    let run = env.run(&["report", "--output", file.to_str().unwrap()]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(run.stderr().contains("报告（Word）已写入"));
    let xml = part(&file, "word/document.xml");
    for heading in ["一、项目支出基本情况", "二、项目自评工作开展情况", "附表1 项目支出绩效自评表", "附表2 数据核查"]
    {
        assert!(xml.contains(heading), "{heading}");
    }
    assert!(xml.contains("w:eastAsia=\"黑体\"") && xml.contains("w:eastAsia=\"楷体_GB2312\""));
    assert!(xml.contains("<w:spacing w:line=\"560\" w:lineRule=\"exact\" />"), "28 pt fixed lines");
    assert!(xml.contains("<w:sz w:val=\"32\" />"), "三号 body");
    assert_eq!(xml.matches("产出指标（50分）").count(), 3, "the three scored projects' forms");
    assert!(!xml.contains("| 规则") && !xml.contains("\\|"), "no Markdown left");

    // Issue 26: header rows repeat, captions stay with their tables, the
    // columns follow their text and figures are right-aligned.
    assert_eq!(xml.matches("<w:tbl>").count(), xml.matches("<w:tblHeader />").count(), "one header row per table");
    assert!(xml.contains("<w:keepNext />"), "captions and headings kept with what follows");
    // The body portrait with the 公文 margins, 附表1 a landscape section.
    assert_eq!(xml.matches("<w:sectPr>").count(), 3, "body, the forms, the rest");
    assert_eq!(xml.matches("w:orient=\"landscape\"").count(), 1);
    assert!(!xml.contains("w14:paraId=\"7FFFFF0"), "no section marker left");
    let grid = xml.split("<w:tblGrid>").nth(1).unwrap().split("</w:tblGrid>").next().unwrap().to_owned();
    let widths: Vec<u32> =
        grid.split("w:w=\"").skip(1).map(|w| w.split('"').next().unwrap().parse().unwrap()).collect();
    assert_eq!(widths.iter().sum::<u32>(), 8845, "{widths:?}");
    assert!(widths.iter().max() > widths.iter().min(), "columns follow their text: {widths:?}");
    assert!(xml.contains("<w:jc w:val=\"right\" /></w:pPr><w:r><w:rPr><w:sz w:val=\"21\" /><w:szCs w:val=\"21\" /><w:rFonts w:ascii=\"Times New Roman\" w:hAnsi=\"Times New Roman\" w:eastAsia=\"仿宋_GB2312\" /></w:rPr><w:t xml:space=\"preserve\">99.98%"), "a rate right-aligned");
    // The language and the document's own properties.
    let styles = part(&file, "word/styles.xml");
    assert!(styles.contains("<w:lang w:val=\"zh-CN\" w:eastAsia=\"zh-CN\""), "{styles}");
    let core = part(&file, "docProps/core.xml");
    assert!(core.contains("<dc:title>某市应急管理局2024年度项目支出绩效自评报告</dc:title>"), "{core}");
    assert!(core.contains("<dc:creator>某市应急管理局</dc:creator>") && !core.contains("unknown"), "{core}");
    assert!(!core.contains("1970-01-01"), "created at the as-of point's recorded time: {core}");
    // Two runs at the same head give the same bytes.
    let again = out(&env, "报告2.docx");
    assert_eq!(env.run(&["report", "--output", again.to_str().unwrap()]).code(), 0);
    assert_eq!(std::fs::read(&file).unwrap(), std::fs::read(&again).unwrap());
}

#[test]
fn the_format_follows_the_output_and_a_contradiction_is_refused() {
    let env = demo();
    let md = out(&env, "报告.md");
    assert_eq!(env.run(&["report", "--output", md.to_str().unwrap()]).code(), 0);
    assert!(std::fs::read_to_string(&md).unwrap().starts_with("# 某市应急管理局2024年度"));
    let run = env.run(&["report", "--format", "json", "--output", out(&env, "r.docx").to_str().unwrap()]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("--format json 与 --output 的扩展名 .docx 矛盾"), "{}", run.stderr());
    let run = env.run(&["table", "P02", "--format", "xlsx"]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("xlsx 是二进制文件，不能写到终端"), "{}", run.stderr());
    let run = env.run(&["table", "--all", "--format", "json"]);
    assert_eq!(run.code(), 0);
    let tables: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(tables.as_array().unwrap().len(), 4);
    assert_eq!(env.run(&["table"]).code(), 2, "a project or --all");
}

#[test]
fn the_hand_in_body_carries_no_trace_marks_and_the_appendices_can_be_left_out() {
    let env = demo();
    let report = env.ok(&["report"]);
    let (body, appendices) = report.split_at(report.find("## 附表2 数据核查").expect("the appendices by default"));
    for mark in ["〔⚠见数据核查〕", "（#", "@", "事件链头哈希", "selfeval trace", "2024-12-"] {
        assert!(!body.contains(mark), "the body carries {mark}");
    }
    assert!(body.starts_with("# 某市应急管理局2024年度项目支出绩效自评报告\n\n> 数据截至2025年3月1日。\n"), "{body}");
    assert!(body.contains("2024年12月29日应急救援科王敏提交；2024年12月30日领导小组办公室赵静审核通过"));
    assert!(body.contains("- 审核：领导小组办公室赵静"), "{body}");
    // P04's budget score was set by hand: the form shows the final score,
    // the reason and the automatic score are in 数据核查.
    let p04 = &body[body.find("### 2024年度项目支出绩效自评表：P04").unwrap()..];
    assert!(p04.contains("| 10.00 ") && !p04.contains("人工调整") && !p04.contains("调整原因"), "{p04}");
    assert!(appendices
        .contains("| I17  | P04  | 项目P04的预算执行率得分由赵静@领导小组办公室人工调整为10.00（自动计算为0.00）"));
    assert!(appendices.contains("事件链头哈希"), "the 数据来源 appendix states the head");
    let short = env.ok(&["report", "--appendices", "none"]);
    assert!(
        short.contains("## 附表1 项目支出绩效自评表") && !short.contains("## 附表2") && !short.contains("## 附表3")
    );
    let marked = env.ok(&["report", "--markers"]);
    assert!(marked.contains("〔⚠见数据核查〕") && marked.contains("（#72）") && marked.contains("事件链头哈希"));
}

/// The figures of one project in the JSON report, for comparison.
fn figures(project: &serde_json::Value) -> serde_json::Value {
    let indicators: Vec<_> = project["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| serde_json::json!([i["name"], i["target"], i["actual"], i["weight"], i["score"]]))
        .collect();
    serde_json::json!({
        "name": project["name"], "section": project["section"],
        "initial_budget": project["initial_budget"], "budget": project["budget"],
        "executed": project["executed"], "execution_rate": project["execution_rate"],
        "budget_score": project["budget_score"], "total_score": project["total_score"],
        "grade": project["grade"], "indicators": indicators,
    })
}

#[test]
fn a_workbook_written_by_table_imports_back_to_the_same_figures() {
    let env = demo();
    let file = out(&env, "自评表.xlsx");
    assert_eq!(env.run(&["table", "--all", "--output", file.to_str().unwrap()]).code(), 0);
    let original = env.json(&["report", "--format", "json"]);
    let fresh = Env::new();
    fresh.ok(&["init", "--department", "某市应急管理局", "--year", "2024"]);
    let book: Xlsx<_> = open_workbook(&file).unwrap();
    let sheets: Vec<String> = book.sheet_names().into_iter().skip(1).collect();
    for (sheet, code) in sheets.iter().zip(["P01", "P02", "P03", "P04"]) {
        // A dry run first: the commands, the findings, nothing written.
        let before = fresh.head();
        let dry = fresh.ok(&["import-table", file.to_str().unwrap(), "--sheet", sheet, "--project", code, "--dry-run"]);
        assert!(dry.starts_with("将执行 ") && dry.contains("（--dry-run：未写入）"), "{dry}");
        assert!(dry.contains(&format!("selfeval project add {code} --name ")), "{dry}");
        assert_eq!(fresh.head(), before, "a dry run writes nothing");
        let run = fresh.act(&["import-table", file.to_str().unwrap(), "--sheet", sheet, "--project", code]);
        assert_eq!(run.code(), 0, "{}", run.stderr());
    }
    let imported = fresh.json(&["report", "--format", "json"]);
    // Every figure comes back but P04's budget score, which the demo set by
    // hand (10, computed 0): a sheet's printed 预算执行率得分, 总分 and 执行率
    // are recorded as printed, beside the computed ones (issue 27), so P04
    // comes back computed, with what its sheet printed beside it.
    for (a, b) in original["projects"].as_array().unwrap().iter().zip(imported["projects"].as_array().unwrap()) {
        if a["code"] == "P04" {
            assert_eq!((a["budget_score"].as_str(), b["budget_score"].as_str()), (Some("10.00"), Some("0.00")));
            assert_eq!(b["printed"]["budget_score"], "10", "{}", b["printed"]);
            assert_eq!(json_number(&b["printed"]["total"]), json_number(&a["total_score"]), "{}", b["printed"]);
            continue;
        }
        assert_eq!(figures(a), figures(b), "{}", a["code"]);
        if a["total_score"].is_string() {
            assert_eq!(json_number(&b["printed"]["total"]), json_number(&a["total_score"]), "{}", b["printed"]);
        }
    }
    assert_eq!(original["totals"]["executed"], imported["totals"]["executed"]);
    assert_eq!(original["totals"]["budget"], imported["totals"]["budget"]);
    // The spending entry names the file and its hash; P04's printed figures
    // differ from the computed ones and T1 says so.
    let history = fresh.run(&["history", "--project", "P04"]).stdout();
    assert!(
        history.contains("全年执行数（其中本年财政拨款）：据自评表 自评表.xlsx（") && history.contains("SHA-256 "),
        "{history}"
    );
    assert!(history.contains("原表（印发的自评表）：总分 — → 98"), "{history}");
    let check = fresh.act(&["check"]).stdout();
    assert!(check.contains("项目P04原表预算执行率得分10，按规则计算为0.00"), "{check}");
    assert!(check.contains("项目P04原表总分98，按规则计算为88.00"), "{check}");
}

#[test]
fn a_csv_in_gb18030_with_published_spellings_is_read_and_a_bad_cell_is_named() {
    let env = Env::new();
    env.ok(&["init", "--department", "某市应急管理局", "--year", "2024"]);
    let rows = [
        "（2024年度）项目支出绩效自评表,,,,,,,",
        "项目名称,,培训补助资金,,,,,",
        "主管部门,,某市应急管理局,,实施单位,应急救援科,,",
        "项目负责人,,王敏,,,,,",
        "项目资金（元）,,年初预算数,全年预算数,全年执行数,分值,执行率,得分",
        ",年度资金总额,\"50,000.00\",\"60,000.00\",\"60,000.00\",10,100%,10",
        "年度总体目标,预期目标,,,,实际完成情况,,",
        ",完成培训,,,,完成培训,,",
        "一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分,偏差原因分析及改进措施",
        "产出指标（90分）,数量指标,培训人次,≧１００人次,１２０人次,90,90,",
        "总分,,,,,100,100,优",
    ];
    let text = rows.join("\r\n");
    let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
    let file = out(&env, "培训.csv");
    std::fs::write(&file, &bytes).unwrap();
    let run = env.act(&["import-table", file.to_str().unwrap(), "--project", "P09"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let report = env.json(&["report", "--format", "json"]);
    let p09 = &report["projects"][0];
    assert_eq!(p09["budget"], "6", "60,000 元 is 6 万元");
    assert_eq!(p09["initial_budget"], "5");
    assert_eq!(p09["indicators"][0]["target"], "≥100人次");
    assert_eq!(p09["indicators"][0]["actual"], "120人次");
    assert_eq!(p09["owner"], "王敏");
    // A number that is not one: named by its cell, nothing written.
    let bad = text.replace("\"60,000.00\",10", "\"六万\",10");
    let (bytes, _, _) = encoding_rs::GB18030.encode(&bad);
    std::fs::write(&file, &bytes).unwrap();
    let before = env.head();
    let run = env.act(&["import-table", file.to_str().unwrap(), "--project", "P10"]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("培训!E6：全年执行数「六万」不是数字"), "{}", run.stderr());
    assert_eq!(env.head(), before);
    // A file that is not there is named, in Chinese, and writes nothing.
    let missing = out(&env, "没有这个文件.xlsx");
    env.fails(
        &["import-table", missing.to_str().unwrap(), "--project", "P10"],
        1,
        &format!("错误：FILE：无法读取 {}：文件或目录不存在", missing.display()),
    );
}

/// A 自评表 as CSV lines (UTF-8), with `unit` in the 项目资金 label.
fn csv_form(funds_label: &str, indicator_rows: &[&str]) -> String {
    let mut rows = vec![
        "项目名称,,培训补助资金,,,,,".to_owned(),
        "主管部门,,某市应急管理局,,实施单位,应急救援科,,".to_owned(),
        format!("{funds_label},,年初预算数,全年预算数,全年执行数,分值,执行率,得分"),
        ",年度资金总额,\"50,000.00\",\"50,000.00\",\"40,000.00\",10,80%,8".to_owned(),
        "一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分,偏差原因分析及改进措施".to_owned(),
    ];
    rows.extend(indicator_rows.iter().map(|r| (*r).to_owned()));
    rows.push("总分,,,,,100,,".to_owned());
    rows.join("\n")
}

#[test]
fn import_reads_units_levels_unfilled_and_not_applicable_rows_and_guards_existing_projects() {
    let env = Env::new();
    env.ok(&["init", "--department", "某市应急管理局", "--year", "2024"]);
    let file = out(&env, "form.csv");
    // No unit anywhere: refused rather than guessed.
    std::fs::write(&file, csv_form("项目资金", &["产出指标（90分）,数量指标,培训人次,≥100人次,120人次,90,90,"]))
        .unwrap();
    let run = env.act(&["import-table", file.to_str().unwrap(), "--project", "P01"]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("找不到金额单位"), "{}", run.stderr());
    // 金额单位：元 in a note; a qualitative row with its printed score; an
    // unfilled row; a 不适用 row.
    let text = format!(
        "金额单位：元\n{}",
        csv_form(
            "项目资金",
            &[
                "产出指标（60分）,数量指标,培训人次,≥100人次,120人次,40,40,",
                ",质量指标,培训效果,效果明显,部分达到预期,20,13,部分学员考核未通过；改进措施：增加复训",
                "效益指标（20分）,社会效益指标,应急能力,明显提升,,20,,",
                "满意度指标（10分）,服务对象满意度指标,满意度,≥90%,,10,不适用,",
            ]
        )
    );
    std::fs::write(&file, text).unwrap();
    let run = env.act(&["import-table", file.to_str().unwrap(), "--project", "P01"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let report = env.json(&["report", "--format", "json"]);
    let p01 = &report["projects"][0];
    assert_eq!((p01["budget"].as_str(), p01["executed"].as_str()), (Some("5"), Some("4")), "元 read as 元");
    let i2 = &p01["indicators"][1];
    assert_eq!(
        (i2["score"].as_str(), i2["level"].as_str()),
        (Some("13.00"), Some("部分达成年度指标并具有一定效果")),
        "{i2}"
    );
    assert_eq!(i2["reason"], "部分学员考核未通过");
    assert_eq!(p01["indicators"][2]["actual"], serde_json::Value::Null, "unfilled: left for I16");
    assert!(p01["indicators"][3]["not_applicable"].is_string(), "{}", p01["indicators"][3]);
    // The same form again into the same project: refused, nothing written.
    let before = env.head();
    let run = env.act(&["import-table", file.to_str().unwrap(), "--project", "P01"]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("项目P01已有支出或绩效指标，导入会重复记录"), "{}", run.stderr());
    assert_eq!(env.head(), before);
}

#[test]
fn a_workbook_of_every_form_imports_the_projects_sheet_without_naming_it() {
    let env = demo();
    let file = out(&env, "all.xlsx");
    assert_eq!(env.run(&["table", "--all", "--output", file.to_str().unwrap()]).code(), 0);
    let fresh = Env::new();
    fresh.ok(&["init", "--department", "某市应急管理局", "--year", "2024"]);
    let dry = fresh.ok(&["import-table", file.to_str().unwrap(), "--project", "P03", "--dry-run"]);
    assert!(dry.contains("selfeval project add P03 --name 人员培训、训练演练、装备维保补助等灾害防治资金"), "{dry}");
    let run = fresh.act(&["import-table", file.to_str().unwrap(), "--project", "P09", "--dry-run"]);
    assert_eq!(run.code(), 0, "no sheet named P09: the first form, not the summary: {}", run.stderr());
    assert!(run.stdout().contains("--name 人才资源开发专项资金"), "{}", run.stdout());
}

#[test]
fn an_extension_the_format_cannot_write_or_that_contradicts_json_is_refused() {
    let env = demo();
    for (args, said) in [
        (vec!["report", "--output", "r.pdf"], "不能写成 .pdf 文件；可接受的扩展名：.md、.json、.docx"),
        (vec!["table", "P02", "--format", "xlsx", "--output", "t.csv"], "不能写成 .csv 文件"),
        (vec!["--json", "report", "--output", "r.md"], "--json 与 --output 的扩展名 .md 矛盾"),
    ] {
        let args: Vec<String> = args
            .into_iter()
            .map(|a| if a.contains('.') { out(&env, a).to_str().unwrap().to_owned() } else { a.to_owned() })
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = env.run(&args);
        assert_eq!(run.code(), 1, "{args:?}");
        assert!(run.stderr().contains(said), "{args:?}: {}", run.stderr());
    }
}

/// Issue 26 item 3: the Word report dropped `**` from indicator names
/// (`(≥**人)` printed as `(≥人)`) in the body and the appendices, while the
/// 自评表 kept it: no text from the ledger is ever read as markup.
#[test]
fn text_from_the_ledger_is_never_read_as_markup_in_any_document() {
    let env = Env::with_project();
    let name = "培训人数(≥**人)_a_ `x` <br> [y]";
    env.indicator("I1", "产出指标", name, "≥100人", "50");
    env.ok(&[
        "indicator",
        "actual",
        "P01",
        "I1",
        "--value",
        "20人",
        "--deviation",
        "参训*不足*",
        "--measure",
        "加强~宣传~",
    ]);
    let file = out(&env, "报告.docx");
    let run = env.run(&["report", "--output", file.to_str().unwrap()]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let xml = part(&file, "word/document.xml");
    // docx-rs writes `<` as `&lt;`.
    let written = name.replace('<', "&lt;").replace('>', "&gt;");
    // The 自评表, the indicator list of section 三 and the source appendix.
    assert!(xml.matches(&written).count() >= 2, "{}", xml.matches("培训人数").count());
    assert!(!xml.contains("培训人数(≥人)"), "the marks were read as emphasis");
    assert!(xml.contains("参训*不足*") && xml.contains("加强~宣传~"));
    // In the Markdown they are escaped, so a viewer shows them as typed.
    let markdown = env.ok(&["report"]);
    assert!(markdown.contains("培训人数(≥\\*\\*人)\\_a\\_ \\`x\\` \\<br> \\[y\\]"), "{markdown}");
}

/// Issue 26 items 4 and 6: empty sections printed as bare headings and an
/// empty list as a header row alone; the report had no 落款; reasons and
/// measures were joined as 「。；改进措施」; prose amounts had no separators;
/// `history` ignored `unit set 元`.
#[test]
fn every_section_says_something_the_report_ends_with_its_signature_and_amounts_read_as_a_clerk_writes_them() {
    let env = Env::with_project();
    env.ok(&["budget", "set", "P01", "--amount", "20000万元", "--confirm-large", "--reason", "年初批复"]);
    env.indicator("I1", "产出指标", "培训人次", "≥100人次", "90");
    env.ok(&[
        "indicator",
        "actual",
        "P01",
        "I1",
        "--value",
        "50人次",
        "--deviation",
        "场地不足。",
        "--measure",
        "增加场次",
    ]);
    let markdown = env.ok(&["report"]);
    for empty in
        ["### （三）资金管理情况分析\n\n无。", "### （一）自评工作建议\n\n无。", "## 六、其他需要说明的问题\n\n无。"]
    {
        assert!(markdown.contains(empty), "{empty}\n{markdown}");
    }
    assert!(!markdown.contains("|------|------|----------|------|\n\n"), "a header row alone");
    assert!(markdown.contains("<div align=\"right\">某市应急管理局<br>2025年3月1日</div>"), "{markdown}");
    assert!(markdown.contains("场地不足。改进措施：增加场次") && !markdown.contains("。；改进措施"), "{markdown}");
    // 「（其中超出目标30%以上的N个另列）」 only when there is one.
    assert!(markdown.contains("共1个绩效指标：达成0个，未完成1个，") && !markdown.contains("另列"), "{markdown}");
    assert!(markdown.contains("20,000.00"), "{markdown}");
    // check names each section it expects text in.
    let check = env.act(&["check"]).stdout();
    for section in ["三、（三）资金管理情况分析", "五、（一）自评工作建议", "六、其他需要说明的问题"]
    {
        assert!(check.contains(section), "{section}\n{check}");
    }
    // The Word report: 「无。」 under the headings, the 落款 right-aligned.
    let file = out(&env, "报告.docx");
    assert_eq!(env.run(&["report", "--output", file.to_str().unwrap()]).code(), 0);
    let xml = part(&file, "word/document.xml");
    let signature = xml.find(">某市应急管理局</w:t>").expect("the 落款");
    assert!(xml[..signature].rfind("<w:jc w:val=\"right\" />") > xml[..signature].rfind("<w:p "), "right-aligned");
    assert!(xml.contains(">2025年3月1日</w:t>"));
    // history in the ledger's unit.
    env.ok(&["unit", "set", "元", "--reason", "按元填报"]);
    let history = env.run(&["history", "--project", "P01", "--type", "BudgetSet"]).stdout();
    assert!(history.contains("0.00 → 200,000,000.00元"), "{history}");
}
