//! A batch written into the store on a thread of its own: the batch runner sends each file and
//! its records in the batch's order and goes on reading while SQLite writes them, in that same
//! order (so the store's numbering is the same whatever the threads do). The first error stops
//! the writing; it is returned when the batch runner next sends or finishes.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use super::{FileEntry, Inserts, RecordRows, Store, store_error};
use crate::error::Result;

/// Jobs handed over at once: one hand-over per file woke the writing thread ~6,000 times for
/// 6,000 forms, each a switch of threads on a machine whose cores are all reading.
const BUNDLE: usize = 32;
/// Bundles waiting for the writer (bounded: a slow disk holds the batch back instead of filling
/// memory).
const QUEUE: usize = 8;

enum Job {
    /// A file of the batch with the records stored now; `later` when more of its records come
    /// at the end of the batch (self-evaluations, monitoring forms … once linked).
    File {
        entry: FileEntry,
        records: Vec<RecordRows>,
        later: bool,
    },
    /// A record of a file sent before.
    Record { file: String, rows: Box<RecordRows> },
    /// The status, message and form count of a file sent before with its first records only.
    Finish(FileEntry),
}

/// The writing thread of one batch.
pub struct BatchWriter {
    path: PathBuf,
    sender: Option<SyncSender<Vec<Job>>>,
    /// Jobs not yet handed over.
    bundle: Vec<Job>,
    handle: Option<JoinHandle<Result<Store>>>,
}

impl std::fmt::Debug for BatchWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchWriter").finish_non_exhaustive()
    }
}

impl BatchWriter {
    /// Starts writing into a store whose batch has begun.
    pub fn start(store: Store) -> BatchWriter {
        let (sender, receiver) = sync_channel(QUEUE);
        let path = store.path().to_owned();
        let handle = std::thread::spawn(move || write(store, receiver));
        BatchWriter {
            path,
            sender: Some(sender),
            bundle: Vec::with_capacity(BUNDLE),
            handle: Some(handle),
        }
    }

    /// A file of the batch and the records to store with it now.
    pub fn file(&mut self, entry: FileEntry, records: Vec<RecordRows>, later: bool) -> Result<()> {
        self.send(Job::File {
            entry,
            records,
            later,
        })
    }

    /// A record of a file sent before (stored unless the store already had that file).
    pub fn record(&mut self, file: &str, rows: RecordRows) -> Result<()> {
        self.send(Job::Record {
            file: file.to_owned(),
            rows: Box::new(rows),
        })
    }

    /// The final status, message and form count of a file sent before (a file read in parts).
    pub fn finish_file(&mut self, entry: FileEntry) -> Result<()> {
        self.send(Job::Finish(entry))
    }

    /// Waits for everything sent to be written; the store, with its batch still open.
    pub fn finish(mut self) -> Result<Store> {
        self.hand_over()?;
        self.sender.take();
        self.join()
    }

    fn send(&mut self, job: Job) -> Result<()> {
        self.bundle.push(job);
        if self.bundle.len() < BUNDLE {
            return Ok(());
        }
        self.hand_over()
    }

    /// Hands the waiting jobs to the writer; its error if it has stopped.
    fn hand_over(&mut self) -> Result<()> {
        if self.bundle.is_empty() {
            return Ok(());
        }
        let bundle = std::mem::replace(&mut self.bundle, Vec::with_capacity(BUNDLE));
        let sent = match &self.sender {
            Some(sender) => sender.send(bundle).is_ok(),
            None => false,
        };
        if sent {
            return Ok(());
        }
        // The writer stopped: its error.
        self.sender.take();
        self.join().map(|_| ())
    }

    fn join(&mut self) -> Result<Store> {
        let handle = self
            .handle
            .take()
            .ok_or_else(|| store_error(&self.path, "存储文件的写入已经结束"))?;
        match handle.join() {
            Ok(result) => result,
            Err(_) => Err(store_error(&self.path, "写入存储文件时出现内部错误")),
        }
    }
}

/// The thread: writes each job in turn; after an error it only drains the queue.
fn write(mut store: Store, receiver: Receiver<Vec<Job>>) -> Result<Store> {
    let written = match store.inserts() {
        Ok(mut inserts) => write_jobs(&mut inserts, receiver),
        Err(error) => {
            receiver.into_iter().for_each(drop);
            Err(error)
        }
    };
    written.map(|()| store)
}

fn write_jobs(inserts: &mut Inserts<'_>, receiver: Receiver<Vec<Job>>) -> Result<()> {
    // Of each file with records still to come: its id (`None`: the store already had it).
    let mut later_files: HashMap<String, Option<i64>> = HashMap::new();
    let mut failed = None;
    for job in receiver.into_iter().flatten() {
        if failed.is_some() {
            continue;
        }
        let done = match job {
            Job::File {
                entry,
                records,
                later,
            } => inserts.add_file(&entry).and_then(|file_id| {
                if later {
                    later_files.insert(entry.name.clone(), file_id);
                }
                for rows in &records {
                    match file_id {
                        Some(id) => inserts.add_rows(id, rows)?,
                        None => inserts.count_known_record(),
                    }
                }
                Ok(())
            }),
            Job::Record { file, rows } => match later_files.get(&file).copied().flatten() {
                Some(id) => inserts.add_rows(id, &rows),
                None => {
                    inserts.count_known_record();
                    Ok(())
                }
            },
            Job::Finish(entry) => match later_files.get(&entry.name).copied().flatten() {
                Some(id) => inserts.finish_file(id, &entry),
                None => Ok(()),
            },
        };
        if let Err(error) = done {
            failed = Some(error);
        }
    }
    match failed {
        Some(error) => Err(error),
        None => Ok(()),
    }
}
