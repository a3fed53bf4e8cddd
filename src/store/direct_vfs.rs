//! A thin layer over SQLite's own file access (a "VFS shim", Linux only) through which a batch's
//! connection writes the store's database file past the page cache when asked to.
//!
//! Why: at the end of a batch SQLite copies the write-ahead log into the database file (the
//! checkpoint), alone on one core. On a machine that hands free memory back to its host every new
//! page of the page cache costs its first touch: at 150,000 forms the checkpoint of a 769 MB log
//! took 4.2 s of a 26 s run, three quarters of it filling new page-cache pages. Written with
//! `O_DIRECT` in runs of up to 1 MB it took a fraction of that (150,000 forms: 22.3 s against
//! 26.1–32.6 s). For a small batch the page cache is quicker (6,000 forms: 1.02× slower direct),
//! so the batch turns it on only for a large log ([`write_directly`]).
//!
//! What changes is only how the main database file's whole, 4 KB-aligned pages reach the disk:
//! the log, the shared-memory index, the locks, every read and every other write go to SQLite's
//! own functions untouched. Direct writes wait in one aligned buffer for the pages after them and
//! go out before anything that could look at the file (a read, its size, a sync, a truncation,
//! an unlock, a file control, closing it); a file system that refuses `O_DIRECT` (tmpfs) leaves
//! every write where it was.

use std::ffi::{c_char, c_int, c_void};
use std::sync::OnceLock;

use rusqlite::{Connection, ffi};

/// The shim's name, for `Connection::open_with_flags_and_vfs`.
pub(super) const NAME: &str = "jixiao-direct";

/// The file control that turns direct writes on for a database file (outside SQLite's own
/// opcodes, which are small numbers).
const WRITE_DIRECTLY: c_int = 0x4a58_0001;

/// The most a write waits for in the buffer (a multiple of the 4 KB alignment).
const BUFFER: usize = 1 << 20;

/// The alignment of direct writes: offsets, lengths and the buffer.
const ALIGN: usize = 4096;

/// A file opened through the shim: SQLite's own file object follows this header in the same
/// allocation (`szOsFile` is the sum of both).
#[repr(C)]
struct ShimFile {
    /// What SQLite sees: its `pMethods` are the shim's.
    base: ffi::sqlite3_file,
    /// The methods of SQLite's own file object behind it.
    inner_methods: *const ffi::sqlite3_io_methods,
    /// The path the file was opened with (valid until it is closed, as SQLite promises).
    path: *const c_char,
    /// True for the main database file of a connection.
    main_db: bool,
    /// The file opened a second time with `O_DIRECT` once direct writes are on, else -1.
    direct: c_int,
    /// Pages waiting to go out: `pending` bytes from `start`, in a `BUFFER`-byte aligned buffer.
    buffer: *mut u8,
    start: i64,
    pending: usize,
}

/// The header's size, rounded up so that SQLite's own file object behind it is aligned.
const HEADER: usize = std::mem::size_of::<ShimFile>().div_ceil(16) * 16;

/// The VFS the shim passes every call on to: SQLite's default, found once.
struct Registered {
    default: *mut ffi::sqlite3_vfs,
}

// SAFETY: the pointer is to SQLite's default VFS, a static object SQLite never frees; it is only
// read (its functions are thread-safe as SQLite's own are).
unsafe impl Send for Registered {}
unsafe impl Sync for Registered {}

static REGISTERED: OnceLock<Option<Registered>> = OnceLock::new();

/// The shim's methods for files whose own methods are of version 1, 2 and 3.
static METHODS: OnceLock<[ffi::sqlite3_io_methods; 3]> = OnceLock::new();

/// Registers the shim (once); false when SQLite has no default VFS to build it on.
pub(super) fn register() -> bool {
    REGISTERED
        .get_or_init(|| {
            // SAFETY: asks SQLite for its default VFS; the copy made of it lives for the rest of
            // the process (leaked), as a registered VFS must.
            unsafe {
                let default = ffi::sqlite3_vfs_find(std::ptr::null());
                if default.is_null() {
                    return None;
                }
                let mut vfs = *default;
                vfs.szOsFile = c_int::try_from(HEADER).ok()? + (*default).szOsFile;
                vfs.zName = c"jixiao-direct".as_ptr();
                vfs.pNext = std::ptr::null_mut();
                vfs.xOpen = Some(open);
                let vfs = Box::leak(Box::new(vfs));
                (ffi::sqlite3_vfs_register(vfs, 0) == ffi::SQLITE_OK)
                    .then_some(Registered { default })
            }
        })
        .is_some()
}

