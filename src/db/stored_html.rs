//! Rendered HTML as a lesson row keeps it (`lessons.body_html`, and the
//! one-page view's delta in `lessons.all_html`): compressed (issue 20: the
//! rendered page was the largest column of the database, about twice its
//! markdown). This module alone knows the stored bytes; the rest of the code
//! packs HTML into a [`StoredHtml`] when a lesson is written and reads the
//! HTML back from it when a page is built.
//!
//! Format: the byte `0xFE`, then a zstd frame of the HTML; or (rows
//! written before zstd) the byte `0xFF`, then a brotli stream. Any other
//! stored value is the HTML itself as UTF-8 (rows written before, values
//! that compression would not shrink, and the empty value). UTF-8 text never
//! contains the bytes `0xFE` or `0xFF`, so the three cannot be confused.
//!
//! The columns are `bytea` on PostgreSQL (migration 17). On SQLite they keep
//! their declared type `TEXT`, which holds blobs as they are (SQLite types
//! values, not columns); older rows stay text until rewritten or converted
//! by migration 17, and both read back alike.

use std::io::Read;

use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, IntoActiveValue, QueryResult, TryGetError, TryGetable, Value};

/// Starts a zstd frame; never a byte of UTF-8 text.
const ZSTD: u8 = 0xFE;
/// Starts a brotli stream (values written before zstd, and by migration
/// 17); never a byte of UTF-8 text.
const BROTLI: u8 = 0xFF;

/// Values shorter than this are kept as they are: a frame's few bytes of
/// framing would eat the saving, and the column is read more than written.
const SMALLEST: usize = 64;

/// zstd's level: its fastest but one. A cold sync packs every lesson, and
/// on the generated pages brotli at quality 1 packed 3.1 to 1 at about 160
/// MB/s, a quarter of Lectern's time in a cold sync (`perf`); zstd at
/// level 1 packs the same pages 3.3 to 1 at about twice the speed, and
/// unpacks them twice as fast when a page is built.
const LEVEL: i32 = 1;

/// HTML as stored in a lesson row. Opaque on purpose: [`StoredHtml::pack`]
/// makes one, [`StoredHtml::html`] gives the HTML back.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct StoredHtml(Vec<u8>);

impl StoredHtml {
    /// `html` compressed for storing (done where it is rendered: sync packs
    /// on every core).
    pub fn pack(html: &str) -> StoredHtml {
        let bytes = html.as_bytes();
        if bytes.len() < SMALLEST {
            return StoredHtml(bytes.to_vec());
        }
        // One compressor a thread, kept: its tables are made once.
        let frame = COMPRESSOR.with_borrow_mut(|compressor| {
            if compressor.is_none() {
                *compressor = zstd::bulk::Compressor::new(LEVEL).ok();
            }
            compressor.as_mut()?.compress(bytes).ok()
        });
        match frame {
            Some(frame) if frame.len() + 1 < bytes.len() => {
                let mut out = Vec::with_capacity(frame.len() + 1);
                out.push(ZSTD);
                out.extend_from_slice(&frame);
                StoredHtml(out)
            }
            _ => StoredHtml(bytes.to_vec()),
        }
    }

    /// The HTML this value stands for. A value that does not decode (never
    /// written so) is an error naming what it is, never a half page.
    pub fn html(&self) -> Result<String, DbErr> {
        let (read, packed): (Unpack, _) = match self.0.split_first() {
            Some((&ZSTD, packed)) => (unzstd, packed),
            Some((&BROTLI, packed)) => (unbrotli, packed),
            _ => {
                return String::from_utf8(self.0.clone())
                    .map_err(|_| DbErr::Type("stored HTML is neither UTF-8 nor compressed".into()))
            }
        };
        let mut html = String::with_capacity(packed.len() * 5);
        read(packed, &mut html)
            .map_err(|e| DbErr::Type(format!("stored HTML does not decompress ({e})")))?;
        Ok(html)
    }

