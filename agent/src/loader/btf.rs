//! A small reader of the kernel's BTF (`/sys/kernel/btf/vmlinux`), enough to find struct member
//! offsets.
//!
//! Constraints: Rust eBPF programs get no CO-RE relocations, so every offset a program uses is
//! computed here from the running kernel and handed to the program before load. Members may sit
//! inside anonymous structs and unions (`file.f_path` and `dentry.d_name` do on 6.18), so the
//! search descends into them. aya's `Btf` parses the same data but does not expose members.
//! The parsed blob is dropped after the offsets are computed.

use std::{fs, io, path::Path};

/// Where the running kernel publishes its BTF.
pub const VMLINUX: &str = "/sys/kernel/btf/vmlinux";

#[derive(Debug, thiserror::Error)]
pub enum BtfError {
    #[error("reading {path}: {source}")]
    Read { path: String, source: io::Error },
    #[error("{path} is not BTF: {source}")]
    Malformed { path: String, source: BtfFormatError },
    #[error("struct {0} not found in the kernel's BTF")]
    NoStruct(String),
    #[error("struct {strukt} has no member {member} in the kernel's BTF")]
    NoMember { strukt: String, member: String },
    #[error("{strukt}.{member} is a bitfield; only whole members are supported")]
    Bitfield { strukt: String, member: String },
}

/// Why bytes are not BTF.
#[derive(Debug, thiserror::Error)]
pub enum BtfFormatError {
    #[error("{0} bytes is shorter than a BTF header")]
    Short(usize),
    #[error("bad magic {0:#06x}")]
    Magic(u16),
    #[error("the {0} section is out of bounds")]
    Section(&'static str),
    #[error("unknown BTF kind {kind} at type offset {at}")]
    Kind { kind: u32, at: usize },
}

const MAGIC: u16 = 0xeb9f;

const KIND_INT: u32 = 1;
const KIND_PTR: u32 = 2;
const KIND_ARRAY: u32 = 3;
const KIND_STRUCT: u32 = 4;
const KIND_UNION: u32 = 5;
const KIND_ENUM: u32 = 6;
const KIND_FWD: u32 = 7;
const KIND_TYPEDEF: u32 = 8;
const KIND_VOLATILE: u32 = 9;
const KIND_CONST: u32 = 10;
const KIND_RESTRICT: u32 = 11;
const KIND_FUNC: u32 = 12;
const KIND_FUNC_PROTO: u32 = 13;
const KIND_VAR: u32 = 14;
const KIND_DATASEC: u32 = 15;
const KIND_FLOAT: u32 = 16;
const KIND_DECL_TAG: u32 = 17;
const KIND_TYPE_TAG: u32 = 18;
const KIND_ENUM64: u32 = 19;

/// One type record: where it starts in the type section, and its decoded `info` word.
#[derive(Clone, Copy)]
struct TypeRec {
    at: usize,
    name_off: u32,
    kind: u32,
    vlen: usize,
    kind_flag: bool,
    size_or_type: u32,
}

/// Parsed BTF: the type records indexed by id (id 0 is `void`).
pub struct Btf {
    types: Vec<u8>,
    strings: Vec<u8>,
    index: Vec<TypeRec>,
    little: bool,
}

impl std::fmt::Debug for Btf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Btf").field("types", &self.index.len()).finish()
    }
}

impl Btf {
    /// Read and index the running kernel's BTF.
    pub fn from_sys_fs() -> Result<Self, BtfError> {
        Self::from_file(Path::new(VMLINUX))
    }

    pub fn from_file(path: &Path) -> Result<Self, BtfError> {
        let data =
            fs::read(path).map_err(|source| BtfError::Read { path: path.display().to_string(), source })?;
        Self::parse(&data).map_err(|source| BtfError::Malformed { path: path.display().to_string(), source })
    }

