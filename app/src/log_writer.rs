//! A log writer that never makes request handlers wait on stdout.
//!
//! Handlers append formatted lines to an in-memory buffer; a background thread writes the
//! buffer out every [`FLUSH_INTERVAL`], in one `write` call for many lines. Writing each line
//! as it comes costs a system call (and, through a channel, a thread wake-up) per request,
//! which is a large share of a request's cost at tens of thousands of requests per second.
//! Memory stays bounded: past [`MAX_BUFFERED_BYTES`] the writing handler flushes the buffer
//! itself. No line is dropped; the [`FlushGuard`] flushes what is left on exit.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

pub(crate) const FLUSH_INTERVAL: Duration = Duration::from_millis(50);
pub(crate) const MAX_BUFFERED_BYTES: usize = 1024 * 1024;

type Sink = Box<dyn Write + Send>;

#[derive(Clone)]
pub(crate) struct BatchedWriter {
    shared: Arc<Shared>,
}

struct Shared {
    buffer: Mutex<Vec<u8>>,
    sink: Mutex<Sink>,
    stopping: AtomicBool,
}

/// A panic while a lock is held cannot leave a byte buffer or a writer inconsistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Swaps the filled buffer with the flusher's empty `spare` under the lock and writes it
    /// outside, so handlers only ever wait for a memcpy, never for the sink. Both buffers
    /// keep their capacity, so steady logging does not allocate.
    fn flush(&self, spare: &mut Vec<u8>) {
        std::mem::swap(&mut *lock(&self.buffer), spare);
        if !spare.is_empty() {
            self.write_sink(spare);
            spare.clear();
        }
    }

    fn write_sink(&self, bytes: &[u8]) {
        let mut sink = lock(&self.sink);
        // There is nowhere left to report a failing stdout to; those lines are lost either way.
        let _ = sink.write_all(bytes).and_then(|()| sink.flush());
    }
}

/// Flushes the remaining lines and stops the flusher thread when dropped.
pub(crate) struct FlushGuard {
    shared: Arc<Shared>,
    flusher: Option<JoinHandle<()>>,
}

impl BatchedWriter {
    pub(crate) fn stdout() -> (Self, FlushGuard) {
        Self::new(Box::new(io::stdout()))
    }

    pub(crate) fn new(sink: Sink) -> (Self, FlushGuard) {
        let shared = Arc::new(Shared {
            buffer: Mutex::new(Vec::with_capacity(64 * 1024)),
            sink: Mutex::new(sink),
            stopping: AtomicBool::new(false),
        });
        let for_thread = shared.clone();
        let flusher = std::thread::Builder::new()
            .name("log-flusher".into())
            .spawn(move || {
                let mut spare = Vec::with_capacity(64 * 1024);
                while !for_thread.stopping.load(Ordering::Acquire) {
                    std::thread::park_timeout(FLUSH_INTERVAL);
                    for_thread.flush(&mut spare);
                }
                for_thread.flush(&mut spare);
            })
            .expect("cannot start the log flusher thread");
        let guard = FlushGuard {
            shared: shared.clone(),
            flusher: Some(flusher),
        };
        (Self { shared }, guard)
    }
}

impl Drop for FlushGuard {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::Release);
        if let Some(flusher) = self.flusher.take() {
            flusher.thread().unpark();
            if flusher.join().is_err() {
                // The flusher died (its sink panicked): flush here, on the way out.
                self.shared.flush(&mut Vec::new());
            }
        }
    }
}

pub(crate) struct LineWriter<'a> {
    shared: &'a Shared,
}

impl Write for LineWriter<'_> {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        let mut buffer = lock(&self.shared.buffer);
        buffer.extend_from_slice(line);
        if buffer.len() >= MAX_BUFFERED_BYTES {
            // Backpressure instead of unbounded growth when the sink cannot keep up.
            self.shared.write_sink(&buffer);
            buffer.clear();
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchedWriter {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter {
            shared: &self.shared,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            lock(&self.0).extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(lock(&self.0).clone()).unwrap()
        }
    }

    #[test]
    fn lines_arrive_in_order_within_the_flush_interval_and_on_drop() {
        let captured = Captured::default();
        let (writer, guard) = BatchedWriter::new(Box::new(captured.clone()));
        writer.make_writer().write_all(b"one\n").unwrap();
        writer.make_writer().write_all(b"two\n").unwrap();
        let deadline = std::time::Instant::now() + FLUSH_INTERVAL * 20;
        while captured.text().is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(FLUSH_INTERVAL / 5);
        }
        assert_eq!(
            captured.text(),
            "one\ntwo\n",
            "flushed by the background thread"
        );
        writer.make_writer().write_all(b"three\n").unwrap();
        drop(guard);
        assert_eq!(captured.text(), "one\ntwo\nthree\n", "flushed on drop");
    }

    #[test]
    fn a_full_buffer_is_written_by_the_caller() {
        let captured = Captured::default();
        let (writer, _guard) = BatchedWriter::new(Box::new(captured.clone()));
        let line = vec![b'x'; MAX_BUFFERED_BYTES];
        writer.make_writer().write_all(&line).unwrap();
        // No waiting: the write itself flushed, so memory never grows past the limit.
        assert_eq!(captured.text().len(), MAX_BUFFERED_BYTES);
    }
}
