//! A buffered writer for output files that sends whole blocks straight to the disk, past the
//! page cache (Linux `O_DIRECT`), and a direct read back for the scratch files written so. A
//! batch writes its outputs once and never reads them back, and where the machine's memory is
//! lent back to its host while unused (a virtual machine with free page reporting, as this
//! project's CI machine is) each page of cache a write fills must first be handed back by the
//! host: 85 MB written to a new file cost 0.016–0.363 s of CPU that way (the longer the memory
//! had been free, the more), 0.005–0.007 s written directly; the outputs of 6,000 forms are
//! 70 MB. The last partial block goes through the cache, as does
//! everything on other systems and file systems that refuse direct writes (tmpfs): then this is
//! an ordinary buffered writer.

use std::fs::File;
use std::io::{self, Write};

/// The alignment direct writes need (of the buffer's address, the file offset and the length):
/// 4 KB covers disks of 512-byte and of 4 KB sectors.
const BLOCK: usize = 4096;

/// Bytes gathered before a write (as the `BufWriter`s before it).
const CAPACITY: usize = 256 * 1024;

/// A file written through an aligned buffer, directly where it can be.
pub struct DirectWriter {
    file: File,
    /// The buffered bytes begin at `start`, an aligned address; room for `CAPACITY` of them is
    /// reserved, but only what is written is touched (a small output's buffer costs no more
    /// memory than its bytes).
    buffer: Vec<u8>,
    start: usize,
    /// Direct writes on: the file offset is a whole number of blocks.
    direct: bool,
}

impl DirectWriter {
    /// Writes `file` (new and empty, opened for writing) directly where the system allows.
    pub fn new(file: File) -> DirectWriter {
        let (buffer, start) = aligned(CAPACITY);
        let direct = set_direct(&file, true);
        DirectWriter {
            file,
            buffer,
            start,
            direct,
        }
    }

    /// Writes out what is buffered and returns the file (its data still to be synced).
    pub fn into_file(mut self) -> io::Result<File> {
        self.write_buffered()?;
        Ok(self.file)
    }

    /// Writes the buffer out: its whole blocks directly, a partial last block (only at a flush
    /// or the end) through the cache, after which the file is written through the cache.
    fn write_buffered(&mut self) -> io::Result<()> {
        let (start, len) = (self.start, self.buffer.len() - self.start);
        let whole = if self.direct {
            len / BLOCK * BLOCK
        } else {
            len
        };
        let mut done = 0;
        while done < len {
            if done == whole && self.direct {
                self.stop_direct();
            }
            let end = if self.direct { whole } else { len };
            match self.file.write(&self.buffer[start + done..start + end]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    done += n;
                    if self.direct && n % BLOCK != 0 {
                        // A short direct write leaves the offset between blocks.
                        self.stop_direct();
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // A file system may take the flag and still refuse a direct write.
                Err(e) if self.direct && e.raw_os_error() == Some(EINVAL) => self.stop_direct(),
                Err(e) => return Err(e),
            }
        }
        self.buffer.truncate(start);
        Ok(())
    }

    fn stop_direct(&mut self) {
        set_direct(&self.file, false);
        self.direct = false;
    }
}

impl Write for DirectWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.buffer.len() - self.start == CAPACITY {
            self.write_buffered()?;
        }
        let n = bytes.len().min(CAPACITY - (self.buffer.len() - self.start));
        // Within the capacity reserved: the buffer never moves, so `start` stays aligned.
        self.buffer.extend_from_slice(&bytes[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.write_buffered()
    }
}

/// An empty buffer with room for `capacity` bytes from an address aligned to `BLOCK`, and that
/// offset (the bytes before it are zeros, the rest not yet touched).
fn aligned(capacity: usize) -> (Vec<u8>, usize) {
    let mut buffer: Vec<u8> = Vec::with_capacity(capacity + BLOCK);
    let start = buffer.as_ptr().align_offset(BLOCK);
    buffer.resize(start, 0);
    (buffer, start)
}

/// Copies the first `len` bytes of `file` (one a [`DirectWriter`] wrote) to `out`, read directly
/// where the system allows, so that reading a scratch file back fills no page cache either.
pub fn copy_from_start(
    file: &mut File,
    len: u64,
    out: &mut (impl Write + ?Sized),
) -> io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(0))?;
    // No bigger than the file needs (a small sheet's scratch is a few KB).
    let room = (len.min(CAPACITY as u64) as usize).next_multiple_of(BLOCK);
    let (mut buffer, start) = aligned(room);
    buffer.resize(start + room, 0);
    let buffer = &mut buffer[start..];
    let mut direct = set_direct(file, true);
    let mut left = len;
    while left > 0 {
        // Direct reads are of whole blocks (fewer come back at the end of the file).
        let want = if direct {
            (left.min(CAPACITY as u64) as usize).next_multiple_of(BLOCK)
        } else {
            left.min(CAPACITY as u64) as usize
        };
        match file.read(&mut buffer[..want]) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                let keep = (n as u64).min(left) as usize;
                out.write_all(&buffer[..keep])?;
                left -= keep as u64;
                if direct && n % BLOCK != 0 {
                    set_direct(file, false);
                    direct = false;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if direct && e.raw_os_error() == Some(EINVAL) => {
                set_direct(file, false);
                direct = false;
            }
            Err(e) => return Err(e),
        }
    }
    if direct {
        set_direct(file, false);
    }
    Ok(())
}

