//! Reading a large export without going through the page cache.
//!
//! An export is read once, front to back per table, and is often larger than what is worth caching (a 5 M-kernel
//! export is 4 GB). Read through the page cache, every 4 KiB page is first allocated and mapped by the kernel and
//! then copied; on a virtual machine whose memory is not yet backed, that costs more system time than SQLite spends
//! decoding the rows (measured on the project's 2-core machine: 8 s of system time to read 4.25 GB through the cache, 0.14 s
//! with `O_DIRECT`). So a file that is not already in the page cache is read by a small SQLite VFS that opens it
//! with `O_DIRECT` and reads aligned 1 MiB blocks into a few private buffers per connection ([`BLOCKS`]), which are
//! reused for the whole run. Everything else (temporary files, file names, time) is left to SQLite's default VFS.
//!
//! [`ReadMode::Auto`] (the default) reads directly only when it pays: a file of at least [`DIRECT_MIN_BYTES`] of
//! which less than half is in the page cache (asked with `mincore`), on Linux. Where `O_DIRECT` is refused (tmpfs,
//! some network file systems), or a direct read fails with `EINVAL`, the file is read through the page cache as
//! before. The export is opened `immutable` (see [`crate::read::nsys::sqlite::open`]), so the VFS takes no locks and never
//! writes.
//!
//! This file is longer than the project's ~600-line guide on purpose: the VFS's C callbacks, the file struct SQLite
//! hands back to them and the block buffers share `unsafe` invariants (the `sqlite3_file` layout, who owns which
//! buffer) that are checked by reading them together; split across files they would be harder to audit.

use std::sync::atomic::{AtomicU64, Ordering};

/// How [`crate::read::nsys::sqlite::open`] reads an export: a value each load carries
/// ([`crate::read::nsys::ReadOptions::io`]), never a process-wide setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadMode {
    /// Direct reads for a large file that is mostly not in the page cache; the page cache otherwise.
    #[default]
    Auto = 0,
    /// Always direct reads (falls back to the page cache where the file system refuses them).
    Direct = 1,
    /// Always through the page cache (SQLite's default VFS).
    Buffered = 2,
}

impl ReadMode {
    /// The mode's name, as `--io` spells it.
    pub fn name(self) -> &'static str {
        match self {
            ReadMode::Auto => "auto",
            ReadMode::Direct => "direct",
            ReadMode::Buffered => "buffered",
        }
    }
}

impl std::str::FromStr for ReadMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [ReadMode::Auto, ReadMode::Direct, ReadMode::Buffered]
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| format!("unknown read mode {s:?} (auto, direct or buffered)"))
    }
}

/// Files smaller than this are read through the page cache in [`ReadMode::Auto`] (the cache costs little there).
pub const DIRECT_MIN_BYTES: u64 = 64 << 20;
/// Size of one direct read, bytes (a multiple of every logical block size).
pub const BLOCK: usize = 1 << 20;
/// Buffers of [`BLOCK`] bytes kept per open connection (least recently used one reused).
pub const BLOCKS: usize = 8;

static DIRECT_OPENS: AtomicU64 = AtomicU64::new(0);

/// How many connections of this process opened their export with `O_DIRECT` so far (the others read through the
/// page cache).
pub fn direct_opens() -> u64 {
    DIRECT_OPENS.load(Ordering::Relaxed)
}

/// The name of the SQLite VFS to open `path` (already open as `file`, `len` bytes) with: the direct-read VFS when
/// `mode` and the file call for it and it could be registered, `None` for SQLite's default.
pub fn vfs_for(path: &std::path::Path, file: &std::fs::File, len: u64, mode: ReadMode) -> Option<&'static str> {
    let direct = match mode {
        ReadMode::Buffered => false,
        ReadMode::Direct => true,
        ReadMode::Auto => len >= DIRECT_MIN_BYTES && not_cached(path, file, len),
    };
    if direct {
        imp::register()
    } else {
        None
    }
}