    /// Bytes this value takes in its column.
    pub fn stored_len(&self) -> usize {
        self.0.len()
    }

    /// Whether this value is kept compressed.
    pub fn is_packed(&self) -> bool {
        matches!(self.0.first(), Some(&ZSTD | &BROTLI))
    }
}

thread_local! {
    static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// Reads a compressed value's HTML into the string given.
type Unpack = fn(&[u8], &mut String) -> std::io::Result<usize>;

fn unzstd(packed: &[u8], html: &mut String) -> std::io::Result<usize> {
    zstd::stream::read::Decoder::with_buffer(packed)?.read_to_string(html)
}

fn unbrotli(packed: &[u8], html: &mut String) -> std::io::Result<usize> {
    brotli::Decompressor::new(packed, 4096).read_to_string(html)
}

impl std::fmt::Debug for StoredHtml {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.html() {
            Ok(html) => write!(f, "StoredHtml({html:?})"),
            Err(_) => write!(f, "StoredHtml(<{} bytes, broken>)", self.0.len()),
        }
    }
}

impl From<StoredHtml> for Value {
    fn from(value: StoredHtml) -> Value {
        Value::Bytes(Some(value.0))
    }
}

impl TryGetable for StoredHtml {
    fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
        // SQLite gives a text value (a row not converted yet) as its bytes.
        Vec::<u8>::try_get_by(res, idx).map(StoredHtml)
    }
}

impl ValueType for StoredHtml {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        match v {
            Value::Bytes(Some(bytes)) => Ok(StoredHtml(bytes)),
            Value::String(Some(text)) => Ok(StoredHtml(text.into_bytes())),
            _ => Err(ValueTypeErr),
        }
    }

    fn type_name() -> String {
        "StoredHtml".to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::Bytes
    }

    fn column_type() -> ColumnType {
        ColumnType::Blob
    }
}

impl Nullable for StoredHtml {
    fn null() -> Value {
        Value::Bytes(None)
    }
}

impl IntoActiveValue<StoredHtml> for StoredHtml {
    fn into_active_value(self) -> sea_orm::ActiveValue<StoredHtml> {
        sea_orm::ActiveValue::Set(self)
    }
}

#[cfg(test)]
mod tests {
    use super::{StoredHtml, BROTLI, ZSTD};

    #[test]
    fn html_comes_back_byte_for_byte_and_pages_are_stored_small() {
        let page: String = (0..200)
            .map(|i| format!("<p>Line {i} with <code class=\"hs\">\"é\"</code>\r\n</p>\n"))
            .collect();
        let stored = StoredHtml::pack(&page);
        assert!(stored.is_packed());
        assert!(
            stored.stored_len() * 5 < page.len(),
            "{}",
            stored.stored_len()
        );
        assert_eq!(stored.html().unwrap(), page);
        for small in ["", "<p>x</p>", "\u{1}=0,4;"] {
            let stored = StoredHtml::pack(small);
            assert!(!stored.is_packed());
            assert_eq!(stored.html().unwrap(), small);
        }
    }

    #[test]
    fn text_stored_before_reads_as_itself_and_broken_values_are_errors() {
        let old = StoredHtml(b"<p>written as text</p>".to_vec());
        assert_eq!(old.html().unwrap(), "<p>written as text</p>");
        // Brotli, as rows were packed before zstd (and by migration 17).
        let page = "<p>An older page, packed with brotli.</p>\n".repeat(40);
        let mut packed = vec![BROTLI];
        let params = brotli::enc::BrotliEncoderParams::default();
        brotli::BrotliCompress(&mut page.as_bytes(), &mut packed, &params).unwrap();
        let old = StoredHtml(packed);
        assert!(old.is_packed());
        assert_eq!(old.html().unwrap(), page);
        assert!(StoredHtml(vec![ZSTD, 1, 2, 3]).html().is_err());
        assert!(StoredHtml(vec![BROTLI, 1, 2, 3]).html().is_err());
        assert!(StoredHtml(vec![0xC3]).html().is_err());
    }
}
