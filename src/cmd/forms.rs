//! `jixiao forms [INPUT…] -o DIR`: projects written back out as official forms — from
//! `projects.jsonl` (as `convert` writes it) or from workbooks — one workbook per 主管部门 (or one
//! file per project), next year's forms pre-filled, or blank forms to send out.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use jixiao::batch::{self, FileStatus};
use jixiao::model::{DepartmentForm, FormKind, Project, Record};
use jixiao::write::form::Layout;
use jixiao::write::form::department::DEPARTMENT_LAYOUT;
use jixiao::write::forms_out::{self, FormsOptions, WrittenForm};
use jixiao::write::output::{OutputDir, output_error};

/// Arguments of `jixiao forms`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// projects.jsonl files (as convert writes them), workbooks or folders; none with --blank.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output folder.
    #[arg(short, long, value_name = "DIR", default_value = "jixiao-forms")]
    pub out: PathBuf,
    /// The layout to write: sh2023, sd2020, c2015, gx2021 or sc2023 (default: each project's own;
    /// with --blank, all of them).
    #[arg(long, value_name = "ID")]
    pub template: Option<String>,
    /// One file per project instead of one workbook per 主管部门.
    #[arg(long)]
    pub per_project: bool,
    /// Blank forms to send out: drop-down lists, validated inputs, labels locked.
    #[arg(long, conflicts_with_all = ["next_year", "per_project"])]
    pub blank: bool,
    /// Next year's forms: year + 1, 延续项目, amounts blank, last year's 指标值 noted beside each.
    #[arg(long)]
    pub next_year: bool,
    /// The budget year of a blank form (default: next year).
    #[arg(long, value_name = "YEAR", requires = "blank")]
    pub year: Option<i32>,
    /// Empty indicator rows on a blank form.
    #[arg(long, value_name = "N", default_value_t = 12, requires = "blank")]
    pub rows: usize,
    /// A folder of extra templates and dictionary files (for reading workbooks, and the 一级/二级
    /// lists of blank forms).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Write into an output folder that already holds other files.
    #[arg(long)]
    pub force: bool,
    /// When another run is writing into the same output folder, wait for it.
    #[arg(long)]
    pub wait: bool,
    /// Take the target forms from this store instead of inputs: the current ones of
    /// --from-year (default: the latest year the store has).
    #[arg(long, value_name = "FILE", conflicts_with = "blank")]
    pub store: Option<PathBuf>,
    /// With --store: the budget year whose target forms are written (with --next-year, as the
    /// year after).
    #[arg(long, value_name = "YEAR", requires = "store")]
    pub from_year: Option<i32>,
    #[command(flatten)]
    pub limits: super::LimitArgs,
}