#[cfg(target_os = "linux")]
const EINVAL: i32 = libc::EINVAL;
#[cfg(not(target_os = "linux"))]
const EINVAL: i32 = 22;

/// Turns direct writes on or off for `file`; whether they are on now.
#[cfg(target_os = "linux")]
fn set_direct(file: &File, on: bool) -> bool {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor `file` owns and keeps open for the call; F_GETFL and
    // F_SETFL take and return plain integers.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return false;
    }
    let wanted = if on {
        flags | libc::O_DIRECT
    } else {
        flags & !libc::O_DIRECT
    };
    // SAFETY: as above.
    let set = unsafe { libc::fcntl(fd, libc::F_SETFL, wanted) } == 0;
    on && set
}

#[cfg(not(target_os = "linux"))]
fn set_direct(_file: &File, _on: bool) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::test_bytes::noise;

    /// Writes `pieces` through a DirectWriter (flushing after the piece at `flush_after`, if
    /// any) and returns the file's content and what was written.
    fn written(
        dir: &std::path::Path,
        pieces: &[usize],
        flush_after: Option<usize>,
    ) -> (Vec<u8>, Vec<u8>) {
        let path = dir.join(format!("out-{}-{flush_after:?}", pieces.len()));
        let mut writer = DirectWriter::new(File::create(&path).unwrap());
        let bytes = noise(pieces.iter().sum());
        let mut at = 0;
        for (i, &piece) in pieces.iter().enumerate() {
            writer.write_all(&bytes[at..at + piece]).unwrap();
            at += piece;
            if flush_after == Some(i) {
                writer.flush().unwrap();
            }
        }
        let file = writer.into_file().unwrap();
        file.sync_all().unwrap();
        drop(file);
        let mut back = Vec::new();
        File::open(&path).unwrap().read_to_end(&mut back).unwrap();
        (back, bytes)
    }

    #[test]
    fn every_byte_arrives_in_order_whatever_the_pieces() {
        // In the working directory's file system (where outputs go), not /tmp, which may be
        // tmpfs and refuse direct writes (then the plain path is what is tested).
        let dir = tempfile::tempdir_in(".").unwrap();
        let cases: &[&[usize]] = &[
            &[],
            &[1],
            &[BLOCK],
            &[BLOCK - 1, 1, BLOCK + 1],
            &[CAPACITY],
            &[CAPACITY + 1],
            &[CAPACITY - 3, 7, CAPACITY * 2 + 5],
            &[3 * CAPACITY + BLOCK],
            &[100_000; 9],
        ];
        for pieces in cases {
            for flush_after in [None, Some(0)] {
                let (back, bytes) = written(dir.path(), pieces, flush_after);
                assert_eq!(back.len(), bytes.len(), "{pieces:?} {flush_after:?}");
                assert!(back == bytes, "{pieces:?} {flush_after:?}: content differs");
            }
        }
    }

    #[test]
    fn where_direct_writes_are_refused_it_is_a_plain_buffered_writer() {
        // As on other systems and on file systems that refuse the flag: direct writes off from
        // the start, every byte through the cache, in order.
        let dir = tempfile::tempdir_in(".").unwrap();
        let path = dir.path().join("plain");
        let mut writer = DirectWriter::new(File::create(&path).unwrap());
        writer.stop_direct();
        let bytes = noise(3 * CAPACITY + 17);
        for piece in bytes.chunks(CAPACITY / 3 + 1) {
            writer.write_all(piece).unwrap();
        }
        assert!(!writer.direct);
        drop(writer.into_file().unwrap());
        let mut back = Vec::new();
        File::open(&path).unwrap().read_to_end(&mut back).unwrap();
        assert!(back == bytes, "content differs");
    }

    #[test]
    fn a_file_is_read_back_to_the_length_asked() {
        let dir = tempfile::tempdir_in(".").unwrap();
        for len in [
            0,
            1,
            BLOCK - 1,
            BLOCK,
            CAPACITY + 5,
            2 * CAPACITY + BLOCK + 3,
        ] {
            let bytes = noise(len + 100);
            let mut writer = DirectWriter::new(tempfile::tempfile_in(dir.path()).unwrap());
            writer.write_all(&bytes).unwrap();
            let mut file = writer.into_file().unwrap();
            let mut out = Vec::new();
            copy_from_start(&mut file, len as u64, &mut out).unwrap();
            assert!(out == bytes[..len], "{len}: content differs");
            let mut out = Vec::new();
            let short = copy_from_start(&mut file, len as u64 + 101, &mut out);
            assert_eq!(
                short.unwrap_err().kind(),
                io::ErrorKind::UnexpectedEof,
                "{len}"
            );
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_system_that_takes_direct_writes_gets_them_and_a_flush_ends_them() {
        let dir = tempfile::tempdir_in(".").unwrap();
        let path = dir.path().join("probe");
        let mut writer = DirectWriter::new(File::create(&path).unwrap());
        if !writer.direct {
            eprintln!("this file system refuses direct writes: the buffered path was tested");
            return;
        }
        writer.write_all(&noise(CAPACITY + 10)).unwrap();
        assert!(writer.direct, "whole blocks keep direct writes on");
        writer.flush().unwrap();
        assert!(!writer.direct, "a partial block written ends them");
        writer.write_all(b"more").unwrap();
        let file = writer.into_file().unwrap();
        assert_eq!(file.metadata().unwrap().len(), CAPACITY as u64 + 14);
    }
}