/// Turns direct writes on for the main database file of `conn` (opened through the shim); false
/// when they could not be (another VFS, a file system that refuses `O_DIRECT`, no memory).
pub(super) fn write_directly(conn: &Connection) -> bool {
    let mut on: c_int = 0;
    // SAFETY: the handle is used while `conn` is borrowed; the file control writes one int.
    let rc = unsafe {
        ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            WRITE_DIRECTLY,
            (&raw mut on).cast(),
        )
    };
    rc == ffi::SQLITE_OK && on == 1
}

/// SQLite's own file object behind the shim's header.
///
/// # Safety
/// `file` was opened through the shim.
unsafe fn inner(file: *mut ffi::sqlite3_file) -> *mut ffi::sqlite3_file {
    // SAFETY: the allocation is `HEADER` + SQLite's own `szOsFile` bytes.
    unsafe { file.cast::<u8>().add(HEADER).cast() }
}

/// # Safety
/// `file` was opened through the shim.
unsafe fn shim(file: *mut ffi::sqlite3_file) -> *mut ShimFile {
    file.cast()
}

/// # Safety
/// `file` was opened through the shim and successfully.
unsafe fn own(file: *mut ffi::sqlite3_file) -> &'static ffi::sqlite3_io_methods {
    // SAFETY: the methods are SQLite's static tables.
    unsafe { &*(*shim(file)).inner_methods }
}

unsafe extern "C" fn open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let Some(Some(registered)) = REGISTERED.get() else {
        return ffi::SQLITE_ERROR;
    };
    // SAFETY: SQLite hands over `szOsFile` bytes for the file; its own file object goes behind
    // the header and is opened by its own VFS (with its own VFS object, whose data it uses).
    unsafe {
        let s = shim(file);
        s.write(ShimFile {
            base: ffi::sqlite3_file {
                pMethods: std::ptr::null(),
            },
            inner_methods: std::ptr::null(),
            path: name,
            main_db: flags & ffi::SQLITE_OPEN_MAIN_DB != 0,
            direct: -1,
            buffer: std::ptr::null_mut(),
            start: 0,
            pending: 0,
        });
        let default = registered.default;
        let Some(inner_open) = (*default).xOpen else {
            return ffi::SQLITE_ERROR;
        };
        let rc = inner_open(default, name, inner(file), flags, out_flags);
        let methods = (*inner(file)).pMethods;
        if methods.is_null() {
            // Not opened: SQLite calls no method of it (not even xClose).
            return rc;
        }
        let version = (*methods).iVersion.clamp(1, 3);
        let tables = METHODS.get_or_init(|| [1, 2, 3].map(methods_of_version));
        (*s).inner_methods = methods;
        (*s).base.pMethods = &tables[(version - 1) as usize];
        rc
    }
}

/// The shim's methods, claiming the version of the file's own.
fn methods_of_version(version: c_int) -> ffi::sqlite3_io_methods {
    ffi::sqlite3_io_methods {
        iVersion: version,
        xClose: Some(close),
        xRead: Some(read),
        xWrite: Some(write),
        xTruncate: Some(truncate),
        xSync: Some(sync),
        xFileSize: Some(file_size),
        xLock: Some(lock),
        xUnlock: Some(unlock),
        xCheckReservedLock: Some(check_reserved_lock),
        xFileControl: Some(file_control),
        xSectorSize: Some(sector_size),
        xDeviceCharacteristics: Some(device_characteristics),
        xShmMap: Some(shm_map),
        xShmLock: Some(shm_lock),
        xShmBarrier: Some(shm_barrier),
        xShmUnmap: Some(shm_unmap),
        xFetch: Some(fetch),
        xUnfetch: Some(unfetch),
    }
}

/// Opens the file a second time for direct writes, with its buffer; false when it cannot be.
///
/// # Safety
/// `s` is an open shim file.
unsafe fn start_direct(s: *mut ShimFile) -> bool {
    // SAFETY: `path` is valid while the file is open; the buffer is freed in `stop_direct`.
    unsafe {
        if (*s).direct >= 0 {
            return true;
        }
        if !(*s).main_db || (*s).path.is_null() {
            return false;
        }
        let Ok(layout) = std::alloc::Layout::from_size_align(BUFFER, ALIGN) else {
            return false;
        };
        let fd = libc::open((*s).path, libc::O_WRONLY | libc::O_DIRECT | libc::O_CLOEXEC);
        if fd < 0 {
            return false;
        }
        let buffer = std::alloc::alloc(layout);
        if buffer.is_null() {
            libc::close(fd);
            return false;
        }
        (*s).direct = fd;
        (*s).buffer = buffer;
        (*s).pending = 0;
        true
    }
}

