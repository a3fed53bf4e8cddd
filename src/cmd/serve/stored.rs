//! The page's view of the store: the batches it holds (this run's and every earlier one's, so a
//! reload or a restart loses nothing), and one batch's files and records.

use std::path::Path;

use jixiao::model::FormKind;
use jixiao::store::Reader;
use serde_json::{Value, json};

/// Most batches the page lists.
const MAX_BATCHES: usize = 200;

/// The store's batches, newest first: `{"store": path, "batches": [...]}` (none yet when the store
/// has not been written).
pub fn batches(store: &Path) -> Result<Value, String> {
    let batches = if store.is_file() {
        let reader = Reader::open(store).map_err(|e| e.to_string())?;
        reader.batches(MAX_BATCHES).map_err(|e| e.to_string())?
    } else {
        Vec::new()
    };
    Ok(json!({ "store": store.display().to_string(), "batches": batches }))
}

/// One batch of the store: its files (with the reason of each refusal) and the records it
/// added, each kind named as the outputs name it.
pub fn batch(store: &Path, id: i64) -> Result<Option<Value>, String> {
    if !store.is_file() {
        return Ok(None);
    }
    let reader = Reader::open(store).map_err(|e| e.to_string())?;
    let Some(row) = reader.batch(id).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let files = reader.batch_files(id).map_err(|e| e.to_string())?;
    let records: Vec<Value> = reader
        .batch_records(id)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|r| {
            let label = FormKind::ALL
                .into_iter()
                .find(|k| k.as_str() == r.kind)
                .map_or(r.kind.clone(), |k| k.label().to_owned());
            let mut value = serde_json::to_value(&r).unwrap_or_default();
            value["kind_label"] = json!(label);
            value
        })
        .collect();
    Ok(Some(
        json!({ "batch": row, "files": files, "records": records }),
    ))
}
