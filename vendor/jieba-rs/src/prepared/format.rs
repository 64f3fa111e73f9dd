// The prepared dictionary's binary layout, written by build.rs (which
// `include!`s this file) and read by `prepared.rs`. Kept in one place so
// writer and reader cannot disagree.
//
// All integers little-endian. Each section from `chars` on starts at a
// multiple of ALIGN bytes (zeros pad the one before), so the reader can view
// it as a slice of its integer type in place:
//
// | field                 | size                  |
// |-----------------------|-----------------------|
// | MAGIC                 | 4                     |
// | node count N          | u32                   |
// | char count C          | u32                   |
// | frequency count F     | u32                   |
// | tag count T           | u32                   |
// | total frequency       | u64                   |
// | tags                  | T × (u8 len, bytes)   |
// | chars                 | C × u32 code point    |
// | frequencies           | F × u64, ascending    |
// | child counts          | N × u16               |
// | labels                | N × u16 char id       |
// | frequency classes     | N × u16               |
// | tag ids               | N × u8                |
//
// Nodes are the trie's prefixes in breadth-first order, node 0 the root, so
// the children of a node are consecutive and in the order of their parents:
// node i's children start after all the children of the nodes before it.
// (Counts, not those offsets, are stored: the offsets are u32s that gzip
// to 0.4 MB more of the worker's transfer, and summing is quick.)
// Siblings are sorted by label. A label is a char id, 1-based into `chars`
// (the root's label is 0); chars are numbered by how often they occur in the
// dictionary, most frequent first, which keeps labels small and compressible.
// A node's frequency class is 0 when it ends no word, else the 1-based index
// into `frequencies`.

pub(crate) const MAGIC: &[u8; 4] = b"JBP1";


/// Alignment of each array section, enough for its widest integer (u64).
pub(crate) const ALIGN: usize = 8;