/// Closes the direct descriptor and frees the buffer (whatever waited in it must be out).
///
/// # Safety
/// `s` is an open shim file.
unsafe fn stop_direct(s: *mut ShimFile) {
    // SAFETY: both were made in `start_direct`.
    unsafe {
        if (*s).direct >= 0 {
            libc::close((*s).direct);
            (*s).direct = -1;
        }
        if !(*s).buffer.is_null() {
            std::alloc::dealloc(
                (*s).buffer,
                std::alloc::Layout::from_size_align_unchecked(BUFFER, ALIGN),
            );
            (*s).buffer = std::ptr::null_mut();
        }
        (*s).pending = 0;
    }
}

/// Sends what waits in the buffer to the disk; on a file system that turns out to refuse direct
/// writes, through SQLite's own write instead (and no direct writes after).
///
/// # Safety
/// `file` is an open shim file.
unsafe fn flush(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: the buffer holds `pending` bytes; the descriptor is open while `direct >= 0`.
    unsafe {
        let s = shim(file);
        if (*s).pending == 0 {
            return ffi::SQLITE_OK;
        }
        let (buffer, start, pending) = ((*s).buffer, (*s).start, (*s).pending);
        (*s).pending = 0;
        let mut done = 0usize;
        while done < pending {
            let wrote = libc::pwrite(
                (*s).direct,
                buffer.add(done).cast(),
                pending - done,
                start + done as i64,
            );
            if wrote > 0 {
                done += wrote as usize;
                continue;
            }
            let error = std::io::Error::last_os_error().raw_os_error();
            if wrote < 0 && error == Some(libc::EINTR) {
                continue;
            }
            if error == Some(libc::EINVAL) && done == 0 {
                // Refused after all: the same bytes through SQLite's own write.
                let Some(write) = own(file).xWrite else {
                    return ffi::SQLITE_IOERR_WRITE;
                };
                let Ok(length) = c_int::try_from(pending) else {
                    return ffi::SQLITE_IOERR_WRITE;
                };
                let rc = write(inner(file), buffer.cast(), length, start);
                stop_direct(s);
                return rc;
            }
            return if error == Some(libc::ENOSPC) {
                ffi::SQLITE_FULL
            } else {
                ffi::SQLITE_IOERR_WRITE
            };
        }
        // Pages of the checkpoint are in the file, not yet synced nor marked as copied: where
        // the kill tests stop a run.
        crate::pause::point("store:direct-written");
        ffi::SQLITE_OK
    }
}

/// Flushes, then runs `then` (SQLite's own method) unless the flush failed.
///
/// # Safety
/// `file` is an open shim file.
unsafe fn flushed(file: *mut ffi::sqlite3_file, then: impl FnOnce() -> c_int) -> c_int {
    // SAFETY: as `flush`.
    match unsafe { flush(file) } {
        ffi::SQLITE_OK => then(),
        rc => rc,
    }
}

unsafe extern "C" fn close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite closes an open file once; its own close runs whatever the flush gave.
    unsafe {
        let flushed = flush(file);
        stop_direct(shim(file));
        let rc = match own(file).xClose {
            Some(close) => close(inner(file)),
            None => ffi::SQLITE_OK,
        };
        if flushed != ffi::SQLITE_OK {
            flushed
        } else {
            rc
        }
    }
}

unsafe extern "C" fn read(
    file: *mut ffi::sqlite3_file,
    buffer: *mut c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    // SAFETY: delegates to SQLite's own read, after what waited went out.
    unsafe {
        flushed(file, || match own(file).xRead {
            Some(read) => read(inner(file), buffer, amount, offset),
            None => ffi::SQLITE_IOERR_READ,
        })
    }
}

unsafe extern "C" fn write(
    file: *mut ffi::sqlite3_file,
    data: *const c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    // SAFETY: `data` holds `amount` bytes (SQLite's contract); the buffer has room for what is
    // copied into it (checked against `BUFFER`).
    unsafe {
        let s = shim(file);
        let length = usize::try_from(amount).unwrap_or(0);
        let aligned = length > 0
            && length.is_multiple_of(ALIGN)
            && offset >= 0
            && (offset as usize).is_multiple_of(ALIGN)
            && length <= BUFFER;
        if (*s).direct >= 0 && aligned {
            let follows = (*s).pending > 0 && (*s).start + (*s).pending as i64 == offset;
            if (*s).pending > 0 && (!follows || (*s).pending + length > BUFFER) {
                let rc = flush(file);
                if rc != ffi::SQLITE_OK {
                    return rc;
                }
            }
            // A flush may have turned direct writes off.
            if (*s).direct >= 0 {
                if (*s).pending == 0 {
                    (*s).start = offset;
                }
                std::ptr::copy_nonoverlapping(
                    data.cast::<u8>(),
                    (*s).buffer.add((*s).pending),
                    length,
                );
                (*s).pending += length;
                return ffi::SQLITE_OK;
            }
        }
        flushed(file, || match own(file).xWrite {
            Some(write) => write(inner(file), data, amount, offset),
            None => ffi::SQLITE_IOERR_WRITE,
        })
    }
}

