//! A minimal zip writer for artifacts: what GitHub's artifact service hands
//! out when a run's artifact is downloaded through the Actions API. Entries
//! are stored (not deflated) with their CRC-32, which every zip reader
//! accepts; names are taken as given, so a test can also build the hostile
//! archives a forged upload could hold (`../` names, absolute paths).

/// One entry: its name inside the archive, its bytes, and its Unix mode
/// (`0o100644` for a file; `0o120777` makes a symbolic link whose target is
/// the bytes).
#[derive(Clone, Debug)]
pub struct Entry {
    /// Name inside the archive, `/`-separated.
    pub name: String,
    /// Contents.
    pub data: Vec<u8>,
    /// Unix mode stored in the external attributes.
    pub mode: u32,
}

impl Entry {
    /// A regular file.
    pub fn file(name: &str, data: &[u8]) -> Self {
        Self {
            name: name.to_owned(),
            data: data.to_vec(),
            mode: 0o100_644,
        }
    }
}

/// The CRC-32 (IEEE) of `data`, as zip stores it.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

fn u16le(out: &mut Vec<u8>, v: usize) {
    out.extend_from_slice(
        &u16::try_from(v)
            .unwrap_or_else(|_| panic!("zip: field over 65535"))
            .to_le_bytes(),
    );
}

fn u32le(out: &mut Vec<u8>, v: usize) {
    out.extend_from_slice(
        &u32::try_from(v)
            .unwrap_or_else(|_| panic!("zip: over 4 GiB"))
            .to_le_bytes(),
    );
}

/// The archive holding `entries`, in order.
pub fn write(entries: &[Entry]) -> Vec<u8> {
    const UTF8_NAMES: usize = 0x0800;
    const DOS_DATE_1980_01_01: usize = 0x21;
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len();
        let crc = crc32(&e.data) as usize;
        let name = e.name.as_bytes();
        // Local file header.
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        u16le(&mut out, 20);
        u16le(&mut out, UTF8_NAMES);
        u16le(&mut out, 0); // stored
        u16le(&mut out, 0);
        u16le(&mut out, DOS_DATE_1980_01_01);
        u32le(&mut out, crc);
        u32le(&mut out, e.data.len());
        u32le(&mut out, e.data.len());
        u16le(&mut out, name.len());
        u16le(&mut out, 0);
        out.extend_from_slice(name);
        out.extend_from_slice(&e.data);
        // Central directory record.
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        u16le(&mut central, 0x0314); // made by Unix, zip 2.0
        u16le(&mut central, 20);
        u16le(&mut central, UTF8_NAMES);
        u16le(&mut central, 0);
        u16le(&mut central, 0);
        u16le(&mut central, DOS_DATE_1980_01_01);
        u32le(&mut central, crc);
        u32le(&mut central, e.data.len());
        u32le(&mut central, e.data.len());
        u16le(&mut central, name.len());
        u16le(&mut central, 0);
        u16le(&mut central, 0);
        u16le(&mut central, 0);
        u16le(&mut central, 0);
        central.extend_from_slice(&(e.mode << 16).to_le_bytes());
        u32le(&mut central, offset);
        central.extend_from_slice(name);
    }
    let central_offset = out.len();
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    u16le(&mut out, 0);
    u16le(&mut out, 0);
    u16le(&mut out, entries.len());
    u16le(&mut out, entries.len());
    u32le(&mut out, central.len());
    u32le(&mut out, central_offset);
    u16le(&mut out, 0);
    out
}
