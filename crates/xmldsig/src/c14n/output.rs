//! Output buffering: the walk produces many short pieces (`<`, a prefix, `:`, a name, `="`), and a
//! sink such as a digest pays per call, so pieces are gathered into one buffer and handed on in
//! slices of [`CHUNK`] bytes or more.

use super::C14nSink;

/// How much to gather before writing to the sink.
const CHUNK: usize = 8 * 1024;

pub(crate) struct Output<'o> {
    sink: &'o mut dyn C14nSink,
    buffer: Vec<u8>,
    /// Bytes still allowed by the output limit; once a write would pass it, nothing more is
    /// written and `exceeded` is set for the walk to report.
    remaining: usize,
    pub(crate) exceeded: bool,
}

impl<'o> Output<'o> {
    pub(crate) fn new(sink: &'o mut dyn C14nSink, max_bytes: usize) -> Self {
        Output {
            sink,
            buffer: Vec::with_capacity(CHUNK),
            remaining: max_bytes,
            exceeded: false,
        }
    }

    #[inline]
    pub(crate) fn write(&mut self, bytes: &[u8]) {
        if bytes.len() > self.remaining {
            self.exceeded = true;
            self.remaining = 0;
            return;
        }
        self.remaining -= bytes.len();
        if self.buffer.len() + bytes.len() <= CHUNK {
            self.buffer.extend_from_slice(bytes);
        } else {
            self.flush();
            if bytes.len() >= CHUNK {
                self.sink.write(bytes);
            } else {
                self.buffer.extend_from_slice(bytes);
            }
        }
    }

    /// Hands what is buffered to the sink.
    pub(crate) fn flush(&mut self) {
        if !self.buffer.is_empty() {
            self.sink.write(&self.buffer);
            self.buffer.clear();
        }
    }
}