unsafe extern "C" fn truncate(file: *mut ffi::sqlite3_file, size: i64) -> c_int {
    // SAFETY: delegates after the flush.
    unsafe {
        flushed(file, || match own(file).xTruncate {
            Some(truncate) => truncate(inner(file), size),
            None => ffi::SQLITE_IOERR_TRUNCATE,
        })
    }
}

unsafe extern "C" fn sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    // SAFETY: delegates after the flush (so the sync covers the direct writes too: it is the
    // same file).
    unsafe {
        flushed(file, || match own(file).xSync {
            Some(sync) => sync(inner(file), flags),
            None => ffi::SQLITE_IOERR_FSYNC,
        })
    }
}

unsafe extern "C" fn file_size(file: *mut ffi::sqlite3_file, size: *mut i64) -> c_int {
    // SAFETY: delegates after the flush.
    unsafe {
        flushed(file, || match own(file).xFileSize {
            Some(file_size) => file_size(inner(file), size),
            None => ffi::SQLITE_IOERR_FSTAT,
        })
    }
}

unsafe extern "C" fn lock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    // SAFETY: delegates.
    unsafe {
        match own(file).xLock {
            Some(lock) => lock(inner(file), level),
            None => ffi::SQLITE_IOERR_LOCK,
        }
    }
}

unsafe extern "C" fn unlock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    // SAFETY: delegates after the flush (no other connection may see the file before its
    // pages are out).
    unsafe {
        flushed(file, || match own(file).xUnlock {
            Some(unlock) => unlock(inner(file), level),
            None => ffi::SQLITE_IOERR_UNLOCK,
        })
    }
}

unsafe extern "C" fn check_reserved_lock(file: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    // SAFETY: delegates.
    unsafe {
        match own(file).xCheckReservedLock {
            Some(check) => check(inner(file), out),
            None => ffi::SQLITE_IOERR_CHECKRESERVEDLOCK,
        }
    }
}

unsafe extern "C" fn file_control(
    file: *mut ffi::sqlite3_file,
    op: c_int,
    argument: *mut c_void,
) -> c_int {
    // SAFETY: the shim's own opcode writes the int it is given; any other goes to SQLite's own
    // after the flush (some, like a size hint, change the file).
    unsafe {
        if op == WRITE_DIRECTLY {
            let on = start_direct(shim(file));
            if !argument.is_null() {
                *argument.cast::<c_int>() = c_int::from(on);
            }
            return ffi::SQLITE_OK;
        }
        flushed(file, || match own(file).xFileControl {
            Some(control) => control(inner(file), op, argument),
            None => ffi::SQLITE_NOTFOUND,
        })
    }
}

unsafe extern "C" fn sector_size(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: delegates.
    unsafe {
        own(file)
            .xSectorSize
            .map_or(ALIGN as c_int, |f| f(inner(file)))
    }
}

unsafe extern "C" fn device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: delegates.
    unsafe {
        own(file)
            .xDeviceCharacteristics
            .map_or(0, |f| f(inner(file)))
    }
}

unsafe extern "C" fn shm_map(
    file: *mut ffi::sqlite3_file,
    region: c_int,
    size: c_int,
    extend: c_int,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: delegates (only called for files whose own methods are of version 2 or more).
    unsafe {
        match own(file).xShmMap {
            Some(map) => map(inner(file), region, size, extend, out),
            None => ffi::SQLITE_IOERR_SHMMAP,
        }
    }
}

unsafe extern "C" fn shm_lock(
    file: *mut ffi::sqlite3_file,
    offset: c_int,
    n: c_int,
    flags: c_int,
) -> c_int {
    // SAFETY: delegates.
    unsafe {
        match own(file).xShmLock {
            Some(lock) => lock(inner(file), offset, n, flags),
            None => ffi::SQLITE_IOERR_SHMLOCK,
        }
    }
}

unsafe extern "C" fn shm_barrier(file: *mut ffi::sqlite3_file) {
    // SAFETY: delegates.
    unsafe {
        if let Some(barrier) = own(file).xShmBarrier {
            barrier(inner(file));
        }
    }
}