/// Runs the command: 0 done, 2 usage or output error.
pub fn run(args: Args) -> Result<i32, String> {
    let chosen = match args.template.as_deref() {
        Some(DEPARTMENT_LAYOUT) => None,
        Some(id) => Some(Layout::of(id).ok_or_else(|| {
            let ids: Vec<&str> = Layout::ALL.iter().map(|l| l.id()).collect();
            format!("没有“{id}”这种可写出的表格样式；可用：{}", ids.join("、"))
        })?),
        None => None,
    };
    let mut out = OutputDir::create(&args.out, args.force, args.wait).map_err(|e| e.to_string())?;
    if args.blank {
        if !args.inputs.is_empty() {
            return Err("--blank 写出空白表，不需要输入文件".into());
        }
        return write_blanks(&args, chosen, out);
    }
    let (projects, departments, skipped) = match &args.store {
        Some(_) if !args.inputs.is_empty() => {
            return Err("--store 与输入文件二选一：从存储库取表时不需要输入文件".into());
        }
        Some(path) => {
            let store = jixiao::store::Store::open_existing(path).map_err(|e| e.to_string())?;
            let projects = store
                .current_targets(args.from_year)
                .map_err(|e| e.to_string())?;
            if projects.is_empty() {
                return Err(format!(
                    "存储库 {} 中没有{}的绩效目标表",
                    path.display(),
                    args.from_year
                        .map_or_else(String::new, |y| format!(" {y} 年度"))
                ));
            }
            (projects, Vec::new(), 0)
        }
        None if args.inputs.is_empty() => {
            return Err("请给出 projects.jsonl、工作簿或文件夹（或用 --blank 写出空白表，或用 --store 从存储库取表）".into());
        }
        None => load(&args)?,
    };
    let options = FormsOptions {
        layout: chosen,
        per_project: args.per_project,
        next_year: args.next_year,
    };
    let mut written: Vec<WrittenForm> = Vec::new();
    for (file, indices) in forms_out::plan(&projects, &options) {
        let path = out.temp_path(&file);
        let group: Vec<&Project> = indices.iter().map(|&i| &projects[i]).collect();
        let forms = forms_out::write_workbook(&path, &file, &group, &options)
            .map_err(|e| output_error(&path, e).to_string())?;
        written.extend(forms);
    }
    // Department-wide target forms: one workbook per department, in the 陕西 layout.
    let mut by_department: std::collections::BTreeMap<&str, Vec<&DepartmentForm>> =
        std::collections::BTreeMap::new();
    for form in &departments {
        by_department
            .entry(&form.department)
            .or_default()
            .push(form);
    }
    let mut used = Vec::new();
    for (department, forms) in by_department {
        let file =
            forms_out::unique_file_name(&format!("{department}_部门整体绩效目标表"), &mut used);
        let path = out.temp_path(&file);
        let forms = forms_out::write_department_workbook(&path, &file, &forms)
            .map_err(|e| output_error(&path, e).to_string())?;
        written.extend(forms);
    }
    let files = out.commit().map_err(|e| e.to_string())?;
    for form in written.iter().filter(|f| !f.left_out.is_empty()) {
        eprintln!(
            "jixiao: {} 工作表“{}”：“{}”（{}）写成 {} 样式时，表中没有位置，未写出：{}",
            form.file,
            form.sheet,
            form.project,
            form.department,
            form.layout,
            form.left_out.join("；")
        );
    }
    for form in written.iter().filter(|f| f.cut > 0) {
        eprintln!(
            "jixiao: {} 工作表“{}”：“{}”（{}）有 {} 处文字超过 Excel 单元格上限（32767 字），已截断并以“…”结尾",
            form.file, form.sheet, form.project, form.department, form.cut
        );
    }
    let mut summary = format!(
        "写出 {} 张表（{} 个文件）到 {}/。",
        written.len(),
        files.len(),
        args.out.display()
    );
    if skipped > 0 {
        summary.push_str(&format!("另有 {skipped} 张自评表不是目标表，未写出。"));
    }
    eprintln!("{summary}");
    Ok(0)
}

/// Blank forms: of the chosen layout, or of every layout.
fn write_blanks(args: &Args, chosen: Option<Layout>, mut out: OutputDir) -> Result<i32, String> {
    let normalizer = jixiao::normalize::Normalizer::with_dir(args.templates.as_deref())
        .map_err(|e| e.to_string())?;
    let hierarchy = &normalizer.dictionary().hierarchy;
    let year = args.year.or_else(next_calendar_year);
    let layouts: Vec<Layout> = chosen.map_or_else(|| Layout::ALL.to_vec(), |l| vec![l]);
    let mut used = Vec::new();
    // The department-wide target form: with --template sx2020bm, or among all layouts.
    let department = matches!(args.template.as_deref(), None | Some(DEPARTMENT_LAYOUT));
    if department {
        let file = forms_out::unique_file_name(
            &format!("空白_部门整体绩效目标表_{DEPARTMENT_LAYOUT}"),
            &mut used,
        );
        let path = out.temp_path(&file);
        forms_out::write_department_blank(&path, year, hierarchy, args.rows)
            .map_err(|e| output_error(&path, e).to_string())?;
    }
    if args.template.as_deref() == Some(DEPARTMENT_LAYOUT) {
        out.commit().map_err(|e| e.to_string())?;
        eprintln!(
            "写出 1 张空白部门整体绩效目标表到 {}/。",
            args.out.display()
        );
        return Ok(0);
    }
    for layout in &layouts {
        let stem = format!("空白_{}_{}", layout.title(), layout.id());
        let file = forms_out::unique_file_name(&stem, &mut used);
        let path = out.temp_path(&file);
        forms_out::write_blank(&path, *layout, year, hierarchy, args.rows)
            .map_err(|e| output_error(&path, e).to_string())?;
    }
    out.commit().map_err(|e| e.to_string())?;
    eprintln!(
        "写出 {} 张空白表到 {}/（{}年度）。",
        layouts.len() + usize::from(department),
        args.out.display(),
        year.map_or_else(|| "    ".to_owned(), |y| y.to_string())
    );
    Ok(0)
}