    pub fn parse(data: &[u8]) -> Result<Self, BtfFormatError> {
        if data.len() < 24 {
            return Err(BtfFormatError::Short(data.len()));
        }
        let little = match u16::from_le_bytes([data[0], data[1]]) {
            MAGIC => true,
            m if m.swap_bytes() == MAGIC => false,
            m => return Err(BtfFormatError::Magic(m)),
        };
        let rd = |at: usize| -> u32 {
            let b = [data[at], data[at + 1], data[at + 2], data[at + 3]];
            if little { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) }
        };
        let hdr_len = rd(4) as usize;
        let (type_off, type_len, str_off, str_len) =
            (rd(8) as usize, rd(12) as usize, rd(16) as usize, rd(20) as usize);
        let section = |off: usize, len: usize, what: &'static str| {
            let start = hdr_len + off;
            data.get(start..start + len).map(<[u8]>::to_vec).ok_or(BtfFormatError::Section(what))
        };
        let types = section(type_off, type_len, "type")?;
        let strings = section(str_off, str_len, "string")?;

        let mut btf = Btf { types, strings, index: Vec::new(), little };
        btf.index.push(TypeRec { at: 0, name_off: 0, kind: 0, vlen: 0, kind_flag: false, size_or_type: 0 });
        let mut at = 0;
        while at + 12 <= btf.types.len() {
            let info = btf.u32_at(at + 4);
            let rec = TypeRec {
                at,
                name_off: btf.u32_at(at),
                kind: (info >> 24) & 0x1f,
                vlen: (info & 0xffff) as usize,
                kind_flag: info >> 31 == 1,
                size_or_type: btf.u32_at(at + 8),
            };
            let extra = match rec.kind {
                KIND_INT | KIND_VAR | KIND_DECL_TAG => 4,
                KIND_PTR | KIND_FWD | KIND_TYPEDEF | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT
                | KIND_FUNC | KIND_FLOAT | KIND_TYPE_TAG => 0,
                KIND_ARRAY => 12,
                KIND_STRUCT | KIND_UNION | KIND_DATASEC | KIND_ENUM64 => 12 * rec.vlen,
                KIND_ENUM | KIND_FUNC_PROTO => 8 * rec.vlen,
                kind => return Err(BtfFormatError::Kind { kind, at }),
            };
            btf.index.push(rec);
            at += 12 + extra;
        }
        Ok(btf)
    }

    fn u32_at(&self, at: usize) -> u32 {
        let b = [self.types[at], self.types[at + 1], self.types[at + 2], self.types[at + 3]];
        if self.little { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) }
    }

    fn name(&self, off: u32) -> &[u8] {
        let rest = self.strings.get(off as usize..).unwrap_or(&[]);
        let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        &rest[..end]
    }

    /// Follow typedefs and qualifiers to the underlying type id.
    fn resolve(&self, mut id: u32) -> u32 {
        for _ in 0..32 {
            match self.index.get(id as usize) {
                Some(t)
                    if matches!(
                        t.kind,
                        KIND_TYPEDEF | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT | KIND_TYPE_TAG
                    ) =>
                {
                    id = t.size_or_type;
                }
                _ => break,
            }
        }
        id
    }

    /// The id of the struct (or union) named `name`, preferring a complete definition.
    pub fn struct_id(&self, name: &str) -> Option<u32> {
        self.index.iter().enumerate().find_map(|(id, t)| {
            (matches!(t.kind, KIND_STRUCT | KIND_UNION) && self.name(t.name_off) == name.as_bytes())
                .then_some(id as u32)
        })
    }

    /// Byte offset of `member` in the struct (or union) with id `id`, searching anonymous
    /// members; `None` if absent. `Err` if it is a bitfield.
    fn member_in(&self, id: u32, member: &str, strukt: &str) -> Result<Option<(u32, u32)>, BtfError> {
        let t = self.index[self.resolve(id) as usize];
        if !matches!(t.kind, KIND_STRUCT | KIND_UNION) {
            return Ok(None);
        }
        for i in 0..t.vlen {
            let m = t.at + 12 + 12 * i;
            let (name_off, ty, raw) = (self.u32_at(m), self.u32_at(m + 4), self.u32_at(m + 8));
            let (bit_off, bit_size) = if t.kind_flag { (raw & 0xff_ffff, raw >> 24) } else { (raw, 0) };
            let name = self.name(name_off);
            if name == member.as_bytes() {
                if bit_size != 0 || bit_off % 8 != 0 {
                    return Err(BtfError::Bitfield { strukt: strukt.into(), member: member.into() });
                }
                return Ok(Some((bit_off / 8, ty)));
            }
            if name.is_empty()
                && let Some((inner, ty)) = self.member_in(ty, member, strukt)?
            {
                return Ok(Some((bit_off / 8 + inner, ty)));
            }
        }
        Ok(None)
    }

    /// Byte offset of a member path like `"f_path.dentry"` in struct `strukt`, descending into
    /// anonymous structs and unions along the way.
    pub fn member_offset(&self, strukt: &str, path: &str) -> Result<u32, BtfError> {
        let mut id = self.struct_id(strukt).ok_or_else(|| BtfError::NoStruct(strukt.into()))?;
        let mut total = 0;
        for part in path.split('.') {
            let (off, ty) = self
                .member_in(id, part, strukt)?
                .ok_or_else(|| BtfError::NoMember { strukt: strukt.into(), member: path.into() })?;
            total += off;
            id = ty;
        }
        Ok(total)
    }

    /// Whether a function (e.g. an LSM hook's `bpf_lsm_file_open`) is in the kernel's BTF.
    pub fn has_func(&self, name: &str) -> bool {
        self.index.iter().any(|t| t.kind == KIND_FUNC && self.name(t.name_off) == name.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Build a tiny BTF blob: `struct outer { int a; union { long b; int c; }; struct inner in; }`
    /// with `struct inner { int x; int y; }`.
    fn sample() -> Vec<u8> {
        let strings = b"\0int\0long\0outer\0a\0b\0c\0inner\0in\0x\0y\0";
        let s = |name: &str| -> u32 {
            let needle = format!("\0{name}\0");
            strings.windows(needle.len()).position(|w| w == needle.as_bytes()).unwrap() as u32 + 1
        };
        let mut types = Vec::new();
        let mut push = |words: &[u32]| {
            for w in words {
                types.extend_from_slice(&w.to_le_bytes());
            }
        };
        let info = |kind: u32, vlen: u32| (kind << 24) | vlen;
        // 1: int (4 bytes)
        push(&[s("int"), info(KIND_INT, 0), 4, 32]);
        // 2: long (8 bytes)
        push(&[s("long"), info(KIND_INT, 0), 8, 64]);
        // 3: anonymous union { long b; int c; }
        push(&[0, info(KIND_UNION, 2), 8, s("b"), 2, 0, s("c"), 1, 0]);
        // 4: struct inner { int x; int y; }
        push(&[s("inner"), info(KIND_STRUCT, 2), 8, s("x"), 1, 0, s("y"), 1, 32]);
        // 5: struct outer { int a; <anon union> at 8; struct inner in at 16 }
        push(&[s("outer"), info(KIND_STRUCT, 3), 24, s("a"), 1, 0, 0, 3, 64, s("in"), 4, 128]);

        let mut blob = Vec::new();
        blob.extend_from_slice(&0xeb9fu16.to_le_bytes());
        blob.push(1); // version
        blob.push(0); // flags
        for w in [24u32, 0, types.len() as u32, types.len() as u32, strings.len() as u32] {
            blob.extend_from_slice(&w.to_le_bytes());
        }
        blob.extend_from_slice(&types);
        blob.extend_from_slice(strings);
        blob
    }

    #[test]
    fn finds_direct_anonymous_and_nested_members() {
        let btf = Btf::parse(&sample()).unwrap();
        assert_eq!(btf.member_offset("outer", "a").unwrap(), 0);
        assert_eq!(btf.member_offset("outer", "b").unwrap(), 8);
        assert_eq!(btf.member_offset("outer", "c").unwrap(), 8);
        assert_eq!(btf.member_offset("outer", "in").unwrap(), 16);
        assert_eq!(btf.member_offset("outer", "in.y").unwrap(), 20);
    }

    #[test]
    fn missing_things_are_named() {
        let btf = Btf::parse(&sample()).unwrap();
        assert_eq!(
            btf.member_offset("nope", "a").unwrap_err().to_string(),
            "struct nope not found in the kernel's BTF"
        );
        assert_eq!(
            btf.member_offset("outer", "in.z").unwrap_err().to_string(),
            "struct outer has no member in.z in the kernel's BTF"
        );
    }

    #[test]
    fn rejects_garbage() {
        assert!(Btf::parse(b"not btf at all, not at all").is_err());
    }

    /// The real kernel: the offsets the programs need exist and are plausible.
    #[test]
    fn running_kernel_has_task_struct_members() {
        let Ok(btf) = Btf::from_sys_fs() else {
            assert!(std::env::var_os("CI").is_none(), "CI: {VMLINUX} must be readable");
            eprintln!("skipped: {VMLINUX} not readable here");
            return;
        };
        let tgid = btf.member_offset("task_struct", "tgid").unwrap();
        let cred = btf.member_offset("task_struct", "real_cred").unwrap();
        assert!(tgid > 0 && cred > tgid);
        assert_eq!(btf.member_offset("cred", "uid").unwrap() % 4, 0);
        // On 6.x, f_path sits in an anonymous union/struct of struct file on some kernels.
        assert!(btf.member_offset("file", "f_path.dentry").is_ok());
    }
}