unsafe extern "C" fn shm_unmap(file: *mut ffi::sqlite3_file, delete: c_int) -> c_int {
    // SAFETY: delegates.
    unsafe {
        match own(file).xShmUnmap {
            Some(unmap) => unmap(inner(file), delete),
            None => ffi::SQLITE_OK,
        }
    }
}

unsafe extern "C" fn fetch(
    file: *mut ffi::sqlite3_file,
    offset: i64,
    amount: c_int,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: with direct writes on, no page is handed out mapped (a mapping and direct writes
    // to the same pages do not mix); else delegates.
    unsafe {
        if (*shim(file)).direct >= 0 {
            *out = std::ptr::null_mut();
            return ffi::SQLITE_OK;
        }
        match own(file).xFetch {
            Some(fetch) => fetch(inner(file), offset, amount, out),
            None => {
                *out = std::ptr::null_mut();
                ffi::SQLITE_OK
            }
        }
    }
}

unsafe extern "C" fn unfetch(
    file: *mut ffi::sqlite3_file,
    offset: i64,
    page: *mut c_void,
) -> c_int {
    // SAFETY: delegates.
    unsafe {
        match own(file).xUnfetch {
            Some(unfetch) => unfetch(inner(file), offset, page),
            None => ffi::SQLITE_OK,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::OpenFlags;

    /// The name of the VFS a connection's main database uses.
    fn vfs_of(conn: &Connection) -> String {
        let mut vfs: *mut ffi::sqlite3_vfs = std::ptr::null_mut();
        // SAFETY: the file control writes the VFS pointer, whose name is a static string.
        unsafe {
            ffi::sqlite3_file_control(
                conn.handle(),
                c"main".as_ptr(),
                ffi::SQLITE_FCNTL_VFS_POINTER,
                (&raw mut vfs).cast(),
            );
            if vfs.is_null() {
                return String::new();
            }
            std::ffi::CStr::from_ptr((*vfs).zName)
                .to_string_lossy()
                .into_owned()
        }
    }

    fn open(path: &std::path::Path) -> Connection {
        assert!(register());
        let conn = Connection::open_with_flags_and_vfs(path, OpenFlags::default(), NAME).unwrap();
        conn.execute_batch(
            "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; \
             CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body BLOB NOT NULL);",
        )
        .unwrap();
        conn
    }

    /// Rows of 5 KB whose bytes tell their id and position apart.
    fn body(id: i64) -> Vec<u8> {
        (0..5000)
            .map(|i| (id as usize * 31 + i * 7) as u8)
            .collect()
    }

    fn fill(conn: &Connection, ids: std::ops::Range<i64>) {
        conn.execute_batch("BEGIN").unwrap();
        let mut insert = conn
            .prepare("INSERT INTO t (id, body) VALUES (?1, ?2)")
            .unwrap();
        for id in ids {
            insert.execute(rusqlite::params![id, body(id)]).unwrap();
        }
        conn.execute_batch("COMMIT").unwrap();
    }

    fn check(path: &std::path::Path, rows: i64) {
        // Read back by SQLite's own VFS, from the file alone.
        let conn = Connection::open(path).unwrap();
        let ok: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        let mut select = conn.prepare("SELECT id, body FROM t ORDER BY id").unwrap();
        let read: Vec<(i64, Vec<u8>)> = select
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(read.len() as i64, rows);
        for (n, (id, bytes)) in read.into_iter().enumerate() {
            assert_eq!(id, n as i64);
            assert!(bytes == body(id), "row {id}");
        }
    }

    #[test]
    fn a_store_checkpointed_with_direct_writes_holds_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.sqlite");
        let conn = open(&path);
        assert_eq!(vfs_of(&conn), NAME);
        fill(&conn, 0..400);
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
        let direct = write_directly(&conn);
        // A second batch: its checkpoint (at the commit, and again here) writes the pages
        // directly where the file system allows it; the same connection reads them back.
        fill(&conn, 400..1200);
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
        let count: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 1200);
        let middle: Vec<u8> = conn
            .query_row("SELECT body FROM t WHERE id = 777", [], |r| r.get(0))
            .unwrap();
        assert!(middle == body(777));
        drop(conn);
        check(&path, 1200);
        if !direct {
            println!("direct writes refused on this file system: the plain path was tested");
        }
    }

    #[test]
    fn the_shim_alone_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.sqlite");
        let conn = open(&path);
        fill(&conn, 0..300);
        conn.execute_batch("DELETE FROM t WHERE id >= 200; PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
        drop(conn);
        check(&path, 200);
    }
}