/// Whether less than half of `path` is in the page cache; asked once per file and process (every connection of
/// one analysis reads the same way, and asking costs ~30 ms at 4 GB).
fn not_cached(path: &std::path::Path, file: &std::fs::File, len: u64) -> bool {
    static SEEN: std::sync::Mutex<Vec<(std::path::PathBuf, u64, bool)>> = std::sync::Mutex::new(Vec::new());
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(&(_, _, v)) = seen.iter().find(|(p, l, _)| p == path && *l == len) {
        return v;
    }
    let v = imp::resident_fraction(file, len).is_some_and(|f| f < 0.5);
    seen.push((path.to_path_buf(), len, v));
    v
}

#[cfg(target_os = "linux")]
mod imp {
    use std::ffi::{c_char, c_int, c_void, CStr};
    use std::fs::File;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::{FileExt, OpenOptionsExt};
    use std::path::PathBuf;
    use std::sync::{mpsc, OnceLock};

    use rusqlite::ffi;

    use super::{BLOCK, BLOCKS};

    const NAME: &CStr = c"latency-anatomy-direct";
    /// Alignment of the buffers and offsets of direct reads.
    const ALIGN: usize = 4096;

    /// Registers the VFS once; its name, or `None` where SQLite has no default VFS to build on.
    pub(super) fn register() -> Option<&'static str> {
        static REGISTERED: OnceLock<bool> = OnceLock::new();
        let ok = *REGISTERED.get_or_init(|| unsafe {
            let base = ffi::sqlite3_vfs_find(std::ptr::null());
            if base.is_null() || (*base).xOpen.is_none() {
                return false;
            }
            BASE.store(base, std::sync::atomic::Ordering::Release);
            // Everything but opening is SQLite's default VFS (same app data, so its own functions work unchanged).
            let mut vfs: ffi::sqlite3_vfs = std::ptr::read(base);
            vfs.szOsFile = vfs.szOsFile.max(std::mem::size_of::<DirectFile>() as c_int);
            vfs.zName = NAME.as_ptr();
            vfs.pNext = std::ptr::null_mut();
            vfs.xOpen = Some(x_open);
            let vfs = Box::leak(Box::new(vfs));
            ffi::sqlite3_vfs_register(vfs, 0) == ffi::SQLITE_OK
        });
        ok.then(|| NAME.to_str().unwrap_or_default())
    }

    static BASE: std::sync::atomic::AtomicPtr<ffi::sqlite3_vfs> = std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());

    /// The fraction of `f`'s pages in the page cache (`mincore` over a mapping that is never touched), asked
    /// in windows so that the answer buffer stays small (see [`Buf::new`] for why large allocations matter).
    pub(super) fn resident_fraction(f: &File, len: u64) -> Option<f64> {
        use std::os::fd::AsRawFd;
        let len = usize::try_from(len).ok().filter(|&l| l > 0)?;
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as usize;
        let mut vec = [0u8; 16384];
        let window = vec.len() * page;
        let (mut resident, mut pages) = (0usize, 0usize);
        unsafe {
            let addr = libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_SHARED, f.as_raw_fd(), 0);
            if addr == libc::MAP_FAILED {
                return None;
            }
            let mut at = 0;
            let mut ok = true;
            while at < len && ok {
                let n = window.min(len - at);
                ok = libc::mincore((addr as *mut u8).add(at) as *mut c_void, n, vec.as_mut_ptr()) == 0;
                let k = n.div_ceil(page);
                resident += vec[..k].iter().filter(|&&b| b & 1 != 0).count();
                pages += k;
                at += n;
            }
            libc::munmap(addr, len);
            ok.then(|| resident as f64 / pages.max(1) as f64)
        }
    }

    /// SQLite's file object for a file we read ourselves: the base (methods) first, then our state.
    #[repr(C)]
    struct DirectFile {
        base: ffi::sqlite3_file,
        state: *mut State,
    }

    /// An aligned buffer of [`BLOCK`] bytes, owned by whoever holds it (the cache or the read-ahead thread).
    struct Buf(*mut u8);

    // SAFETY: a `Buf` is a private anonymous mapping handed whole from one thread to the other, never shared.
    unsafe impl Send for Buf {}

    impl Buf {
        /// A fresh buffer from an anonymous mapping (page-aligned). Not from `malloc`: freeing a 1 MiB block would
        /// raise glibc's mmap threshold and send the analysis' own large allocations to the heap (135 MB more peak
        /// RSS measured at 5 M kernels).
        fn new() -> Buf {
            let p = unsafe {
                libc::mmap(std::ptr::null_mut(), BLOCK, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, -1, 0)
            };
            if p == libc::MAP_FAILED {
                std::alloc::handle_alloc_error(std::alloc::Layout::new::<[u8; BLOCK]>());
            }
            Buf(p as *mut u8)
        }

        fn slice(&mut self) -> &mut [u8] {
            unsafe { std::slice::from_raw_parts_mut(self.0, BLOCK) }
        }
    }

    impl Drop for Buf {
        fn drop(&mut self) {
            unsafe { libc::munmap(self.0 as *mut c_void, BLOCK) };
        }
    }

    /// Reads up to `want` bytes at `off` into `buf` (whole aligned blocks when `direct`; the kernel stops at the
    /// end of the file). Returns the bytes read.
    fn read_block(file: &File, direct: bool, buf: &mut [u8], off: u64, want: usize) -> std::io::Result<usize> {
        let mut got = 0;
        while got < want {
            let ask = if direct { (want - got).next_multiple_of(ALIGN) } else { want - got };
            match file.read_at(&mut buf[got..got + ask], off + got as u64) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
            if direct && got % ALIGN != 0 {
                break; // a short direct read: the end of the file
            }
        }
        Ok(got.min(want))
    }

    /// One cached block: a buffer and the file range it holds.
    struct Block {
        buf: Buf,
        /// File offset of the buffer's first byte (a multiple of [`BLOCK`]); `u64::MAX` while empty.
        off: u64,
        /// Valid bytes (less than [`BLOCK`] only at the end of the file).
        len: usize,
        /// Last use, for least-recently-used replacement.
        used: u64,
    }

    /// A thread that reads the next block while SQLite decodes this one (one request in flight at a time).
    struct ReadAhead {
        to: Option<mpsc::Sender<(u64, usize, Buf)>>,
        from: mpsc::Receiver<(u64, Buf, std::io::Result<usize>)>,
        thread: Option<std::thread::JoinHandle<()>>,
        /// Offset of the block being read, if any.
        pending: Option<u64>,
    }

    impl ReadAhead {
        fn start(file: &File) -> std::io::Result<ReadAhead> {
            let file = file.try_clone()?;
            let (to, requests) = mpsc::channel::<(u64, usize, Buf)>();
            let (done, from) = mpsc::channel();
            let thread = std::thread::Builder::new().name("read-ahead".into()).spawn(move || {
                for (off, want, mut buf) in requests {
                    let r = read_block(&file, true, buf.slice(), off, want);
                    if done.send((off, buf, r)).is_err() {
                        break;
                    }
                }
            })?;
            Ok(ReadAhead { to: Some(to), from, thread: Some(thread), pending: None })
        }

        /// Waits for the request in flight: its offset, buffer and result.
        fn wait(&mut self) -> Option<(u64, Buf, std::io::Result<usize>)> {
            self.pending.take()?;
            self.from.recv().ok()
        }
    }

    impl Drop for ReadAhead {
        fn drop(&mut self) {
            self.to = None; // the thread ends after the request in flight
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
        }
    }

    struct State {
        file: File,
        path: PathBuf,
        size: u64,
        /// `false` once the file system refused a direct read: the file is then read through the page cache.
        direct: bool,
        blocks: Vec<Block>,
        clock: u64,
        /// Index in `blocks` of the last block read from, tried first.
        last: usize,
        /// Offset of the last block that was not cached (a miss right after it starts the read-ahead).
        last_miss: u64,
        /// A buffer for the next read-ahead.
        spare: Option<Buf>,
        ahead: Option<ReadAhead>,
    }

    impl State {
        fn new(file: File, path: PathBuf, size: u64) -> State {
            State { file, path, size, direct: true, blocks: Vec::new(), clock: 0, last: 0, last_miss: u64::MAX, spare: None, ahead: None }
        }

        /// Bytes of the block at `off`.
        fn want(&self, off: u64) -> usize {
            (BLOCK as u64).min(self.size - off) as usize
        }

        /// The block that holds `pos` (< file size), read if needed.
        fn block(&mut self, pos: u64) -> std::io::Result<&Block> {
            let off = pos - pos % BLOCK as u64;
            self.clock += 1;
            let hit = if self.blocks.get(self.last).is_some_and(|b| b.off == off) {
                Some(self.last)
            } else {
                self.blocks.iter().position(|b| b.off == off)
            };
            let i = match hit {
                Some(i) => i,
                None => self.miss(off)?,
            };
            self.last = i;
            let b = &mut self.blocks[i];
            b.used = self.clock;
            Ok(b)
        }

        /// Brings the block at `off` into the cache (from the read-ahead when it has it); returns its index.
        fn miss(&mut self, off: u64) -> std::io::Result<usize> {
            let sequential = self.last_miss.checked_add(BLOCK as u64) == Some(off);
            self.last_miss = off;
            let i = if self.blocks.len() < BLOCKS {
                self.blocks.push(Block { buf: Buf::new(), off: u64::MAX, len: 0, used: 0 });
                self.blocks.len() - 1
            } else {
                (0..self.blocks.len()).min_by_key(|&i| self.blocks[i].used).unwrap_or(0)
            };
            let block = &mut self.blocks[i];
            block.off = u64::MAX;
            let mut read = None;
            if let Some((at, mut buf, r)) = self.ahead.as_mut().and_then(ReadAhead::wait) {
                if let (true, Ok(n)) = (at == off, r) {
                    std::mem::swap(&mut block.buf, &mut buf);
                    read = Some(n);
                }
                self.spare = Some(buf);
            }
            let len = match read {
                Some(n) => n,
                None => self.fill(i, off)?,
            };
            let block = &mut self.blocks[i];
            block.off = off;
            block.len = len;
            let next = off + BLOCK as u64;
            if sequential && self.direct && next < self.size {
                if self.ahead.is_none() {
                    self.ahead = ReadAhead::start(&self.file).ok();
                }
                let want = self.want(next);
                if let Some(ra) = self.ahead.as_mut() {
                    let buf = self.spare.take().unwrap_or_else(Buf::new);
                    if ra.to.as_ref().is_some_and(|t| t.send((next, want, buf)).is_ok()) {
                        ra.pending = Some(next);
                    }
                }
            }
            Ok(i)
        }

        /// Fills `out` with the bytes at `ofst`: `true` when all of them exist, `false` when the file ends first (the
        /// rest of `out` is then zeros, as SQLite wants of a short read).
        fn read(&mut self, out: &mut [u8], ofst: u64) -> std::io::Result<bool> {
            let mut done = 0;
            while done < out.len() {
                let pos = ofst + done as u64;
                if pos >= self.size {
                    break;
                }
                let b = self.block(pos)?;
                let at = (pos - b.off) as usize;
                if at >= b.len {
                    break; // the file is shorter than it was at open
                }
                let n = (b.len - at).min(out.len() - done);
                out[done..done + n].copy_from_slice(unsafe { std::slice::from_raw_parts(b.buf.0.add(at), n) });
                done += n;
            }
            out[done..].fill(0);
            Ok(done == out.len())
        }

        /// Reads the block at `off` into buffer `i` on this thread; returns the bytes read.
        fn fill(&mut self, i: usize, off: u64) -> std::io::Result<usize> {
            let want = self.want(off);
            match read_block(&self.file, self.direct, self.blocks[i].buf.slice(), off, want) {
                Err(e) if self.direct && e.raw_os_error() == Some(libc::EINVAL) => {
                    // This file system takes O_DIRECT at open but not at read: use the page cache from now on.
                    self.ahead = None;
                    self.file = File::open(&self.path)?;
                    self.direct = false;
                    read_block(&self.file, false, self.blocks[i].buf.slice(), off, want)
                }
                r => r,
            }
        }
    }

    unsafe fn state<'a>(f: *mut ffi::sqlite3_file) -> &'a mut State {
        unsafe { &mut *(*(f as *mut DirectFile)).state }
    }

    unsafe extern "C" fn x_open(
        _vfs: *mut ffi::sqlite3_vfs,
        name: *const c_char,
        file: *mut ffi::sqlite3_file,
        flags: c_int,
        out_flags: *mut c_int,
    ) -> c_int {
        let base = BASE.load(std::sync::atomic::Ordering::Acquire);
        let ours = !name.is_null() && flags & ffi::SQLITE_OPEN_MAIN_DB != 0 && flags & ffi::SQLITE_OPEN_READONLY != 0;
        let opened = if ours {
            let path = PathBuf::from(std::ffi::OsStr::from_bytes(unsafe { CStr::from_ptr(name) }.to_bytes()));
            std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_DIRECT)
                .open(&path)
                .and_then(|f| Ok((f.metadata()?.len(), f)))
                .ok()
                .map(|(size, fd)| (path, size, fd))
        } else {
            None
        };
        let Some((path, size, fd)) = opened else {
            // Not the export, or O_DIRECT refused: SQLite's default VFS opens it in the same space.
            return unsafe { ((*base).xOpen.expect("checked at registration"))(base, name, file, flags, out_flags) };
        };
        super::DIRECT_OPENS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let state = Box::new(State::new(fd, path, size));
        unsafe {
            let f = file as *mut DirectFile;
            (*f).base.pMethods = &METHODS;
            (*f).state = Box::into_raw(state);
            if !out_flags.is_null() {
                *out_flags = flags;
            }
        }
        ffi::SQLITE_OK
    }

    static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
        iVersion: 1,
        xClose: Some(x_close),
        xRead: Some(x_read),
        xWrite: Some(x_write),
        xTruncate: Some(x_truncate),
        xSync: Some(x_sync),
        xFileSize: Some(x_file_size),
        xLock: Some(x_lock),
        xUnlock: Some(x_lock),
        xCheckReservedLock: Some(x_check_reserved_lock),
        xFileControl: Some(x_file_control),
        xSectorSize: Some(x_sector_size),
        xDeviceCharacteristics: Some(x_device_characteristics),
        xShmMap: None,
        xShmLock: None,
        xShmBarrier: None,
        xShmUnmap: None,
        xFetch: None,
        xUnfetch: None,
    };

    unsafe extern "C" fn x_close(f: *mut ffi::sqlite3_file) -> c_int {
        unsafe {
            let f = f as *mut DirectFile;
            if !(*f).state.is_null() {
                drop(Box::from_raw((*f).state));
                (*f).state = std::ptr::null_mut();
            }
        }
        ffi::SQLITE_OK
    }

    unsafe extern "C" fn x_read(f: *mut ffi::sqlite3_file, out: *mut c_void, amt: c_int, ofst: ffi::sqlite3_int64) -> c_int {
        let (Ok(amt), Ok(ofst)) = (usize::try_from(amt), u64::try_from(ofst)) else {
            return ffi::SQLITE_IOERR_READ;
        };
        let out = unsafe { std::slice::from_raw_parts_mut(out as *mut u8, amt) };
        match unsafe { state(f) }.read(out, ofst) {
            Ok(true) => ffi::SQLITE_OK,
            Ok(false) => ffi::SQLITE_IOERR_SHORT_READ,
            Err(_) => ffi::SQLITE_IOERR_READ,
        }
    }

    unsafe extern "C" fn x_write(_: *mut ffi::sqlite3_file, _: *const c_void, _: c_int, _: ffi::sqlite3_int64) -> c_int {
        ffi::SQLITE_READONLY
    }

    unsafe extern "C" fn x_truncate(_: *mut ffi::sqlite3_file, _: ffi::sqlite3_int64) -> c_int {
        ffi::SQLITE_READONLY
    }

    unsafe extern "C" fn x_sync(_: *mut ffi::sqlite3_file, _: c_int) -> c_int {
        ffi::SQLITE_OK
    }

    unsafe extern "C" fn x_file_size(f: *mut ffi::sqlite3_file, size: *mut ffi::sqlite3_int64) -> c_int {
        unsafe { *size = state(f).size as ffi::sqlite3_int64 };
        ffi::SQLITE_OK
    }

    /// The export is opened `immutable`: nothing to lock.
    unsafe extern "C" fn x_lock(_: *mut ffi::sqlite3_file, _: c_int) -> c_int {
        ffi::SQLITE_OK
    }

    unsafe extern "C" fn x_check_reserved_lock(_: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
        unsafe { *out = 0 };
        ffi::SQLITE_OK
    }

    unsafe extern "C" fn x_file_control(_: *mut ffi::sqlite3_file, _: c_int, _: *mut c_void) -> c_int {
        ffi::SQLITE_NOTFOUND
    }

    unsafe extern "C" fn x_sector_size(_: *mut ffi::sqlite3_file) -> c_int {
        ALIGN as c_int
    }

    unsafe extern "C" fn x_device_characteristics(_: *mut ffi::sqlite3_file) -> c_int {
        ffi::SQLITE_IOCAP_IMMUTABLE
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn byte(i: u64) -> u8 {
            (i.wrapping_mul(2654435761) >> 13) as u8
        }

        /// A file of 3.5 MiB + 123 bytes of a known pattern, opened with and without `O_DIRECT` (the direct case only
        /// where the file system takes it).
        fn states() -> (tempfile::TempDir, Vec<State>) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("f.bin");
            let size = 3 * BLOCK as u64 + BLOCK as u64 / 2 + 123;
            std::fs::write(&path, (0..size).map(byte).collect::<Vec<u8>>()).unwrap();
            let mut out = Vec::new();
            if let Ok(f) = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_DIRECT).open(&path) {
                out.push(State::new(f, path.clone(), size));
            }
            let mut buffered = State::new(File::open(&path).unwrap(), path.clone(), size);
            buffered.direct = false;
            out.push(buffered);
            (dir, out)
        }

        fn check(st: &mut State, ofst: u64, len: usize) {
            let mut out = vec![0xAAu8; len];
            let whole = st.read(&mut out, ofst).unwrap();
            let expect: Vec<u8> = (ofst..ofst + len as u64).map(|i| if i < st.size { byte(i) } else { 0 }).collect();
            assert_eq!(whole, ofst + len as u64 <= st.size, "short-read flag at {ofst}+{len}");
            assert!(out == expect, "bytes at {ofst}+{len} (direct: {})", st.direct);
        }

        #[test]
        fn sequential_pages_with_read_ahead() {
            let (_dir, states) = states();
            for mut st in states {
                let mut at = 0;
                while at < st.size + 4096 {
                    check(&mut st, at, 4096);
                    at += 4096;
                }
                assert!(st.blocks.len() <= BLOCKS);
                assert_eq!(st.ahead.is_some(), st.direct, "read-ahead runs for direct reads only");
            }
        }

        #[test]
        fn random_reads_across_blocks_and_past_the_end() {
            let (_dir, states) = states();
            let mut x = 0x9E3779B97F4A7C15u64;
            let mut next = move || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            };
            for mut st in states {
                for k in 0..600 {
                    let size = st.size;
                    let ofst = next() % (size + 5000);
                    let len = 1 + (next() % if k % 3 == 0 { 2_500_000 } else { 70_000 }) as usize;
                    check(&mut st, ofst, len);
                    if k % 50 == 0 {
                        // A run of consecutive blocks now and then, so read-ahead results are used and discarded.
                        let start = next() % size;
                        for j in 0..4 {
                            check(&mut st, start + j * BLOCK as u64, 100);
                        }
                    }
                }
                check(&mut st, 0, 100); // SQLite's header read
                let size = st.size;
                check(&mut st, size - 1, 1);
                check(&mut st, size, 10);
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    pub(super) fn register() -> Option<&'static str> {
        None
    }
    pub(super) fn resident_fraction(_: &std::fs::File, _: u64) -> Option<f64> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::ReadMode;

    #[test]
    fn read_mode_names_parse_back() {
        for m in [ReadMode::Auto, ReadMode::Direct, ReadMode::Buffered] {
            assert_eq!(m.name().parse::<ReadMode>(), Ok(m));
        }
        assert!("sideways".parse::<ReadMode>().unwrap_err().contains("auto, direct or buffered"));
    }
}