/// The year after the current one, by the system clock.
fn next_calendar_year() -> Option<i32> {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    // 365.2425 days a year from 1970; off by at most a day around New Year.
    Some(1970 + (seconds as f64 / 31_556_952.0) as i32 + 1)
}

/// The target forms of the inputs: projects.jsonl and departments.jsonl lines as they are,
/// workbooks read and normalized as `convert` reads them. Returns the project target forms, the
/// department-wide target forms, and how many self-evaluations were skipped.
fn load(args: &Args) -> Result<(Vec<Project>, Vec<DepartmentForm>, usize), String> {
    let mut projects = Vec::new();
    let mut departments = Vec::new();
    let mut skipped = 0;
    let (jsonl, workbooks): (Vec<&PathBuf>, Vec<&PathBuf>) = args.inputs.iter().partition(|p| {
        p.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("jsonl"))
    });
    for path in jsonl {
        for record in read_jsonl(path)? {
            match record {
                Record::Project(project) if project.kind == FormKind::Target => {
                    projects.push(project);
                }
                Record::Department(form) if form.kind == FormKind::DepartmentTarget => {
                    departments.push(form);
                }
                _ => skipped += 1,
            }
        }
    }
    if !workbooks.is_empty() {
        let input = super::InputArgs {
            inputs: workbooks.into_iter().cloned().collect(),
            templates: args.templates.clone(),
            limits: args.limits.clone(),
        };
        let pipeline = input.pipeline(super::Stages::Normalize)?;
        for file in batch::walk_inputs(&input.inputs) {
            let outcome = pipeline.process(&file);
            if outcome.status == FileStatus::Rejected {
                eprintln!("jixiao: {}：{}", outcome.file, outcome.message);
            }
            for record in outcome.records {
                match record {
                    Record::Project(form) if form.kind.is_project_target() => projects.push(form),
                    Record::Department(form) if form.kind == FormKind::DepartmentTarget => {
                        departments.push(form);
                    }
                    _ => skipped += 1,
                }
            }
        }
    }
    Ok((projects, departments, skipped))
}

/// The records of a projects.jsonl or departments.jsonl file, one per line; a line that is not a
/// record is one clear error naming the file and line.
fn read_jsonl(path: &Path) -> Result<Vec<Record>, String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("{}：无法读取（{e}）", path.display()))?;
    let mut projects = Vec::new();
    for (number, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("{}：无法读取（{e}）", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let department = line.contains("\"kind\":\"department_");
        let record = if department {
            serde_json::from_str::<DepartmentForm>(&line).map(Record::Department)
        } else {
            serde_json::from_str::<Project>(&line).map(Record::Project)
        };
        let record = record.map_err(|e| {
            format!(
                "{} 第 {} 行不是 jixiao 的项目记录（{e}）",
                path.display(),
                number + 1
            )
        })?;
        projects.push(record);
    }
    Ok(projects)
}
